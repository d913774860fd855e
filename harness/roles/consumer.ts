/**
 * The consumer role, the same wherever it runs (a forked process, a worker thread, or inline in a producer that
 * hosts in-process consumers): builds the transport from data, runs the job, counts each id and records
 * sent → done latency. The hot path is one job call, one clock read, one byte increment and one histogram record.
 */
import { errorMessage } from '../host/errors.ts';
import { createJob, type JobSpec } from './job.ts';
import { createDeliveryCounter } from '../measure/accounting.ts';
import { nowNs } from '../measure/clock.ts';
import { recordCompletions, type Completions } from '../measure/completions.ts';
import { createHistogram, encodeHistogram } from '../measure/histogram.ts';
import { openRecordLog } from '../measure/record-log.ts';
import { openTransport, type TransportRef } from '../transports/load.ts';
import type { Consumer, Envelope } from '../transports/types.ts';
import { defineRole } from './role.ts';

/**
 * The ids a consumer counts, and which of them are measured: ids [firstId, firstId + ids), as `blocks` equal blocks
 * (one per producer; default 1) whose first `warmup` ids are warmup messages (delivered and counted, not measured).
 * A capacity search moves the window at each step: ids outside it (a step's leftovers) are taken and not counted.
 */
export interface ConsumerWindow {
  readonly firstId?: number;
  readonly ids: number;
  readonly blocks?: number;
  readonly warmup: number;
  /** CLOCK_MONOTONIC ns that completion times are counted from (the same for every consumer of a sample). */
  readonly epochNs: number;
}

/** Everything a consumer needs, as plain data: a consumer on another host could be started from it. */
export interface ConsumerSpec extends ConsumerWindow {
  readonly transport: TransportRef;
  readonly job: JobSpec;
  readonly worker: number;
  /**
   * How far the sender's clock is ahead of this consumer's, ns, when they are on different hosts (split placement,
   * an estimate): send times less this are on this consumer's clock. 0 or absent on one host.
   */
  readonly senderAheadNs?: number;
  /** When set, every completed job is also appended to this record log (faults: it survives a SIGKILL). */
  readonly deliveryLog?: string;
}

export interface ConsumerProgress {
  /** Distinct warmup ids delivered. */
  readonly warmup: number;
  /** Distinct measured ids delivered. */
  readonly measured: number;
  /** Jobs started and not finished. */
  readonly inFlight: number;
  /** In-process transports: messages waiting in this consumer's memory for a free slot. */
  readonly queued: number;
}

/**
 * Stop consuming (a backlog can build), consume again; count a new window of ids from now on; hand over what the
 * current window recorded (the consumer keeps running).
 */
export type ConsumerCommand = 'pause' | 'resume' | { readonly window: ConsumerWindow } | 'collect';

export interface ConsumerReport {
  readonly worker: number;
  readonly pid: number;
  /** The id `counts[0]` stands for. */
  readonly firstId: number;
  /** Encoded HdrHistogram of sent → job done, in ns, measured messages only. */
  readonly histogram: string;
  /** Deliveries per id (see measure/accounting.ts). */
  readonly counts: Uint8Array;
  /** Earliest and latest job completion of a measured message (CLOCK_MONOTONIC ns), 0 if none. */
  readonly firstDoneNs: number;
  readonly lastDoneNs: number;
  readonly jobErrors: number;
  readonly firstJobError?: string;
  /** When measured messages completed (first deliveries), per millisecond since the spec's epoch. */
  readonly completions: Completions;
  /** In-process transports: messages this consumer still held (queued or running) when it stopped: never done. */
  readonly heldAtFinish: number;
}

export const sumProgress = (items: readonly ConsumerProgress[]): ConsumerProgress =>
  items.reduce(
    (sum, item) => ({ warmup: sum.warmup + item.warmup, measured: sum.measured + item.measured, inFlight: sum.inFlight + item.inFlight, queued: sum.queued + item.queued }),
    { warmup: 0, measured: 0, inFlight: 0, queued: 0 },
  );

/** Work consumers hold: started or waiting in their memory. */
export const holding = (progress: ConsumerProgress) => progress.inFlight + progress.queued;

/** Between windows: nothing is counted. */
const NO_WINDOW: ConsumerWindow = { ids: 0, warmup: 0, epochNs: 0 };

/**
 * What a consumer records of each job done: its id counted (a duplicate only counted), and for the first delivery of
 * a measured id its latency from the send time (moved onto this clock across hosts) and its completion time. The
 * record log, when asked for, is written first: it survives a SIGKILL.
 */
function deliveryRecorder(spec: ConsumerSpec, window: ConsumerWindow) {
  const firstId = window.firstId ?? 0;
  const counts = createDeliveryCounter(window.ids);
  const histogram = createHistogram();
  const completions = recordCompletions(window.epochNs);
  const { warmup } = window;
  const blockSize = window.ids / (window.blocks ?? 1);
  const senderAheadNs = spec.senderAheadNs ?? 0;
  let warmupDistinct = 0;
  let measuredDistinct = 0;
  let firstDoneNs = 0;
  let lastDoneNs = 0;
  // The spec's own window only: a run with a record log (faults) counts one window.
  let deliveryLog = window === spec && spec.deliveryLog !== undefined ? openRecordLog(spec.deliveryLog) : undefined;
  return {
    record(envelope: Envelope): void {
      const done = nowNs();
      const id = envelope.id;
      const index = id - firstId;
      const seen = counts[index];
      if (seen === undefined) return; // not an id of this window
      // Written before the job counts as done (and before the transport acks it): a kill after this line is a
      // duplicate if the broker redelivers, a kill before it a redelivery or a loss.
      deliveryLog?.append(id, envelope.sentAtNs, done);
      if (seen < 255) counts[index] = seen + 1;
      // A duplicate is counted, nothing more: its latency and completion time would describe a redelivery.
      if (seen > 0) return;
      if (index % blockSize < warmup) {
        warmupDistinct++;
        return;
      }
      measuredDistinct++;
      histogram.recordValue(Math.max(1, done - (envelope.sentAtNs - senderAheadNs)));
      completions.record(done);
      if (done > lastDoneNs) lastDoneNs = done;
      if (firstDoneNs === 0 || done < firstDoneNs) firstDoneNs = done;
    },
    distinct: () => ({ warmup: warmupDistinct, measured: measuredDistinct }),
    /** Stops logging (jobs still finishing would write to a closed, or reused, file descriptor) and hands over what it recorded. */
    close() {
      const log = deliveryLog;
      deliveryLog = undefined;
      log?.close();
      return { firstId, histogram: encodeHistogram(histogram), counts, firstDoneNs, lastDoneNs, completions: completions.snapshot() };
    },
  };
}

export default defineRole({
  async start(spec: ConsumerSpec) {
    const transport = await openTransport(spec.transport);
    const job = createJob(spec.job, { urls: spec.transport.urls, concurrency: spec.transport.concurrency, worker: spec.worker });
    let recorder = deliveryRecorder(spec, spec);
    let jobErrors = 0;
    let inFlight = 0;
    let firstJobError: string | undefined;
    let rejectFailed: (error: Error) => void = () => {};
    const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
    failed.catch(() => {}); // observed by whoever serves the role; never an unhandled rejection here

    const jobFailed = (error: unknown): never => {
      inFlight--;
      jobErrors++;
      firstJobError ??= errorMessage(error);
      throw error; // the transport nacks / fails the message
    };
    const handle = (envelope: Envelope): Promise<void> => {
      inFlight++;
      return job.run(envelope).then(() => {
        inFlight--;
        recorder.record(envelope);
      }, jobFailed);
    };
    const consume = () => transport.consumer({ handle, fail: rejectFailed });
    let consumer: Consumer | undefined = await consume();
    return {
      ready: {},
      failed,
      progress: (): ConsumerProgress => ({ ...recorder.distinct(), inFlight, queued: consumer?.queued?.() ?? 0 }),
      async run(command: ConsumerCommand) {
        if (command === 'pause') {
          await consumer?.close();
          consumer = undefined;
        } else if (command === 'resume') {
          consumer ??= await consume();
        } else if (command === 'collect') {
          const held = consumer?.queued ? consumer.queued() + inFlight : 0;
          const report: ConsumerReport = { worker: spec.worker, pid: process.pid, ...recorder.close(), jobErrors, firstJobError, heldAtFinish: held };
          jobErrors = 0;
          firstJobError = undefined;
          // Until the next window, what arrives is a step's leftovers: taken, not counted (the report keeps its arrays).
          recorder = deliveryRecorder(spec, NO_WINDOW);
          return report;
        } else {
          recorder = deliveryRecorder(spec, command.window);
        }
        return undefined;
      },
      async finish(): Promise<ConsumerReport> {
        // A broker's consumer gives back on close what it held; an in-process one takes in on close what was still
        // in transit to it, and what it holds then will never be done.
        await consumer?.close();
        const heldAtFinish = consumer?.queued ? consumer.queued() + inFlight : 0;
        await job.close();
        return { worker: spec.worker, pid: process.pid, ...recorder.close(), jobErrors, firstJobError, heldAtFinish };
      },
    };
  },
});
