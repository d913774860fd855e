/**
 * results/history.jsonl: one line per run point per recorded run (a CI build), so that a report can draw each
 * point's figures over time. Lines are plain JSON, appended, never rewritten.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../harness/host/errors.ts';
import type { ResultFile } from '../harness/results/types.ts';
import { figure, pointKey, pointMetrics, pointName } from './point.ts';

const entrySchema = z.object({
  /** When this batch of lines was recorded: one x position in the trend chart. */
  recordedAt: z.string(),
  commit: z.string().optional(),
  /** cpus × model: figures from different machines are not comparable. */
  host: z.string(),
  /** The run's host fingerprint (env.fingerprint): a new runner shows as a step in it. */
  fingerprint: z.record(z.string(), z.number()).optional(),
  scenario: z.string(),
  point: z.string(),
  key: z.string(),
  /** Medians of the samples, the metrics `compare` judges. */
  metrics: z.record(z.string(), z.number()),
  /** Figures kept out of `metrics` and why (a capacity's lower bound, unstable or not held): no trend to draw. */
  qualified: z.record(z.string(), z.string()).optional(),
  samples: z.number(),
});

export type HistoryEntry = z.infer<typeof entrySchema>;

export function historyEntries(results: readonly ResultFile[], recordedAt: string, commit?: string): HistoryEntry[] {
  return results.flatMap((result) => {
    if (!result.complete) throw new UsageError(`the ${result.scenario} result from ${result.startedAt} was interrupted: history keeps complete runs only`);
    return result.runs.map((run) => ({
      recordedAt,
      ...(commit ? { commit } : {}),
      host: `${result.env.cpus} × ${result.env.cpuModel}`,
      ...(result.env.fingerprint ? { fingerprint: { ...result.env.fingerprint } } : {}),
      scenario: result.scenario,
      point: pointName(result.scenario, run),
      key: pointKey(result.scenario, run),
      metrics: Object.fromEntries(pointMetrics(run).filter((metric) => !metric.qualifier).map((metric) => [metric.name, figure(metric).value])),
      ...qualifiers(run),
      samples: run.samples.length,
    }));
  });
}

function qualifiers(run: ResultFile['runs'][number]): { qualified?: Record<string, string> } {
  const qualified = pointMetrics(run).filter((metric) => metric.qualifier);
  return qualified.length ? { qualified: Object.fromEntries(qualified.map((metric) => [metric.name, metric.qualifier!])) } : {};
}

/** One write, so a concurrent reader never sees half a batch. */
export function appendHistory(path: string, entries: readonly HistoryEntry[]): void {
  appendFileSync(path, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
}

export function readHistory(path: string): HistoryEntry[] {
  if (!existsSync(path)) throw new UsageError(`no history file ${path}: create it with \`npm run history -- append <results>\``);
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line, index) => {
      if (line.trim() === '') return [];
      let data: unknown;
      try {
        data = JSON.parse(line);
      } catch {
        throw new UsageError(`${path} line ${index + 1} is not JSON: fix or delete that line`);
      }
      const parsed = entrySchema.safeParse(data);
      if (!parsed.success) throw new UsageError(`${path} line ${index + 1} is not a hopbench history entry: ${parsed.error.issues[0]!.path.join('.') || 'root'}: ${parsed.error.issues[0]!.message}`);
      return [parsed.data];
    });
}
