/**
 * One enqueue sample: a fresh queue, P producer processes that send their warmup and report ready, then the
 * measured load everywhere at once, with nothing consuming. Afterwards the queue's depth must equal what the
 * broker accepted: a shortfall is counted as lost, an excess as duplicated.
 */
import { errorMessage } from '../errors.ts';
import type { LoadModel } from '../load/types.ts';
import { NS_PER_S } from '../measure/clock.ts';
import { encodeHistogram, mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import { sampleResources } from '../measure/resources.ts';
import type { SampleContext, SampleResult } from '../scenario.ts';
import { serviceResourceTargets } from '../services/provision.ts';
import type { TransportChoice } from '../transports/registry.ts';
import { within } from '../wait.ts';
import { startProducers, type ProducerGroup } from '../worker/producer-group.ts';
import type { ProducerSpec } from '../worker/producer-protocol.ts';

export interface EnqueuePlan {
  readonly choice: TransportChoice;
  readonly config: Readonly<Record<string, unknown>>;
  readonly producers: number;
  readonly load: LoadModel;
  readonly messages: number;
  readonly warmup: number;
  readonly payloadBytes: number;
  readonly timeoutMs: number;
}

const READY_TIMEOUT_MS = 60_000;
const ADMIN_TIMEOUT_MS = 10_000;

/** Splits [from, to) into `parts` contiguous slices of nearly equal size. */
function slices(from: number, to: number, parts: number): Array<readonly [number, number]> {
  const size = (to - from) / parts;
  return Array.from({ length: parts }, (_, index) => [from + Math.round(index * size), from + Math.round((index + 1) * size)] as const);
}

export async function runEnqueueSample(plan: EnqueuePlan, { services, sampleId: queue, onProgress }: SampleContext): Promise<SampleResult> {
  const { definition, module } = plan.choice;
  const urls = Object.fromEntries(definition.services.map((kind) => [kind, services.get(kind).url]));
  const admin = definition.create({ urls, queue, config: plan.config, concurrency: 1 });
  if (!admin.depth) throw new Error(`${definition.name} has no queue to measure: enqueue needs a transport with a broker`);
  const errors: string[] = [];
  let group: ProducerGroup | undefined;
  await admin.setup();
  try {
    const load = plan.load.spec.name === 'rate' ? { name: 'rate' as const, perSec: plan.load.spec.perSec / plan.producers } : plan.load.spec;
    const warmups = slices(0, plan.warmup, plan.producers);
    const measured = slices(plan.warmup, plan.warmup + plan.messages, plan.producers);
    const specs: ProducerSpec[] = measured.map((range, producer) => ({
      transportModule: module,
      config: plan.config,
      urls,
      queue,
      producer,
      load,
      payloadBytes: plan.payloadBytes,
      warmup: warmups[producer]!,
      measured: range,
    }));
    group = await startProducers(specs, READY_TIMEOUT_MS);
    const producers = group;
    const sampler = sampleResources([
      ...group.pids.map((pid, index) => ({ label: `producer ${index}`, pid, tree: false })),
      ...serviceResourceTargets(services, definition.services),
    ]);
    const progress = setInterval(() => onProgress({ delivered: producers.accepted(), expected: plan.messages }), 250);
    const perSec = plan.load.spec.name === 'rate' ? plan.load.spec.perSec : 0;
    const { reports, failures } = await group.go(perSec > 0 ? (plan.messages / perSec) * 1000 + plan.timeoutMs : plan.timeoutMs * 10).finally(() => clearInterval(progress));
    const resources = sampler.stop();
    await group.finish();
    errors.push(...failures);

    let accepted = 0;
    let warmupAccepted = 0;
    for (const report of reports) {
      accepted += report.accepted.reduce((sum, byte) => sum + byte, 0);
      warmupAccepted += report.warmupAccepted;
      if (report.sendErrors > 0) errors.push(`producer ${report.producer}: ${report.sendErrors} sends failed: ${report.firstSendError}`);
      else if (report.firstSendError) errors.push(`producer ${report.producer}: ${report.firstSendError}`);
    }
    onProgress({ delivered: accepted, expected: plan.messages });
    const depth = await within(
      admin.depth().catch((error: unknown) => void errors.push(`counting the queue: ${errorMessage(error)}`)),
      ADMIN_TIMEOUT_MS,
    );
    // A producer that never reported leaves its accepted count unknown: the queue cannot be checked exactly.
    const inQueue = typeof depth === 'number' && reports.length === plan.producers ? depth - warmupAccepted : undefined;
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
        duplicates: Math.max(0, found - accepted),
        unexpected: 0,
        lostSample: [],
      },
      throughputPerSec: durationSec > 0 ? accepted / durationSec : 0,
      durationSec,
      latencyMs: summarizeMs(histogram),
      histogram: encodeHistogram(histogram),
      senderLagMs: lags.length ? summarizeMs(mergeEncoded(lags)) : undefined,
      resources,
      config: admin.config,
      metrics: typeof depth === 'number' ? { queueDepthAfter: depth } : undefined,
      errors,
    };
  } finally {
    await group?.finish(); // on error paths too: no producer outlives its sample
    await within(admin.teardown().catch(() => {}), ADMIN_TIMEOUT_MS);
  }
}
