/**
 * A checkout's npm dependencies, installed once per lockfile: a side whose lockfile is the running hopbench's own
 * uses its node_modules; any other lockfile is installed with `npm ci` into a cache keyed by the lockfile's hash
 * (node_modules/.cache/hopbench-ab/<hash>), so that an A/B against the same base installs it once. npm's output goes
 * to a log, not the console.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HopbenchError, UsageError } from '../host/errors.ts';
import { deferCleanup } from '../host/lifecycle.ts';
import { logTail, spawnServer } from '../host/processes.ts';

const OWN_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OWN_MODULES = join(OWN_ROOT, 'node_modules');
const CACHE = join(OWN_MODULES, '.cache', 'hopbench-ab');

function lockfileHash(dir: string): string {
  const lockfile = join(dir, 'package-lock.json');
  if (!existsSync(lockfile)) throw new UsageError(`${lockfile} is missing: each side needs a lockfile for npm ci`);
  return createHash('sha256').update(readFileSync(lockfile)).digest('hex').slice(0, 16);
}

/** `npm ci` in a staging dir beside the cache entry, renamed into place only once it succeeded. */
async function install(checkout: string, hash: string, logFile: string, signal: AbortSignal): Promise<string> {
  const entry = join(CACHE, hash);
  if (existsSync(join(entry, 'node_modules'))) return entry;
  mkdirSync(CACHE, { recursive: true });
  const staging = mkdtempSync(join(CACHE, `${hash}.partial-`));
  const forget = deferCleanup('npm ci staging dir', async () => rmSync(staging, { recursive: true, force: true }));
  try {
    for (const name of ['package.json', 'package-lock.json']) copyFileSync(join(checkout, name), join(staging, name));
    const npm = spawnServer('npm', ['ci', '--no-audit', '--no-fund'], { cwd: staging, logFile });
    const forgetNpm = deferCleanup('npm ci', () => npm.stop({ signal: 'SIGINT', graceMs: 5_000 }));
    const status = await npm.exited;
    forgetNpm();
    await npm.stop();
    if (signal.aborted) throw new HopbenchError('interrupted', 130);
    if (status.code !== 0) throw new HopbenchError(`npm ci for ${checkout} failed (${status.error?.message ?? `exit ${status.code}`}); its log ends:\n${logTail(logFile, 10)}`, 1);
    renameSync(staging, entry);
    return entry;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    forget();
  }
}

/** Makes `checkout/node_modules` the dependencies its lockfile names. Returns where they came from. */
export async function provideDependencies(checkout: string, logFile: string, signal: AbortSignal): Promise<string> {
  const hash = lockfileHash(checkout);
  const own = existsSync(OWN_MODULES) && hash === lockfileHash(OWN_ROOT);
  const modules = own ? OWN_MODULES : join(await install(checkout, hash, logFile, signal), 'node_modules');
  symlinkSync(modules, join(checkout, 'node_modules'), 'dir');
  return own ? "the running hopbench's node_modules (same lockfile)" : `npm ci, cached in ${join(CACHE, hash)}`;
}
