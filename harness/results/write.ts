import { existsSync, linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../host/errors.ts';
import type { ResultFile } from './types.ts';

/** Fails before any benchmark starts if results could not be written. */
export function ensureWritableDir(dir: string): void {
  try {
    // Probe the nearest existing ancestor by writing to it (access() says yes to root on read-only places, and
    // recursive mkdir under /proc never returns).
    let existing = resolve(dir);
    while (!existsSync(existing)) existing = dirname(existing);
    const probe = join(existing, `.hopbench-probe-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UsageError(`cannot write results to --out ${dir} (${(error as NodeJS.ErrnoException).code ?? error}): choose a writable directory`);
  }
}

/** Writes atomically (temp file + rename) under a name no earlier run used. Returns the path. */
export function writeResult(dir: string, result: ResultFile): string {
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const temp = join(dir, `.${result.scenario}-${stamp}.${process.pid}.tmp`);
  writeFileSync(temp, `${JSON.stringify(result, null, 2)}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      const path = join(dir, `${result.scenario}-${stamp}${attempt ? `-${attempt}` : ''}.json`);
      try {
        linkSync(temp, path); // atomic, and fails instead of replacing an earlier result
        return path;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  } finally {
    unlinkSync(temp);
  }
}
