/**
 * The `process` kind of scenario: N jobs through a transport to W consumer processes × concurrency C. A scenario
 * file declares its defaults; this module validates flags, expands the sweep and wraps each point's sample runner.
 */
import { z } from 'zod';
import { formatJob, jobServices, parseJob } from '../jobs.ts';
import { drain } from '../load/drain.ts';
import { rate } from '../load/rate.ts';
import { commonFlags, list, names, parseFlags, rateFlag, requireClosedLoopFor, wholeNumber } from '../options.ts';
import type { RunPoint, Scenario } from '../scenario.ts';
import { PROCESS_AXES } from './axes.ts';
import { parseTransportChoice, resolveConfig, transportIdentity } from '../transports/registry.ts';
import { placementOf, runSample, type PointPlan } from './process-sample.ts';

export const processFlags = z
  .object({
    ...commonFlags,
    transports: names,
    workers: list(wholeNumber(1, 64)),
    concurrency: list(wholeNumber(1, 10_000)),
    rate: rateFlag,
    job: z.string(),
    payload: wholeNumber(0, 16 * 1024 * 1024),
    batch: wholeNumber(1, 100_000),
    inflight: wholeNumber(1, 10_000),
  })
  .partial()
  .strict();

export type ProcessOptions = Required<z.output<typeof processFlags>>;

/** A default that differs for one transport, applied only when the user did not set that option. */
export interface DefaultOverride {
  readonly transport: string;
  readonly messages?: number;
  readonly warmup?: number;
  /** Shown in README and results: why this transport gets other defaults. */
  readonly reason: string;
}

export interface ProcessScenarioDefinition {
  readonly name: string;
  readonly description: string;
  readonly measures: string;
  readonly defaults: ProcessOptions;
  readonly defaultOverrides?: readonly DefaultOverride[];
}

export function processPoint(plan: PointPlan): RunPoint {
  const { definition, label } = plan.choice;
  return {
    identity: {
      ...transportIdentity(plan.choice),
      workers: plan.workers,
      concurrency: plan.concurrency,
      label: `${label} W=${plan.workers} C=${plan.concurrency}`,
      params: {
        loadModel: plan.load.name,
        ...plan.load.params,
        messages: plan.messages,
        warmup: plan.warmup,
        job: formatJob(plan.job),
        payloadBytes: plan.payloadBytes,
        timeoutSec: plan.timeoutMs / 1000,
        placement: placementOf(definition, plan.workers),
      },
      config: plan.config,
    },
    runSample: ({ services, sampleId, signal, onProgress }) => runSample(plan, services, sampleId, signal, onProgress),
  };
}

/** Typed helper, like vitest's defineConfig. */
export function defineProcessScenario(definition: ProcessScenarioDefinition): Scenario {
  return {
    name: definition.name,
    description: definition.description,
    measures: definition.measures,
    axes: PROCESS_AXES,
    plan(rawFlags) {
      const flags = parseFlags(processFlags, rawFlags, definition.name);
      const options: ProcessOptions = { ...definition.defaults, ...flags };
      const closedLoop = options.rate === 'max';
      requireClosedLoopFor(flags, closedLoop);
      const job = parseJob(options.job);
      const choices = [...new Set(options.transports)].map(parseTransportChoice);
      const load = closedLoop ? drain({ batch: options.batch, inflight: options.inflight }) : rate({ perSec: options.rate as number });
      const points: RunPoint[] = [];
      for (const choice of choices) {
        const override = definition.defaultOverrides?.find((candidate) => candidate.transport === choice.label);
        const messages = flags.messages ?? override?.messages ?? options.messages;
        const warmup = flags.warmup ?? override?.warmup ?? options.warmup;
        const config = resolveConfig(choice);
        for (const workers of options.workers) {
          for (const concurrency of options.concurrency) {
            points.push(processPoint({ choice, config, workers, concurrency, messages, warmup, job, payloadBytes: options.payload, load, timeoutMs: options.timeout * 1000 }));
          }
        }
      }
      const services = [...new Set([...choices.flatMap((choice) => choice.definition.services), ...jobServices(job)])];
      return { points, repeat: options.repeat, services, options: { ...options, job: formatJob(job) } };
    },
  };
}
