/**
 * One sample of the faults scenario: a fixed-rate load through a transport, one fault in the middle, and an
 * account of what it cost. Deliveries and acceptances are read from record logs written with one write(2) each,
 * so a process killed by the fault still tells what it had done. Consumers and the sender are supervised: a
 * process that dies (the fault, or a crash because its broker went away) is replaced, as a process manager would.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../errors.ts';
import type { SenderCommand, SenderMessage, SenderOutcome, SenderSpec } from '../faults/protocol.ts';
import { supervise, type Supervised } from '../faults/supervisor.ts';
import { analyzeRecovery, type Delivery } from '../faults/timeline.ts';
import { prepareJob, type JobSpec } from '../jobs.ts';
import { makeTempDir, removeTempDir } from '../lifecycle.ts';
import { account } from '../measure/accounting.ts';
import { NS_PER_S, nowNs } from '../measure/clock.ts';
import { createHistogram, encodeHistogram, summarizeMs } from '../measure/histogram.ts';
import { readRecordLog, type LogRecord } from '../measure/record-log.ts';
import type { SampleContext, SampleResult } from '../scenario.ts';
import { setRedisPersistence, type RedisPersistence } from '../services/redis-persistence.ts';
import type { ServiceSet } from '../services/provision.ts';
import type { TransportChoice } from '../transports/registry.ts';
import { waitUntil, within } from '../wait.ts';
import type { CoordinatorMessage, HostMessage } from '../worker/protocol.ts';
import { consumerSpec, placementOf, serviceUrls } from './process-sample.ts';

export const FAULT_KINDS = ['worker-kill', 'broker-restart', 'broker-kill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultPlan {
  readonly choice: TransportChoice;
  readonly config: Readonly<Record<string, unknown>>;
  readonly fault: FaultKind;
  /** Redis's persistence for broker faults of Redis-backed transports. */
  readonly redisPersistence?: RedisPersistence;
  readonly workers: number;
  readonly concurrency: number;
  readonly perSec: number;
  readonly durationSec: number;
  readonly faultAtSec: number;
  readonly job: JobSpec;
  readonly payloadBytes: number;
  readonly timeoutMs: number;
  readonly restartDelayMs: number;
}

const CONSUMER_ENTRY = fileURLToPath(new URL('../worker/consumer-process.ts', import.meta.url));
const SENDER_ENTRY = fileURLToPath(new URL('../faults/sender-process.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const SCHEDULE_LEAD_MS = 100;

/** True when the fault takes a broker down; for a transport without one it kills the process holding the work. */
export const hitsBroker = (plan: Pick<FaultPlan, 'fault' | 'choice'>) => plan.fault !== 'worker-kill' && plan.choice.definition.services.length > 0;

export async function runFaultSample(plan: FaultPlan, { services, sampleId: queue, signal, onProgress }: SampleContext): Promise<SampleResult> {
  const { definition } = plan.choice;
  const urls = serviceUrls(plan, services);
  const context = { urls, queue, config: plan.config, concurrency: plan.concurrency };
  const admin = definition.create(context);
  const ids = Math.round(plan.perSec * plan.durationSec);
  const dir = makeTempDir('faults');
  const errors: string[] = [];
  /** Why supervised processes gave up (a broker going away is expected here): summarised, not listed. */
  const crashes: string[] = [];
  /** Stops every supervised process (no more replacements); run before reading the logs and on every exit path. */
  const stops: Array<() => Promise<void>> = [];
  const stopAll = () => Promise.all(stops.splice(0).map((stop) => stop().catch(() => {})));
  try {
    const persistence = plan.redisPersistence && definition.services.includes('redis') ? await setRedisPersistence(urls.redis!, plan.redisPersistence) : {};
    await admin.setup();
    await prepareJob(plan.job, urls);
    const specFor = (worker: number, logName: string) => consumerSpec(plan, { urls, queue }, worker, { warmup: 0, ids, deliveryLog: join(dir, `delivered-${logName}.log`) });
    // Ready time of each generation of each supervised process, by role.
    const readyAt = new Map<string, number>();
    const readyKey = (role: string, generation: number) => `${role}#${generation}`;

    const consumers = definition.traits.crossProcess
      ? Array.from({ length: plan.workers }, (_, worker) =>
          supervise<CoordinatorMessage, HostMessage>({
            entry: CONSUMER_ENTRY,
            role: 'consumer',
            restartDelayMs: plan.restartDelayMs,
            start: (child, generation) => child.send({ type: 'start', spec: specFor(worker, `w${worker}-g${generation}`) }),
            onMessage: (message, _child, generation) => {
              if (message.type === 'ready') readyAt.set(readyKey(`w${worker}`, generation), nowNs());
              else if (message.type === 'failed') crashes.push(`consumer ${worker} (generation ${generation}): ${message.error}`);
            },
          }),
        )
      : [];
    for (const consumer of consumers) stops.push(() => consumer.stop({ type: 'finish' }, STOP_TIMEOUT_MS));
    let scheduleStartNs: number | undefined;
    const outcomes: SenderOutcome[] = [];
    const sentBy = new Set<number>();
    const senderSpec = (generation: number): SenderSpec => ({
      ...context,
      transportModule: plan.choice.module,
      // In-process consumers live (and die) in the sender.
      consumers: definition.traits.crossProcess
        ? undefined
        : { specs: Array.from({ length: plan.workers }, (_, worker) => specFor(worker, `s${generation}-w${worker}`)), placement: placementOf(definition, plan.workers) },
      perSec: plan.perSec,
      from: 0,
      to: ids,
      payloadBytes: plan.payloadBytes,
      acceptedLog: join(dir, `accepted-g${generation}.log`),
      reconnectDelayMs: plan.restartDelayMs,
    });
    const sender = supervise<SenderCommand, SenderMessage>({
      entry: SENDER_ENTRY,
      role: 'sender',
      restartDelayMs: plan.restartDelayMs,
      start: (child, generation) => child.send({ type: 'start', spec: senderSpec(generation) }),
      onMessage: (message, child, generation) => {
        if (message.type === 'ready') {
          readyAt.set(readyKey('sender', generation), nowNs());
          if (scheduleStartNs !== undefined) child.send({ type: 'go', scheduleStartNs });
        } else if (message.type === 'sent') {
          outcomes.push(message.outcome);
          sentBy.add(generation);
        } else crashes.push(`sender (generation ${generation}): ${message.error}`);
      },
    });
    stops.push(() => sender.stop({ type: 'finish' }, STOP_TIMEOUT_MS));

    const allReady = () => readyAt.has(readyKey('sender', 0)) && consumers.every((_, worker) => readyAt.has(readyKey(`w${worker}`, 0)));
    const startFailure = () => crashes[0] ?? [sender, ...consumers].flatMap((process) => process.exits)[0]?.description;
    const ready = await waitUntil(() => allReady() || startFailure() !== undefined, Date.now() + READY_TIMEOUT_MS, signal);
    if (!ready || !allReady()) throw new Error(startFailure() ?? `sender and consumers not ready within ${READY_TIMEOUT_MS / 1000}s`);

    const startNs = nowNs() + SCHEDULE_LEAD_MS * 1e6;
    scheduleStartNs = startNs;
    sender.current().send({ type: 'go', scheduleStartNs: startNs });
    const loadEndNs = startNs + plan.durationSec * NS_PER_S;

    let lastProgressMs = 0;
    const progress = () => {
      const { accepted, delivered } = readLogs(dir);
      const done = [...accepted].filter((id) => delivered.has(id)).length;
      onProgress({ delivered: done, expected: accepted.size });
      lastProgressMs = Date.now();
      return done === accepted.size;
    };
    const tick = () => void (Date.now() - lastProgressMs >= 500 && progress());

    const faultDueNs = startNs + plan.faultAtSec * NS_PER_S;
    await waitUntil(() => nowNs() >= faultDueNs, Date.now() + plan.faultAtSec * 1000 + 1000, signal, tick);
    if (signal.aborted) throw new Error('interrupted');
    const faultStartNs = nowNs();
    const faultEndNs = await injectFault(plan, services, consumers, sender, readyAt, signal).catch((error: unknown) => {
      errors.push(`fault ${plan.fault}: ${errorMessage(error)}`);
      return nowNs();
    });

    // The schedule runs to its end (the current sender says `sent`), then deliveries get `timeout` to arrive.
    const scheduleDone = () => nowNs() >= loadEndNs && sentBy.has(sender.generation());
    await waitUntil(scheduleDone, Date.now() + (loadEndNs - nowNs()) / 1e6 + plan.timeoutMs, signal, tick);
    const deadline = Date.now() + plan.timeoutMs;
    while (!progress() && Date.now() < deadline && !signal.aborted) await sleep(250);
    if (signal.aborted) throw new Error('interrupted');

    await stopAll();
    const { accepted, delivered, deliveries } = readLogs(dir);
    const counts = account([deliveryCounts(delivered, ids)], 0, ids, (id) => accepted.has(id));
    const refused = ids - accepted.size;
    const firstDeliveries: Delivery[] = [...deliveries.values()];
    const histogram = createHistogram();
    for (const delivery of firstDeliveries) histogram.recordValue(Math.max(1, delivery.doneAtNs - delivery.sentAtNs));
    const recovery = analyzeRecovery(firstDeliveries, { scheduleStartNs: startNs, loadEndNs, faultStartNs, faultEndNs, perSec: plan.perSec });
    // Throughput over the load only: a job recovered a minute later (BullMQ's stalled check) is latency, not a slower rate.
    const deliveredDuringLoad = firstDeliveries.filter((delivery) => delivery.doneAtNs <= loadEndNs).length;
    const replaced = [sender, ...consumers].reduce((sum, process) => sum + process.generation(), 0);
    if (counts.lost > 0) errors.push(`${counts.lost} accepted messages never delivered within ${plan.timeoutMs / 1000}s of the end of the load (e.g. ids ${counts.lostSample.join(', ')})`);
    if (recovery.recoverySec === undefined) errors.push('throughput and latency had not recovered when the load ended');
    const sendErrors = outcomes.reduce((sum, outcome) => sum + outcome.sendErrors, 0);
    if (sendErrors > 0) errors.push(`${sendErrors} sends failed, first: ${outcomes.find((outcome) => outcome.firstSendError)?.firstSendError}`);
    const exits = [sender, ...consumers].flatMap((process) => process.exits);
    if (exits.length > 0) {
      const reasons = [...new Set(crashes)].slice(0, 2);
      errors.push(`${exits.length} process exits, each followed by a replacement; first: ${reasons.length > 0 ? reasons.join(' | ') : exits[0]!.description}`);
    }
    return {
      counts,
      throughputPerSec: deliveredDuringLoad / plan.durationSec,
      durationSec: plan.durationSec,
      latencyMs: summarizeMs(histogram),
      histogram: encodeHistogram(histogram),
      resources: [],
      config: { ...admin.config, ...persistence },
      metrics: {
        refused,
        faultSec: round((faultEndNs - faultStartNs) / NS_PER_S),
        ...(recovery.recoverySec === undefined ? {} : { recoverySec: recovery.recoverySec }),
        preFaultP99Ms: recovery.preFaultP99Ms,
        recoveryP99Ms: recovery.recoveryP99Ms,
        processesReplaced: replaced,
      },
      timeline: recovery.timeline,
      errors: [...new Set(errors)],
    };
  } finally {
    await stopAll();
    await within(admin.teardown().catch(() => {}), STOP_TIMEOUT_MS);
    if (plan.redisPersistence === 'aof' && urls.redis) await setRedisPersistence(urls.redis, 'none').catch(() => {});
    removeTempDir(dir);
  }
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Takes down what the fault names and resolves when the system has what it needs to recover: the replacement
 * process is ready, or the broker answers again.
 */
async function injectFault(
  plan: FaultPlan,
  services: ServiceSet,
  consumers: ReadonlyArray<Supervised<CoordinatorMessage>>,
  sender: Supervised<SenderCommand>,
  readyAt: ReadonlyMap<string, number>,
  signal: AbortSignal,
): Promise<number> {
  if (hitsBroker(plan)) {
    const how = plan.fault === 'broker-kill' ? 'kill' : 'graceful';
    for (const kind of plan.choice.definition.services) await services.get(kind).restart!(how);
    return nowNs();
  }
  // worker-kill, or any fault of a transport without a broker: the process holding the work dies.
  const [victim, role] = plan.choice.definition.traits.crossProcess ? [consumers[0]!, 'w0'] : [sender, 'sender'];
  const generation = victim.generation() + 1;
  victim.kill();
  const replaced = await waitUntil(() => readyAt.has(`${role}#${generation}`), Date.now() + READY_TIMEOUT_MS, signal);
  if (!replaced) throw new Error(`the replacement ${role === 'sender' ? 'sender' : 'consumer'} was not ready within ${READY_TIMEOUT_MS / 1000}s`);
  return readyAt.get(`${role}#${generation}`)!;
}

interface Logs {
  /** Accepted ids. */
  readonly accepted: ReadonlySet<number>;
  /** Deliveries per id, over every consumer generation. */
  readonly delivered: ReadonlyMap<number, number>;
  /** First delivery of each id. */
  readonly deliveries: ReadonlyMap<number, Delivery>;
}

function readLogs(dir: string): Logs {
  const accepted = new Set<number>();
  const delivered = new Map<number, number>();
  const deliveries = new Map<number, Delivery>();
  for (const file of readdirSync(dir)) {
    const records: LogRecord[] = readRecordLog(join(dir, file));
    if (file.startsWith('accepted-')) {
      for (const record of records) accepted.add(record.id);
      continue;
    }
    for (const record of records) {
      delivered.set(record.id, (delivered.get(record.id) ?? 0) + 1);
      const first = deliveries.get(record.id);
      if (!first || record.atNs < first.doneAtNs) deliveries.set(record.id, { sentAtNs: record.sentAtNs, doneAtNs: record.atNs });
    }
  }
  return { accepted, delivered, deliveries };
}

function deliveryCounts(delivered: ReadonlyMap<number, number>, ids: number): Uint8Array {
  const counts = new Uint8Array(ids);
  for (const [id, times] of delivered) if (id >= 0 && id < ids) counts[id] = Math.min(255, times);
  return counts;
}
