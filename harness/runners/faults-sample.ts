/**
 * One sample of the faults scenario: a fixed-rate load through a transport, one fault in the middle, and an
 * account of what it cost. Deliveries and acceptances are read from record logs written with one write(2) each, so
 * a process killed by the fault still tells what it had done. Consumers and the sender are supervised: a process
 * that dies (the fault, or a crash because its broker went away) is replaced, as a process manager would.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../host/errors.ts';
import { supervise, type Supervised } from '../faults/supervisor.ts';
import { analyzeRecovery, type Delivery } from '../faults/timeline.ts';
import { prepareJob, type JobSpec } from '../roles/job.ts';
import { makeTempDir, removeTempDir } from '../host/lifecycle.ts';
import { account } from '../measure/accounting.ts';
import { NS_PER_S, nowNs } from '../measure/clock.ts';
import { createHistogram, encodeHistogram, summarizeMs } from '../measure/histogram.ts';
import { readRecordLog } from '../measure/record-log.ts';
import { holding, type ConsumerCommand, type ConsumerProgress, type ConsumerReport, type ConsumerSpec } from '../roles/consumer.ts';
import type { RoleHandle } from '../roles/child.ts';
import type { ProducerGo, ProducerOutcome, ProducerProgress, ProducerReport, ProducerSpec } from '../roles/producer.ts';
import type { Sample } from '../results/types.ts';
import type { SampleContext, SamplePhases } from '../engine/sample.ts';
import { samplePersistence, type RedisPersistence } from '../services/redis-persistence.ts';
import type { ServiceSet } from '../services/provision.ts';
import type { TransportRef } from '../transports/load.ts';
import { transportIdentity, type TransportChoice } from '../transports/registry.ts';
import type { TransportDefinition } from '../transports/types.ts';
import type { PlanBase } from './plan.ts';
import { waitUntil, within } from '../host/wait.ts';
import { notDeliveredError, quietWatch, transportRef } from './transport-roles.ts';

export const FAULT_KINDS = ['worker-kill', 'broker-restart', 'broker-kill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultPlan extends PlanBase<TransportDefinition> {
  readonly choice: TransportChoice;
  readonly fault: FaultKind;
  /** Redis's persistence for broker faults of Redis-backed transports. */
  readonly redisPersistence?: RedisPersistence;
  readonly workers: number;
  readonly concurrency: number;
  readonly perSec: number;
  readonly durationSec: number;
  readonly faultAtSec: number;
  readonly job: JobSpec;
  readonly restartDelayMs: number;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const SCHEDULE_LEAD_MS = 100;
const LOG_READ_INTERVAL_MS = 500;
const SEND_GRACE_MS = 5_000;

/** True when the fault takes a broker down; for a transport without one it kills the process holding the work. */
export const hitsBroker = (plan: Pick<FaultPlan, 'fault' | 'choice'>) => plan.fault !== 'worker-kill' && plan.choice.definition.services.length > 0;

type ConsumerRole = Supervised<unknown, ConsumerProgress, ConsumerCommand, ConsumerReport>;
type SenderRole = Supervised<unknown, ProducerProgress, ProducerGo, ProducerReport>;

interface Roles {
  readonly consumers: readonly ConsumerRole[];
  readonly sender: SenderRole;
}

interface Loaded {
  readonly startNs: number;
  readonly loadEndNs: number;
  readonly faultStartNs: number;
  readonly faultEndNs: number;
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
    const records = readRecordLog(join(dir, file));
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

/**
 * Takes down what the fault names and resolves when the system has what it needs to recover: the replacement
 * process is ready, or the broker answers again.
 */
async function injectFault(plan: FaultPlan, services: ServiceSet, roles: Roles, signal: AbortSignal): Promise<number> {
  if (hitsBroker(plan)) {
    const how = plan.fault === 'broker-kill' ? 'kill' : 'graceful';
    for (const kind of plan.choice.definition.services) await services.get(kind).restart!(how);
    return nowNs();
  }
  // worker-kill, or any fault of a transport without a broker: the process holding the work dies.
  const victim: ConsumerRole | SenderRole = plan.choice.definition.inProcess ? roles.sender : roles.consumers[0]!;
  // Any later generation will do: the first replacement may itself crash before it is ready.
  const after = victim.generation() + 1;
  victim.kill();
  const replaced = await waitUntil(() => victim.readySince(after) !== undefined, Date.now() + READY_TIMEOUT_MS, signal);
  if (!replaced) throw new Error(`the replacement ${plan.choice.definition.inProcess ? 'sender' : 'consumer'} was not ready within ${READY_TIMEOUT_MS / 1000}s`);
  return victim.readySince(after)!.atNs;
}

type SenderHandle = RoleHandle<unknown, ProducerProgress, ProducerGo, ProducerReport>;

/** Supervised consumers (unless the sender hosts them) and a supervised sender, all ready (generation 0). */
async function startRoles(
  plan: FaultPlan,
  consumerSpec: (worker: number, log: string) => ConsumerSpec,
  senderSpec: (generation: number) => ProducerSpec,
  onSenderReady: (role: SenderHandle, generation: number) => void,
  signal: AbortSignal,
): Promise<Roles> {
  const consumers = plan.choice.definition.inProcess
    ? []
    : Array.from({ length: plan.workers }, (_, worker) =>
        supervise<ConsumerSpec, unknown, ConsumerProgress, ConsumerCommand, ConsumerReport>('consumer', { label: `consumer ${worker}`, restartDelayMs: plan.restartDelayMs, spec: (generation) => consumerSpec(worker, `w${worker}-g${generation}`) }),
      );
  // A replacement sender joins the schedule where it stands: ids that fell due while no sender ran were never sent.
  const sender = supervise<ProducerSpec, unknown, ProducerProgress, ProducerGo, ProducerReport>('producer', { label: 'sender', restartDelayMs: plan.restartDelayMs, spec: senderSpec, onReady: onSenderReady });
  const all = [sender, ...consumers];
  const failure = () => all.flatMap((role) => role.exits)[0]?.description;
  const ready = await waitUntil(() => all.every((role) => role.readyAt(0) !== undefined) || failure() !== undefined, Date.now() + READY_TIMEOUT_MS, signal);
  if (!ready || failure()) {
    await Promise.all(all.map((role) => role.stop(STOP_TIMEOUT_MS)));
    throw new Error(failure() ?? `sender and consumers not ready within ${READY_TIMEOUT_MS / 1000}s`);
  }
  return { consumers, sender };
}

export function faultsPhases(plan: FaultPlan, { services, sampleId, signal }: SampleContext): SamplePhases<Roles, Loaded> {
  const ref: TransportRef = transportRef(plan.choice, plan.config, plan.concurrency, services, sampleId, plan.job);
  const admin = plan.choice.definition.create(ref);
  const ids = Math.round(plan.perSec * plan.durationSec);
  const dir = makeTempDir('faults');
  const inProcess = plan.choice.definition.inProcess === true;
  let scheduleStartNs: number | undefined;
  let faultError: string | undefined;
  /** Send outcomes of each sender generation that finished its part of the schedule. */
  const outcomes = new Map<number, ProducerOutcome>();
  const epochNs = nowNs();
  const consumerSpec = (worker: number, log: string): ConsumerSpec => ({ transport: ref, job: plan.job, worker, warmup: 0, ids, epochNs, deliveryLog: join(dir, `delivered-${log}.log`) });
  const senderSpec = (generation: number): ProducerSpec => ({
    transport: ref,
    producer: 0,
    payloadBytes: plan.payloadBytes,
    warmup: { from: 0, to: 0, load: { model: 'open', perSec: plan.perSec } },
    measured: { from: 0, to: ids, load: { model: 'open', perSec: plan.perSec } },
    // In-process consumers live (and die) in the sender.
    consumers: inProcess ? Array.from({ length: plan.workers }, (_, worker) => consumerSpec(worker, `s${generation}-w${worker}`)) : undefined,
    reconnectDelayMs: plan.restartDelayMs,
    acceptedLog: join(dir, `accepted-g${generation}.log`),
    // A send caught in a connection the fault killed may never be answered: the schedule does not wait long for it.
    sendGraceMs: Math.min(SEND_GRACE_MS, plan.timeoutMs),
  });
  const go = (sender: SenderHandle, generation: number) =>
    void sender.run({ startNs: scheduleStartNs }).then((outcome) => outcomes.set(generation, outcome as ProducerOutcome), () => {});
  const quiet = quietWatch(admin.pending && (() => admin.pending!()));
  const persistence = samplePersistence(ref.urls.redis, plan.redisPersistence);
  const currentLogs = logsReader(dir);
  return {
    async setup() {
      await persistence.apply();
      await admin.setup();
      await prepareJob(plan.job, ref.urls);
    },
    start: () => startRoles(plan, consumerSpec, senderSpec, (role, generation) => scheduleStartNs !== undefined && go(role, generation), signal),
    warmup: async () => {},
    resources: () => [],
    async load(roles) {
      const startNs = nowNs() + SCHEDULE_LEAD_MS * 1e6;
      scheduleStartNs = startNs;
      go(roles.sender.current(), roles.sender.generation());
      const loadEndNs = startNs + plan.durationSec * NS_PER_S;
      const { faultStartNs, faultEndNs, error } = await faultAt(startNs + plan.faultAtSec * NS_PER_S, plan, services, roles, signal);
      faultError = error;
      // The schedule runs to its end: the current sender has sent its part.
      const scheduleDone = () => nowNs() >= loadEndNs && outcomes.has(roles.sender.generation());
      await waitUntil(scheduleDone, Date.now() + (loadEndNs - nowNs()) / 1e6 + plan.timeoutMs, signal);
      return { startNs, loadEndNs, faultStartNs, faultEndNs };
    },
    progress(roles, loaded) {
      const { accepted, delivered } = currentLogs();
      const done = [...accepted].filter((id) => delivered.has(id)).length;
      // Done when every accepted message is, or when nothing more can arrive (work lost with a process, or a
      // broker that keeps it where no consumer takes it): waiting out --timeout for it says nothing more.
      return { delivered: done, expected: accepted.size, settled: loaded !== undefined && (done === accepted.size || quiet(holdingOf(roles))) };
    },
    timeoutMs: plan.timeoutMs,
    async account(roles, loaded, _measured, errors) {
      await stopAll(roles);
      if (faultError) errors.push(faultError);
      // Asked once every process has stopped: what consumers had taken and not acknowledged is back in the broker.
      const inBroker = admin.pending ? await admin.pending().catch((error: unknown) => void errors.push(`counting what the broker still holds: ${errorMessage(error)}`)) : 0;
      const hosted = roles.sender.current().report()?.consumers ?? [];
      const stillQueued = (inBroker ?? 0) + hosted.reduce((sum, report) => sum + report.heldAtFinish, 0);
      return accountFaults(plan, roles, loaded, { logs: readLogs(dir), stillQueued }, [...outcomes.values()], ids, errors);
    },
    stop: stopAll,
    async teardown() {
      await admin.teardown();
      await persistence.restore();
      removeTempDir(dir);
    },
  };
}

/** The logs as last read: reading them costs a pass over every file, so at most once per LOG_READ_INTERVAL_MS. */
function logsReader(dir: string): () => Logs {
  let logs: Logs = { accepted: new Set(), delivered: new Map(), deliveries: new Map() };
  let readAt = 0;
  return () => {
    if (Date.now() - readAt >= LOG_READ_INTERVAL_MS) [logs, readAt] = [readLogs(dir), Date.now()];
    return logs;
  };
}

/** Waits for the fault's moment and injects it; an injection that failed is named, and the load goes on. */
async function faultAt(dueNs: number, plan: FaultPlan, services: ServiceSet, roles: Roles, signal: AbortSignal): Promise<{ faultStartNs: number; faultEndNs: number; error?: string }> {
  await waitUntil(() => nowNs() >= dueNs, Date.now() + (dueNs - nowNs()) / 1e6 + 1000, signal);
  if (signal.aborted) throw new Error('interrupted');
  const faultStartNs = nowNs();
  try {
    return { faultStartNs, faultEndNs: await injectFault(plan, services, roles, signal) };
  } catch (error) {
    return { faultStartNs, faultEndNs: nowNs(), error: `fault ${plan.fault}: ${errorMessage(error)}` };
  }
}

/** Work the live consumers hold: the supervised consumers', or those hosted by the sender (in-process transports). */
function holdingOf(roles: Roles): number {
  const progress = [...roles.consumers.map((role) => role.current().progress()), ...(roles.sender.current().progress()?.consumers ? [roles.sender.current().progress()!.consumers!] : [])];
  return progress.reduce((sum, item) => sum + (item ? holding(item) : 0), 0);
}

/** Stops every supervised process (no more replacements): before the logs are read, and on every exit path. */
async function stopAll(roles: Roles): Promise<void> {
  await within(Promise.all([roles.sender, ...roles.consumers].map((role) => role.stop(STOP_TIMEOUT_MS).catch(() => {}))), 3 * STOP_TIMEOUT_MS);
}

const round = (value: number) => Math.round(value * 1000) / 1000;

function accountFaults(plan: FaultPlan, roles: Roles, loaded: Loaded, { logs, stillQueued }: { logs: Logs; stillQueued: number }, outcomes: readonly ProducerOutcome[], ids: number, errors: string[]): Sample {
  const counts = account([deliveryCounts(logs.delivered, ids)], 0, ids, (id) => logs.accepted.has(id), stillQueued);
  const firstDeliveries: Delivery[] = [...logs.deliveries.values()];
  const histogram = createHistogram();
  for (const delivery of firstDeliveries) histogram.recordValue(Math.max(1, delivery.doneAtNs - delivery.sentAtNs));
  const recovery = analyzeRecovery(firstDeliveries, { scheduleStartNs: loaded.startNs, loadEndNs: loaded.loadEndNs, faultStartNs: loaded.faultStartNs, faultEndNs: loaded.faultEndNs, perSec: plan.perSec });
  // Throughput over the load only: a job recovered a minute later (BullMQ's stalled check) is latency, not a slower rate.
  const deliveredDuringLoad = firstDeliveries.filter((delivery) => delivery.doneAtNs <= loaded.loadEndNs).length;
  const supervised = [roles.sender, ...roles.consumers];
  if (counts.lost + counts.undelivered > 0) {
    const promise = plan.fault === 'worker-kill' ? transportIdentity(plan.choice, plan.concurrency).traits.whenConsumerDies : undefined;
    errors.push(`${notDeliveredError(counts, `${plan.timeoutMs / 1000}s of the end of the load`)}${promise ? `; a killed consumer's messages: ${promise}` : ''}`);
  }
  if (recovery.recoverySec === undefined) errors.push('throughput and latency had not recovered when the load ended');
  const sendErrors = outcomes.reduce((sum, outcome) => sum + outcome.sendErrors, 0);
  if (sendErrors > 0) errors.push(`${sendErrors} sends failed, first: ${outcomes.find((outcome) => outcome.firstSendError)?.firstSendError}`);
  const exits = supervised.flatMap((role) => role.exits);
  if (exits.length > 0) {
    const reasons = [...new Set(exits.map((exit) => exit.description))].slice(0, 2);
    errors.push(`${exits.length} process exits, each followed by a replacement; first: ${reasons.join(' | ')}`);
  }
  return {
    counts,
    throughputPerSec: deliveredDuringLoad / plan.durationSec,
    durationSec: plan.durationSec,
    latencyMs: summarizeMs(histogram),
    histogram: encodeHistogram(histogram),
    resources: [],
    metrics: {
      refused: ids - logs.accepted.size,
      faultSec: round((loaded.faultEndNs - loaded.faultStartNs) / NS_PER_S),
      ...(recovery.recoverySec === undefined ? {} : { recoverySec: recovery.recoverySec }),
      preFaultP99Ms: recovery.preFaultP99Ms,
      recoveryP99Ms: recovery.recoveryP99Ms,
      stranded: recovery.stranded,
      strandedMaxSec: recovery.strandedMaxSec,
      processesReplaced: supervised.reduce((sum, role) => sum + role.generation(), 0),
    },
    timeline: recovery.timeline,
    errors: [...new Set(errors)],
  };
}

function deliveryCounts(delivered: ReadonlyMap<number, number>, ids: number): Uint8Array {
  const counts = new Uint8Array(ids);
  for (const [id, times] of delivered) if (id >= 0 && id < ids) counts[id] = Math.min(255, times);
  return counts;
}
