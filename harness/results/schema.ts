/**
 * Validation of result files read back (report, compare, decide): the documented contract, extra fields allowed.
 * Files of schema 1 are read too, upgraded to the current shape on the way in.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../host/errors.ts';
import { median } from '../measure/stats.ts';
import { SCHEMA_VERSION, type LoadModelName, type ResultFile } from './types.ts';

const percentiles = z.looseObject({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number() });
const counts = z.looseObject({ sent: z.number(), delivered: z.number(), lost: z.number(), duplicates: z.number() });
const measured = {
  params: z.record(z.string(), z.unknown()),
  config: z.record(z.string(), z.unknown()),
  counts,
  throughput: z.looseObject({ perSec: z.number(), samples: z.array(z.number()) }),
  latencyMs: percentiles,
  metrics: z.record(z.string(), z.number()).optional(),
};

const runV2 = z.looseObject({
  transport: z.string(),
  label: z.string(),
  loadModel: z.enum(['closed', 'open', 'capacity']),
  axes: z.record(z.string(), z.number()),
  ...measured,
});

const fileV2 = z.looseObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  scenario: z.string(),
  axes: z.array(z.object({ key: z.string(), title: z.string() })),
  measures: z.object({ throughput: z.string(), latency: z.string() }),
  startedAt: z.string(),
  complete: z.boolean(),
  env: z.looseObject({ node: z.string(), cpus: z.number(), cpuModel: z.string() }),
  runs: z.array(runV2),
});

/** Schema 1 named two axes `workers` and `concurrency` in every scenario; what they were is in its axes text. */
const V1_AXIS_KEYS: Readonly<Record<string, readonly [string, string]>> = {
  process: ['workers', 'concurrency'],
  faults: ['workers', 'concurrency'],
  enqueue: ['producers', 'inflight'],
  broadcast: ['servers', 'clientsPerRoom'],
  'http-e2e': ['socketServers', 'connections'],
};
const V1_LOAD_MODEL: Readonly<Record<string, LoadModelName>> = { drain: 'closed', max: 'closed', rate: 'open' };

const fileV1 = z.looseObject({
  schemaVersion: z.literal(1),
  scenario: z.string(),
  axes: z.object({ workers: z.string(), concurrency: z.string(), throughput: z.string(), latency: z.string() }).optional(),
  startedAt: z.string(),
  complete: z.boolean(),
  env: z.looseObject({ node: z.string(), cpus: z.number(), cpuModel: z.string() }),
  runs: z.array(z.looseObject({ transport: z.string(), workers: z.number(), concurrency: z.number(), label: z.string().optional(), ...measured })),
});

type FileV1 = z.output<typeof fileV1>;

function upgradeV1(file: FileV1): unknown {
  const [first, second] = V1_AXIS_KEYS[file.scenario] ?? ['workers', 'concurrency'];
  const text = file.axes ?? { workers: 'consumer processes', concurrency: 'jobs in flight per consumer', throughput: 'messages/s', latency: 'sent → job done' };
  return {
    ...file,
    schemaVersion: SCHEMA_VERSION,
    axes: [
      { key: first, title: text.workers },
      { key: second, title: text.concurrency },
    ],
    measures: { throughput: text.throughput, latency: text.latency },
    runs: file.runs.map(({ workers, concurrency, params, ...run }) => {
      const { loadModel = 'drain', ...rest } = params;
      // Schema 1 recorded CPU seconds only: cores over the median sample's window.
      const windowSec = median(((run.samples ?? []) as Array<{ durationSec?: number }>).map((sample) => sample.durationSec ?? 0));
      const resources = ((run.resources ?? []) as Array<{ cpuSeconds: number }>).map((usage) => ({ ...usage, cores: windowSec > 0 ? usage.cpuSeconds / windowSec : 0 }));
      // Schema 1's process drain built a backlog first, except for direct, which was fed live.
      const backlog = loadModel === 'drain' && file.scenario === 'process' && run.transport !== 'direct';
      return {
        ...run,
        label: run.label ?? `${run.transport} W=${workers} C=${concurrency}`,
        loadModel: V1_LOAD_MODEL[String(loadModel)] ?? 'closed',
        axes: { [first]: workers, [second]: concurrency },
        params: backlog ? { ...rest, backlog } : rest,
        resources,
      };
    }),
  };
}

/** A parsed JSON document as a current result file, or the first problem with it. */
export function parseResult(data: unknown): { result: ResultFile } | { problem: string } {
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  let upgraded = data;
  if (version === 1) {
    const v1 = fileV1.safeParse(data);
    if (!v1.success) return { problem: describeIssue(v1.error) };
    upgraded = upgradeV1(v1.data);
  }
  const parsed = fileV2.safeParse(upgraded);
  return parsed.success ? { result: currentNames(parsed.data as unknown as ResultFile) } : { problem: describeIssue(parsed.error) };
}

const WHERE = ['process', 'thread', 'inline'];

/**
 * `params.placement` once said where a point's consumers ran (process, thread, inline) or, on agents, where its roles
 * did (swarm, split). It now says only the second (`local` on one host); the first is `params.where`.
 */
function namesApart(run: ResultFile['runs'][number]): ResultFile['runs'][number] {
  const { where, placement } = run.params;
  if (where !== undefined || placement === undefined) return run;
  return { ...run, params: { ...run.params, ...(WHERE.includes(String(placement)) ? { where: placement, placement: 'local' } : { where: 'process' }) } };
}

/** `faults` once called Redis's every-second AOF `aof`: it is `everysec`, beside `always`. */
const aofByItsName = (run: ResultFile['runs'][number]) => (run.params.redisPersistence === 'aof' ? { ...run, params: { ...run.params, redisPersistence: 'everysec' } } : run);

/** Parameters renamed since schema 2 began, read under their current names so that old and new points match. */
function currentNames(file: ResultFile): ResultFile {
  const upgrade = file.scenario === 'process' ? namesApart : file.scenario === 'faults' ? aofByItsName : undefined;
  return upgrade ? { ...file, runs: file.runs.map(upgrade) } : file;
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'root'}: ${issue.message}`;
}

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
    const parsed = parseResult(data);
    if ('problem' in parsed) throw new UsageError(`${path} is not a hopbench result (schema 1 or ${SCHEMA_VERSION}): ${parsed.problem}`);
    return { path, result: parsed.result };
  });
}
