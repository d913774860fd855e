/**
 * A container's processes scheduled like a native server's: they join hopbench's own CPU cgroup.
 *
 * Linux schedules a cgroup as one entity against its siblings. A native Postgres started by hopbench has each backend
 * competing for the cores on its own, beside the producer and the workers; in its container's cgroup the same two
 * dozen backends share one entity's share. On a 2-core host busy with the harness's own processes that cut the `pg`
 * queue's capacity at p99 ≤ 100 ms from 500–621/s (native) to 168–261/s; with the container's processes moved into
 * hopbench's cgroup it measured 545/s. Nothing else of the container changes (its other controllers, namespaces and
 * filesystem stay), and the engine still stops it: its processes die with its PID namespace.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { errorMessage } from '../host/errors.ts';

interface CpuHierarchy {
  /** The `cgroup.procs` file of a cgroup path of this hierarchy. */
  procs(path: string): string;
  /** The cgroup path of a process in this hierarchy. */
  pathOf(pid: number | 'self'): string | undefined;
}

/** The hierarchy the CPU controller is in: cgroup v1's `cpu` (alone or co-mounted), else the unified v2 one. */
function cpuHierarchy(): CpuHierarchy | undefined {
  let mounts: string[][];
  try {
    mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
  } catch {
    return undefined; // not Linux
  }
  // mountinfo: id parent dev root mountpoint options [optional…] - fstype source superoptions
  const parsed = mounts.map((fields) => {
    const dash = fields.indexOf('-');
    return { root: fields[3]!, point: fields[4]!, type: fields[dash + 1], options: (fields[dash + 3] ?? '').split(',') };
  });
  const v1 = parsed.find((mount) => mount.type === 'cgroup' && mount.options.includes('cpu'));
  const v2 = parsed.find((mount) => mount.type === 'cgroup2');
  const mount = v1 ?? v2;
  if (!mount) return undefined;
  const matches = v1 ? (controllers: string) => controllers.split(',').includes('cpu') : (controllers: string) => controllers === '';
  return {
    procs: (path) => `${mount.point}${mount.root === '/' ? path : path.slice(mount.root.length)}/cgroup.procs`.replace(/\/+/g, '/'),
    pathOf(pid) {
      try {
        const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
          .split('\n')
          .map((entry) => /^\d+:([^:]*):(.*)$/.exec(entry))
          .find((match) => match && matches(match[1]!));
        return line?.[2];
      } catch {
        return undefined;
      }
    },
  };
}

const readPids = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(Number);

/** The CPU cgroup a container's processes ran in, and why when it is not hopbench's. */
export type CpuCgroup = { readonly cpuCgroup: 'shared' } | { readonly cpuCgroup: 'own'; readonly cpuCgroupWhy: string };

const MOVE_PASSES = 3;

/**
 * Moves every process of the container whose main process is `pid` into hopbench's own CPU cgroup. A process forked
 * meanwhile (a Postgres backend) is caught by the next pass; later ones are forked by moved parents and stay.
 */
export function joinCpuCgroup(pid: number | undefined): CpuCgroup {
  const hierarchy = cpuHierarchy();
  if (!hierarchy) return { cpuCgroup: 'own', cpuCgroupWhy: 'no CPU cgroup hierarchy is mounted here' };
  if (pid === undefined) return { cpuCgroup: 'own', cpuCgroupWhy: "the container's processes are not on this host" };
  const ours = hierarchy.pathOf('self');
  const theirs = hierarchy.pathOf(pid);
  if (ours === undefined || theirs === undefined) return { cpuCgroup: 'own', cpuCgroupWhy: "the container's or hopbench's CPU cgroup could not be read" };
  if (theirs === ours) return { cpuCgroup: 'shared' };
  try {
    for (let pass = 0; pass < MOVE_PASSES; pass++) {
      const left = readPids(hierarchy.procs(theirs));
      if (left.length === 0) break;
      for (const member of left) {
        try {
          writeFileSync(hierarchy.procs(ours), String(member));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // it exited meanwhile
        }
      }
    }
  } catch (error) {
    return { cpuCgroup: 'own', cpuCgroupWhy: `moving its processes into hopbench's CPU cgroup failed (${errorMessage(error)})` };
  }
  return hierarchy.pathOf(pid) === ours ? { cpuCgroup: 'shared' } : { cpuCgroup: 'own', cpuCgroupWhy: 'its main process did not move' };
}
