/**
 * The `process` kind of scenario: N jobs through a transport to W consumer processes × concurrency C, from one
 * producer process. Closed loop drains a backlog; open loop offers a fixed rate.
 */
import { z } from 'zod';
import { UsageError } from '../host/errors.ts';
import { JOB_SYNTAX, formatJob, parseJob } from '../roles/job.ts';
import { closed } from '../load/closed.ts';
import { capacityFlags, capacitySpec, commonFlags, flag, list, names, rateValue, checkLoadFlags, wholeNumber } from '../engine/options.ts';
import { resolveConfig } from '../plugins/registry.ts';
import { sweepAxes, type ScenarioKind } from '../engine/scenario.ts';
import { TRANSPORT_SPECS, parseTransportChoice, transportIdentity } from '../transports/registry.ts';
import { processPhases, type ProcessPlan } from './process-sample.ts';
import { AGENT_PLACEMENTS, minWorkers } from '../placement/placement.ts';
import { pointIdentity, rateLabel, rateLoad } from './plan.ts';
import { open } from '../load/open.ts';
import { consumersWhere, pointServices } from './transport-roles.ts';
import { checkPersistence, persistenceLabel, persistenceModes, persistenceParams, redisPersistenceFlag } from './persistence.ts';

export const transportsFlag = flag(names, '<list>', `comma-separated transports, name or name:preset (${TRANSPORT_SPECS.join(', ')})`);
export const jobFlag = flag(z.string(), '<kind>', `what each job does: ${JOB_SYNTAX}`);
export const agentsFlag = (description: string) =>
  flag(list(z.url({ protocol: /^https?$/, message: 'must be an http:// URL of a hopbench agent' })).optional(), '<urls>', description);
export const payloadFlag = flag(wholeNumber(0, 16 * 1024 * 1024), '<bytes>', 'payload bytes per message on top of id and timestamp');

const flags = {
  ...commonFlags,
  transports: transportsFlag,
  workers: flag(list(wholeNumber(1, 64)), '<list>', 'consumer processes per point (worker threads for in-process transports), comma-separated'),
  concurrency: flag(list(wholeNumber(1, 10_000)), '<list>', 'jobs in flight per consumer, comma-separated'),
  rate: flag(rateValue, '<max|capacity|n>', 'max: closed loop (the backlog of N is built, then drained); n: open loop at n messages/s; capacity: the highest rate sustained under --slo-p99'),
  ...capacityFlags,
  job: jobFlag,
  payload: payloadFlag,
  redisPersistence: redisPersistenceFlag,
  producers: flag(wholeNumber(1, 64).optional(), '<n>', 'producer processes sharing the ids and the offered rate (default 1; with --agents swarm, one per agent): whether more producers raise a figure a single one limited'),
  batch: flag(wholeNumber(1, 100_000), '<n>', 'closed loop: messages per producer send (sendBatch when > 1)'),
  inflight: flag(wholeNumber(1, 10_000), '<n>', 'closed loop: producer sends awaiting acceptance at once'),
  agents: agentsFlag('run the producers and consumers on these hopbench agents (token in HOPBENCH_AGENT_TOKEN), placed as --placement says'),
  placement: flag(
    z.enum(AGENT_PLACEMENTS),
    '<swarm|split>',
    'with --agents: swarm: each agent a producer and its share of the workers on a queue of its own, the load split evenly, latency on one clock; split: the producer on the first agent, the workers on the others, latency across hosts on clocks aligned by estimated offsets (uncertainty reported)',
  ),
};

/** A default that differs for one transport, applied only when the user did not set that option. */
export interface DefaultOverride {
  readonly transport: string;
  readonly messages?: number;
  /** For a polling consumer: messages = this many rounds of one job per fetch loop (workers × concurrency each). */
  readonly pollingRounds?: number;
  readonly warmup?: number;
  /** Shown in README and results: why this transport gets other defaults. */
  readonly reason: string;
}

export interface ProcessSettings {
  readonly defaultOverrides: readonly DefaultOverride[];
}


/** W consumer processes × C jobs in flight each (process, faults). */
export const CONSUMER_AXES = sweepAxes({ workers: 'consumer processes', concurrency: 'jobs in flight per consumer' });

export const processKind: ScenarioKind<typeof flags, ProcessPlan, ProcessSettings> = {
  flags,
  axes: CONSUMER_AXES,
  measures: { throughput: 'messages/s', latency: 'intended send → job done' },
  sweep(options, given, settings) {
    checkLoadFlags(options.rate, given);
    const job = parseJob(options.job);
    const rate = rateLoad(options.rate, () => closed({ batch: options.batch, inflight: options.inflight }), capacitySpec(options));
    const agents = options.agents && [...new Set(options.agents)];
    if (given.placement && !agents) throw new UsageError('--placement places roles on agents: give --agents <urls> too');
    if (agents && options.placement === 'split' && agents.length < 2) throw new UsageError('--placement split needs at least 2 agents: the producer runs on the first, the workers on the others');
    const placement = agents && { agents, placement: options.placement };
    return [...new Set(options.transports)].map(parseTransportChoice).flatMap((choice) => {
      if (agents && choice.definition.inProcess) throw new UsageError(`--agents runs transports with a broker; ${choice.label} delivers inside one process`);
      if ((options.producers ?? 1) > 1 && choice.definition.inProcess) throw new UsageError(`--producers ${options.producers}: ${choice.label} delivers inside one process, whose one producer hosts its consumers; use --producers 1 for it`);
      const override = settings.defaultOverrides.find((candidate) => candidate.transport === choice.label);
      const warmup = given.warmup ?? override?.warmup ?? options.warmup;
      const config = resolveConfig(choice);
      return persistenceModes(choice, options.redisPersistence).flatMap((redisPersistence) =>
        options.workers.flatMap((workers) =>
          options.concurrency.map((concurrency): ProcessPlan => {
            const rounds = override?.pollingRounds === undefined ? undefined : override.pollingRounds * workers * concurrency;
            const messages = given.messages ?? rounds ?? override?.messages ?? options.messages;
            if (agents && workers < minWorkers(options.placement, agents.length)) {
              throw new UsageError(`--workers ${workers} is fewer than the ${minWorkers(options.placement, agents.length)} agents that run workers in ${options.placement} placement: each needs one`);
            }
            return { choice, config, workers, concurrency, messages, warmup, job, payloadBytes: options.payload, ...rate, timeoutMs: options.timeout * 1000, ...placement, ...(redisPersistence ? { redisPersistence } : {}), ...(options.producers ? { producers: options.producers } : {}) };
          }),
        ),
      );
    });
  },
  identity: (plan) =>
    pointIdentity(transportIdentity(plan.choice, plan.concurrency), plan, { workers: plan.workers, concurrency: plan.concurrency }, `${plan.choice.label}${persistenceLabel(plan.redisPersistence)} W=${plan.workers} C=${plan.concurrency}${rateLabel(plan)}${plan.agents ? ` (${plan.placement} on ${plan.agents.length} agents)` : ''}`, {
      ...persistenceParams(plan.redisPersistence),
      messages: plan.messages,
      job: formatJob(plan.job),
      where: consumersWhere(plan.choice, plan.workers),
      placement: plan.placement ?? 'local',
      ...(plan.producers ? { producers: plan.producers } : {}),
      ...(plan.agents ? { agents: plan.agents.length } : {}),
      // Closed loop here drains a backlog: its latency is time spent waiting in it.
      ...(plan.load.name === 'closed' && !plan.choice.definition.inProcess ? { backlog: true } : {}),
    }),
  // A capacity search's steps and hold run on one queue and one set of roles: the point with no ids of its own.
  session: (plan) => ({ ...plan, capacity: undefined, warmup: 0, messages: 0, load: open({ perSec: plan.capacity?.startPerSec ?? 1 }) }),
  floods: (plan) => !plan.choice.definition.inProcess,
  services: (plan) => pointServices(plan.choice, plan.job),
  agents: (plan) => plan.agents ?? [],
  checkServices: checkPersistence,
  phases: processPhases,
};
