/**
 * One sample of the process scenario: a clean queue, W consumers and one producer process up, a warmup through the
 * whole path, then the measured load (closed loop: the backlog is built with the consumers paused, then released),
 * the wait for deliveries, and exact accounting of every id.
 */
import { errorMessage } from '../errors.ts';
import { prepareJob, type JobSpec } from '../jobs.ts';
import { account } from '../measure/accounting.ts';
import { NS_PER_S, nowNs } from '../measure/clock.ts';
import { completedBetween, mergeCompletions, steadyRate } from '../measure/completions.ts';
import { encodeHistogram, mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import { deliveredPerSec } from '../measure/stats.ts';
import { holding, type ConsumerReport, type ConsumerSpec } from '../roles/consumer.ts';
import type { ProducerOutcome, ProducerSpec } from '../roles/producer.ts';
import type { LatencyClock, Sample } from '../results/types.ts';
import type { SampleContext, SamplePhases } from '../sample.ts';
import type { TransportChoice } from '../transports/registry.ts';
import type { TransportDefinition } from '../transports/types.ts';
import type { PlanBase } from './plan.ts';
import { waitUntil } from '../wait.ts';
import { notDeliveredError, overBaseline, pointServices, quietWatch, runProducers, startTransportRoles, transportRef, type TransportRoles } from './transport-roles.ts';
import { offsetOf, placementAgents, sharedStart, clockWatch, consumerOnCoordinatorClock, idShare, loadShare, mergedProducer, placeOnAgents, senderAheadNs, type PlacementName } from './placement.ts';
import { agentAt } from '../agent/client.ts';

export interface ProcessPlan extends PlanBase<TransportDefinition> {
  readonly choice: TransportChoice;
  readonly workers: number;
  readonly concurrency: number;
  readonly messages: number;
  readonly job: JobSpec;
  /** Agent URLs: producers and consumers run there (see placement.ts); here when undefined. */
  readonly agents?: readonly string[];
  readonly placement?: PlacementName;
}

const REPORT_TIMEOUT_MS = 20_000;
/** The warmup's own deadline: a capacity step's short drain (a few seconds) would cut a slow transport's warmup short. */
const MIN_WARMUP_WAIT_MS = 30_000;
/** Warmup: sent as fast as accepted, not measured; in batches, or one by one before an open loop (its send path warm too). */
const WARMUP_LOAD = { model: 'closed', batch: 50, inflight: 4 } as const;
const WARMUP_SINGLE_SENDS = { model: 'closed', batch: 1, inflight: 50 } as const;

interface Loaded {
  readonly outcome?: ProducerOutcome;
  /** Measured ids the transport accepted. */
  readonly accepted: number;
  readonly backlog: boolean;
  readonly error?: string;
}

const shareSize = (range: { from: number; to: number }) => range.to - range.from;

/** Deadline for the sending phase: open loop takes messages / rate by design; closed loop is bounded generously. */
function loadDeadlineMs(plan: ProcessPlan): number {
  const perSec = plan.load.params.perSec;
  return perSec ? (plan.messages / perSec) * 1000 + plan.timeoutMs : plan.timeoutMs * 10;
}

export function processPhases(plan: ProcessPlan, { services, sampleId, signal }: SampleContext): SamplePhases<TransportRoles, Loaded> {
  const ref = transportRef(plan.choice, plan.config, plan.concurrency, services, sampleId, plan.job);
  const ids = plan.warmup + plan.messages;
  const epochNs = nowNs();
  const placed = plan.agents && placeOnAgents(plan.placement ?? 'swarm', plan.agents.map(agentAt), ref);
  const producerCount = placed?.producers.length ?? 1;
  let latencyClock: ((errors: string[]) => Promise<LatencyClock>) | undefined;
  // One queue, or one per agent.
  const admins = (placed?.refs ?? [ref]).map((queueRef) => plan.choice.definition.create(queueRef));
  const pending = admins[0]!.pending && (async () => (await Promise.all(admins.map((admin) => admin.pending!()))).reduce((sum, value) => sum + value, 0));
  // A transport without a broker (consumers in the producer's process) cannot hold a backlog: it is fed live.
  const backlog = plan.load.name === 'closed' && !plan.choice.definition.inProcess;
  const quiet = quietWatch(pending);
  const warmupRange = { from: 0, to: plan.warmup };
  const measuredRange = { from: plan.warmup, to: ids };
  return {
    async setup() {
      for (const admin of admins) await admin.setup();
      await prepareJob(plan.job, ref.urls);
      if (placed) latencyClock = await clockWatch(placed, plan.workers);
    },
    start() {
      const consumers = Array.from({ length: plan.workers }, (_, worker): ConsumerSpec => {
        const at = placed?.consumer(worker);
        // Completions count from one instant, read on each consumer's own clock.
        const clock = at ? { epochNs: epochNs + offsetOf(at.agent), senderAheadNs: senderAheadNs(placed!, worker) } : { epochNs };
        return { transport: at?.ref ?? ref, job: plan.job, worker, warmup: plan.warmup, ids, ...clock };
      });
      const producers = Array.from({ length: producerCount }, (_, index): ProducerSpec => {
        const share = (range: { from: number; to: number }) => (placed ? idShare(range, producerCount, index) : range);
        return {
          transport: placed?.producers[index]!.ref ?? ref,
          producer: index,
          payloadBytes: plan.payloadBytes,
          warmup: { ...share(warmupRange), load: plan.load.name === 'open' ? WARMUP_SINGLE_SENDS : WARMUP_LOAD },
          measured: { ...share(measuredRange), load: loadShare(plan.load.spec, producerCount) },
          sendGraceMs: plan.timeoutMs,
        };
      });
      const placeOn = placed && { consumer: (worker: number) => placed.consumer(worker).agent, producer: (index: number) => placed.producers[index]!.agent };
      // The bare worker that memory is read against runs here: beside agents' workers it would measure nothing.
      return startTransportRoles(plan.choice, consumers, producers, signal, { baseline: !plan.choice.definition.inProcess && !placed, placeOn });
    },
    async warmup(roles, errors) {
      if (plan.warmup === 0) return;
      const deadlineMs = Math.max(plan.timeoutMs, MIN_WARMUP_WAIT_MS);
      const arrived = await waitUntil(() => roles.consumerProgress().warmup >= plan.warmup || roles.consumerFailures().length > 0, Date.now() + deadlineMs, signal);
      if (!arrived) errors.push(`warmup: only ${roles.consumerProgress().warmup} of ${plan.warmup} warmup messages delivered within ${deadlineMs / 1000}s`);
    },
    resources: (roles) => roles.resourceTargets(services, pointServices(plan.choice, plan.job)),
    agents: placed && placementAgents(placed, plan.workers),
    async load(roles) {
      if (backlog) await roles.consumers!.run('pause');
      const gos = placed ? sharedStart(plan.load.spec, placed.producers.map(({ agent }) => agent)) : [];
      const ran = await runProducers(roles.producers, gos, loadDeadlineMs(plan));
      if (backlog) await roles.consumers!.run('resume').catch(() => {});
      if (!ran) return { accepted: roles.producers.progress().reduce((sum, progress) => sum + progress.accepted, 0), backlog, error: 'load did not finish within its deadline' };
      const { outcomes, failed } = ran;
      // A producer that failed: nothing says which of its ids reached the broker, so its whole share is owed.
      const owed = placed ? failed.reduce((sum, { index }) => sum + shareSize(idShare(measuredRange, producerCount, index)), 0) : 0;
      const accepted = outcomes.reduce((sum, outcome) => sum + outcome.accepted, 0) + owed;
      return { outcome: outcomes[0], accepted, backlog, error: failed.length ? failed.map(({ index, reason }) => `producer ${index}: ${reason}`).join('; ') : undefined };
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
      if (!placed) return accountProcess(plan, { consumers: reports.consumers, stillQueued, epochNs }, reports.producers[0], loaded, overBaseline(measured.resources), errors);
      const producer = mergedProducer(reports.producers, measuredRange, placed);
      const consumers = reports.consumers.map((report) => consumerOnCoordinatorClock(report, placed.consumer(report.worker).agent));
      const senderLag = producer.senderLags.length ? encodeHistogram(mergeEncoded(producer.senderLags)) : undefined;
      const clock = await latencyClock!(errors);
      return { ...accountProcess(plan, { consumers, stillQueued, epochNs }, { ...producer, senderLag }, loaded, measured.resources, errors), latencyClock: clock };
    },
    stop: (roles) => roles.kill(),
    async teardown() {
      for (const admin of admins) await admin.teardown();
    },
  };
}

function accountProcess(
  plan: ProcessPlan,
  { consumers, stillQueued, epochNs }: { consumers: readonly ConsumerReport[]; stillQueued: number; epochNs: number },
  producer: { readonly accepted: Uint8Array; readonly startNs: number; readonly endNs: number; readonly senderLag?: string } | undefined,
  loaded: Loaded,
  resources: Sample['resources'],
  errors: string[],
): Sample {
  const ids = plan.warmup + plan.messages;
  const counts = account(
    consumers.map((item) => item.counts),
    plan.warmup,
    ids,
    (id) => producer?.accepted[id - plan.warmup] === 1,
    stillQueued,
  );
  const histogram = mergeEncoded(consumers.map((item) => item.histogram));
  const lastDoneNs = Math.max(0, ...consumers.map((item) => item.lastDoneNs));
  // A backlog drains at its steady rate (see completions.ts); a live feed is read from the first send to the last job.
  const steady = loaded.backlog ? steadyRate(mergeCompletions(consumers.map((item) => item.completions))) : undefined;
  const liveStartNs = producer?.startNs ?? 0;
  const durationSec = steady?.windowSec ?? (lastDoneNs > liveStartNs ? (lastDoneNs - liveStartNs) / NS_PER_S : 0);
  const throughputPerSec = steady?.perSec ?? (durationSec > 0 ? counts.delivered / durationSec : 0);
  if (counts.lost + counts.undelivered > 0) errors.push(notDeliveredError(counts, `${plan.timeoutMs / 1000}s of the last send`));
  if (counts.lost > 0 && consumers.length < plan.workers) errors.push(`${plan.workers - consumers.length} consumers died: what they had done died with their counts, and is among the lost`);
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
