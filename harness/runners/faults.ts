/**
 * The `faults` kind of scenario: a steady open-loop load through each transport with one fault in the middle
 * (a consumer SIGKILLed, the broker restarted or killed), measuring what was lost, what was delivered twice, how
 * long until the system kept up again, and the latency over time. A scenario file declares its defaults.
 */
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { formatJob, jobServices, parseJob } from '../jobs.ts';
import { commonFlags, list, names, parseFlags, wholeNumber } from '../options.ts';
import type { Axes, RunPoint, Scenario } from '../scenario.ts';
import { REDIS_PERSISTENCE, type RedisPersistence } from '../services/redis-persistence.ts';
import type { ServiceSet } from '../services/provision.ts';
import { parseTransportChoice, resolveConfig, transportIdentity, type TransportChoice } from '../transports/registry.ts';
import { FAULT_KINDS, hitsBroker, runFaultSample, type FaultKind, type FaultPlan } from './faults-sample.ts';

export const FAULTS_AXES: Axes = {
  workers: 'consumer processes',
  concurrency: 'jobs in flight per consumer',
  throughput: 'messages/s delivered',
  latency: 'intended send → job done (first delivery of each message)',
};

export const faultsFlags = z
  .object({
    repeat: commonFlags.repeat,
    timeout: commonFlags.timeout,
    transports: names,
    fault: list(z.enum(FAULT_KINDS, { message: `must be one of ${FAULT_KINDS.join(', ')}` })),
    redisPersistence: list(z.enum(REDIS_PERSISTENCE, { message: `must be one of ${REDIS_PERSISTENCE.join(', ')}` })),
    workers: wholeNumber(1, 64),
    concurrency: wholeNumber(1, 10_000),
    rate: wholeNumber(1, 1_000_000),
    duration: wholeNumber(2, 3_600),
    faultAt: wholeNumber(1, 3_600),
    job: z.string(),
    payload: wholeNumber(0, 16 * 1024 * 1024),
  })
  .partial()
  .strict();

export type FaultsOptions = Required<z.output<typeof faultsFlags>>;

export interface FaultsScenarioDefinition {
  readonly name: string;
  readonly description: string;
  readonly measures: string;
  readonly defaults: FaultsOptions;
  /** Pause before a crashed process is replaced, and between a producer's reconnect attempts. */
  readonly restartDelayMs: number;
}

function faultPoint(plan: FaultPlan): RunPoint {
  const { label, definition } = plan.choice;
  const persistence = plan.redisPersistence ? ` redis ${plan.redisPersistence}` : '';
  return {
    identity: {
      ...transportIdentity(plan.choice),
      workers: plan.workers,
      concurrency: plan.concurrency,
      label: `${label} ${plan.fault}${persistence} W=${plan.workers} C=${plan.concurrency}`,
      params: {
        loadModel: 'rate',
        perSec: plan.perSec,
        fault: plan.fault,
        // What the fault did to this transport: a transport without a broker loses the process holding the work.
        faultTarget: hitsBroker(plan) ? definition.services.join('+') : definition.traits.crossProcess ? 'consumer process 0' : 'the process holding the in-memory work',
        ...(plan.redisPersistence ? { redisPersistence: plan.redisPersistence } : {}),
        ...(plan.fault === 'worker-kill' ? {} : { persistentBroker: persistsAcrossRestart(plan) }),
        durationSec: plan.durationSec,
        faultAtSec: plan.faultAtSec,
        job: formatJob(plan.job),
        payloadBytes: plan.payloadBytes,
        timeoutSec: plan.timeoutMs / 1000,
        restartDelayMs: plan.restartDelayMs,
      },
      config: plan.config,
    },
    runSample: (context) => runFaultSample(plan, context),
  };
}

/** Whether the work survives a restart of where it waits: no for in-memory delivery or Redis without persistence. */
function persistsAcrossRestart(plan: FaultPlan): boolean {
  if (!hitsBroker(plan)) return false;
  return plan.redisPersistence ? plan.redisPersistence !== 'none' : plan.choice.definition.traits.durable;
}

/** Persistence variants apply where a broker fault hits Redis; elsewhere a point has none. */
function persistenceVariants(choice: TransportChoice, fault: FaultKind, modes: readonly RedisPersistence[]): ReadonlyArray<RedisPersistence | undefined> {
  return hitsBroker({ fault, choice }) && choice.definition.services.includes('redis') ? modes : [undefined];
}

/** Broker faults restart servers: only servers hopbench started itself can be. */
function checkRestartable(points: readonly FaultPlan[], services: ServiceSet): void {
  for (const plan of points.filter(hitsBroker)) {
    for (const kind of plan.choice.definition.services) {
      const service = services.get(kind);
      if (!service.restart) {
        throw new UsageError(`--fault ${plan.fault} restarts ${kind}, which hopbench did not start (${service.provider}): use --services native, or --fault worker-kill`);
      }
    }
  }
}

/** Typed helper, like vitest's defineConfig. */
export function defineFaultsScenario(definition: FaultsScenarioDefinition): Scenario {
  return {
    name: definition.name,
    description: definition.description,
    measures: definition.measures,
    axes: FAULTS_AXES,
    plan(rawFlags) {
      const flags = parseFlags(faultsFlags, rawFlags, definition.name);
      const options: FaultsOptions = { ...definition.defaults, ...flags };
      if (options.faultAt >= options.duration) throw new UsageError(`--fault-at ${options.faultAt} must be earlier than --duration ${options.duration}: the fault happens during the load`);
      if (options.rate * options.duration > 10_000_000) throw new UsageError(`--rate × --duration is ${options.rate * options.duration} messages: at most 10,000,000 per sample`);
      const job = parseJob(options.job);
      const choices = [...new Set(options.transports)].map(parseTransportChoice);
      const plans: FaultPlan[] = [];
      for (const choice of choices) {
        const config = resolveConfig(choice);
        for (const fault of [...new Set(options.fault)]) {
          for (const redisPersistence of persistenceVariants(choice, fault, [...new Set(options.redisPersistence)])) {
            plans.push({
              choice,
              config,
              fault,
              redisPersistence,
              workers: options.workers,
              concurrency: options.concurrency,
              perSec: options.rate,
              durationSec: options.duration,
              faultAtSec: options.faultAt,
              job,
              payloadBytes: options.payload,
              timeoutMs: options.timeout * 1000,
              restartDelayMs: definition.restartDelayMs,
            });
          }
        }
      }
      const services = [...new Set([...choices.flatMap((choice) => choice.definition.services), ...jobServices(job)])];
      return {
        points: plans.map(faultPoint),
        repeat: options.repeat,
        services,
        options: { ...options, job: formatJob(job) },
        checkServices: (provisioned) => checkRestartable(plans, provisioned),
      };
    },
  };
}
