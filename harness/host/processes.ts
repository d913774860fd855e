/** Long-running server processes: spawned in their own process group, logged to a file, stopped by group. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { signalQuietly, trackProcess } from './lifecycle.ts';
import { liveProcesses, readStat } from './procfs.ts';
import { waitUntil, within } from './wait.ts';

const TREE_EXIT_WAIT_MS = 5_000;

/** Every live descendant of `pid` (children, their children, …). */
function descendants(pid: number): number[] {
  const processes = [...liveProcesses()];
  const found: number[] = [];
  for (let parents = [pid]; parents.length > 0; ) {
    parents = processes.filter(([, stat]) => parents.includes(stat.ppid)).map(([child]) => child);
    found.push(...parents);
  }
  return found;
}

export interface ServerProcessOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Drop privileges for servers that refuse to run as root (postgres). */
  readonly uid?: number;
  readonly gid?: number;
  readonly logFile: string;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

export interface ServerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitStatus>;
  /** Why it is gone (exit code, signal or spawn error), or undefined while it runs. */
  exitReason(): string | undefined;
  /** Signals the group, waits up to graceMs, then SIGKILLs the group. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
}

export function spawnServer(command: string, args: readonly string[], options: ServerProcessOptions): ServerProcess {
  const log = openSync(options.logFile, 'a');
  // detached: the terminal's Ctrl-C reaches only the harness, which then stops servers in order.
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    uid: options.uid,
    gid: options.gid,
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  }).then((result) => (status = result));
  const pid = child.pid ?? -1;
  const untrack = pid > 0 ? trackProcess(pid, { group: true }) : () => false;
  return {
    pid,
    child,
    logFile: options.logFile,
    exited,
    exitReason: () => status && describeExit(status),
    async stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}) {
      if (pid <= 0) return;
      // Children that left the group (Postgres backends call setsid()) are found by parent, before the parent dies.
      const tree = descendants(pid);
      if (!status) signalQuietly(-pid, signal);
      const graceful = (await within(exited.then(() => true), graceMs)) ?? false;
      // Sweep the whole group and tree even after a clean exit: helpers (erl_child_setup, backends) must not outlive it.
      signalQuietly(-pid, 'SIGKILL');
      for (const child of tree) signalQuietly(child, 'SIGKILL');
      if (!graceful) await exited;
      // Stopped means all of it is gone: a Postgres started again while a killed backend still holds the old shared
      // memory refuses to start ("pre-existing shared memory block is still in use").
      const gone = () => tree.every((child) => readStat(child) === undefined) && ![...liveProcesses().values()].some((stat) => stat.pgrp === pid);
      await waitUntil(gone, Date.now() + TREE_EXIT_WAIT_MS, new AbortController().signal);
      untrack();
    },
  };
}

/** Last lines of a server log, for error messages when a server fails to start. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function describeExit(status: ExitStatus): string {
  if (status.error) return status.error.message;
  return status.code !== null ? `exit code ${status.code}` : `signal ${status.signal}`;
}
