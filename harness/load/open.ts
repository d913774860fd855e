import { Worker } from 'node:worker_threads';
import { errorMessage } from '../errors.ts';
import { NS_PER_S, nowNs } from '../measure/clock.ts';
import { createHistogram } from '../measure/histogram.ts';
import { within } from '../wait.ts';
import type { TickerData } from './ticker.ts';
import type { LoadModel, LoadOutcome, LoadTarget } from './types.ts';

const TICKER = new URL('./ticker.ts', import.meta.url);
const DEFAULT_GRACE_MS = 30_000;

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
    run: (target) => runOpenLoop(perSec, target),
  };
}

async function runOpenLoop(perSec: number, target: LoadTarget): Promise<LoadOutcome> {
  const senderLag = createHistogram();
  const acceptLatency = createHistogram();
  const intervalNs = NS_PER_S / perSec;
  const pending = new Set<Promise<void>>();
  let sendErrors = 0;
  let firstSendError: string | undefined;
  const stop = new SharedArrayBuffer(4);
  // The clock thread starts first: a schedule that began before it could tick would start late.
  const startNs = target.startNs ?? nowNs() + 50e6;
  const byDuration = target.untilNs === undefined ? Infinity : Math.ceil((target.untilNs - startNs) / intervalNs);
  const count = Math.max(0, Math.min(target.to - target.from, byDuration));
  let next = 0;
  const send = (upTo: number) => {
    const now = nowNs();
    for (; next < upTo; next++) {
      const id = target.from + next;
      const intendedNs = startNs + next * intervalNs;
      senderLag.recordValue(Math.max(1, now - intendedNs));
      const sending = target.producer.send({ id, sentAtNs: intendedNs, payload: target.payload }).then(
        () => {
          acceptLatency.recordValue(Math.max(1, nowNs() - intendedNs));
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
  const ticker = new Worker(TICKER, { workerData: { startNs, intervalNs, count, stop } satisfies TickerData });
  const halt = () => {
    Atomics.store(new Int32Array(stop), 0, 1);
    Atomics.notify(new Int32Array(stop), 0);
  };
  target.signal.addEventListener('abort', halt, { once: true });
  await new Promise<void>((resolve, reject) => {
    ticker.on('message', (upTo: number) => {
      if (!target.signal.aborted) send(upTo);
    });
    ticker.once('error', reject);
    ticker.once('exit', () => resolve());
  }).finally(() => target.signal.removeEventListener('abort', halt));
  const graceMs = target.graceMs ?? DEFAULT_GRACE_MS;
  if ((await within(Promise.all(pending), graceMs)) === undefined && pending.size > 0) {
    sendErrors += pending.size;
    firstSendError ??= `${pending.size} sends not answered within ${graceMs / 1000}s of the last one`;
  }
  return { startNs, endNs: nowNs(), sent: next, sendErrors, firstSendError, senderLag, acceptLatency };
}
