/**
 * The roles of a scenario that sends through a transport (process, enqueue, faults): W consumer processes and P
 * producer processes, or, for an in-process transport, one producer process that hosts its W consumers (in its
 * thread, or in worker threads). One place decides where consumers run and how their progress is read.
 */
import { jobServices, type JobSpec } from '../roles/job.ts';
import type { ConsumerCommand, ConsumerProgress, ConsumerReport, ConsumerSpec } from '../roles/consumer.ts';
import { sumProgress } from '../roles/consumer.ts';
import { startGroup, type RoleGroup } from '../roles/group.ts';
import type { ProducerCommand, ProducerGo, ProducerOutcome, ProducerProgress, ProducerReport, ProducerSpec } from '../roles/producer.ts';
import { errorMessage } from '../host/errors.ts';
import { within } from '../host/wait.ts';
import { serviceResourceTargets, type ServiceSet } from '../services/provision.ts';
import type { ServiceKind } from '../services/types.ts';
import type { Placement } from '../placement/placement.ts';
import type { TransportRef } from '../transports/load.ts';
import type { TransportChoice } from '../transports/registry.ts';
import type { DeliveryCounts } from '../measure/accounting.ts';
import type { ResourceTarget, ResourceUsage } from '../measure/resources.ts';

/**
 * Where W consumers of a transport run on their host: processes of their own, worker threads of the producer's
 * process (an in-process transport above W=1), or inline in the producer's thread. Which host is the placement's.
 */
export type ConsumersWhere = 'process' | 'thread' | 'inline';

export function consumersWhere(choice: TransportChoice, workers: number): ConsumersWhere {
  if (!choice.definition.inProcess) return 'process';
  return workers > 1 ? 'thread' : 'inline';
}

/** The services a point uses: its transport's and its job's. */
export const pointServices = (choice: TransportChoice, job?: JobSpec): ServiceKind[] => [...new Set([...choice.definition.services, ...(job ? jobServices(job) : [])])];

/** The point's transport as data for its roles, with the URLs of the services it uses. */
export function transportRef(choice: TransportChoice, config: Readonly<Record<string, unknown>>, concurrency: number, services: ServiceSet, queue: string, job?: JobSpec): TransportRef {
  const urls = Object.fromEntries(pointServices(choice, job).map((kind) => [kind, services.get(kind).url]));
  return { module: choice.module, name: choice.definition.name, config, urls, queue, concurrency };
}

export type ConsumerGroup = RoleGroup<unknown, ConsumerProgress, ConsumerCommand, ConsumerReport>;
export type ProducerGroup = RoleGroup<unknown, ProducerProgress, ProducerCommand, ProducerReport>;

export interface TransportRoles {
  /** Separate consumer processes; undefined when the producer hosts them (in-process transports). */
  readonly consumers?: ConsumerGroup;
  readonly producers: ProducerGroup;
  /** Deliveries so far, wherever the consumers run. */
  consumerProgress(): ConsumerProgress;
  consumerFailures(): string[];
  /** Whether every consumer has failed (an in-process transport's die with the producer hosting them). */
  consumersGone(): boolean;
  /** Process pids and labels to sample. */
  resourceTargets(services: ServiceSet, kinds: readonly ServiceKind[]): ResourceTarget[];
  /** Stops the producers and consumers, returning every report (hosted consumers' included). */
  finish(timeoutMs: number): Promise<{ producers: ProducerReport[]; consumers: ConsumerReport[] }>;
  kill(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

export async function startTransportRoles(
  choice: TransportChoice,
  consumerSpecs: readonly ConsumerSpec[],
  producerSpecs: readonly ProducerSpec[],
  signal: AbortSignal,
  { baseline = false, placement }: { baseline?: boolean; placement?: Pick<Placement, 'producers' | 'consumer'> } = {},
): Promise<TransportRoles> {
  const inProcess = choice.definition.inProcess === true && consumerSpecs.length > 0;
  // A bare worker (baseline.ts) beside the real ones: their memory is read over its.
  const bare = baseline ? await startGroup('baseline', [{}], { where: 'process', label: () => 'baseline', readyTimeoutMs: READY_TIMEOUT_MS, signal }) : undefined;
  const consumers = inProcess
    ? undefined
    : consumerSpecs.length > 0
      ? await startGroup<ConsumerSpec, unknown, ConsumerProgress, ConsumerCommand, ConsumerReport>('consumer', consumerSpecs, {
          where: 'process',
          label: (index) => `consumer ${index}`,
          readyTimeoutMs: READY_TIMEOUT_MS,
          signal,
          launch: placement && ((index) => placement.consumer(index).launch),
        })
      : undefined;
  const specs = inProcess ? producerSpecs.map((spec, index) => (index === 0 ? { ...spec, consumers: consumerSpecs } : spec)) : producerSpecs;
  let producers: ProducerGroup;
  try {
    producers = await startGroup<ProducerSpec, unknown, ProducerProgress, ProducerCommand, ProducerReport>('producer', specs, {
      where: 'process',
      label: (index) => `producer ${index}`,
      readyTimeoutMs: READY_TIMEOUT_MS,
      signal,
      launch: placement && ((index) => placement.producers[index]!.launch),
    });
  } catch (error) {
    await Promise.all([consumers?.kill(), bare?.kill()]);
    throw error;
  }
  const hosted = () => producers.progress().flatMap((progress) => progress.consumers ?? []);
  return {
    consumers,
    producers,
    consumerProgress: () => (consumers ? sumProgress(consumers.progress()) : sumProgress(hosted())),
    consumerFailures: () => [...(consumers?.failures() ?? []), ...producers.progress().flatMap((progress) => progress.consumerFailures ?? [])],
    consumersGone: () => (consumers ? consumers.failures().length === consumers.members.length : producers.failures().length > 0),
    resourceTargets: (services, kinds) => [
      ...producers.resourceTargets((index) => (producers.members.length === 1 ? 'producer' : `producer ${index}`)).map((target): ResourceTarget => {
        // In-process consumers: in worker threads they are counted apart; in the producer's own thread they cannot be.
        if (!inProcess) return { ...target, role: 'producer', harness: 'sender' };
        return consumerSpecs.length > 1 ? { ...target, role: 'producer', threadsLabel: 'workers (threads)' } : { ...target, role: 'workers', label: `${target.label} + consumer` };
      }),
      ...(consumers?.resourceTargets((index) => `worker ${index}`).map((target): ResourceTarget => ({ ...target, role: 'workers' })) ?? []),
      ...(bare?.resourceTargets(() => 'baseline') ?? []),
      ...serviceResourceTargets(services, kinds),
    ],
    async finish(timeoutMs) {
      void bare?.finish(timeoutMs);
      const producerReports = await producers.finish(timeoutMs);
      const consumerReports = consumers ? await consumers.finish(timeoutMs) : producerReports.flatMap((report) => report.consumers);
      return { producers: producerReports, consumers: consumerReports };
    },
    async kill() {
      await Promise.all([producers.kill(), consumers?.kill(), bare?.kill()]);
    },
  };
}

/**
 * Runs every producer's measured load with its `go` (none: start now). One that fails (its agent died) ends its own
 * share, not the others'. Undefined when the deadline passed first.
 */
export async function runProducers(
  producers: ProducerGroup,
  gos: readonly ProducerGo[],
  deadlineMs: number,
): Promise<{ outcomes: ProducerOutcome[]; failed: Array<{ index: number; reason: string }> } | undefined> {
  const settled = await within(Promise.allSettled(producers.members.map((member, index) => member.run(gos[index] ?? {}) as Promise<ProducerOutcome>)), deadlineMs);
  if (!settled) return undefined;
  return {
    outcomes: settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
    failed: settled.flatMap((result, index) => (result.status === 'rejected' ? [{ index, reason: errorMessage(result.reason) }] : [])),
  };
}

/** How long nothing may be pending or held before a sample stops waiting: a message on its way is briefly in neither. */
const QUIET_MS = 500;
const PENDING_POLL_MS = 250;

/**
 * Tells when nothing more can arrive: the broker has nothing pending (waiting, or taken and not acknowledged) and no
 * consumer holds work, continuously for QUIET_MS. The broker is asked only while the consumers are idle, so the
 * question never competes with the work it waits for.
 */
export function quietWatch(pending: (() => Promise<number>) | undefined): (holding: number) => boolean {
  let quietSince: number | undefined;
  let lastPending: { value: number; at: number } | undefined;
  let polling = false;
  return (holding) => {
    const now = Date.now();
    if (holding > 0) {
      quietSince = undefined;
      return false;
    }
    quietSince ??= now;
    if (pending && !polling && (lastPending === undefined || now - lastPending.at >= PENDING_POLL_MS)) {
      polling = true;
      pending().then(
        (value) => (lastPending = { value, at: Date.now() }),
        () => (lastPending = undefined),
      ).finally(() => (polling = false));
    }
    const brokerEmpty = !pending || (lastPending !== undefined && lastPending.value === 0 && lastPending.at >= quietSince);
    return brokerEmpty && now - quietSince >= QUIET_MS;
  };
}

/** Each worker's memory over the bare worker's (see baseline.ts), when one ran beside them. */
export function overBaseline(resources: readonly ResourceUsage[]): ResourceUsage[] {
  const bare = resources.find((usage) => usage.label === 'baseline');
  if (!bare) return [...resources];
  return resources.map((usage) => (/^worker \d+$/.test(usage.label) ? { ...usage, overBaselineMiB: Math.round((usage.peakMemoryMiB - bare.peakMemoryMiB) * 10) / 10 } : usage));
}

/** What an error line says of ids not delivered: how many were still queued at the deadline, how many are gone. */
export function notDeliveredError(counts: DeliveryCounts, deadline: string): string {
  return `${counts.lost + counts.undelivered} messages not delivered within ${deadline}: ${counts.undelivered} still queued (undelivered), ${counts.lost} lost (e.g. ids ${counts.notDeliveredSample.join(', ')})`;
}

