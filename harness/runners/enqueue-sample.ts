/**
 * One enqueue sample: a fresh queue, P producer processes that send their warmup and report ready, then the
 * measured load everywhere at once, with nothing consuming. Afterwards the queue's depth must equal what the
 * broker accepted: a shortfall is counted as lost, an excess as duplicated.
 */
import { errorMessage } from '../errors.ts';
import { NS_PER_S } from '../measure/clock.ts';
import { encodeHistogram, mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import type { ProducerReport, ProducerSpec } from '../roles/producer.ts';
import type { Sample } from '../results/types.ts';
import type { SampleContext, SamplePhases } from '../sample.ts';
import type { TransportChoice } from '../transports/registry.ts';
import type { TransportDefinition } from '../transports/types.ts';
import type { PlanBase } from './plan.ts';
import { within } from '../wait.ts';
import { runProducers, slices, startTransportRoles, transportRef, type TransportRoles } from './transport-roles.ts';
import { estimateClocks, loadShare, producerOnCoordinatorClock, sharedStart } from './placement.ts';
import { agentAt } from '../agent/client.ts';

export interface EnqueuePlan extends PlanBase<TransportDefinition> {
  readonly choice: TransportChoice;
  readonly producers: number;
  readonly messages: number;
  /** Agent URLs: producer k runs on agent k mod K, its latency measured there (send and acceptance on one clock). */
  readonly agents?: readonly string[];
}

const ADMIN_TIMEOUT_MS = 10_000;
const REPORT_TIMEOUT_MS = 20_000;

export function enqueuePhases(plan: EnqueuePlan, { services, sampleId, signal }: SampleContext): SamplePhases<TransportRoles, { error?: string }> {
  const ref = transportRef(plan.choice, plan.config, 1, services, sampleId);
  const admin = plan.choice.definition.create(ref);
  const perSec = plan.load.params.perSec;
  const deadlineMs = perSec ? (plan.messages / perSec) * 1000 + plan.timeoutMs : plan.timeoutMs * 10;
  const agents = plan.agents?.map(agentAt);
  // Producer k runs on agent k mod K.
  const producerAgents = agents && Array.from({ length: plan.producers }, (_, producer) => agents[producer % agents.length]!);
  const agentOf = producerAgents && ((producer: number) => producerAgents[producer]!);
  return {
    async setup() {
      await admin.setup();
      // Fresh offsets: the shared start and the throughput window use them.
      if (agents) await estimateClocks(agents);
    },
    start() {
      const load = loadShare(plan.load.spec, plan.producers);
      const warmups = slices(0, plan.warmup, plan.producers);
      const specs = slices(plan.warmup, plan.warmup + plan.messages, plan.producers).map(
        (range, producer): ProducerSpec => ({ transport: ref, producer, payloadBytes: plan.payloadBytes, warmup: { ...warmups[producer]!, load }, measured: { ...range, load } }),
      );
      return startTransportRoles(plan.choice, [], specs, signal, { placeOn: agentOf && { producer: agentOf } });
    },
    warmup: async () => {},
    resources: (roles) => roles.resourceTargets(services, plan.choice.definition.services),
    agents,
    async load(roles) {
      const gos = producerAgents ? sharedStart(plan.load.spec, producerAgents) : [];
      const ran = await runProducers(roles.producers, gos, deadlineMs);
      if (!ran) return { error: `the producers did not finish within ${deadlineMs / 1000}s` };
      return ran.failed.length ? { error: ran.failed.map(({ index, reason }) => `producer ${index}: ${reason}`).join('; ') } : {};
    },
    progress(roles, loaded) {
      const accepted = roles.producers.progress().reduce((sum, progress) => sum + progress.accepted, 0);
      return { delivered: accepted, expected: plan.messages, settled: loaded !== undefined };
    },
    timeoutMs: 0,
    async account(roles, loaded, measured, errors) {
      const { producers } = await roles.finish(REPORT_TIMEOUT_MS);
      errors.push(...roles.producers.failures(), ...(loaded.error ? [loaded.error] : []));
      const depth = await within(
        admin.depth!().catch((error: unknown) => void errors.push(`counting the queue: ${errorMessage(error)}`)),
        ADMIN_TIMEOUT_MS,
      );
      // Each producer's first send and last acceptance, on the coordinator's clock.
      const onCoordinator = agentOf ? producers.map((report) => producerOnCoordinatorClock(report, agentOf(report.producer))) : producers;
      const sample = accountEnqueue(plan, onCoordinator, depth, measured.resources, errors);
      return agents ? { ...sample, latencyClock: { method: 'origin' } } : sample;
    },
    stop: (roles) => roles.kill(),
    teardown: () => admin.teardown(),
  };
}

function accountEnqueue(plan: EnqueuePlan, reports: readonly ProducerReport[], depth: number | void | undefined, resources: Sample['resources'], errors: string[]): Sample {
  let accepted = 0;
  let warmupAccepted = 0;
  for (const report of reports) {
    accepted += report.accepted.reduce((sum, byte) => sum + byte, 0);
    warmupAccepted += report.warmupAccepted;
    if (report.sendErrors > 0) errors.push(`producer ${report.producer}: ${report.sendErrors} sends failed: ${report.firstSendError}`);
  }
  // A producer that never reported (its agent died) leaves its accepted count unknown: its share is not in the counts,
  // and the queue cannot be checked exactly.
  const silent = Array.from({ length: plan.producers }, (_, producer) => producer).filter((producer) => !reports.some((report) => report.producer === producer));
  if (silent.length) errors.push(`producers ${silent.join(', ')} reported nothing: their shares are not in the counts`);
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
    counts: { sent: accepted, delivered: Math.min(found, accepted), lost: Math.max(0, accepted - found), undelivered: 0, duplicates: Math.max(0, found - accepted), unexpected: 0, notDeliveredSample: [] },
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
