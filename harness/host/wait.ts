/** Bounded waits: every wait in a sample has a deadline, so a run never hangs. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `condition` every 20 ms; false once the deadline passes or `signal` aborts. */
export async function waitUntil(condition: () => boolean, deadlineMs: number, signal: AbortSignal, onTick?: () => void): Promise<boolean> {
  while (!condition()) {
    if (Date.now() > deadlineMs || signal.aborted) return false;
    onTick?.();
    await sleep(20);
  }
  return true;
}

/** Resolves with the promise's value, or undefined once `ms` have passed (the promise is abandoned). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `condition`; throws the first `failure()`, or that `what` did not happen in time. */
export async function waitFor(what: string, condition: () => boolean, failure: () => string | undefined, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const done = await waitUntil(() => condition() || failure() !== undefined, Date.now() + timeoutMs, signal);
  const failed = failure();
  if (failed) throw new Error(failed);
  if (!done) throw new Error(signal.aborted ? 'interrupted' : `${what} within ${timeoutMs / 1000}s`);
}
