/**
 * One enqueue sample: a fresh queue, P producer processes that send their warmup and report ready, then the
 * measured load everywhere at once, with nothing consuming. Afterwards the queue's depth must equal what the
 * broker accepted: a shortfall is counted as lost, an excess as duplicated.
 */
import { errorMessage } from '../host/errors.ts';
import { NS_PER_S } from '../measure/clock.ts';
import { encodeHistogram, mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import type { ProducerReport, ProducerSpec } from '../roles/producer.ts';
import type { Durability, Sample } from '../results/types.ts';
import type { SampleContext, SamplePhases } from '../engine/sample.ts';
import { samplePersistence, type RedisPersistence } from '../services/redis-persistence.ts';
import type { TransportChoice } from '../transports/registry.ts';
import type { TransportDefinition } from '../transports/types.ts';
import type { PlanBase } from './plan.ts';
import { within } from '../host/wait.ts';
import { runProducers, startTransportRoles, transportRef, type TransportRoles } from './transport-roles.ts';
import { placeRoles, type Placement } from '../placement/placement.ts';
import { nowNs } from '../measure/clock.ts';

export interface EnqueuePlan extends PlanBase<TransportDefinition> {
  readonly choice: TransportChoice;
  readonly producers: number;
  readonly messages: number;
  /** Agent URLs: producer k runs on agent k mod K (swarm, on the point's one queue), its latency measured there (send and acceptance on one clock). */
  readonly agents?: readonly string[];
  /** Redis-backed transports: the persistence set on the server for this point's samples (undefined: as it runs). */
  readonly redisPersistence?: RedisPersistence;
}

const ADMIN_TIMEOUT_MS = 10_000;
const REPORT_TIMEOUT_MS = 20_000;

export function enqueuePhases(plan: EnqueuePlan, { services, agents, sampleId, signal }: SampleContext): SamplePhases<TransportRoles, { error?: string }> {
  const ref = transportRef(plan.choice, plan.config, 1, services, sampleId);
  const admin = plan.choice.definition.create(ref);
  const perSec = plan.load.params.perSec;
  const deadlineMs = perSec ? (plan.messages / perSec) * 1000 + plan.timeoutMs : plan.timeoutMs * 10;
  // On agents, producer k runs on agent k mod K; every producer sends into the point's one queue.
  const placement = placeRoles({
    name: plan.agents ? 'swarm' : 'local',
    agents: (plan.agents ?? []).map((url) => agents.get(url)),
    queue: ref,
    producers: plan.producers,
    workers: 0,
    epochNs: nowNs(),
    oneQueue: true,
  });
  const measuredRange = { from: plan.warmup, to: plan.warmup + plan.messages };
  const persistence = samplePersistence(ref.urls.redis, plan.redisPersistence);
  let durability: Durability | undefined;
  return {
    async setup() {
      await persistence.apply();
      await admin.setup();
      durability = await admin.durability();
      await placement.prepare();
    },
    start() {
      const specs = placement.producers.map(
        (site, producer): ProducerSpec => ({
          transport: site.ref,
          producer,
          payloadBytes: plan.payloadBytes,
          warmup: { ...site.share({ from: 0, to: plan.warmup }), load: site.load(plan.load.spec) },
          measured: { ...site.share(measuredRange), load: site.load(plan.load.spec) },
        }),
      );
      return startTransportRoles(plan.choice, [], specs, signal, { placement });
    },
    warmup: async () => {},
    resources: (roles) => roles.resourceTargets(services, plan.choice.definition.services),
    agents: placement.agents,
    async load(roles) {
      const ran = await runProducers(roles.producers, placement.gos(plan.load.spec), deadlineMs);
      if (!ran) return { error: `the producers did not finish within ${deadlineMs / 1000}s` };
      return ran.failed.length ? { error: ran.failed.map(({ index, reason }) => `producer ${index}: ${reason}`).join('; ') } : {};
    },
    progress(roles, loaded) {
      const accepted = roles.producers.progress().reduce((sum, progress) => sum + progress.accepted, 0);
      return { delivered: accepted, expected: plan.messages, settled: loaded !== undefined };
    },
    timeoutMs: 0,
    offeredPerSec: perSec,
    partialCost: plan.choice.definition.services.some((kind) => services.get(kind).pids.length === 0),
    async account(roles, loaded, measured, errors) {
      const { producers } = await roles.finish(REPORT_TIMEOUT_MS);
      errors.push(...roles.producers.failures(), ...(loaded.error ? [loaded.error] : []));
      const depth = await within(
        admin.depth!().catch((error: unknown) => void errors.push(`counting the queue: ${errorMessage(error)}`)),
        ADMIN_TIMEOUT_MS,
      );
      const lostToAgents = placement.lostToAgents(placement.producers.map((site) => site.share(measuredRange)), { producers: producers.map((report) => report.producer), workers: [] });
      errors.push(...lostToAgents.incomplete);
      // Each producer's first send and last acceptance, on the coordinator's clock.
      const sample = accountEnqueue(plan, placement, producers.map((report) => placement.producerOnCoordinatorClock(report)), depth, measured.resources, errors);
      const latencyClock = await placement.latencyClock(errors);
      return { ...sample, durability, ...(latencyClock ? { latencyClock } : {}), ...(lostToAgents.incomplete.length ? { incomplete: lostToAgents.incomplete } : {}) };
    },
    stop: (roles) => roles.kill(),
    async teardown() {
      await admin.teardown();
      await persistence.restore();
    },
  };
}

function accountEnqueue(plan: EnqueuePlan, placement: Placement, reports: readonly ProducerReport[], depth: number | void | undefined, resources: Sample['resources'], errors: string[]): Sample {
  let accepted = 0;
  let warmupAccepted = 0;
  for (const report of reports) {
    accepted += report.accepted.reduce((sum, byte) => sum + byte, 0);
    warmupAccepted += report.warmupAccepted;
    if (report.sendErrors > 0) errors.push(`producer ${report.producer}: ${report.sendErrors} sends failed: ${report.firstSendError}`);
  }
  // A producer that never reported (its agent died, or it crashed) leaves its accepted count unknown: its share is
  // `unknown` in the counts, and the queue cannot be checked exactly.
  const silent = placement.producers.flatMap((_, producer) => (reports.some((report) => report.producer === producer) ? [] : [producer]));
  const unknown = silent.reduce((sum, producer) => {
    const share = placement.producers[producer]!.share({ from: plan.warmup, to: plan.warmup + plan.messages });
    return sum + share.to - share.from;
  }, 0);
  if (silent.length) errors.push(`producers ${silent.join(', ')} reported nothing: their shares are of unknown fate, not in the other counts`);
  const inQueue = typeof depth === 'number' && silent.length === 0 ? depth - warmupAccepted : undefined;
  if (inQueue === undefined) errors.push('the queue could not be checked against what was accepted');
  else if (inQueue !== accepted) errors.push(`the queue holds ${inQueue} measured messages, the broker accepted ${accepted}`);
  const found = inQueue ?? accepted;
  const startNs = Math.min(...reports.map((report) => report.startNs));
  const endNs = Math.max(0, ...reports.map((report) => report.endNs));
  const durationSec = reports.length > 0 && endNs > startNs ? (endNs - startNs) / NS_PER_S : 0;
  const histogram = mergeEncoded(reports.map((report) => report.histogram));
  const lags = reports.flatMap((report) => (report.senderLag ? [report.senderLag] : []));
  return {
    counts: {
      sent: accepted,
      delivered: Math.min(found, accepted),
      lost: Math.max(0, accepted - found),
      undelivered: 0,
      duplicates: Math.max(0, found - accepted),
      unexpected: 0,
      notDeliveredSample: [],
      ...(unknown ? { unknown } : {}),
    },
    throughputPerSec: durationSec > 0 ? accepted / durationSec : 0,
    ...(plan.load.name === 'open' ? { achievedPerSec: durationSec > 0 ? accepted / durationSec : 0 } : {}),
    durationSec,
    latencyMs: summarizeMs(histogram),
    histogram: encodeHistogram(histogram),
    senderLagMs: lags.length ? summarizeMs(mergeEncoded(lags)) : undefined,
    resources,
    metrics: typeof depth === 'number' ? { queueDepthAfter: depth } : undefined,
    errors,
  };
}
