/**
 * The open loop's clock, in a worker thread of its own: it sleeps until the next message is due (Atomics.wait: a
 * futex, precise to microseconds, no CPU spent waiting) and posts how many are due by now to the thread that sends.
 * The sending thread never spins and never sleeps on a 1 ms timer, so it stays free for the transport's I/O.
 * The thread is started once and kept (open.ts): it runs one schedule at a time, as the sender posts them.
 */
import { parentPort } from 'node:worker_threads';

export interface TickerSchedule {
  /** CLOCK_MONOTONIC ns at which message 0 is due. */
  readonly startNs: number;
  readonly intervalNs: number;
  readonly count: number;
  /** Int32 flag: 0 while running; the sender sets 1 (and notifies) to stop the schedule. */
  readonly stop: SharedArrayBuffer;
}

/**
 * ready: the thread can take schedules; due: messages [0, upTo) of the schedule are due, and the first of them that
 * was not announced before fell due `lateNs` ago (the clock's own lateness, beyond the merging of close ticks); done: it
 * ended.
 */
export type TickerMessage = { readonly kind: 'ready' } | { readonly kind: 'due'; readonly upTo: number; readonly lateNs: number } | { readonly kind: 'done' };

/** Ticks closer together than this are merged: at high rates each post carries several messages. */
const MIN_TICK_NS = 200_000;

const nowNs = () => Number(process.hrtime.bigint());
const post = (message: TickerMessage) => parentPort!.postMessage(message);

function runSchedule({ startNs, intervalNs, count, stop }: TickerSchedule): void {
  const flag = new Int32Array(stop);
  let announced = 0;
  while (announced < count && Atomics.load(flag, 0) === 0) {
    const dueNs = Math.max(startNs + announced * intervalNs, nowNs() + (announced > 0 ? MIN_TICK_NS : 0));
    const waitMs = (dueNs - nowNs()) / 1e6;
    if (waitMs > 0) Atomics.wait(flag, 0, 0, waitMs);
    if (Atomics.load(flag, 0) !== 0) break;
    // Every message due by now, in one post; late by how much past the later of its due time and the merge window.
    const now = nowNs();
    const lateNs = Math.max(0, now - dueNs);
    announced = Math.min(count, Math.floor((now - startNs) / intervalNs) + 1);
    post({ kind: 'due', upTo: announced, lateNs });
  }
  post({ kind: 'done' });
}

parentPort!.on('message', runSchedule);
post({ kind: 'ready' });
