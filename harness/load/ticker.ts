/**
 * The open loop's clock, in a worker thread of its own: it sleeps until the next message is due (Atomics.wait: a
 * futex, precise to microseconds, no CPU spent waiting) and posts how many are due by now to the thread that sends.
 * The sending thread never spins and never sleeps on a 1 ms timer, so it stays free for the transport's I/O.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface TickerData {
  /** CLOCK_MONOTONIC ns at which message 0 is due. */
  readonly startNs: number;
  readonly intervalNs: number;
  readonly count: number;
  /** Int32 flag: 0 while running; the sender sets 1 (and notifies) to stop the clock. */
  readonly stop: SharedArrayBuffer;
}

/** Ticks closer together than this are merged: at high rates each post carries several messages. */
const MIN_TICK_NS = 200_000;

const { startNs, intervalNs, count, stop } = workerData as TickerData;
const flag = new Int32Array(stop);
const nowNs = () => Number(process.hrtime.bigint());
let announced = 0;
while (announced < count && Atomics.load(flag, 0) === 0) {
  const dueNs = Math.max(startNs + announced * intervalNs, nowNs() + (announced > 0 ? MIN_TICK_NS : 0));
  const waitMs = (dueNs - nowNs()) / 1e6;
  if (waitMs > 0) Atomics.wait(flag, 0, 0, waitMs);
  if (Atomics.load(flag, 0) !== 0) break;
  // Every message due by now, in one post.
  announced = Math.min(count, Math.floor((nowNs() - startNs) / intervalNs) + 1);
  parentPort!.postMessage(announced);
}
parentPort!.close();
