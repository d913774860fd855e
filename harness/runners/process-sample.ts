/**
 * One sample of one run point: clean queue → consumers up → warmup → measured load → wait for deliveries or the
 * deadline → collect reports → exact accounting. A sample never hangs: every wait has a deadline, and whatever
 * was not delivered by then is counted as lost.
 */
import { errorMessage } from '../errors.ts';
import { waitUntil, within } from '../wait.ts';
import { jobServices, prepareJob, type JobSpec } from '../jobs.ts';
import { drain } from '../load/drain.ts';
import type { LoadModel, LoadOutcome } from '../load/types.ts';
import { account } from '../measure/accounting.ts';
import { NS_PER_S, nowNs } from '../measure/clock.ts';
import { createHistogram, encodeHistogram, mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import { sampleResources } from '../measure/resources.ts';
import type { SampleProgress, SampleResult } from '../scenario.ts';
import { serviceResourceTargets, type ServiceSet } from '../services/provision.ts';
import type { ServiceKind } from '../services/types.ts';
import type { TransportChoice } from '../transports/registry.ts';
import type { TransportDefinition } from '../transports/types.ts';
import { startConsumers, type ConsumerGroup, type Placement } from '../worker/consumer-group.ts';
import type { ConsumerSpec } from '../worker/protocol.ts';

export interface PointPlan {
  readonly choice: TransportChoice;
  readonly config: Readonly<Record<string, unknown>>;
  readonly workers: number;
  readonly concurrency: number;
  readonly messages: number;
  readonly warmup: number;
  readonly job: JobSpec;
  readonly payloadBytes: number;
  readonly load: LoadModel;
  /** How long to wait for deliveries after the last send, before counting the rest as lost. */
  readonly timeoutMs: number;
}

export function placementOf(definition: TransportDefinition, workers: number): Placement {
  if (definition.traits.crossProcess) return 'process';
  return workers > 1 ? 'thread' : 'inline';
}

/** The URL of each service the point's transport and job use. */
export function serviceUrls(plan: Pick<PointPlan, 'choice' | 'job'>, services: ServiceSet): Partial<Record<ServiceKind, string>> {
  return Object.fromEntries([...plan.choice.definition.services, ...jobServices(plan.job)].map((kind) => [kind, services.get(kind).url]));
}

/** Everything one consumer of the point needs, as data: the process (or thread) builds its transport from it. */
export function consumerSpec(
  plan: Pick<PointPlan, 'choice' | 'config' | 'concurrency' | 'job'>,
  where: { urls: Partial<Record<ServiceKind, string>>; queue: string },
  worker: number,
  ids: { warmup: number; ids: number; deliveryLog?: string },
): ConsumerSpec {
  return { transportModule: plan.choice.module, config: plan.config, ...where, concurrency: plan.concurrency, job: plan.job, worker, ...ids };
}

const CONSUMER_READY_TIMEOUT_MS = 60_000;
const REPORT_TIMEOUT_MS = 20_000;
const CLOSE_TIMEOUT_MS = 10_000;

export async function runSample(
  plan: PointPlan,
  services: ServiceSet,
  queue: string,
  signal: AbortSignal,
  onProgress: (progress: SampleProgress) => void = () => {},
): Promise<SampleResult> {
  const { definition } = plan.choice;
  const urls = serviceUrls(plan, services);
  const context = { urls, queue, config: plan.config, concurrency: plan.concurrency };
  const admin = definition.create(context);
  const ids = plan.warmup + plan.messages;
  const errors: string[] = [];
  await admin.setup();
  await prepareJob(plan.job, urls);
  let group: ConsumerGroup | undefined;
  try {
    const specs = Array.from({ length: plan.workers }, (_, worker) => consumerSpec(plan, { urls, queue }, worker, { warmup: plan.warmup, ids }));
    group = await startConsumers(specs, placementOf(definition, plan.workers), CONSUMER_READY_TIMEOUT_MS);
    const consumers = group;
    const producer = await definition.create({ ...context, consumerPorts: consumers.consumerPorts }).producer();
    const accepted = new Uint8Array(ids);
    const target = { producer, payload: 'x'.repeat(plan.payloadBytes), accepted: (id: number) => (accepted[id] = 1), signal };

    if (plan.warmup > 0) {
      await drain({ batch: 50, inflight: 4 }).run({ ...target, from: 0, to: plan.warmup });
      const warmedUp = await waitUntil(() => consumers.progress().warmup >= plan.warmup || consumers.failures().length > 0, Date.now() + plan.timeoutMs, signal);
      if (!warmedUp) errors.push(`warmup: only ${consumers.progress().warmup} of ${plan.warmup} warmup messages delivered within ${plan.timeoutMs / 1000}s`);
    }

    const sampler = sampleResources([
      { label: 'producer', pid: process.pid, tree: false },
      ...consumers.pids.map((pid, index) => ({ label: `worker ${index}`, pid, tree: false })),
      ...serviceResourceTargets(services, Object.keys(urls) as ServiceKind[]),
    ]);
    // A transport without a broker (consumers in the producer's process) cannot hold a backlog: it is fed live.
    const backlogFirst = plan.load.backlogFirst && definition.traits.crossProcess;
    if (backlogFirst) await consumers.command('pause', CONSUMER_READY_TIMEOUT_MS);
    const loadStartNs = nowNs();
    const outcome: LoadOutcome = (await within(plan.load.run({ ...target, from: plan.warmup, to: ids }), loadDeadlineMs(plan))) ?? {
      startNs: loadStartNs,
      endNs: nowNs(),
      sendErrors: 0,
      firstSendError: `load did not finish within its deadline`,
      acceptLatency: createHistogram(),
    };
    let acceptedMeasured = 0;
    for (let id = plan.warmup; id < ids; id++) acceptedMeasured += accepted[id]!;
    if (backlogFirst) await consumers.command('resume', CONSUMER_READY_TIMEOUT_MS);
    const report = () => onProgress({ delivered: consumers.progress().measured, expected: acceptedMeasured });
    await waitUntil(() => consumers.progress().measured >= acceptedMeasured || consumers.failures().length === plan.workers, Date.now() + plan.timeoutMs, signal, report);
    report();
    const resources = sampler.stop();
    const reports = await consumers.finish(REPORT_TIMEOUT_MS);
    errors.push(...consumers.failures());
    if (outcome.sendErrors > 0) errors.push(`${outcome.sendErrors} sends failed: ${outcome.firstSendError}`);
    else if (outcome.firstSendError) errors.push(outcome.firstSendError);
    for (const item of reports) if (item.jobErrors > 0) errors.push(`worker ${item.worker}: ${item.jobErrors} jobs failed: ${item.firstJobError}`);
    await within(producer.close().catch((error) => errors.push(`closing producer: ${errorMessage(error)}`)), CLOSE_TIMEOUT_MS);

    const counts = account(
      reports.map((item) => item.counts),
      plan.warmup,
      ids,
      (id) => accepted[id] === 1,
    );
    const histogram = mergeEncoded(reports.map((item) => item.histogram));
    const lastDoneNs = Math.max(0, ...reports.map((item) => item.lastDoneNs));
    const firstDoneNs = Math.min(...reports.map((item) => item.firstDoneNs || Infinity));
    const windowStartNs = backlogFirst ? firstDoneNs : outcome.startNs;
    const durationSec = lastDoneNs > windowStartNs ? (lastDoneNs - windowStartNs) / NS_PER_S : 0;
    if (counts.lost > 0) errors.push(`${counts.lost} messages not delivered within ${plan.timeoutMs / 1000}s of the last send (e.g. ids ${counts.lostSample.join(', ')})`);
    return {
      counts,
      throughputPerSec: durationSec > 0 ? counts.delivered / durationSec : 0,
      durationSec,
      enqueuePerSec: backlogFirst ? acceptedMeasured / ((outcome.endNs - outcome.startNs) / NS_PER_S) : undefined,
      latencyMs: summarizeMs(histogram),
      histogram: encodeHistogram(histogram),
      senderLagMs: outcome.senderLag && summarizeMs(outcome.senderLag),
      resources,
      config: admin.config,
      errors,
    };
  } catch (error) {
    await group?.kill();
    throw error;
  } finally {
    await within(admin.teardown().catch(() => {}), CLOSE_TIMEOUT_MS);
  }
}

/** Deadline for the sending phase: open loop takes messages / rate by design; closed loop is bounded generously. */
function loadDeadlineMs(plan: PointPlan): number {
  const perSec = Number(plan.load.params.perSec);
  return perSec > 0 ? (plan.messages / perSec) * 1000 + plan.timeoutMs : plan.timeoutMs * 10;
}
