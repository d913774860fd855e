/** Validation of result files read back (report, compare): the documented contract, extra fields allowed. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { PROCESS_AXES } from '../runners/axes.ts';
import { SCHEMA_VERSION, type ResultFile } from './types.ts';

const percentiles = z.looseObject({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number() });

const runSchema = z
  .looseObject({
    transport: z.string(),
    workers: z.number(),
    concurrency: z.number(),
    label: z.string().optional(),
    params: z.record(z.string(), z.unknown()),
    config: z.record(z.string(), z.unknown()),
    counts: z.looseObject({ sent: z.number(), delivered: z.number(), lost: z.number(), duplicates: z.number() }),
    throughput: z.looseObject({ perSec: z.number(), samples: z.array(z.number()) }),
    latencyMs: percentiles,
    metrics: z.record(z.string(), z.number()).optional(),
  })
  // Files written before labels existed: name the point the way the process scenario does.
  .transform((run) => ({ ...run, label: run.label ?? `${run.transport} W=${run.workers} C=${run.concurrency}` }));

const axesSchema = z.object({ workers: z.string(), concurrency: z.string(), throughput: z.string(), latency: z.string() });

export const resultFileSchema = z.looseObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  scenario: z.string(),
  // Files written before axes were recorded are process results.
  axes: axesSchema.default(PROCESS_AXES),
  startedAt: z.string(),
  complete: z.boolean(),
  env: z.looseObject({ node: z.string(), cpus: z.number(), cpuModel: z.string() }),
  runs: z.array(runSchema),
});

/** Result files from paths (files, or directories whose *.json are results); bad input is a UsageError. */
export function readResultFiles(paths: readonly string[]): Array<{ path: string; result: ResultFile }> {
  if (paths.length === 0) throw new UsageError('give at least one result file or directory');
  const files = paths.flatMap((path) => {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new UsageError(`no such file or directory: ${path}`);
    }
    return isDirectory ? readdirSync(path).filter((name) => name.endsWith('.json')).sort().map((name) => join(path, name)) : [path];
  });
  if (files.length === 0) throw new UsageError(`no result files (*.json) in ${paths.join(', ')}`);
  return files.map((path) => {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new UsageError(`${path} is not valid JSON (${(error as Error).message})`);
    }
    const parsed = resultFileSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UsageError(`${path} is not a hopbench result (schema ${SCHEMA_VERSION}): ${issue.path.join('.') || 'root'}: ${issue.message}`);
    }
    return { path, result: parsed.data as unknown as ResultFile };
  });
}
