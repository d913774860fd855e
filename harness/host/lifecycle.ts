/**
 * Everything a run starts is registered here so that no exit path (normal end, error, SIGINT, SIGTERM, a second
 * Ctrl-C) can leave a server, a worker process or a temp dir behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from './errors.ts';
import { liveProcesses } from './procfs.ts';

interface Cleanup {
  readonly name: string;
  readonly run: () => Promise<void>;
}

const cleanups: Cleanup[] = [];
/** Process group ids (detached servers) and plain pids (forked workers), killed with SIGKILL as a last resort. */
const processGroups = new Set<number>();
const pids = new Set<number>();
const tempDirs = new Set<string>();
/** Containers of the services (Docker provider), removed with `docker rm -f` as a last resort. */
const containers = new Set<string>();
const shutdown = new AbortController();

/** Aborted on the first SIGINT/SIGTERM, so long operations can stop early. */
export const shutdownSignal: AbortSignal = shutdown.signal;

/** Registers an async cleanup; runs in reverse order of registration. Returns a function that unregisters it. */
export function deferCleanup(name: string, run: () => Promise<void>): () => void {
  const entry = { name, run };
  cleanups.push(entry);
  return () => {
    const index = cleanups.indexOf(entry);
    if (index >= 0) cleanups.splice(index, 1);
  };
}

export function trackProcess(pid: number, { group }: { group: boolean }): () => void {
  const set = group ? processGroups : pids;
  set.add(pid);
  return () => set.delete(pid);
}

export function trackContainer(id: string): () => void {
  containers.add(id);
  return () => containers.delete(id);
}

export function makeTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hopbench-${label}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

let cleaning: Promise<void> | undefined;

/**
 * Runs every registered cleanup (LIFO), then kills whatever is still tracked and removes the temp dirs. A second
 * caller while it runs (the signal handler, and a command that returns because the signal aborted its wait) waits
 * for the same sweep: two sweeps at once would force-remove what the first is still stopping in order.
 */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    for (let entry = cleanups.pop(); entry; entry = cleanups.pop()) {
      try {
        await entry.run();
      } catch (error) {
        process.stderr.write(`hopbench: cleanup of ${entry.name} failed: ${errorMessage(error)}\n`);
      }
    }
    forceCleanupSync();
  })().finally(() => (cleaning = undefined));
  return cleaning;
}

const EXIT_WAIT_MS = 3_000;

/**
 * Blocks (this runs in 'exit' handlers, where nothing async runs) until no live process belongs to the groups or
 * has the pids, or the wait runs out: SIGKILL is delivered at once, but a large process takes a moment to die, and
 * hopbench must not exit while something it started still runs.
 */
function waitForExitSync(groups: ReadonlySet<number>, killed: ReadonlySet<number>): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + EXIT_WAIT_MS;
  const alive = () => [...liveProcesses()].some(([pid, stat]) => killed.has(pid) || groups.has(stat.pgrp));
  while (Date.now() < deadline && alive()) Atomics.wait(pause, 0, 0, 10);
}

function forceCleanupSync(): void {
  for (const pgid of processGroups) signalQuietly(-pgid, 'SIGKILL');
  for (const pid of pids) signalQuietly(pid, 'SIGKILL');
  if (processGroups.size + pids.size > 0) waitForExitSync(new Set(processGroups), new Set(pids));
  processGroups.clear();
  pids.clear();
  // Synchronous, as everything here: the engine stops and removes them even if this process exits right after.
  if (containers.size > 0) spawnSync('docker', ['rm', '--force', '--volumes', ...containers], { stdio: 'ignore', timeout: 30_000 });
  containers.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export function signalQuietly(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

let installed = false;

/**
 * First SIGINT/SIGTERM/SIGHUP: abort `shutdownSignal`, run every cleanup, exit 130/143. A second one forces:
 * SIGKILL to everything tracked, temp dirs removed, immediate exit. `exit` always does the forced sweep.
 */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  const exitCodes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      const code = exitCodes[signal] ?? 1;
      if (shutdown.signal.aborted) {
        process.stderr.write(`hopbench: ${signal} again, forcing exit\n`);
        forceCleanupSync();
        process.exit(code);
      }
      process.stderr.write(`\nhopbench: ${signal}, stopping everything this run started (again to force)\n`);
      shutdown.abort(new Error(`interrupted by ${signal}`));
      void cleanupAll().finally(() => process.exit(code));
    });
  }
  process.on('exit', forceCleanupSync);
}
