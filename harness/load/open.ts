import { Worker } from 'node:worker_threads';
import { errorMessage } from '../host/errors.ts';
import { NS_PER_S, nowNs } from '../measure/clock.ts';
import { createHistogram } from '../measure/histogram.ts';
import { within } from '../host/wait.ts';
import type { TickerMessage, TickerSchedule } from './ticker.ts';
import type { LoadModel, LoadOutcome, LoadTarget } from './types.ts';

const TICKER = new URL('./ticker.ts', import.meta.url);
const DEFAULT_GRACE_MS = 30_000;
/** With a clock already running, the schedule can start almost at once. */
const START_LEAD_NS = 2e6;

let clock: Promise<Worker> | undefined;
let scheduled = false;

/**
 * This thread's clock (ticker.ts), started on first use and kept. Starting a thread takes tens of milliseconds on a
 * busy host: started with each schedule, it made the schedule's first messages late (the sender's lag p99 of whole
 * runs was theirs). Idle, it does not keep the process alive.
 */
function startClock(): Promise<Worker> {
  clock ??= new Promise<Worker>((resolve, reject) => {
    const ticker = new Worker(TICKER);
    ticker.unref();
    ticker.once('message', () => resolve(ticker));
    ticker.on('error', (error) => {
      clock = undefined;
      reject(error);
    });
    ticker.once('exit', () => (clock = undefined));
  });
  return clock;
}

/**
 * Open loop at `perSec` messages per second. Message i is due at start + i/perSec; each is stamped with that
 * intended time, sent without waiting for earlier sends, and the sender's lateness goes into its own histogram. A
 * clock thread (ticker.ts) says when messages fall due, so sending costs the work of sending and little more.
 */
export function open({ perSec }: { perSec: number }): LoadModel {
  return {
    name: 'open',
    params: { perSec },
    spec: { model: 'open', perSec },
    prepare: async () => void (await startClock()),
    run: (target) => runOpenLoop(perSec, target),
  };
}

async function runOpenLoop(perSec: number, target: LoadTarget): Promise<LoadOutcome> {
  const senderLag = createHistogram();
  const pacerLag = createHistogram();
  const acceptLatency = createHistogram();
  const measuredFrom = target.measuredFrom ?? target.from;
  const intervalNs = NS_PER_S / perSec;
  const pending = new Set<Promise<void>>();
  let sendErrors = 0;
  let firstSendError: string | undefined;
  const stop = new SharedArrayBuffer(4);
  const ticker = await startClock();
  const startNs = target.startNs ?? nowNs() + START_LEAD_NS;
  const byDuration = target.untilNs === undefined ? Infinity : Math.ceil((target.untilNs - startNs) / intervalNs);
  const count = Math.max(0, Math.min(target.to - target.from, byDuration));
  let next = 0;
  const send = (upTo: number) => {
    const now = nowNs();
    for (; next < upTo; next++) {
      const id = target.from + next;
      const intendedNs = startNs + next * intervalNs;
      const measured = id >= measuredFrom;
      if (measured) senderLag.recordValue(Math.max(1, now - intendedNs));
      const sending = target.producer.send({ id, sentAtNs: intendedNs, payload: target.payload }).then(
        () => {
          if (measured) acceptLatency.recordValue(Math.max(1, nowNs() - intendedNs));
          target.accepted(id);
        },
        (error) => {
          sendErrors++;
          firstSendError ??= errorMessage(error);
        },
      );
      pending.add(sending);
      void sending.finally(() => pending.delete(sending));
    }
  };
  const halt = () => {
    Atomics.store(new Int32Array(stop), 0, 1);
    Atomics.notify(new Int32Array(stop), 0);
  };
  // One clock per thread, so one schedule at a time: two would each receive the other's ticks.
  if (scheduled) throw new Error('an open loop is already running in this thread');
  scheduled = true;
  target.signal.addEventListener('abort', halt, { once: true });
  if (target.signal.aborted) halt();
  let onMessage: (message: TickerMessage) => void = () => {};
  let onEnd: (error?: Error) => void = () => {};
  ticker.ref();
  await new Promise<void>((resolve, reject) => {
    onMessage = (message) => {
      if (message.kind === 'done') resolve();
      else if (message.kind === 'due' && !target.signal.aborted) {
        if (target.from + next >= measuredFrom) pacerLag.recordValue(Math.max(1, message.lateNs));
        send(message.upTo);
      }
    };
    onEnd = (error) => reject(error ?? new Error('the open loop\'s clock thread ended'));
    ticker.on('message', onMessage);
    ticker.once('error', onEnd);
    ticker.once('exit', onEnd);
    ticker.postMessage({ startNs, intervalNs, count, stop } satisfies TickerSchedule);
  }).finally(() => {
    scheduled = false;
    ticker.off('message', onMessage);
    ticker.off('error', onEnd);
    ticker.off('exit', onEnd);
    ticker.unref();
    target.signal.removeEventListener('abort', halt);
  });
  const graceMs = target.graceMs ?? DEFAULT_GRACE_MS;
  if ((await within(Promise.all(pending), graceMs)) === undefined && pending.size > 0) {
    sendErrors += pending.size;
    firstSendError ??= `${pending.size} sends not answered within ${graceMs / 1000}s of the last one`;
  }
  const measuredStartNs = startNs + Math.max(0, Math.min(count, measuredFrom - target.from)) * intervalNs;
  return { startNs, measuredStartNs, endNs: nowNs(), sent: next, sendErrors, firstSendError, senderLag, pacerLag, acceptLatency };
}
