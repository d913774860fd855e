/**
 * Mann-Whitney U test (two-sided): do two small sets of samples come from the same distribution? No normality
 * assumed, which suits throughput samples on a noisy machine. Exact p-value for small samples without ties,
 * the normal approximation with tie and continuity correction otherwise.
 */
export interface MannWhitneyResult {
  readonly u: number;
  /** Two-sided p-value. */
  readonly p: number;
  readonly exact: boolean;
}

const EXACT_LIMIT = 20;

/** Average ranks (1-based) of the combined samples; ties share their mean rank. */
function ranks(values: readonly number[]): { ranks: number[]; tieGroups: number[] } {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const result = new Array<number>(values.length);
  const tieGroups: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) result[order[k]!.index] = rank;
    if (end > start) tieGroups.push(end - start + 1);
    start = end + 1;
  }
  return { ranks: result, tieGroups };
}

/** Number of arrangements with each U, for sizes m and n (U from 0 to m·n). */
function exactDistribution(m: number, n: number): number[] {
  // counts[i][j][u] built bottom-up over i ≤ m, j ≤ n, kept as a rolling 2-D array of U-count vectors.
  let previous: number[][] = Array.from({ length: n + 1 }, () => [1]);
  for (let i = 1; i <= m; i++) {
    const current: number[][] = [[1]];
    for (let j = 1; j <= n; j++) {
      const size = i * j + 1;
      const counts = new Array<number>(size).fill(0);
      // The largest of the i + j values belongs to sample A (adds j to U) or to sample B (adds nothing).
      previous[j]!.forEach((ways, u) => (counts[u + j]! += ways));
      current[j - 1]!.forEach((ways, u) => (counts[u]! += ways));
      current.push(counts);
    }
    previous = current;
  }
  return previous[n]!;
}

function normalCdf(z: number): number {
  // Abramowitz–Stegun 7.1.26 on erf: accurate to ~1e-7, plenty for a significance decision.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export function mannWhitney(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) return { u: 0, p: 1, exact: true };
  const { ranks: combined, tieGroups } = ranks([...a, ...b]);
  const rankSumA = combined.slice(0, m).reduce((sum, rank) => sum + rank, 0);
  const uA = rankSumA - (m * (m + 1)) / 2;
  const u = Math.min(uA, m * n - uA);
  if (tieGroups.length === 0 && m <= EXACT_LIMIT && n <= EXACT_LIMIT) {
    const distribution = exactDistribution(m, n);
    const total = distribution.reduce((sum, ways) => sum + ways, 0);
    let tail = 0;
    for (let k = 0; k <= u; k++) tail += distribution[k]!;
    return { u, p: Math.min(1, (2 * tail) / total), exact: true };
  }
  const N = m + n;
  const tieTerm = tieGroups.reduce((sum, t) => sum + (t ** 3 - t), 0);
  const variance = ((m * n) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (variance <= 0) return { u, p: 1, exact: false };
  const z = (u - (m * n) / 2 + 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * normalCdf(z)), exact: false };
}

/** The smallest two-sided p-value samples of these sizes can reach: above alpha, no difference can be significant. */
export function smallestPossibleP(m: number, n: number): number {
  let arrangements = 1;
  for (let k = 1; k <= m; k++) arrangements = (arrangements * (n + k)) / k;
  return Math.min(1, 2 / arrangements);
}
