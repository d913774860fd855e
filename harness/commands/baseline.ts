/**
 * `baseline update [results…]`: replace the committed baseline (results/baseline/) with the given result files, or,
 * without any, with a fresh run of the CI profile. The old baseline is replaced only once the new one is complete.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../host/errors.ts';
import { deferCleanup, shutdownSignal } from '../host/lifecycle.ts';
import { readResultFiles } from '../results/schema.ts';
import { ensureWritableDir } from '../results/write.ts';
import type { ServicesMode } from '../services/types.ts';
import { benchCommand } from './bench.ts';

export interface BaselineUpdateOptions {
  readonly dir: string;
  readonly profile: string;
  readonly services: ServicesMode;
}

export async function baselineUpdateCommand(paths: readonly string[], options: BaselineUpdateOptions): Promise<void> {
  const target = resolve(options.dir);
  ensureWritableDir(dirname(target));
  // The new baseline is assembled beside the old one, then swapped in.
  const staging = mkdtempSync(join(dirname(target), '.baseline-'));
  const forgetStaging = deferCleanup('baseline staging dir', async () => rmSync(staging, { recursive: true, force: true }));
  try {
    if (paths.length > 0) {
      for (const { path, result } of readResultFiles(paths)) {
        if (!result.complete) throw new UsageError(`${path} is an interrupted run: a baseline must be complete`);
        copyFileSync(path, join(staging, basename(path)));
      }
    } else {
      await benchCommand(undefined, { out: staging, profile: options.profile, services: options.services, flags: {} });
      if (shutdownSignal.aborted) return;
      // The run's HTML reports are not part of the baseline.
      for (const name of readdirSync(staging)) if (!name.endsWith('.json')) rmSync(join(staging, name));
    }
    rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    renameSync(staging, target);
    process.stdout.write(`baseline: ${readdirSync(target).length} result files in ${options.dir}; commit them\n`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    forgetStaging();
  }
}
