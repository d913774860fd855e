/**
 * One sample of the process scenario: a clean queue, W consumers and one producer process up, a warmup through the
 * whole path, then the measured load (closed loop: the backlog is built with the consumers paused, then released),
 * the wait for deliveries, and exact accounting of every id.
 */
import { errorMessage } from '../host/errors.ts';
import { prepareJob, type JobSpec } from '../roles/job.ts';
import { account } from '../measure/accounting.ts';
import { NS_PER_S, nowNs } from '../measure/clock.ts';
import { completedBetween, mergeCompletions, steadyRate } from '../measure/completions.ts';
import { encodeHistogram, mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import { deliveredPerSec } from '../measure/stats.ts';
import { holding, type ConsumerReport, type ConsumerSpec } from '../roles/consumer.ts';
import type { ProducerSpec } from '../roles/producer.ts';
import type { Sample } from '../results/types.ts';
import type { SampleContext, SamplePhases } from '../engine/sample.ts';
import type { TransportChoice } from '../transports/registry.ts';
import type { TransportDefinition } from '../transports/types.ts';
import type { PlanBase } from './plan.ts';
import { waitUntil } from '../host/wait.ts';
import { notDeliveredError, overBaseline, pointServices, quietWatch, runProducers, startTransportRoles, transportRef, type TransportRoles } from './transport-roles.ts';
import { mergeProducers, placeRoles, type AgentPlacement, type LostToAgents, type Placement } from '../placement/placement.ts';

export interface ProcessPlan extends PlanBase<TransportDefinition> {
  readonly choice: TransportChoice;
  readonly workers: number;
  readonly concurrency: number;
  readonly messages: number;
  readonly job: JobSpec;
  /** Agent URLs: producers and consumers run there, placed as `placement` says (see placement/); here when undefined. */
  readonly agents?: readonly string[];
  readonly placement?: AgentPlacement;
}

const REPORT_TIMEOUT_MS = 20_000;
/** The warmup's own deadline: a capacity step's short drain (a few seconds) would cut a slow transport's warmup short. */
const MIN_WARMUP_WAIT_MS = 30_000;
/** Warmup: sent as fast as accepted, not measured; in batches, or one by one before an open loop (its send path warm too). */
const WARMUP_LOAD = { model: 'closed', batch: 50, inflight: 4 } as const;
const WARMUP_SINGLE_SENDS = { model: 'closed', batch: 1, inflight: 50 } as const;

interface Loaded {
  /** Measured ids the transport accepted, by the producers that reported. */
  readonly accepted: number;
  readonly backlog: boolean;
  readonly error?: string;
}

/** Deadline for the sending phase: open loop takes messages / rate by design; closed loop is bounded generously. */
export function loadDeadlineMs(plan: Pick<ProcessPlan, 'load' | 'messages' | 'timeoutMs'>): number {
  const perSec = plan.load.params.perSec;
  return perSec ? (plan.messages / perSec) * 1000 + plan.timeoutMs : plan.timeoutMs * 10;
}

export function processPhases(plan: ProcessPlan, { services, agents, sampleId, signal }: SampleContext): SamplePhases<TransportRoles, Loaded> {
  const ref = transportRef(plan.choice, plan.config, plan.concurrency, services, sampleId, plan.job);
  const ids = plan.warmup + plan.messages;
  const epochNs = nowNs();
  const placement = placeRoles({ name: plan.placement ?? 'local', agents: (plan.agents ?? []).map((url) => agents.get(url)), queue: ref, workers: plan.workers, epochNs });
  const admins = placement.queues.map((queue) => plan.choice.definition.create(queue));
  // What the broker still holds where a consumer can take it (a queue whose consumers died with their agent: unknown).
  const pending =
    admins[0]!.pending &&
    (async () => {
      const served = placement.servedQueues();
      const counts = await Promise.all(admins.filter((_, index) => served.includes(placement.queues[index]!)).map((admin) => admin.pending!()));
      return counts.reduce((sum, value) => sum + value, 0);
    });
  // A transport without a broker (consumers in the producer's process) cannot hold a backlog: it is fed live.
  const backlog = plan.load.name === 'closed' && !plan.choice.definition.inProcess;
  const quiet = quietWatch(pending);
  const measuredRange = { from: plan.warmup, to: ids };
  return {
    async setup() {
      for (const admin of admins) await admin.setup();
      await prepareJob(plan.job, ref.urls);
      await placement.prepare();
    },
    start() {
      const { consumers, producers } = roleSpecs(plan, placement);
      // The bare worker that memory is read against runs here: beside agents' workers it would measure nothing.
      return startTransportRoles(plan.choice, consumers, producers, signal, { baseline: !plan.choice.definition.inProcess && placement.name === 'local', placement });
    },
    async warmup(roles, errors) {
      if (plan.warmup === 0) return;
      const deadlineMs = Math.max(plan.timeoutMs, MIN_WARMUP_WAIT_MS);
      const arrived = await waitUntil(() => roles.consumerProgress().warmup >= plan.warmup || roles.consumerFailures().length > 0, Date.now() + deadlineMs, signal);
      if (!arrived) errors.push(`warmup: only ${roles.consumerProgress().warmup} of ${plan.warmup} warmup messages delivered within ${deadlineMs / 1000}s`);
    },
    resources: (roles) => roles.resourceTargets(services, pointServices(plan.choice, plan.job)),
    agents: placement.agents,
    async load(roles) {
      if (backlog) await roles.consumers!.run('pause');
      const ran = await runProducers(roles.producers, placement.gos(plan.load.spec), loadDeadlineMs(plan));
      if (backlog) await roles.consumers!.run('resume').catch(() => {});
      if (!ran) return { accepted: roles.producers.progress().reduce((sum, progress) => sum + progress.accepted, 0), backlog, error: 'load did not finish within its deadline' };
      const { outcomes, failed } = ran;
      return { accepted: outcomes.reduce((sum, outcome) => sum + outcome.accepted, 0), backlog, error: failed.length ? failed.map(({ index, reason }) => `producer ${index}: ${reason}`).join('; ') : undefined };
    },
    progress(roles, loaded) {
      const consumers = roles.consumerProgress();
      const expected = loaded?.accepted ?? roles.producers.progress().reduce((sum, progress) => sum + progress.accepted, 0);
      // Done when nothing more can arrive: not when the distinct ids each consumer saw add up (a redelivery to another
      // consumer, or a message whose send failed, would count twice).
      return { delivered: consumers.measured, expected, settled: loaded !== undefined && (roles.consumersGone() || quiet(holding(consumers))) };
    },
    timeoutMs: plan.timeoutMs,
    async account(roles, loaded, measured, errors) {
      const reports = await roles.finish(REPORT_TIMEOUT_MS);
      errors.push(...roles.consumerFailures(), ...roles.producers.failures());
      // Asked once the consumers have stopped: what they had taken and not acknowledged is back in the broker.
      const inBroker = pending ? await pending().catch((error: unknown) => void errors.push(`counting what the broker still holds: ${errorMessage(error)}`)) : 0;
      const stillQueued = (inBroker ?? 0) + reports.consumers.reduce((sum, item) => sum + item.heldAtFinish, 0);
      if (loaded.error) errors.push(loaded.error);
      for (const item of reports.producers) if (item.sendErrors > 0) errors.push(`producer ${item.producer}: ${item.sendErrors} sends failed: ${item.firstSendError}`);
      for (const item of reports.consumers) if (item.jobErrors > 0) errors.push(`worker ${item.worker}: ${item.jobErrors} jobs failed: ${item.firstJobError}`);
      const lostToAgents = placement.lostToAgents(measuredRange, { producers: reports.producers.map((item) => item.producer), workers: reports.consumers.map((item) => item.worker) });
      errors.push(...lostToAgents.incomplete);
      const producer = mergeProducers(placement, reports.producers, measuredRange);
      const consumers = reports.consumers.map((report) => placement.consumerOnCoordinatorClock(report));
      const senderLag = producer.senderLags.length ? encodeHistogram(mergeEncoded(producer.senderLags)) : undefined;
      // No producer reported (it crashed here): nothing is known to have been sent.
      const sent = reports.producers.length || lostToAgents.incomplete.length ? { ...producer, senderLag } : undefined;
      const sample = accountProcess(plan, { consumers, stillQueued, epochNs }, sent, loaded, overBaseline(measured.resources), errors, lostToAgents);
      const latencyClock = await placement.latencyClock(errors);
      return { ...sample, ...(latencyClock ? { latencyClock } : {}), ...(lostToAgents.incomplete.length ? { incomplete: lostToAgents.incomplete } : {}) };
    },
    stop: (roles) => roles.kill(),
    async teardown() {
      for (const admin of admins) await admin.teardown();
    },
  };
}

/** Each role's spec, as its placement puts it: its queue, its share of the ids and of the load, its clock. */
function roleSpecs(plan: ProcessPlan, placement: Placement): { consumers: ConsumerSpec[]; producers: ProducerSpec[] } {
  const ids = plan.warmup + plan.messages;
  const warmupLoad = plan.load.name === 'open' ? WARMUP_SINGLE_SENDS : WARMUP_LOAD;
  const consumers = Array.from({ length: plan.workers }, (_, worker): ConsumerSpec => {
    const site = placement.consumer(worker);
    return { transport: site.ref, job: plan.job, worker, warmup: plan.warmup, ids, ...site.clock };
  });
  const producers = placement.producers.map(
    (site, index): ProducerSpec => ({
      transport: site.ref,
      producer: index,
      payloadBytes: plan.payloadBytes,
      warmup: { ...site.share({ from: 0, to: plan.warmup }), load: warmupLoad },
      measured: { ...site.share({ from: plan.warmup, to: ids }), load: site.load(plan.load.spec) },
      sendGraceMs: plan.timeoutMs,
    }),
  );
  return { consumers, producers };
}

function accountProcess(
  plan: ProcessPlan,
  { consumers, stillQueued, epochNs }: { consumers: readonly ConsumerReport[]; stillQueued: number; epochNs: number },
  producer: { readonly accepted: Uint8Array; readonly startNs: number; readonly endNs: number; readonly senderLag?: string } | undefined,
  loaded: Loaded,
  resources: Sample['resources'],
  errors: string[],
  { incomplete, fateUnknown }: LostToAgents,
): Sample {
  const ids = plan.warmup + plan.messages;
  const counts = account(
    consumers.map((item) => item.counts),
    plan.warmup,
    ids,
    (id) => producer?.accepted[id - plan.warmup] === 1,
    stillQueued,
    incomplete.length ? fateUnknown : undefined,
  );
  const histogram = mergeEncoded(consumers.map((item) => item.histogram));
  const lastDoneNs = Math.max(0, ...consumers.map((item) => item.lastDoneNs));
  // A backlog drains at its steady rate (see completions.ts); a live feed is read from the first send to the last job.
  const steady = loaded.backlog ? steadyRate(mergeCompletions(consumers.map((item) => item.completions))) : undefined;
  const liveStartNs = producer?.startNs ?? 0;
  const durationSec = steady?.windowSec ?? (lastDoneNs > liveStartNs ? (lastDoneNs - liveStartNs) / NS_PER_S : 0);
  const throughputPerSec = steady?.perSec ?? (durationSec > 0 ? counts.delivered / durationSec : 0);
  if (counts.lost + counts.undelivered > 0) errors.push(notDeliveredError(counts, `${plan.timeoutMs / 1000}s of the last send`));
  if (counts.lost > 0 && consumers.length < plan.workers && !incomplete.length) errors.push(`${plan.workers - consumers.length} consumers died: what they had done died with their counts, and is among the lost`);
  const fillSec = producer ? (producer.endNs - producer.startNs) / NS_PER_S : 0;
  const perSec = plan.load.name === 'open' ? plan.load.params.perSec : undefined;
  return {
    counts,
    throughputPerSec,
    durationSec,
    ...(perSec && producer ? { achievedPerSec: deliveredPerSec(counts.delivered, plan.messages / perSec, firstDoneNs(consumers), lastDoneNs), backlogGrowing: piledUp(perSec, plan.messages, producer.startNs - epochNs, consumers) } : {}),
    enqueuePerSec: loaded.backlog && fillSec > 0 ? loaded.accepted / fillSec : undefined,
    latencyMs: summarizeMs(histogram),
    histogram: encodeHistogram(histogram),
    senderLagMs: producer?.senderLag ? summarizeMs(mergeEncoded([producer.senderLag])) : undefined,
    resources,
    errors,
  };
}

/** When the first measured job completed, over every consumer (Infinity before any did). */
const firstDoneNs = (consumers: readonly ConsumerReport[]) => Math.min(...consumers.map((item) => item.firstDoneNs || Infinity));

/**
 * Open loop: whether less completed over the load's second half than 98% of what was offered in it. What arrives and
 * is not completed is queued, so this is the backlog growing, read without asking the broker during the load.
 */
function piledUp(perSec: number, messages: number, startNs: number, consumers: readonly ConsumerReport[]): boolean {
  const loadMs = (messages / perSec) * 1000;
  const startMs = startNs / 1e6;
  const secondHalf = completedBetween(mergeCompletions(consumers.map((item) => item.completions)), startMs + loadMs / 2, startMs + loadMs);
  return secondHalf < 0.98 * (messages - Math.ceil(messages / 2));
}
