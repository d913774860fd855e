/** `export <results…> --format bmf|gab-bigger|gab-smaller [--out file]`: result files for benchmark trackers. */
import { writeFileSync } from 'node:fs';
import { exportResults, type ExportFormat } from '../../reports/exports.ts';
import { readResultFiles } from '../results/schema.ts';

export function exportCommand(paths: readonly string[], options: { format: ExportFormat; out?: string }): void {
  const text = `${JSON.stringify(exportResults(readResultFiles(paths).map((file) => file.result), options.format), null, 2)}\n`;
  if (!options.out) return void process.stdout.write(text);
  writeFileSync(options.out, text);
  process.stdout.write(`export: ${options.out}\n`);
}
