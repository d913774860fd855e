/**
 * CLOCK_MONOTONIC in nanoseconds as a double. Comparable across processes and threads on one Linux host (not across
 * hosts). A double holds nanoseconds exactly up to 2^53 ns (104 days of uptime) and to within a few ns long after.
 */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

export const NS_PER_MS = 1e6;
export const NS_PER_S = 1e9;
