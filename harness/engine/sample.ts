/**
 * One sample's lifecycle, the same for every scenario: setup → start roles → warmup → measure (resources and
 * service counters around the load) → wait for what is owed, with progress → collect and account → teardown. A
 * scenario supplies its roles and its accounting as phases; the order, the deadlines and the cleanup on every path
 * are written once, here. A sample never hangs: every wait has a deadline.
 */
import { sampleAgentResources, type Agent, type AgentSet } from '../agent/client.ts';
import { redisCommandCounts, redisCommandMetrics, type CommandCounts } from '../measure/redis-commands.ts';
import { sampleResources, type ResourceTarget, type ResourceUsage } from '../measure/resources.ts';
import type { Sample } from '../results/types.ts';
import type { ServiceSet } from '../services/provision.ts';
import { waitUntil, within } from '../host/wait.ts';

export interface SampleProgress {
  readonly delivered: number;
  readonly expected: number;
}

export interface SampleContext {
  readonly services: ServiceSet;
  /** The agents this invocation connected: a point placed on agents finds them here (see placement/). */
  readonly agents: AgentSet;
  /** Unique per sample, lower-case: safe as a queue name, SQL identifier or Redis key prefix. */
  readonly sampleId: string;
  readonly signal: AbortSignal;
  readonly onProgress: (progress: SampleProgress) => void;
  /** A line on what a long sample is doing (a capacity search's steps). */
  readonly onNote?: (note: string) => void;
}

/** What the lifecycle measured around the load, for the scenario's accounting. */
export interface Measured {
  readonly resources: readonly ResourceUsage[];
  /** Redis commands over the measured window, when the path goes through Redis (see redis-commands.ts). */
  readonly redis?: { readonly before: CommandCounts; readonly after: CommandCounts };
  /** Whether everything owed arrived before the deadline. */
  readonly settled: boolean;
}

export interface SamplePhases<Roles, Load> {
  /** Queues, tables, schemas: before any role starts. */
  setup(): Promise<void>;
  /** Starts the roles; resolves once every one is ready (or throws, naming the one that failed). */
  start(): Promise<Roles>;
  /** Unmeasured traffic through the whole path; problems go into `errors`, they do not end the sample. */
  warmup(roles: Roles, errors: string[]): Promise<void>;
  /** Processes to sample while measuring. */
  resources(roles: Roles): ResourceTarget[];
  /** Agents whose roles to sample while measuring (each reads its own /proc). */
  readonly agents?: readonly Agent[];
  /** Redis whose command counts bracket the measured window, when the path goes through it. */
  readonly redisUrl?: string;
  /** Runs the measured load; the wait for what it owes follows. */
  load(roles: Roles): Promise<Load>;
  /** Deliveries so far against what is owed; `settled` once nothing more can arrive. */
  progress(roles: Roles, load: Load | undefined): SampleProgress & { readonly settled: boolean };
  /** How long to wait for what is owed after the load. */
  readonly timeoutMs: number;
  /** Collects the roles' reports and accounts for every id. */
  account(roles: Roles, load: Load, measured: Measured, errors: string[]): Promise<Sample>;
  /** Stops every role (every exit path). */
  stop(roles: Roles): Promise<void>;
  /** Removes what setup made (every exit path). */
  teardown(): Promise<void>;
}

const PROGRESS_INTERVAL_MS = 250;
const CLEANUP_TIMEOUT_MS = 15_000;

export async function runSample<Roles, Load>(phases: SamplePhases<Roles, Load>, { signal, onProgress }: SampleContext): Promise<Sample> {
  const errors: string[] = [];
  let roles: Roles | undefined;
  try {
    // Inside the try: a setup that fails halfway is torn down like any other (teardown tolerates a partial setup).
    await phases.setup();
    roles = await phases.start();
    const started = roles;
    await phases.warmup(started, errors);
    let load: Load | undefined;
    const report = () => onProgress(phases.progress(started, load));
    const redisBefore = phases.redisUrl ? await redisCommandCounts(phases.redisUrl) : undefined;
    // Agents first: their calls take a round trip each, and the local window should not include that wait.
    const onAgents = phases.agents?.length ? sampleAgentResources(phases.agents) : undefined;
    await onAgents?.start();
    const sampler = sampleResources(phases.resources(started));
    const ticker = setInterval(report, PROGRESS_INTERVAL_MS);
    let settled: boolean;
    let resources: ResourceUsage[];
    try {
      load = await phases.load(started);
      const loaded = load;
      settled = await waitUntil(() => phases.progress(started, loaded).settled, Date.now() + phases.timeoutMs, signal);
      report();
    } finally {
      clearInterval(ticker);
      resources = sampler.stop();
      // On every path: an agent's sampler left running would tick until its next window.
      if (onAgents) resources.push(...(await onAgents.stop(errors)));
    }
    const loaded = load;
    const redis = redisBefore && phases.redisUrl ? { before: redisBefore, after: await redisCommandCounts(phases.redisUrl) } : undefined;
    if (signal.aborted) throw new Error('interrupted');
    const accounted = await phases.account(started, loaded, { resources, redis, settled }, errors);
    // The sender's own CPU, in every result that has a sender of the harness's.
    const sender = resources.find((usage) => usage.harness === 'sender');
    const sample = sender ? { ...accounted, metrics: { ...accounted.metrics, senderCores: sender.cores } } : accounted;
    const limited = harnessLimits(resources, sample);
    return limited.length ? { ...sample, limited } : sample;
  } finally {
    if (roles !== undefined) await within(phases.stop(roles).catch(() => {}), CLEANUP_TIMEOUT_MS);
    await within(phases.teardown().catch(() => {}), CLEANUP_TIMEOUT_MS);
  }
}

/**
 * Past these, a figure describes the harness (README: Reading the result). The sender's lag is inside every open-loop latency
 * (latency runs from the intended send time), so it limits a point when it is over 1 ms and a quarter or more of the
 * latency p99. Below that, on a 2-core host, it is mostly the scheduling delay that the sender shares with the system
 * under test, which shares the same cores; results carry it (`senderLagMs`) either way.
 */
const LIMITS = { clientEventLoop: 0.9, senderCores: 0.8, senderLagP99Ms: 1, senderLagShareOfP99: 0.25 };

/** Why the harness, not the system, may have set this sample's figures (see Sample.limited). */
export function harnessLimits(resources: readonly ResourceUsage[], sample: Sample): string[] {
  const reasons: string[] = [];
  for (const usage of resources) {
    const busy = usage.eventLoopUtilization ?? 0;
    if (usage.harness === 'clients' && busy > LIMITS.clientEventLoop) reasons.push(`client-limited: ${usage.label}'s event loop over 90% busy (${Math.round(busy * 100)}%)`);
    if (usage.harness === 'sender' && usage.cores >= LIMITS.senderCores) reasons.push(`harness-limited: the sender (${usage.label}) at 80% of a core or more (${usage.cores.toFixed(2)})`);
  }
  const lag = sample.senderLagMs?.p99;
  const latency = sample.latencyMs?.p99 ?? 0;
  // Nothing delivered, no latency: the sender's lag cannot be a part of it.
  if (lag !== undefined && latency > 0 && lag > LIMITS.senderLagP99Ms && lag >= latency * LIMITS.senderLagShareOfP99) {
    reasons.push(`harness-limited: the sender's lag p99 over 1 ms and a quarter or more of the latency p99 (${lag} ms of ${latency} ms)`);
  }
  return reasons;
}

/** Redis commands per message and per delivery over the measured window, when it was counted. */
export function redisMetrics(measured: Measured, messages: number, deliveries: number): Record<string, number> {
  return measured.redis ? redisCommandMetrics(measured.redis.before, measured.redis.after, messages, deliveries) : {};
}
