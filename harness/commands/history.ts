/** `history append <results…> [--file] [--commit]`: record a run's figures for the report's trend charts. */
import { dirname } from 'node:path';
import { appendHistory, historyEntries } from '../../reports/history.ts';
import { readResultFiles } from '../results/schema.ts';
import { ensureWritableDir } from '../results/write.ts';

export interface HistoryAppendOptions {
  readonly file: string;
  readonly commit?: string;
}

export function historyAppendCommand(paths: readonly string[], options: HistoryAppendOptions): void {
  const entries = historyEntries(
    readResultFiles(paths).map((file) => file.result),
    new Date().toISOString(),
    options.commit,
  );
  ensureWritableDir(dirname(options.file));
  appendHistory(options.file, entries);
  process.stdout.write(`history: ${entries.length} run points appended to ${options.file}\n`);
}
