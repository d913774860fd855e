/**
 * Who besides the system may have set a sample's figures, named precisely (see Sample.limited), and what the load
 * cost by role. Three are told apart, because a reader acts on each differently:
 * - `harness-limited`: the pacer (the open loop's clock thread) was late by more than 1 ms at p99, a client process
 *   of the harness had its event loop over 90% busy, or the harness's own share of the sending process (its pacing,
 *   envelopes and histograms: the per-message cost of an open loop into a producer that accepts at once, measured in
 *   this run, times the rate) reached half a core. The harness, not the system, was the limit: a capacity is then a
 *   lower bound.
 * - `producer-limited`: the sending thread fell behind its on-time pacer (its lag p99 over 1 ms and a quarter or more
 *   of the latency p99), or the sending process used 80% of a core: the transport client's work in one producer
 *   process, part of the architecture (an API process enqueuing). Its cores are the system's cost.
 * - `cpu-limited`: every core of the host was 90% busy or more over the send window: this host's figure.
 */
import { measurePacer } from '../environment/harness-cost.ts';
import type { CostRole, ResourceUsage } from '../measure/resources.ts';
import type { Sample, StepLimit } from '../results/types.ts';

const LIMITS = { clientEventLoop: 0.9, senderCores: 0.8, harnessCores: 0.5, lagP99Ms: 1, lagShareOfP99: 0.25, hostBusy: 0.9 };

/** The host's CPU over a window (see measure/resources.ts sampleHostCpu). */
export interface HostCpu {
  readonly busy: number;
  readonly cores: number;
}

/**
 * `resources` over the send window; `harnessCores`: the harness's own share of the sending process(es) at the offered
 * rate (see harnessSenderCores).
 */
export function limits(resources: readonly ResourceUsage[], sample: Sample, host?: HostCpu, harnessCores = 0): string[] {
  const reasons: string[] = [];
  const latency = sample.latencyMs?.p99 ?? 0;
  const pacer = sample.pacerLagMs?.p99;
  // Late sends are stamped with their intended time: lateness the latency could not hide is the harness's own.
  if (pacer !== undefined && pacer > LIMITS.lagP99Ms && pacer >= latency * LIMITS.lagShareOfP99) reasons.push(`harness-limited: the pacer (the open loop's clock thread) was late, p99 ${pacer} ms of a latency p99 of ${latency} ms`);
  if (harnessCores >= LIMITS.harnessCores) reasons.push(`harness-limited: the harness's own share of the sending process was ${harnessCores.toFixed(2)} cores`);
  for (const usage of resources) {
    const busy = usage.eventLoopUtilization ?? 0;
    if (usage.harness === 'clients' && busy > LIMITS.clientEventLoop) reasons.push(`client-limited: ${usage.label}'s event loop over 90% busy (${Math.round(busy * 100)}%)`);
    if (usage.harness === 'sender' && usage.cores >= LIMITS.senderCores) reasons.push(`producer-limited: the producer process (${usage.label}, the transport's client included) at 80% of a core or more (${usage.cores.toFixed(2)})`);
  }
  const lag = sample.senderLagMs?.p99;
  // Nothing delivered, no latency: the sender's lag cannot be a part of it.
  if (lag !== undefined && latency > 0 && lag > LIMITS.lagP99Ms && lag >= latency * LIMITS.lagShareOfP99) {
    reasons.push(`producer-limited: the sending thread fell behind its schedule, lag p99 ${lag} ms of a latency p99 of ${latency} ms`);
  }
  if (host && host.busy >= LIMITS.hostBusy) reasons.push(`cpu-limited: the host's ${host.cores} cores were ${Math.round(host.busy * 100)}% busy`);
  return reasons;
}

/** Which of the three a sample's reasons name (client-limited is the harness's), in that order, once each. */
export function stepLimits(reasons: readonly string[]): StepLimit[] {
  const named = reasons.map((reason) => reason.slice(0, reason.indexOf('-limited')));
  const found = new Set(named.map((name) => (name === 'client' ? 'harness' : name)));
  return (['harness', 'producer', 'cpu'] as const).filter((limit) => found.has(limit));
}

/**
 * Cores by role over a window (see CostRole), with the harness's share of the sending process moved from `producer`
 * to `harness`. Processes without a role (a bare baseline) are left out.
 */
export function coresByRole(resources: readonly ResourceUsage[], harnessCores = 0): Partial<Record<CostRole, number>> {
  const byRole: Partial<Record<CostRole, number>> = {};
  for (const usage of resources) if (usage.role) byRole[usage.role] = (byRole[usage.role] ?? 0) + usage.cores;
  if (harnessCores > 0 && byRole.producer !== undefined) {
    const moved = Math.min(harnessCores, byRole.producer);
    byRole.producer -= moved;
    byRole.harness = (byRole.harness ?? 0) + moved;
  }
  return Object.fromEntries(Object.entries(byRole).map(([role, cores]) => [role, Math.round(cores * 1000) / 1000]));
}

/** The rates the open loop's own cost is measured at: below the first a clock's ticks cost most, above the second its messages. */
const CALIBRATION_RATES = [10_000, 100_000] as const;
let calibration: Promise<Array<{ perSec: number; cores: number }>> | undefined;

/**
 * Measures the open loop's own cost once per process (see harnessSenderCores). A run calls it before its first sample,
 * with its other calibrations: measured inside a sample, its seconds would sit between the warmup and the load.
 */
export function calibrateSenderCost(): Promise<Array<{ perSec: number; cores: number }>> {
  calibration ??= (async () => {
    const points = [];
    for (const rate of CALIBRATION_RATES) points.push(await measurePacer(rate, 1));
    return points;
  })();
  return calibration;
}

/**
 * The harness's own share of the sending process at `perSec`, in cores: what an open loop costs into a producer that
 * accepts at once, measured once per process at 10,000/s and 100,000/s (1 s each after a warm-up second), read
 * linearly between them and in proportion to the rate outside them.
 */
export async function harnessSenderCores(perSec: number): Promise<number> {
  const [low, high] = await calibrateSenderCost();
  if (perSec <= low!.perSec) return (low!.cores * perSec) / low!.perSec;
  if (perSec >= high!.perSec) return (high!.cores * perSec) / high!.perSec;
  return low!.cores + ((high!.cores - low!.cores) * (perSec - low!.perSec)) / (high!.perSec - low!.perSec);
}
