/**
 * One sample's lifecycle, the same for every scenario: setup → start roles → warmup → measure (resources and
 * service counters around the load) → wait for what is owed, with progress → collect and account → teardown. A
 * scenario supplies its roles and its accounting as phases; the order, the deadlines and the cleanup on every path
 * are written once, here. A sample never hangs: every wait has a deadline.
 */
import { sampleAgentResources, type Agent, type AgentSet } from '../agent/client.ts';
import { redisCommandCounts, redisCommandMetrics, type CommandCounts } from '../measure/redis-commands.ts';
import { sampleHostCpu, sampleResources, type ResourceTarget, type ResourceUsage } from '../measure/resources.ts';
import { coresByRole, harnessSenderCores, limits, type HostCpu } from './limits.ts';
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
  /** Where this sample stands among its point's: the last one holds a capacity at the median of every search. */
  readonly repeat?: { readonly last: boolean; readonly earlier: readonly Sample[] };
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
  /** An open loop's offered rate, per second (the harness's own share of the sender is read from it). */
  readonly offeredPerSec?: number;
  /** Some service the point uses runs where its CPU is not sampled (`--services external`). */
  readonly partialCost?: boolean;
  /**
   * Kinds whose roles can carry several loads (runSession): sets up the next step's load on the running roles; load,
   * progress and account then measure that step. Problems on the way go into `errors`.
   */
  step?(roles: Roles, load: StepLoad, errors: string[]): Promise<void>;
  /** Collects the roles' reports and accounts for every id. */
  account(roles: Roles, load: Load, measured: Measured, errors: string[]): Promise<Sample>;
  /** Stops every role (every exit path). */
  stop(roles: Roles): Promise<void>;
  /** Removes what setup made (every exit path). */
  teardown(): Promise<void>;
}

const PROGRESS_INTERVAL_MS = 250;
const CLEANUP_TIMEOUT_MS = 15_000;

/** One step of a session: what its load is, and how long to wait for what it owes after. */
export interface StepLoad {
  /** Offered rate, per second; undefined: a closed loop as fast as sends are accepted (a search's upper bound). */
  readonly perSec?: number;
  /** Seconds of measured load. */
  readonly seconds: number;
  /** Seconds of warmup at the same rate, on the same schedule just before it, not measured. */
  readonly warmSec: number;
  readonly timeoutMs: number;
}

/** Several steps on one set of roles and one queue (a capacity search, and its hold). */
export interface Session {
  step(load: StepLoad): Promise<Sample>;
}

/**
 * The measured part of a sample: resources and service counters around the load, the wait for what it owes (at most
 * `timeoutMs`), and the accounting. What the load cost and who limited it are read over the send window only (the
 * wait after it would dilute both); the sample's resources cover the whole window. `offeredPerSec`: an open loop's
 * rate, for the harness's own share of the sender.
 */
async function measure<Roles, Load>(phases: SamplePhases<Roles, Load>, roles: Roles, { signal, onProgress }: SampleContext, timeoutMs: number, errors: string[], offeredPerSec?: number): Promise<Sample> {
  let load: Load | undefined;
  const report = () => onProgress(phases.progress(roles, load));
  const harnessCores = offeredPerSec ? await harnessSenderCores(offeredPerSec) : 0;
  const redisBefore = phases.redisUrl ? await redisCommandCounts(phases.redisUrl) : undefined;
  // Agents first: their calls take a round trip each, and the local window should not include that wait.
  const onAgents = phases.agents?.length ? sampleAgentResources(phases.agents) : undefined;
  await onAgents?.start();
  const sampler = sampleResources(phases.resources(roles));
  const host = sampleHostCpu();
  const ticker = setInterval(report, PROGRESS_INTERVAL_MS);
  let settled: boolean;
  let resources: ResourceUsage[];
  let sendWindow: { resources: ResourceUsage[]; host?: HostCpu } | undefined;
  try {
    load = await phases.load(roles);
    sendWindow = { resources: sampler.mark(), host: host.stop() };
    const loaded = load;
    settled = await waitUntil(() => phases.progress(roles, loaded).settled, Date.now() + timeoutMs, signal);
    report();
  } finally {
    clearInterval(ticker);
    resources = sampler.stop();
    // On every path: an agent's sampler left running would tick until its next window.
    if (onAgents) resources.push(...(await onAgents.stop(errors)));
  }
  const loaded = load;
  const window = sendWindow!;
  const redis = redisBefore && phases.redisUrl ? { before: redisBefore, after: await redisCommandCounts(phases.redisUrl) } : undefined;
  if (signal.aborted) throw new Error('interrupted');
  const accounted = await phases.account(roles, loaded, { resources, redis, settled }, errors);
  // Agents' roles are sampled over the whole window: their share of the send window is read from it.
  const windowResources = [...window.resources, ...resources.filter((usage) => !window.resources.some((local) => local.label === usage.label && local.pid === usage.pid))];
  // The sender's own CPU, in every result that has a sender of the harness's.
  const sender = windowResources.find((usage) => usage.harness === 'sender');
  const sample: Sample = {
    ...accounted,
    ...(sender ? { metrics: { ...accounted.metrics, senderCores: sender.cores } } : {}),
    ...(window.host ? { hostCpuBusy: window.host.busy } : {}),
    sendWindowCores: coresByRole(windowResources, harnessCores),
    ...(phases.partialCost ? { partialCost: true } : {}),
  };
  const limited = limits(windowResources, sample, window.host, harnessCores);
  return limited.length ? { ...sample, limited } : sample;
}

/** Stops the roles and removes what setup made, on every path, each within its deadline. */
async function cleanUp<Roles, Load>(phases: SamplePhases<Roles, Load>, roles: Roles | undefined): Promise<void> {
  if (roles !== undefined) await within(phases.stop(roles).catch(() => {}), CLEANUP_TIMEOUT_MS);
  await within(phases.teardown().catch(() => {}), CLEANUP_TIMEOUT_MS);
}

export async function runSample<Roles, Load>(phases: SamplePhases<Roles, Load>, context: SampleContext): Promise<Sample> {
  const errors: string[] = [];
  let roles: Roles | undefined;
  try {
    // Inside the try: a setup that fails halfway is torn down like any other (teardown tolerates a partial setup).
    await phases.setup();
    roles = await phases.start();
    await phases.warmup(roles, errors);
    return await measure(phases, roles, context, phases.timeoutMs, errors, phases.offeredPerSec);
  } finally {
    await cleanUp(phases, roles);
  }
}

/**
 * A session: setup and roles once, then as many steps as `body` asks for, each warmed at its own rate on the roles
 * and the queue the earlier steps used (so a step starts where the last one left the queue, as a long run would).
 */
export async function runSession<Roles, Load, Result>(phases: SamplePhases<Roles, Load>, context: SampleContext, body: (session: Session) => Promise<Result>): Promise<Result> {
  if (!phases.step) throw new Error('this kind runs no steps on one set of roles');
  let roles: Roles | undefined;
  try {
    await phases.setup();
    roles = await phases.start();
    const started = roles;
    return await body({
      async step(load) {
        const errors: string[] = [];
        await phases.step!(started, load, errors);
        return measure(phases, started, context, load.timeoutMs, errors, load.perSec);
      },
    });
  } finally {
    await cleanUp(phases, roles);
  }
}

/** Redis commands per message and per delivery over the measured window, when it was counted. */
export function redisMetrics(measured: Measured, messages: number, deliveries: number): Record<string, number> {
  return measured.redis ? redisCommandMetrics(measured.redis.before, measured.redis.after, messages, deliveries) : {};
}
