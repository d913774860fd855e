/**
 * The measuring side of a consumer, the same wherever it runs: builds the transport from data, runs the job,
 * counts each id and records sent → done latency. The hot path is one job call, one clock read, one byte
 * increment and one histogram record.
 */
import type { MessagePort } from 'node:worker_threads';
import { createJob } from '../jobs.ts';
import { createDeliveryCounter } from '../measure/accounting.ts';
import { nowNs } from '../measure/clock.ts';
import { createHistogram, encodeHistogram } from '../measure/histogram.ts';
import { openRecordLog } from '../measure/record-log.ts';
import { errorMessage } from '../errors.ts';
import { loadTransport } from '../transports/load.ts';
import type { Consumer, Envelope } from '../transports/types.ts';
import type { ConsumerCommand, ConsumerReport, ConsumerSpec, Progress } from './protocol.ts';

export interface ConsumerHost {
  progress(): Progress;
  /** Rejects when the transport says its consumer can no longer receive (see ConsumerOptions.fail). */
  readonly failed: Promise<never>;
  run(command: ConsumerCommand): Promise<void>;
  /** Stops consuming and returns everything measured. */
  finish(): Promise<ConsumerReport>;
}

export async function startConsumerHost(spec: ConsumerSpec, producerPort?: MessagePort): Promise<ConsumerHost> {
  const definition = await loadTransport(spec.transportModule);
  const transport = definition.create({ urls: spec.urls, queue: spec.queue, config: spec.config, concurrency: spec.concurrency, producerPort });
  const job = createJob(spec.job, { urls: spec.urls, concurrency: spec.concurrency, worker: spec.worker });
  const counts = createDeliveryCounter(spec.ids);
  const histogram = createHistogram();
  const warmup = spec.warmup;
  let warmupDistinct = 0;
  let measuredDistinct = 0;
  let firstDoneNs = 0;
  let lastDoneNs = 0;
  let jobErrors = 0;
  let firstJobError: string | undefined;
  let deliveryLog = spec.deliveryLog === undefined ? undefined : openRecordLog(spec.deliveryLog);
  let rejectFailed: (error: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => {}); // observed by the endpoint; never an unhandled rejection here

  const record = (envelope: Envelope): void => {
    const done = nowNs();
    const id = envelope.id;
    const seen = counts[id];
    if (seen === undefined) return; // not an id of this run
    // Written before the job counts as done (and before the transport acks it): a kill after this line is a duplicate
    // if the broker redelivers, a kill before it a redelivery or a loss.
    deliveryLog?.append(id, envelope.sentAtNs, done);
    if (seen === 0) {
      if (id < warmup) warmupDistinct++;
      else measuredDistinct++;
    }
    if (seen < 255) counts[id] = seen + 1;
    if (id >= warmup) {
      histogram.recordValue(Math.max(1, done - envelope.sentAtNs));
      if (done > lastDoneNs) lastDoneNs = done;
      if (firstDoneNs === 0 || done < firstDoneNs) firstDoneNs = done;
    }
  };
  const fail = (error: unknown): never => {
    jobErrors++;
    firstJobError ??= errorMessage(error);
    throw error; // the transport nacks / fails the message
  };
  const handle = (envelope: Envelope): Promise<void> => job.run(envelope).then(() => record(envelope), fail);

  const consume = () => transport.consumer({ concurrency: spec.concurrency, handle, fail: rejectFailed });
  let consumer: Consumer | undefined = await consume();
  return {
    progress: () => ({ warmup: warmupDistinct, measured: measuredDistinct }),
    failed,
    async run(command) {
      if (command === 'pause') {
        await consumer?.close();
        consumer = undefined;
      } else {
        consumer ??= await consume();
      }
    },
    async finish() {
      await consumer?.close();
      await job.close();
      // Jobs still finishing after this are not logged (their fd would be closed, or reused by another file).
      const log = deliveryLog;
      deliveryLog = undefined;
      log?.close();
      return { worker: spec.worker, pid: process.pid, histogram: encodeHistogram(histogram), counts, firstDoneNs, lastDoneNs, jobErrors, firstJobError };
    },
  };
}
