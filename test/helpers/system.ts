/** What is running and listening on this host, read from /proc and ss: for leak and loopback checks. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Pids whose command line mentions `needle` (e.g. a temp dir the harness created). */
export function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /State:\s+(\S)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (state !== 'Z' && cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // raced with the process exiting
    }
  }
  return pids;
}

export function hopbenchTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('hopbench-'));
}

export function pidExists(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    return !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Local addresses (host:port) on which the given pids listen for TCP. */
export function listeningAddresses(pids: readonly number[]): string[] {
  const output = execFileSync('ss', ['-H', '-ltnp'], { encoding: 'utf8' });
  return output
    .split('\n')
    .filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)))
    .map((line) => line.trim().split(/\s+/)[3] ?? '');
}

/** Pids of the harness's role processes of one kind (`consumer`, `producer`, `broadcast-client`, …). */
export function rolePids(role: string): number[] {
  return pidsMentioning(`entry/process.ts\0${role}\0`);
}
