/**
 * CPU and memory of every process in a run (producer, consumers, servers, each service's process tree), sampled from
 * /proc (Linux), and the event-loop utilisation of the harness's own processes. Each tick reads only what is cheap
 * (/proc/<pid>/stat: CPU ticks and RSS) and finds each tree's members again, so that a backend born and gone between
 * the start and the stop is counted. The costly read, PSS (smaps_rollup), is taken at the start and the stop only:
 * a tree's memory is its summed PSS, since summing RSS would count shared memory (Postgres's shared buffers) once per
 * backend. Page size and clock ticks come from the system (getconf).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { liveProcesses, readStat } from '../host/procfs.ts';

/** Event-loop time, cumulative ms, as `performance.eventLoopUtilization()` gives it. */
export interface EventLoopTime {
  readonly idle: number;
  readonly active: number;
}

/**
 * What a process is to the system measured, for cost by role: `broker` (a service), `workers` (consumers), `producer`
 * (the sending process: the transport's client, with the harness's pacing), `servers` (an architecture's own
 * processes: the API, socket servers), `harness` (the harness's client processes).
 */
export type CostRole = 'broker' | 'workers' | 'producer' | 'servers' | 'harness';

export interface ResourceTarget {
  readonly label: string;
  /** Its role in the cost (see CostRole); absent: not counted by role (a bare baseline process). */
  readonly role?: CostRole;
  readonly pid: number;
  /** Count the pid's descendants too. */
  readonly tree: boolean;
  /** Report the process's worker threads apart, under this label, as workers (in-process consumers in threads). */
  readonly threadsLabel?: string;
  /** The process's latest event-loop time, when it reports one (harness roles do). */
  readonly eventLoop?: () => EventLoopTime | undefined;
  /** The harness's own part that this process plays, when it could be what limits a point. */
  readonly harness?: 'sender' | 'clients';
}

export interface ResourceUsage {
  readonly label: string;
  readonly role?: CostRole;
  readonly pid: number;
  /** CPU seconds (user + system) used during the measured window. */
  readonly cpuSeconds: number;
  /** Cores used on average over the window: cpuSeconds / window seconds. */
  readonly cores: number;
  /** Peak memory in MiB: peak RSS of a single process, summed PSS of a tree (the larger of start and stop). */
  readonly peakMemoryMiB: number;
  readonly memoryMetric: 'rss' | 'pss';
  /** PSS in MiB (the larger of start and stop): memory shared with other processes counted in proportion. */
  readonly pssMiB: number;
  /** Harness processes of the process scenario: peak RSS over a bare process of the same runtime and imports. */
  readonly overBaselineMiB?: number;
  /** The harness's part this process played (see ResourceTarget.harness). */
  readonly harness?: 'sender' | 'clients';
  /** Event-loop utilisation over the window (0–1), for processes that report it: near 1, the process was saturated. */
  readonly eventLoopUtilization?: number;
}

function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

let constants: { pageSize: number; ticksPerSecond: number } | undefined;
const system = () => (constants ??= { pageSize: getconf('PAGESIZE', 4096), ticksPerSecond: getconf('CLK_TCK', 100) });

/** The pid and all its live descendants, from one scan of /proc. */
function treeOf(root: number, children: ReadonlyMap<number, readonly number[]>): number[] {
  const tree = [root];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index]!) ?? []));
  return tree;
}

function childrenMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const [pid, stat] of liveProcesses()) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  return children;
}

/** The pid and all its live descendants. */
export function processTree(root: number): number[] {
  return readStat(root) ? treeOf(root, childrenMap()) : [];
}

function pssBytes(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      kib += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kib * 1024;
}

/** CPU ticks of the process's worker threads (tasks Node names `WorkerThread`), by thread id. */
function workerThreadTicks(pid: number): Map<number, number> {
  const ticks = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return ticks;
  }
  for (const tid of tids) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== 'WorkerThread') continue;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(tid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone
    }
  }
  return ticks;
}

/** Per target: CPU ticks of every member seen (first and latest), peak RSS, worker threads' ticks. */
class TargetTrack {
  readonly firstTicks = new Map<number, number>();
  readonly lastTicks = new Map<number, number>();
  readonly threadFirst = new Map<number, number>();
  readonly threadLast = new Map<number, number>();
  peakRssPages = 0;
  readonly pssStart: number;
  readonly eventLoopStart?: EventLoopTime;
  readonly target: ResourceTarget;

  constructor(target: ResourceTarget, members: readonly number[]) {
    this.target = target;
    this.pssStart = pssBytes(members);
    this.eventLoopStart = target.eventLoop?.();
    this.tick(members, true);
  }

  tick(members: readonly number[], first = false): void {
    let rss = 0;
    for (const pid of members) {
      const stat = readStat(pid);
      if (!stat) continue;
      // A member first seen after the start was born in the window: it counts from zero.
      if (!this.firstTicks.has(pid)) this.firstTicks.set(pid, first ? stat.ticks : 0);
      this.lastTicks.set(pid, stat.ticks);
      rss += stat.rssPages;
    }
    this.peakRssPages = Math.max(this.peakRssPages, rss);
    if (!this.target.threadsLabel) return;
    for (const [tid, ticks] of workerThreadTicks(this.target.pid)) {
      if (!this.threadFirst.has(tid)) this.threadFirst.set(tid, first ? ticks : 0);
      this.threadLast.set(tid, ticks);
    }
  }

  usage(members: readonly number[], windowSec: number): ResourceUsage[] {
    const { pageSize, ticksPerSecond } = system();
    const seconds = (first: ReadonlyMap<number, number>, last: ReadonlyMap<number, number>) =>
      [...last].reduce((sum, [id, ticks]) => sum + Math.max(0, ticks - (first.get(id) ?? 0)), 0) / ticksPerSecond;
    const threads = seconds(this.threadFirst, this.threadLast);
    const cpuSeconds = seconds(this.firstTicks, this.lastTicks) - threads;
    const pss = Math.max(this.pssStart, pssBytes(members));
    const memoryBytes = this.target.tree ? pss : this.peakRssPages * pageSize;
    const eventLoopEnd = this.target.eventLoop?.();
    const loop = this.eventLoopStart && eventLoopEnd && { idle: eventLoopEnd.idle - this.eventLoopStart.idle, active: eventLoopEnd.active - this.eventLoopStart.active };
    const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
    const usage = (label: string, cpu: number): ResourceUsage => ({
      label,
      pid: this.target.pid,
      cpuSeconds: round(cpu, 2),
      cores: windowSec > 0 ? round(cpu / windowSec, 3) : 0,
      peakMemoryMiB: round(memoryBytes / 2 ** 20, 1),
      memoryMetric: this.target.tree ? 'pss' : 'rss',
      pssMiB: round(pss / 2 ** 20, 1),
      ...(this.target.role ? { role: this.target.role } : {}),
      ...(this.target.harness ? { harness: this.target.harness } : {}),
      ...(loop && loop.idle + loop.active > 0 ? { eventLoopUtilization: round(loop.active / (loop.idle + loop.active), 3) } : {}),
    });
    const own = usage(this.target.label, cpuSeconds);
    // Worker threads are in-process consumers: the workers' cost, not the sender's.
    return this.target.threadsLabel ? [own, { ...usage(this.target.threadsLabel, threads), role: 'workers', harness: undefined, peakMemoryMiB: 0, pssMiB: 0, eventLoopUtilization: undefined }] : [own];
  }
}

export interface ResourceSampler {
  /** What was used from the start until now; sampling goes on (the send window of a load, inside a longer window). */
  mark(): ResourceUsage[];
  stop(): ResourceUsage[];
}

/** Samples every `intervalMs` (CPU, RSS, tree members); PSS at start and stop. Empty off Linux. */
export function sampleResources(targets: readonly ResourceTarget[], intervalMs = 250): ResourceSampler {
  if (process.platform !== 'linux') return { mark: () => [], stop: () => [] };
  const membersNow = () => {
    const children = targets.some((target) => target.tree) ? childrenMap() : new Map<number, number[]>();
    return targets.map((target) => (target.tree ? (readStat(target.pid) ? treeOf(target.pid, children) : []) : [target.pid]));
  };
  const startedAt = Date.now();
  const tracks = membersNow().map((members, index) => new TargetTrack(targets[index]!, members));
  const timer = setInterval(() => membersNow().forEach((members, index) => tracks[index]!.tick(members)), intervalMs);
  timer.unref();
  const usageNow = () => {
    const members = membersNow();
    members.forEach((current, index) => tracks[index]!.tick(current));
    const windowSec = (Date.now() - startedAt) / 1000;
    return tracks.flatMap((track, index) => track.usage(members[index]!, windowSec));
  };
  return {
    mark: usageNow,
    stop() {
      clearInterval(timer);
      return usageNow();
    },
  };
}

/** The host's CPU over a window, from /proc/stat: how busy its cores were (0–1), whatever ran on them. */
export function sampleHostCpu(): { stop(): { busy: number; cores: number } | undefined } {
  const read = () => {
    try {
      const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal: idle time is idle + iowait.
      const idle = fields[3]! + (fields[4] ?? 0);
      return { idle, total: fields.slice(0, 8).reduce((sum, value) => sum + value, 0) };
    } catch {
      return undefined; // no /proc here
    }
  };
  const first = read();
  return {
    stop() {
      const last = read();
      if (!first || !last || last.total <= first.total) return undefined;
      const busy = 1 - (last.idle - first.idle) / (last.total - first.total);
      return { busy: Math.round(busy * 1000) / 1000, cores: readdirSync('/sys/devices/system/cpu').filter((name) => /^cpu\d+$/.test(name)).length };
    },
  };
}
