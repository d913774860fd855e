/** Live processes as Linux's /proc shows them: one parser of /proc/<pid>/stat for every reader of it. */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  readonly ppid: number;
  /** Process group id. */
  readonly pgrp: number;
  /** utime + stime, in clock ticks. */
  readonly ticks: number;
  readonly rssPages: number;
}

/** The process's stat, or undefined once it has exited (zombies count as exited). */
export function readStat(pid: number | string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The comm field may contain spaces and parentheses: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined;
    // fields[0] is field 3 (state): ppid = field 4, pgrp = 5, utime = 14, stime = 15, rss = 24.
    return { ppid: Number(fields[1]), pgrp: Number(fields[2]), ticks: Number(fields[11]) + Number(fields[12]), rssPages: Number(fields[21]) };
  } catch {
    return undefined; // exited, or no /proc here
  }
}

/** Every live process: pid → stat (empty where there is no /proc). */
export function liveProcesses(): Map<number, ProcStat> {
  const processes = new Map<number, ProcStat>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return processes;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat) processes.set(Number(entry), stat);
  }
  return processes;
}

/** Live processes whose argument vector (`/proc/<pid>/cmdline`) matches. */
export function pidsRunning(matches: (argv: readonly string[]) => boolean): number[] {
  const found: number[] = [];
  for (const pid of liveProcesses().keys()) {
    try {
      if (matches(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'))) found.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}
