/**
 * The `faults` kind of scenario: a steady open-loop load through each transport with one fault in the middle
 * (a consumer SIGKILLed, the broker restarted or killed), measuring what was lost, what was delivered twice, how
 * long until the system kept up again, and the latency over time.
 */
import { z } from 'zod';
import { UsageError } from '../host/errors.ts';
import { formatJob, parseJob } from '../roles/job.ts';
import { commonFlags, flag, list, wholeNumber } from '../engine/options.ts';
import { resolveConfig } from '../plugins/registry.ts';
import { open } from '../load/open.ts';
import type { ScenarioKind } from '../engine/scenario.ts';
import { REDIS_PERSISTENCE, type RedisPersistence } from '../services/redis-persistence.ts';
import type { ServiceSet } from '../services/provision.ts';
import { parseTransportChoice, transportIdentity, type TransportChoice } from '../transports/registry.ts';
import { FAULT_KINDS, faultsPhases, hitsBroker, type FaultKind, type FaultPlan } from './faults-sample.ts';
import { pointIdentity, rateLabel } from './plan.ts';
import { CONSUMER_AXES, jobFlag, payloadFlag, transportsFlag } from './process.ts';
import { pointServices } from './transport-roles.ts';

const flags = {
  repeat: commonFlags.repeat,
  timeout: flag(commonFlags.timeout, '<s>', 'seconds after the end of the load to wait for deliveries (must cover BullMQ’s stalled-job recovery)'),
  transports: transportsFlag,
  fault: flag(list(z.enum(FAULT_KINDS, { message: `must be one of ${FAULT_KINDS.join(', ')}` })), '<list>', `faults to inject, comma-separated: ${FAULT_KINDS.join(', ')}`),
  redisPersistence: flag(list(z.enum(REDIS_PERSISTENCE, { message: `must be one of ${REDIS_PERSISTENCE.join(', ')}` })), '<list>', `Redis persistence for broker faults of Redis-backed transports: ${REDIS_PERSISTENCE.join(', ')}`),
  workers: flag(wholeNumber(1, 64), '<n>', 'consumer processes (worker threads for in-process transports)'),
  concurrency: flag(wholeNumber(1, 10_000), '<n>', 'jobs in flight per consumer'),
  rate: flag(wholeNumber(1, 1_000_000), '<n>', 'messages per second (open loop only)'),
  duration: flag(wholeNumber(2, 3_600), '<s>', 'seconds of load per sample'),
  faultAt: flag(wholeNumber(1, 3_600), '<s>', 'seconds into the load when the fault is injected'),
  job: jobFlag,
  payload: payloadFlag,
};

export interface FaultsSettings {
  /** Pause before a crashed process is replaced, and between a producer's reconnect attempts. */
  readonly restartDelayMs: number;
}

/** Whether the work survives a restart of where it waits: no for in-memory delivery or Redis without persistence. */
function persistsAcrossRestart(plan: FaultPlan): boolean {
  if (!hitsBroker(plan)) return false;
  return plan.redisPersistence ? plan.redisPersistence !== 'none' : transportIdentity(plan.choice, plan.concurrency).traits.durable;
}

/** Persistence variants apply where a broker fault hits Redis; elsewhere a point has none. */
function persistenceVariants(choice: TransportChoice, fault: FaultKind, modes: readonly RedisPersistence[]): ReadonlyArray<RedisPersistence | undefined> {
  return hitsBroker({ fault, choice }) && choice.definition.services.includes('redis') ? modes : [undefined];
}

/** Broker faults restart servers: only servers hopbench started itself can be (native processes, or containers). */
function checkRestartable(plans: readonly FaultPlan[], services: ServiceSet): void {
  for (const plan of plans.filter(hitsBroker)) {
    for (const kind of plan.choice.definition.services) {
      const service = services.get(kind);
      if (!service.restart) throw new UsageError(`--fault ${plan.fault} restarts ${kind}, which hopbench did not start (${service.provider}): use --services native or docker, or --fault worker-kill`);
    }
  }
}

export const faultsKind: ScenarioKind<typeof flags, FaultPlan, FaultsSettings> = {
  flags,
  axes: CONSUMER_AXES,
  measures: { throughput: 'messages/s delivered', latency: 'intended send → job done (first delivery of each message)' },
  sweep(options, _given, settings) {
    if (options.faultAt >= options.duration) throw new UsageError(`--fault-at ${options.faultAt} must be earlier than --duration ${options.duration}: the fault happens during the load`);
    if (options.rate * options.duration > 10_000_000) throw new UsageError(`--rate × --duration is ${options.rate * options.duration} messages: at most 10,000,000 per sample`);
    const job = parseJob(options.job);
    return [...new Set(options.transports)].map(parseTransportChoice).flatMap((choice) =>
      [...new Set(options.fault)].flatMap((fault) =>
        persistenceVariants(choice, fault, [...new Set(options.redisPersistence)]).map(
          (redisPersistence): FaultPlan => ({
            choice,
            config: resolveConfig(choice),
            fault,
            redisPersistence,
            workers: options.workers,
            concurrency: options.concurrency,
            perSec: options.rate,
            load: open({ perSec: options.rate }),
            warmup: 0,
            durationSec: options.duration,
            faultAtSec: options.faultAt,
            job,
            payloadBytes: options.payload,
            timeoutMs: options.timeout * 1000,
            restartDelayMs: settings.restartDelayMs,
          }),
        ),
      ),
    );
  },
  identity(plan) {
    const { label, definition } = plan.choice;
    const persistence = plan.redisPersistence ? ` redis ${plan.redisPersistence}` : '';
    const axes = { workers: plan.workers, concurrency: plan.concurrency };
    return pointIdentity(transportIdentity(plan.choice, plan.concurrency), plan, axes, `${label} ${plan.fault}${persistence} W=${plan.workers} C=${plan.concurrency}${rateLabel(plan)}`, {
        fault: plan.fault,
        // What the fault did to this transport: a transport without a broker loses the process holding the work.
        faultTarget: hitsBroker(plan) ? definition.services.join('+') : definition.inProcess ? 'the process holding the in-memory work' : 'consumer process 0',
        ...(plan.redisPersistence ? { redisPersistence: plan.redisPersistence } : {}),
        ...(plan.fault === 'worker-kill' ? {} : { persistentBroker: persistsAcrossRestart(plan) }),
        durationSec: plan.durationSec,
        faultAtSec: plan.faultAtSec,
        job: formatJob(plan.job),
        restartDelayMs: plan.restartDelayMs,
    });
  },
  services: (plan) => pointServices(plan.choice, plan.job),
  phases: faultsPhases,
  checkServices: checkRestartable,
};
