/**
 * One sample of the process scenario: a clean queue, W consumers and P producer processes up, a warmup through the
 * whole path, then the measured load (closed loop: the backlog is built with the consumers paused, then released),
 * the wait for deliveries, and exact accounting of every id.
 *
 * The same roles also carry a session (see engine/sample.ts runSession): steps of load one after the other on one
 * queue, as a capacity search and its hold run them. Each step has ids of its own, after the last step's: producer k
 * sends block k (its warmup at the step's rate first, then its measured ids), the consumers count the step's ids and
 * take what an earlier step left without counting it, and at the step's end both hand over what they recorded.
 */
import { errorMessage } from '../host/errors.ts';
import { prepareJob, type JobSpec } from '../roles/job.ts';
import { accountRanges, type SentRange } from '../measure/accounting.ts';
import { NS_PER_S, nowNs } from '../measure/clock.ts';
import { mergeCompletions, openLoopDelivery, steadyRate } from '../measure/completions.ts';
import { encodeHistogram, mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import { holding, type ConsumerReport, type ConsumerSpec, type ConsumerWindow } from '../roles/consumer.ts';
import type { ProducerGo, ProducerReport, ProducerSpec } from '../roles/producer.ts';
import type { Durability, Sample } from '../results/types.ts';
import type { SampleContext, SamplePhases, StepLoad } from '../engine/sample.ts';
import { samplePersistence, type RedisPersistence } from '../services/redis-persistence.ts';
import type { TransportChoice } from '../transports/registry.ts';
import type { TransportDefinition } from '../transports/types.ts';
import type { PlanBase } from './plan.ts';
import { waitUntil } from '../host/wait.ts';
import { notDeliveredError, overBaseline, pointServices, quietWatch, runProducers, startTransportRoles, transportRef, type TransportRoles } from './transport-roles.ts';
import { mergeProducers, placeRoles, type AgentPlacement, type IdRange, type LostToAgents, type Placement } from '../placement/placement.ts';

export interface ProcessPlan extends PlanBase<TransportDefinition> {
  readonly choice: TransportChoice;
  readonly workers: number;
  readonly concurrency: number;
  readonly messages: number;
  readonly job: JobSpec;
  /** Producer processes sharing the ids and the offered rate (default: one, or one per agent in swarm). */
  readonly producers?: number;
  /** Agent URLs: producers and consumers run there, placed as `placement` says (see placement/); here when undefined. */
  readonly agents?: readonly string[];
  readonly placement?: AgentPlacement;
  /** Redis-backed transports: the persistence set on the server for this point's samples (undefined: as it runs). */
  readonly redisPersistence?: RedisPersistence;
}

const REPORT_TIMEOUT_MS = 20_000;
/** The warmup's own deadline: a capacity step's short drain (a few seconds) would cut a slow transport's warmup short. */
const MIN_WARMUP_WAIT_MS = 30_000;
/** Warmup: sent as fast as accepted, not measured; in batches, or one by one before an open loop (its send path warm too). */
const WARMUP_LOAD = { model: 'closed', batch: 50, inflight: 4 } as const;
const WARMUP_SINGLE_SENDS = { model: 'closed', batch: 1, inflight: 50 } as const;
/** A session's flood (a search's upper bound): single sends, as the open loop makes them, as fast as accepted. */
const FLOOD_LOAD = { model: 'closed', batch: 1, inflight: 256 } as const;
/** Ids a flood may use per second of it, per producer: far above what any transport here accepts. */
const FLOOD_IDS_PER_SEC = 2_000_000;
/** Before a step: how long what earlier steps left may take to drain before the step starts regardless. */
const LEFTOVER_WAIT_MS = 30_000;

interface Loaded {
  /** Measured ids the transport accepted, by the producers that reported. */
  readonly accepted: number;
  readonly backlog: boolean;
  readonly error?: string;
}

/** The ids of the load under way: the consumers' window, each producer's measured ids, its offered rate. */
interface IdPlan {
  readonly window: Omit<ConsumerWindow, 'epochNs'>;
  /** Producer k's measured ids. */
  readonly ranges: readonly IdRange[];
  /** Open loop: the offered rate and the measured seconds; undefined: a closed loop. */
  readonly perSec?: number;
  readonly seconds: number;
  /** How long the sending may take before it is cut short. */
  readonly loadDeadlineMs: number;
  /** How long delivery is waited for after the last send (a step's own wait, not the point's --timeout). */
  readonly waitMs: number;
  /** A session's step: the producers' and consumers' reports are collected at its end, the roles keep running. */
  readonly step: boolean;
  readonly backlog: boolean;
}

/** Deadline for the sending phase: open loop takes messages / rate by design; closed loop is bounded generously. */
export function loadDeadlineMs(plan: Pick<ProcessPlan, 'load' | 'messages' | 'timeoutMs'>): number {
  const perSec = plan.load.params.perSec;
  return perSec ? (plan.messages / perSec) * 1000 + plan.timeoutMs : plan.timeoutMs * 10;
}

/** A plain sample's ids: warmup then measured, one block; producer k sends its share of each. */
function sampleIds(plan: ProcessPlan, placement: Placement): IdPlan {
  const ids = plan.warmup + plan.messages;
  const perSec = plan.load.params.perSec;
  return {
    window: { firstId: 0, ids, blocks: 1, warmup: plan.warmup },
    ranges: placement.producers.map((site) => site.share({ from: plan.warmup, to: ids })),
    perSec,
    seconds: perSec ? plan.messages / perSec : 0,
    loadDeadlineMs: loadDeadlineMs(plan),
    waitMs: plan.timeoutMs,
    step: false,
    backlog: plan.load.name === 'closed' && !plan.choice.definition.inProcess,
  };
}

/**
 * A step's ids from `firstId`: producer k's block of its warmup at the step's rate, then its measured ids. The
 * sending may overrun by `sendGraceMs` (the point's --timeout); delivery is waited for the step's own wait.
 */
function stepIds(load: StepLoad, producers: number, firstId: number, sendGraceMs: number): IdPlan & { readonly gos: ProducerGo[]; readonly nextId: number } {
  const perProducer = load.perSec === undefined ? undefined : load.perSec / producers;
  const warm = perProducer === undefined ? 0 : Math.ceil(load.warmSec * perProducer);
  const measured = perProducer === undefined ? Math.ceil(FLOOD_IDS_PER_SEC * load.seconds) : Math.max(1, Math.round(load.seconds * perProducer));
  const block = warm + measured;
  const gos = Array.from({ length: producers }, (_, k): ProducerGo => {
    const from = firstId + k * block;
    return {
      range: perProducer === undefined
        ? { from, to: from + block, measuredFrom: from, load: FLOOD_LOAD, durationSec: load.seconds }
        : { from, to: from + block, measuredFrom: from + warm, load: { model: 'open', perSec: perProducer } },
    };
  });
  return {
    window: { firstId, ids: producers * block, blocks: producers, warmup: warm },
    ranges: gos.map((go) => ({ from: go.range!.measuredFrom, to: go.range!.to })),
    perSec: load.perSec,
    seconds: load.seconds,
    loadDeadlineMs: (load.warmSec + load.seconds) * 1000 + sendGraceMs,
    waitMs: load.timeoutMs,
    step: true,
    backlog: false,
    gos,
    nextId: firstId + producers * block,
  };
}

export function processPhases(plan: ProcessPlan, { services, agents, sampleId, signal }: SampleContext): SamplePhases<TransportRoles, Loaded> {
  const ref = transportRef(plan.choice, plan.config, plan.concurrency, services, sampleId, plan.job);
  const epochNs = nowNs();
  const placement = placeRoles({ name: plan.placement ?? 'local', agents: (plan.agents ?? []).map((url) => agents.get(url)), queue: ref, workers: plan.workers, producers: plan.producers, epochNs });
  const admins = placement.queues.map((queue) => plan.choice.definition.create(queue));
  // What the broker still holds where a consumer can take it (a queue whose consumers died with their agent: unknown).
  const pending =
    admins[0]!.pending &&
    (async () => {
      const served = placement.servedQueues();
      const counts = await Promise.all(admins.filter((_, index) => served.includes(placement.queues[index]!)).map((admin) => admin.pending!()));
      return counts.reduce((sum, value) => sum + value, 0);
    });
  let quiet = quietWatch(pending);
  // The last step settled (nothing held, the broker empty, for half a second): the next needs no drain of its own.
  let lastSettled = false;
  const persistence = samplePersistence(ref.urls.redis, plan.redisPersistence);
  let durability: Durability | undefined;
  let ids = sampleIds(plan, placement);
  // A step's producers' ranges; their shared start is taken when the load starts (taken earlier, it would be past).
  let stepGos: readonly ProducerGo[] | undefined;
  let nextId = 0;
  return {
    async setup() {
      await persistence.apply();
      for (const admin of admins) await admin.setup();
      durability = await admins[0]!.durability();
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
    timeoutMs: plan.timeoutMs,
    offeredPerSec: plan.load.params.perSec,
    partialCost: pointServices(plan.choice, plan.job).some((kind) => services.get(kind).pids.length === 0),
    async step(roles, load, errors) {
      // What earlier steps left drains first: a step starts where a long run would be, not behind a backlog.
      const drained = quietWatch(pending);
      if (!lastSettled && !(await waitUntil(() => drained(holding(roles.consumerProgress())), Date.now() + LEFTOVER_WAIT_MS, signal))) {
        errors.push(`what earlier steps left had not drained within ${LEFTOVER_WAIT_MS / 1000}s: this step ran behind it`);
      }
      const next = stepIds(load, placement.producers.length, nextId, plan.timeoutMs);
      ({ nextId } = next);
      ids = next;
      stepGos = next.gos;
      quiet = quietWatch(pending);
      await moveWindows(roles, placement, next.window);
    },
    async load(roles) {
      if (ids.backlog) await roles.consumers!.run('pause');
      const shared = placement.gos(!ids.step ? plan.load.spec : ids.perSec === undefined ? FLOOD_LOAD : { model: 'open', perSec: ids.perSec });
      const gos = stepGos ? stepGos.map((go, index) => ({ ...shared[index], ...go })) : shared;
      const ran = await runProducers(roles.producers, gos, ids.loadDeadlineMs);
      if (ids.backlog) await roles.consumers!.run('resume').catch(() => {});
      if (!ran) return { accepted: roles.producers.progress().reduce((sum, progress) => sum + progress.accepted, 0), backlog: ids.backlog, error: 'load did not finish within its deadline' };
      const { outcomes, failed } = ran;
      return { accepted: outcomes.reduce((sum, outcome) => sum + outcome.accepted, 0), backlog: ids.backlog, error: failed.length ? failed.map(({ index, reason }) => `producer ${index}: ${reason}`).join('; ') : undefined };
    },
    progress(roles, loaded) {
      const consumers = roles.consumerProgress();
      const expected = loaded?.accepted ?? roles.producers.progress().reduce((sum, progress) => sum + progress.accepted, 0);
      // Done when nothing more can arrive: not when the distinct ids each consumer saw add up (a redelivery to another
      // consumer, or a message whose send failed, would count twice).
      return { delivered: consumers.measured, expected, settled: loaded !== undefined && (roles.consumersGone() || quiet(holding(consumers))) };
    },
    async account(roles, loaded, measured, errors) {
      // Counted with the consumers stopped: what they had taken and not acknowledged is back in the broker. A step that
      // left work behind pauses them to count (a job done between their report and the broker's count would be in
      // neither), then they take the rest.
      const pause = ids.step && !measured.settled ? roles.consumers : undefined;
      lastSettled = measured.settled;
      await pause?.run('pause');
      let reports: { producers: ProducerReport[]; consumers: ConsumerReport[] };
      let inBroker: number | void;
      try {
        reports = ids.step ? await collectStep(roles) : await roles.finish(REPORT_TIMEOUT_MS);
        inBroker = pending ? await pending().catch((error: unknown) => void errors.push(`counting what the broker still holds: ${errorMessage(error)}`)) : 0;
      } finally {
        await pause?.run('resume').catch((error: unknown) => void errors.push(`resuming the consumers after counting: ${errorMessage(error)}`));
      }
      errors.push(...roles.consumerFailures(), ...roles.producers.failures());
      const stillQueued = (inBroker ?? 0) + reports.consumers.reduce((sum, item) => sum + item.heldAtFinish, 0);
      if (loaded.error) errors.push(loaded.error);
      for (const item of reports.producers) if (item.sendErrors > 0) errors.push(`producer ${item.producer}: ${item.sendErrors} sends failed: ${item.firstSendError}`);
      for (const item of reports.consumers) if (item.jobErrors > 0) errors.push(`worker ${item.worker}: ${item.jobErrors} jobs failed: ${item.firstJobError}`);
      const lostToAgents = placement.lostToAgents(ids.ranges, { producers: reports.producers.map((item) => item.producer), workers: reports.consumers.map((item) => item.worker) });
      errors.push(...lostToAgents.incomplete);
      const producers = mergeProducers(placement, reports.producers, ids.ranges);
      const consumers = reports.consumers.map((report) => placement.consumerOnCoordinatorClock(report));
      // No producer reported (it crashed here): nothing is known to have been sent.
      const sent = reports.producers.length || lostToAgents.incomplete.length ? producers : undefined;
      const sample = accountProcess(plan, ids, { consumers, stillQueued, epochNs }, sent, loaded, overBaseline(measured.resources), errors, lostToAgents);
      const latencyClock = await placement.latencyClock(errors);
      return { ...sample, durability, ...(latencyClock ? { latencyClock } : {}), ...(lostToAgents.incomplete.length ? { incomplete: lostToAgents.incomplete } : {}) };
    },
    stop: (roles) => roles.kill(),
    async teardown() {
      for (const admin of admins) await admin.teardown();
      await persistence.restore();
    },
  };
}

/** Every consumer counts the window's ids from now on, on its own clock's epoch (an in-process one: its host's). */
async function moveWindows(roles: TransportRoles, placement: Placement, window: Omit<ConsumerWindow, 'epochNs'>): Promise<void> {
  if (roles.consumers) {
    await Promise.all(roles.consumers.members.map((member, worker) => member.run({ window: { ...window, epochNs: placement.consumer(worker).clock.epochNs } })));
  } else {
    await roles.producers.members[0]!.run({ window: { ...window, epochNs: placement.consumer(0).clock.epochNs } });
  }
}

/** A step's reports: every producer's and consumer's for the step's ids; the roles go on running. */
async function collectStep(roles: TransportRoles): Promise<{ producers: ProducerReport[]; consumers: ConsumerReport[] }> {
  const producers = (await roles.producers.run('collect')) as ProducerReport[];
  const consumers = roles.consumers ? ((await roles.consumers.run('collect')) as ConsumerReport[]) : producers.flatMap((report) => report.consumers);
  return { producers, consumers };
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
  ids: IdPlan,
  { consumers, stillQueued, epochNs }: { consumers: readonly ConsumerReport[]; stillQueued: number; epochNs: number },
  producers: { readonly sent: readonly SentRange[]; readonly startNs: number; readonly endNs: number; readonly senderLags: readonly string[]; readonly pacerLags: readonly string[] } | undefined,
  loaded: Loaded,
  resources: Sample['resources'],
  errors: string[],
  { incomplete, fateUnknown }: LostToAgents,
): Sample {
  const counts = accountRanges(consumers, producers?.sent ?? [], stillQueued, incomplete.length ? fateUnknown : undefined);
  const histogram = mergeEncoded(consumers.map((item) => item.histogram));
  const latencyMs = summarizeMs(histogram);
  const completions = mergeCompletions(consumers.map((item) => item.completions));
  const lastDoneNs = Math.max(0, ...consumers.map((item) => item.lastDoneNs));
  const startNs = producers?.startNs ?? 0;
  // A backlog, or a flood, drains at its steady rate (see completions.ts); an open loop is read over its send window.
  const steady = ids.perSec === undefined ? steadyRate(completions) : undefined;
  const open = ids.perSec !== undefined && producers && startNs > 0 ? openLoopDelivery(completions, { startMs: (startNs - epochNs) / 1e6, seconds: ids.seconds, perSec: ids.perSec, medianMs: latencyMs.p50 }) : undefined;
  const durationSec = steady?.windowSec ?? (ids.perSec !== undefined ? ids.seconds : lastDoneNs > startNs ? (lastDoneNs - startNs) / NS_PER_S : 0);
  const throughputPerSec = steady?.perSec ?? open?.achievedPerSec ?? (durationSec > 0 ? counts.delivered / durationSec : 0);
  if (counts.lost + counts.undelivered > 0) errors.push(notDeliveredError(counts, `${ids.waitMs / 1000}s of the last send`));
  if (counts.lost > 0 && consumers.length < plan.workers && !incomplete.length) errors.push(`${plan.workers - consumers.length} consumers died: what they had done died with their counts, and is among the lost`);
  const fillSec = producers ? (producers.endNs - producers.startNs) / NS_PER_S : 0;
  const lagOf = (encoded: readonly string[]) => (encoded.length ? summarizeMs(mergeEncoded(encoded)) : undefined);
  return {
    counts,
    throughputPerSec,
    durationSec,
    ...(open ? open : {}),
    enqueuePerSec: loaded.backlog && fillSec > 0 ? loaded.accepted / fillSec : undefined,
    latencyMs,
    histogram: encodeHistogram(histogram),
    senderLagMs: producers && lagOf(producers.senderLags),
    pacerLagMs: producers && lagOf(producers.pacerLags),
    resources,
    errors,
  };
}
