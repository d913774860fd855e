/**
 * The `enqueue` kind of scenario: how fast P producer processes hand messages to a broker, and how long each
 * hand-off takes (BullMQ add resolved, RabbitMQ confirm, Postgres commit, pg-boss send resolved). Nothing consumes.
 */
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { drain } from '../load/drain.ts';
import { rate } from '../load/rate.ts';
import { commonFlags, list, names, parseFlags, rateFlag, requireClosedLoopFor, wholeNumber } from '../options.ts';
import type { RunPoint, Scenario } from '../scenario.ts';
import { parseTransportChoice, resolveConfig, transportIdentity } from '../transports/registry.ts';
import { ENQUEUE_AXES } from './axes.ts';
import { runEnqueueSample, type EnqueuePlan } from './enqueue-sample.ts';

export const enqueueFlags = z
  .object({
    ...commonFlags,
    transports: names,
    producers: list(wholeNumber(1, 64)),
    /** 1 = single sends; more = sendBatch of that many. */
    batch: list(wholeNumber(1, 100_000)),
    payload: list(wholeNumber(0, 16 * 1024 * 1024)),
    inflight: wholeNumber(1, 10_000),
    rate: rateFlag,
  })
  .partial()
  .strict();

export type EnqueueOptions = Required<z.output<typeof enqueueFlags>>;

export interface EnqueueScenarioDefinition {
  readonly name: string;
  readonly description: string;
  readonly measures: string;
  readonly defaults: EnqueueOptions;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

export function enqueuePoint(plan: EnqueuePlan): RunPoint {
  const { label } = plan.choice;
  const { spec } = plan.load;
  const sends = spec.name === 'rate' ? `${spec.perSec}/s` : spec.batch > 1 ? `batch ${spec.batch}` : 'single';
  return {
    identity: {
      ...transportIdentity(plan.choice),
      workers: plan.producers,
      concurrency: spec.name === 'drain' ? spec.inflight : 0,
      label: `${label} P=${plan.producers} ${sends} ${formatBytes(plan.payloadBytes)}`,
      params: {
        loadModel: plan.load.name,
        ...plan.load.params,
        producers: plan.producers,
        messages: plan.messages,
        warmup: plan.warmup,
        payloadBytes: plan.payloadBytes,
        timeoutSec: plan.timeoutMs / 1000,
      },
      config: plan.config,
    },
    runSample: (context) => runEnqueueSample(plan, context),
  };
}

/** Typed helper, like vitest's defineConfig. */
export function defineEnqueueScenario(definition: EnqueueScenarioDefinition): Scenario {
  return {
    name: definition.name,
    description: definition.description,
    measures: definition.measures,
    axes: ENQUEUE_AXES,
    plan(rawFlags) {
      const flags = parseFlags(enqueueFlags, rawFlags, definition.name);
      const options: EnqueueOptions = { ...definition.defaults, ...flags };
      const closedLoop = options.rate === 'max';
      requireClosedLoopFor(flags, closedLoop);
      const choices = [...new Set(options.transports)].map(parseTransportChoice);
      const brokerless = choices.find((choice) => !choice.definition.traits.crossProcess);
      if (brokerless) {
        throw new UsageError(`${brokerless.label} has no broker to enqueue into (its hand-off is the in-process call the process scenario measures): leave it out of --transports`);
      }
      if (!closedLoop && options.producers.some((producers) => (options.rate as number) < producers)) {
        throw new UsageError(`--rate ${options.rate} is below one message per second per producer: lower --producers or raise --rate`);
      }
      const loads = closedLoop ? [...new Set(options.batch)].map((batch) => drain({ batch, inflight: options.inflight })) : [rate({ perSec: options.rate as number })];
      const points: RunPoint[] = [];
      for (const choice of choices) {
        const config = resolveConfig(choice);
        for (const producers of options.producers) {
          for (const load of loads) {
            for (const payloadBytes of options.payload) {
              points.push(enqueuePoint({ choice, config, producers, load, messages: options.messages, warmup: options.warmup, payloadBytes, timeoutMs: options.timeout * 1000 }));
            }
          }
        }
      }
      return { points, repeat: options.repeat, services: [...new Set(choices.flatMap((choice) => choice.definition.services))], options };
    },
  };
}
