/**
 * Scenarios are declarative (scenarios/<name>.ts): which load model, which sweep, which defaults. This module turns
 * a scenario plus command-line flags into the run points the runner executes.
 */
import { formatJob, jobServices, parseJob } from './jobs.ts';
import { drain } from './load/drain.ts';
import { rate } from './load/rate.ts';
import type { QueueFlags } from './options.ts';
import type { PointPlan } from './runner.ts';
import type { ServiceKind } from './services/types.ts';
import { parseTransportChoice, resolveConfig } from './transports/registry.ts';
import { UsageError } from './errors.ts';

export type QueueOptions = Required<QueueFlags>;

/** A default that differs for one transport, applied only when the user did not set that option. */
export interface DefaultOverride {
  readonly transport: string;
  readonly messages?: number;
  readonly warmup?: number;
  /** Shown in README and results: why this transport gets other defaults. */
  readonly reason: string;
}

export interface QueueScenario {
  readonly name: string;
  readonly description: string;
  /** What is measured and how, in a sentence or two (README, report). */
  readonly measures: string;
  readonly defaults: QueueOptions;
  readonly defaultOverrides?: readonly DefaultOverride[];
}

/** Typed helper, like vitest's defineConfig. */
export function defineScenario(scenario: QueueScenario): QueueScenario {
  return scenario;
}

export interface BenchPlan {
  readonly points: readonly PointPlan[];
  readonly repeat: number;
  readonly services: readonly ServiceKind[];
  /** The effective options, for the result file. */
  readonly options: QueueOptions;
}

export function planScenario(scenario: QueueScenario, flags: QueueFlags): BenchPlan {
  const options: QueueOptions = { ...scenario.defaults, ...flags };
  const closedLoop = options.rate === 'max';
  if (!closedLoop && (flags.batch !== undefined || flags.inflight !== undefined)) {
    throw new UsageError('--batch and --inflight apply to --rate max (closed loop) only; an open-loop --rate sends each message on its own schedule');
  }
  const job = parseJob(options.job);
  const choices = [...new Set(options.transports)].map(parseTransportChoice);
  const load = closedLoop ? drain({ batch: options.batch, inflight: options.inflight }) : rate({ perSec: options.rate as number });
  const points: PointPlan[] = [];
  for (const choice of choices) {
    const override = scenario.defaultOverrides?.find((candidate) => candidate.transport === choice.label);
    const messages = flags.messages ?? override?.messages ?? options.messages;
    const warmup = flags.warmup ?? override?.warmup ?? options.warmup;
    const config = resolveConfig(choice);
    for (const workers of options.workers) {
      for (const concurrency of options.concurrency) {
        points.push({ choice, config, workers, concurrency, messages, warmup, job, payloadBytes: options.payload, load, timeoutMs: options.timeout * 1000 });
      }
    }
  }
  const services = [...new Set([...choices.flatMap((choice) => choice.definition.services), ...jobServices(job)])];
  return { points, repeat: options.repeat, services, options: { ...options, job: formatJob(job) } };
}
