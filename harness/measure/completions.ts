/**
 * When jobs completed, as counts per millisecond since a shared epoch (CLOCK_MONOTONIC, one host): recorded by each
 * consumer, summed by the coordinator. A backlog's drain rate is read over its steady part, between the 10th and the
 * 90th percentile of completions, as the least-squares slope of completions done against time, sampled every
 * millisecond. A consumer that polls completes its jobs in bursts: first → last completion spans one polling period
 * fewer than the work took (pg-boss at its defaults read 20–46% fast that way), and a count between two quantiles
 * lands them mid-burst; the slope of the staircase is its rate, bursts or not.
 */
export interface Completions {
  /** Milliseconds from the epoch of counts[0]. */
  readonly startMs: number;
  readonly counts: Uint32Array;
}

export interface CompletionRecorder {
  record(doneNs: number): void;
  snapshot(): Completions;
}

export function recordCompletions(epochNs: number): CompletionRecorder {
  let counts = new Uint32Array(1024);
  let first = Infinity;
  let last = -1;
  return {
    record(doneNs) {
      const bucket = Math.max(0, Math.floor((doneNs - epochNs) / 1e6));
      if (bucket >= counts.length) {
        const grown = new Uint32Array(Math.max(bucket + 1, counts.length * 2));
        grown.set(counts);
        counts = grown;
      }
      counts[bucket]!++;
      if (bucket < first) first = bucket;
      if (bucket > last) last = bucket;
    },
    snapshot: () => (last < 0 ? { startMs: 0, counts: new Uint32Array(0) } : { startMs: first, counts: counts.slice(first, last + 1) }),
  };
}

/** The sum of several consumers' completions on the shared epoch. */
export function mergeCompletions(parts: readonly Completions[]): Completions {
  const used = parts.filter((part) => part.counts.length > 0);
  if (used.length === 0) return { startMs: 0, counts: new Uint32Array(0) };
  const startMs = Math.min(...used.map((part) => part.startMs));
  const end = Math.max(...used.map((part) => part.startMs + part.counts.length));
  const counts = new Uint32Array(end - startMs);
  for (const part of used) part.counts.forEach((count, index) => (counts[part.startMs - startMs + index]! += count));
  return { startMs, counts };
}

/** Completions in [fromMs, toMs) on the epoch's clock. */
export function completedBetween({ startMs, counts }: Completions, fromMs: number, toMs: number): number {
  let total = 0;
  for (let bucket = Math.max(0, Math.ceil(fromMs - startMs)); bucket < Math.min(counts.length, Math.ceil(toMs - startMs)); bucket++) total += counts[bucket]!;
  return total;
}

/** Below this many milliseconds a window says nothing more than first → last. */
const MIN_WINDOW_MS = 20;

/**
 * Completions per second over [fromMs, toMs) on the epoch's clock: the least-squares slope of completions done against
 * time, every millisecond. An open loop's delivered rate is read this way over the central part of its send window,
 * shifted by the median latency: neither the first message's latency nor the last one's enters it. Undefined when the
 * window is shorter than MIN_WINDOW_MS.
 */
export function slopeBetween({ startMs, counts }: Completions, fromMs: number, toMs: number): number | undefined {
  const low = Math.floor(fromMs);
  const high = Math.ceil(toMs);
  if (high - low < MIN_WINDOW_MS) return undefined;
  // done(t): completions up to and including millisecond t. Σ(t − t̄) = 0, so the slope is Σ(t − t̄)·done / Σ(t − t̄)².
  let done = completedBetween({ startMs, counts }, -Infinity, low);
  const meanT = (low + high) / 2;
  let covariance = 0;
  let variance = 0;
  for (let t = low; t <= high; t++) {
    const index = t - startMs;
    if (index >= 0 && index < counts.length) done += counts[index]!;
    covariance += (t - meanT) * done;
    variance += (t - meanT) ** 2;
  }
  return (covariance / variance) * 1000;
}

/** Completions per second over the 10th–90th percentile window, and that window's length; undefined without data. */
export function steadyRate({ counts }: Completions, from = 0.1, to = 0.9): { perSec: number; windowSec: number } | undefined {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return undefined;
  const done = new Float64Array(counts.length);
  counts.reduce((sum, count, bucket) => (done[bucket] = sum + count), 0);
  const bucketAt = (fraction: number) => Math.max(0, done.findIndex((value) => value >= fraction * total));
  const [low, high] = [bucketAt(from), bucketAt(to)];
  if (high - low < MIN_WINDOW_MS) {
    const spanMs = Math.max(1, counts.length);
    return { perSec: (total / spanMs) * 1000, windowSec: spanMs / 1000 };
  }
  // Least squares of done(t) = a + b·t over the window's milliseconds.
  const n = high - low + 1;
  const meanT = (low + high) / 2;
  let meanDone = 0;
  for (let bucket = low; bucket <= high; bucket++) meanDone += done[bucket]! / n;
  let covariance = 0;
  let variance = 0;
  for (let bucket = low; bucket <= high; bucket++) {
    covariance += (bucket - meanT) * (done[bucket]! - meanDone);
    variance += (bucket - meanT) ** 2;
  }
  return { perSec: (covariance / variance) * 1000, windowSec: (high - low) / 1000 };
}

/** The central part of an open loop's send window its delivered rate is read over (see openLoopDelivery). */
const CENTRAL = { from: 0.1, to: 0.9 };
/** Less than this share of what was offered, delivered or completed over the second half: not sustained. */
const KEPT_UP = 0.98;

/**
 * What an open loop's consumers did with a schedule of `perSec` for `seconds` from `startMs` (on the completions'
 * epoch): the delivered rate over the central 80% of the send window shifted by the median latency `medianMs` (a
 * steady delay shifts both ends alike and costs nothing), and whether less was completed over the second half, shifted
 * alike, than 98% of what was offered in it (the backlog growing). A window too short to read falls back to the
 * completions over the whole shifted window.
 */
export function openLoopDelivery(completions: Completions, { startMs, seconds, perSec, medianMs }: { startMs: number; seconds: number; perSec: number; medianMs: number }) {
  const windowMs = seconds * 1000;
  const from = startMs + medianMs + CENTRAL.from * windowMs;
  const to = startMs + medianMs + CENTRAL.to * windowMs;
  const achievedPerSec = slopeBetween(completions, from, to) ?? completedBetween(completions, startMs + medianMs, startMs + medianMs + windowMs) / Math.max(seconds, 1e-3);
  const secondHalf = completedBetween(completions, startMs + medianMs + windowMs / 2, startMs + medianMs + windowMs);
  return { achievedPerSec: Math.max(0, achievedPerSec), backlogGrowing: secondHalf < KEPT_UP * perSec * (seconds / 2) };
}
