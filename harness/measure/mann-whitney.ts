/**
 * Mann-Whitney U test (two-sided): do two small sets of samples come from the same distribution? No normality
 * assumed, which suits throughput samples on a noisy machine. For samples of up to EXACT_LIMIT values a side the
 * p-value is exact, ties included: the permutation distribution of the rank sum, with tied values sharing their mid
 * rank (a tie is common here: figures are rounded). Larger samples use the normal approximation with tie and
 * continuity correction.
 */
export interface MannWhitneyResult {
  readonly u: number;
  /** Two-sided p-value. */
  readonly p: number;
  readonly exact: boolean;
}

const EXACT_LIMIT = 20;

/** Mid ranks (1-based) of the combined samples; ties share the mean of their ranks. */
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

/**
 * The number of ways each sum of doubled ranks (integers, since mid ranks are halves) arises when m of the N ranks go
 * to the first sample: every one of the C(N, m) splits counted once.
 */
function rankSumDistribution(doubledRanks: readonly number[], m: number): Map<number, number>[] {
  // ways[k]: sum → number of subsets of size k among the ranks seen so far.
  let ways: Map<number, number>[] = [new Map([[0, 1]])];
  for (const rank of doubledRanks) {
    const next = ways.map((bySum) => new Map(bySum));
    for (let k = Math.min(ways.length - 1, m - 1); k >= 0; k--) {
      const target = (next[k + 1] ??= new Map());
      for (const [sum, count] of ways[k]!) target.set(sum + rank, (target.get(sum + rank) ?? 0) + count);
    }
    ways = next;
  }
  return ways;
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
  if (m <= EXACT_LIMIT && n <= EXACT_LIMIT) {
    // Two-sided: the share of splits whose rank sum lies at least as far from its mean as the observed one.
    const doubled = combined.map((rank) => Math.round(rank * 2));
    const mean = m * (m + n + 1); // doubled mean rank sum of the first sample
    const observed = Math.abs(Math.round(rankSumA * 2) - mean);
    let extreme = 0;
    let total = 0;
    for (const [sum, count] of rankSumDistribution(doubled, m)[m]!) {
      total += count;
      if (Math.abs(sum - mean) >= observed) extreme += count;
    }
    return { u, p: Math.min(1, extreme / total), exact: true };
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
