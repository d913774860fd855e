/**
 * CPU time and peak RSS of every process in a run (producer, consumers, servers), sampled from /proc (Linux).
 * A server target counts its whole process tree (beam.smp under its start script, postgres backends under the
 * postmaster). Trees are resolved at start and at stop, not at every sample: scanning /proc is the costly part,
 * and the sampler must not take CPU from what it measures.
 * Memory of a tree is the sum of PSS (proportional set size): summing RSS would count shared memory (Postgres's
 * shared buffers) once per backend.
 */
import { readFileSync } from 'node:fs';
import { liveProcesses, readStat, type ProcStat } from '../procfs.ts';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux ABI Node supports
const PAGE_SIZE = 4096;

export interface ResourceTarget {
  readonly label: string;
  readonly pid: number;
  /** Count the pid's descendants too. */
  readonly tree: boolean;
}

export interface ResourceUsage {
  readonly label: string;
  readonly pid: number;
  /** CPU seconds (user + system) used during the measured window. */
  readonly cpuSeconds: number;
  /** Peak memory seen while sampling, in MiB: RSS of a single process, summed PSS of a tree. */
  readonly peakMemoryMiB: number;
  readonly memoryMetric: 'rss' | 'pss';
}

/** The pid and all its live descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, stat] of liveProcesses()) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  if (!readStat(root)) return [];
  const tree = [root];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index]!) ?? []));
  return tree;
}

function pssPages(pid: number): number {
  try {
    const kib = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return kib ? (Number(kib) * 1024) / PAGE_SIZE : 0;
  } catch {
    return 0;
  }
}

function snapshot(pids: readonly number[]): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  return stats;
}


function memoryPages(target: ResourceTarget, pids: readonly number[]): number {
  if (!target.tree) return readStat(target.pid)?.rssPages ?? 0;
  return pids.reduce((total, pid) => total + pssPages(pid), 0);
}

export interface ResourceSampler {
  stop(): ResourceUsage[];
}

/** Samples RSS every `intervalMs`; CPU is the difference between start and stop. Empty off Linux. */
export function sampleResources(targets: readonly ResourceTarget[], intervalMs = 500): ResourceSampler {
  if (process.platform !== 'linux') return { stop: () => [] };
  const members = targets.map((target) => (target.tree ? processTree(target.pid) : [target.pid]));
  const start = members.map(snapshot);
  const peak = targets.map((target, index) => memoryPages(target, members[index]!));
  const timer = setInterval(() => targets.forEach((target, index) => (peak[index] = Math.max(peak[index]!, memoryPages(target, members[index]!)))), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return targets.map((target, index) => {
        // Processes born during the window (new backends) count from zero.
        const endPids = target.tree ? processTree(target.pid) : [target.pid];
        const end = snapshot(endPids);
        let ticks = 0;
        for (const [pid, stat] of end) ticks += Math.max(0, stat.ticks - (start[index]!.get(pid)?.ticks ?? 0));
        const peakPages = Math.max(peak[index]!, memoryPages(target, endPids));
        return {
          label: target.label,
          pid: target.pid,
          cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND,
          peakMemoryMiB: Math.round(((peakPages * PAGE_SIZE) / 2 ** 20) * 10) / 10,
          memoryMetric: target.tree ? 'pss' : 'rss',
        };
      });
    },
  };
}
