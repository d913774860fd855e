/**
 * The producer role: builds the transport's producer from data, sends its warmup ids before it says ready, and on
 * `go` runs the measured load over its ids, recording how long each send took to be accepted (and, open loop, how
 * late the sender was). It runs in a process of its own, so that pacing never competes with the coordinator's
 * sampling. For in-process transports it also hosts the consumers (in its thread, or in worker threads): it is then
 * the process that holds the in-memory work.
 */
import { nowNs } from '../measure/clock.ts';
import { encodeHistogram } from '../measure/histogram.ts';
import { openRecordLog } from '../measure/record-log.ts';
import { loadModel } from '../load/spec.ts';
import type { LoadOutcome, LoadSpec } from '../load/types.ts';
import { within } from '../host/wait.ts';
import { openTransport, type TransportRef } from '../transports/load.ts';
import type { Producer } from '../transports/types.ts';
import consumerRole, { sumProgress, type ConsumerCommand, type ConsumerProgress, type ConsumerReport, type ConsumerSpec, type ConsumerWindow } from './consumer.ts';
import { startGroup } from './group.ts';
import { reconnectingProducer } from './reconnecting-producer.ts';
import { defineRole } from './role.ts';

/** Ids [from, to) and the load that sends them. */
export interface IdRange {
  readonly from: number;
  readonly to: number;
  readonly load: LoadSpec;
}

export interface ProducerSpec {
  readonly transport: TransportRef;
  readonly producer: number;
  readonly payloadBytes: number;
  /** Sent before `ready`, not measured. */
  readonly warmup: IdRange;
  /** Sent on `go`. */
  readonly measured: IdRange;
  /** A load that lasts a duration: stop sending this many seconds after the first send even if ids remain. */
  readonly durationSec?: number;
  /** In-process transports: the consumers, hosted in this process. */
  readonly consumers?: readonly ConsumerSpec[];
  /** faults: a failed send marks the connection broken and a new producer is built after this delay. */
  readonly reconnectDelayMs?: number;
  /** faults: each accepted id is appended to this record log, which survives a SIGKILL of this process. */
  readonly acceptedLog?: string;
  /** Open loop: how long to wait for sends unanswered after the last one (see LoadTarget.graceMs). */
  readonly sendGraceMs?: number;
}

export interface ProducerProgress {
  /** Measured ids accepted so far. */
  readonly accepted: number;
  /** Hosted consumers: their deliveries, and why any failed. */
  readonly consumers?: ConsumerProgress;
  readonly consumerFailures?: readonly string[];
}

/**
 * A capacity step's ids, sent on one schedule: those below `measuredFrom` warm the path at the step's own rate and
 * are left out of the latency and lag histograms.
 */
export interface StepRange {
  readonly from: number;
  readonly to: number;
  readonly measuredFrom: number;
  readonly load: LoadSpec;
  /** Stop sending this many seconds after the first send even if ids remain (a drain step). */
  readonly durationSec?: number;
}

/** Start the measured load: now, or on a schedule that starts at a given instant. */
export interface ProducerGo {
  /** A capacity step: these ids instead of the spec's measured ones (the role keeps running for the next step). */
  readonly range?: StepRange;
  /** Join a schedule that started then (a replacement sender): ids that fell due meanwhile are never sent. */
  readonly startNs?: number;
  /**
   * Start the schedule at this instant (a start shared by producers on several hosts): nothing is skipped if it has
   * passed; the lateness shows in the sender's lag.
   */
  readonly atNs?: number;
}

export interface ProducerOutcome {
  readonly sent: number;
  /** Measured ids the transport accepted. */
  readonly accepted: number;
  /** One byte per measured id: 1 if the transport accepted it. */
  readonly acceptedIds: Uint8Array;
  readonly sendErrors: number;
  readonly firstSendError?: string;
}

export interface ProducerReport extends Omit<ProducerOutcome, 'accepted' | 'acceptedIds'> {
  readonly producer: number;
  readonly pid: number;
  /** Encoded HdrHistogram, ns: send call (or intended time) → accepted, measured sends only. */
  readonly histogram: string;
  readonly senderLag?: string;
  /** Open loop: how late the clock thread said sends were due (the harness's own lateness), encoded, ns. */
  readonly pacerLag?: string;
  /** One byte per measured id: 1 if the transport accepted it. */
  readonly accepted: Uint8Array;
  readonly warmupAccepted: number;
  readonly startNs: number;
  readonly endNs: number;
  /** The producer's own counters (see Producer.stats). */
  readonly stats: Readonly<Record<string, number>>;
  /** Hosted consumers' reports, and why any failed. */
  readonly consumers: readonly ConsumerReport[];
  readonly consumerFailures: readonly string[];
}

/** What the coordinator can ask a producer: start a load, move hosted consumers' window, hand over a step's reports. */
export type ProducerCommand = ProducerGo | { readonly window: ConsumerWindow } | 'collect';

interface Hosted {
  progress(): ConsumerProgress;
  failures(): string[];
  /** A window or collect command, for every hosted consumer; their answers. */
  run(command: ConsumerCommand): Promise<unknown[]>;
  finish(): Promise<ConsumerReport[]>;
}

const HOSTED_READY_TIMEOUT_MS = 60_000;
const FINISH_LOAD_TIMEOUT_MS = 5_000;
const HOSTED_FINISH_TIMEOUT_MS = 10_000;

/** One consumer runs in this thread (its handler is a function call away); more run in worker threads. */
async function hostConsumers(specs: readonly ConsumerSpec[], signal: AbortSignal): Promise<Hosted> {
  if (specs.length === 1) {
    const instance = await consumerRole.start(specs[0]!);
    let failure: string | undefined;
    instance.failed?.catch((error: Error) => (failure = error.message));
    return { progress: () => instance.progress!(), failures: () => (failure ? [failure] : []), run: async (command) => [await instance.run!(command)], finish: async () => [await instance.finish()] };
  }
  const group = await startGroup<ConsumerSpec, unknown, ConsumerProgress, ConsumerCommand, ConsumerReport>('consumer', specs, {
    where: 'thread',
    label: (index) => `consumer thread ${index}`,
    readyTimeoutMs: HOSTED_READY_TIMEOUT_MS,
    signal,
  });
  return { progress: () => sumProgress(group.progress()), failures: group.failures, run: (command) => group.run(command), finish: () => group.finish(HOSTED_FINISH_TIMEOUT_MS) };
}

/** The first id still due at `now` on a schedule that started at `startNs` (ids that fell due meanwhile were never sent). */
function joinSchedule(range: IdRange, startNs: number): { from: number; startNs: number } {
  if (range.load.model !== 'open') return { from: range.from, startNs };
  const intervalNs = 1e9 / range.load.perSec;
  const from = Math.min(range.to, Math.max(range.from, Math.ceil((nowNs() - startNs) / intervalNs) + range.from));
  return { from, startNs: startNs + (from - range.from) * intervalNs };
}

/** One load's ids and what the transport accepted of them: the measured ones by id, the warmup ones counted. */
function stepState(range: StepRange) {
  const accepted = new Uint8Array(range.to - range.measuredFrom);
  const state = {
    range,
    accepted,
    acceptedCount: 0,
    warmupAccepted: 0,
    outcome: undefined as LoadOutcome | undefined,
    accept(id: number) {
      if (id < range.measuredFrom) state.warmupAccepted++;
      else {
        accepted[id - range.measuredFrom] = 1;
        state.acceptedCount++;
      }
    },
  };
  return state;
}

export default defineRole({
  async start(spec: ProducerSpec) {
    const controller = new AbortController();
    const hosted = spec.consumers?.length ? await hostConsumers(spec.consumers, controller.signal) : undefined;
    const build = async () => (await openTransport(spec.transport)).producer();
    const producer: Producer = spec.reconnectDelayMs === undefined ? await build() : await reconnectingProducer(build, spec.reconnectDelayMs, controller.signal);
    const payload = 'x'.repeat(spec.payloadBytes);
    // Ready before the coordinator fixes the start: a clock started at the start would make the first sends late.
    await loadModel(spec.measured.load).prepare();
    let warmupAccepted = 0;
    if (spec.warmup.to > spec.warmup.from) {
      await loadModel(spec.warmup.load).run({ producer, from: spec.warmup.from, to: spec.warmup.to, payload, accepted: () => warmupAccepted++, signal: controller.signal });
    }
    let step = stepState({ from: spec.measured.from, to: spec.measured.to, measuredFrom: spec.measured.from, load: spec.measured.load, durationSec: spec.durationSec });
    let log = spec.acceptedLog === undefined ? undefined : openRecordLog(spec.acceptedLog);
    let running: Promise<LoadOutcome> | undefined;
    /** What the last load measured, as the coordinator collects it (at a step's end, or at finish). */
    const report = (outcome: LoadOutcome | undefined, consumers: readonly ConsumerReport[]): ProducerReport => ({
      producer: spec.producer,
      pid: process.pid,
      histogram: outcome ? encodeHistogram(outcome.acceptLatency) : '',
      senderLag: outcome?.senderLag && encodeHistogram(outcome.senderLag),
      pacerLag: outcome?.pacerLag && encodeHistogram(outcome.pacerLag),
      accepted: step.accepted,
      warmupAccepted: warmupAccepted + step.warmupAccepted,
      startNs: outcome?.measuredStartNs ?? 0,
      endNs: outcome?.endNs ?? 0,
      sent: outcome?.sent ?? 0,
      sendErrors: outcome?.sendErrors ?? 0,
      firstSendError: outcome?.firstSendError,
      stats: producer.stats?.() ?? {},
      consumers,
      consumerFailures: hosted?.failures() ?? [],
    });
    return {
      ready: {},
      progress: (): ProducerProgress => ({ accepted: step.acceptedCount, consumers: hosted?.progress(), consumerFailures: hosted?.failures() }),
      async run(command: ProducerCommand): Promise<unknown> {
        if (command === 'collect') {
          const consumers = ((await hosted?.run('collect')) ?? []) as ConsumerReport[];
          return report(step.outcome, consumers);
        }
        if ('window' in command) return void (await hosted?.run(command));
        const go = command;
        if (go.range) step = stepState(go.range);
        const range = step.range;
        const joined = go.startNs === undefined ? { from: range.from, startNs: go.atNs ?? nowNs() } : joinSchedule(range, go.startNs);
        const load = loadModel(range.load);
        const intervalNs = load.spec.model === 'open' ? 1e9 / load.spec.perSec : 0;
        const current = step;
        running = load.run({
          producer,
          from: joined.from,
          to: range.to,
          measuredFrom: range.measuredFrom,
          payload,
          signal: controller.signal,
          startNs: joined.startNs,
          untilNs: range.durationSec === undefined ? undefined : joined.startNs + range.durationSec * 1e9,
          graceMs: spec.sendGraceMs,
          accepted: (id) => {
            current.accept(id);
            log?.append(id, joined.startNs + (id - joined.from) * intervalNs, nowNs());
          },
        });
        current.outcome = await running;
        const outcome = current.outcome;
        return { sent: outcome.sent, accepted: current.acceptedCount, acceptedIds: current.accepted, sendErrors: outcome.sendErrors, firstSendError: outcome.firstSendError } satisfies ProducerOutcome;
      },
      async finish(): Promise<ProducerReport> {
        controller.abort();
        // The load stops at the abort; what it sent until then is in its outcome. Sends still awaiting an answer
        // are not waited for long: their acceptance is not logged (the log's fd would be closed, or reused).
        step.outcome ??= await within(running ?? Promise.resolve(undefined), FINISH_LOAD_TIMEOUT_MS);
        const closing = log;
        log = undefined;
        closing?.close();
        await producer.close().catch(() => {});
        const consumers = (await hosted?.finish()) ?? [];
        return report(step.outcome, consumers);
      },
    };
  },
});
