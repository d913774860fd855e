/** `report <result.json|dir…> [--out file] [--format html|md]`: the report of one or more result files. */
import { writeFileSync } from 'node:fs';
import { loadClaims, type Claim } from '../../reports/claims.ts';
import { readHistory, type HistoryEntry } from '../../reports/history.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { buildReport } from '../../reports/model.ts';
import { trendCharts } from '../../reports/trend.ts';
import { readResultFiles } from '../results/schema.ts';
import type { ResultFile } from '../results/types.ts';

export type ReportFormat = 'html' | 'md';

export function renderReport(results: readonly ResultFile[], format: ReportFormat, claims: readonly Claim[], history: readonly HistoryEntry[] = []): string {
  const model = buildReport(results, claims, trendCharts(history));
  return format === 'html' ? renderHtml(model) : renderMarkdown(model);
}

/** Writes the report; Markdown without --out goes to stdout (for $GITHUB_STEP_SUMMARY). Returns the path written. */
export function reportCommand(paths: readonly string[], options: { out?: string; format: ReportFormat; history?: string; claims?: string }): string | undefined {
  const claims = loadClaims(options.claims);
  const files = readResultFiles(paths);
  const history = options.history === undefined ? [] : readHistory(options.history);
  const text = renderReport(
    files.map((file) => file.result),
    options.format,
    claims,
    history,
  );
  if (!options.out && options.format === 'md') {
    process.stdout.write(text);
    return undefined;
  }
  const out = options.out ?? files[0]!.path.replace(/\.json$/, '') + (options.format === 'html' ? '.html' : '.md');
  writeFileSync(out, text);
  process.stdout.write(`report: ${out}\n`);
  return out;
}
