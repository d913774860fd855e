/**
 * Claims are data (scenarios/claims.json): a published figure, and which measured runs answer it. This module
 * evaluates each claim against result files: measured value, ratio to the claim, verdict.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UsageError } from '../harness/host/errors.ts';
import { kebab } from '../harness/engine/options.ts';
import { median } from '../harness/measure/stats.ts';
import type { ResultFile, RunResult } from '../harness/results/types.ts';

const claimed = z.union([
  z.object({ atLeast: z.number() }).strict(),
  z.object({ atMost: z.number() }).strict(),
  z.object({ min: z.number(), max: z.number() }).strict(),
  z.object({ value: z.number(), tolerance: z.number().nonnegative() }).strict(),
]);

const claimSchema = z
  .object({
    id: z.string().min(1),
    source: z.string().min(1),
    claim: z.string().min(1),
    claimed,
    unit: z.string(),
    measure: z
      .object({
        scenario: z.string(),
        where: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))])),
        metric: z.string(),
        aggregate: z.enum(['max', 'min', 'median']),
      })
      .strict(),
    /** The entry of the file's `runs` whose results judge this claim. */
    run: z.string().optional(),
    /** Why no hopbench run can judge this claim (what it would take); such a claim is listed, never judged. */
    unjudgeable: z.string().min(1).optional(),
  })
  .strict();

/** A scenario and its command-line flags (as `npm run bench -- <scenario> --flag value` would give them). */
const runSchema = z.object({ scenario: z.string(), flags: z.record(z.string(), z.string()) }).strict();
export type ClaimRun = z.output<typeof runSchema>;

export const claimsFileSchema = z
  .object({ $comment: z.string().optional(), runs: z.record(z.string(), runSchema).optional(), claims: z.array(claimSchema) })
  .strict()
  .superRefine((file, context) => {
    file.claims.forEach((claim, index) => {
      if (claim.run !== undefined && !file.runs?.[claim.run]) context.addIssue({ code: 'custom', path: ['claims', index, 'run'], message: `names no entry of runs: ${claim.run}` });
    });
  });

/** A claim, with the run that judges it when the file names one. */
export type Claim = z.output<typeof claimSchema> & { readonly judgedBy?: ClaimRun };
export type Verdict = 'holds' | 'does not hold' | 'not measured';

export interface ClaimResult {
  readonly claim: Claim;
  /** The claim as text: "≥ 100000", "50–100", "≈ 20000 (±25%)". */
  readonly claimedText: string;
  readonly measured?: number;
  /** measured / the claimed figure (the middle of a range). */
  readonly ratio?: number;
  readonly verdict: Verdict;
  /** The runs the measured value came from, described; or why nothing was measured. */
  readonly setup: string;
}

/** The command line that runs a claim's judging run. */
export const benchCommandLine = (run: ClaimRun) => `npm run bench -- ${run.scenario} ${Object.entries(run.flags).map(([name, value]) => `--${kebab(name)} ${value}`).join(' ')}`;

export const CLAIMS_FILE = new URL('../scenarios/claims.json', import.meta.url);

/** The claims of a claims file; anything wrong with it is one line naming the file and the field (exit 2). */
export function loadClaims(file: URL | string = CLAIMS_FILE): Claim[] {
  return loadClaimsFile(file).claims;
}

/** The claims and the runs that judge them. */
export function loadClaimsFile(file: URL | string = CLAIMS_FILE): { claims: Claim[]; runs: Readonly<Record<string, ClaimRun>> } {
  const name = file instanceof URL ? fileURLToPath(file) : file;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON: ${(error as Error).message}`;
    throw new UsageError(`claims file ${name}: ${reason}`);
  }
  const parsed = claimsFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`claims file ${name}: ${issue.path.join('.') || 'root'}: ${issue.message} (see README: The report)`);
  }
  return { claims: parsed.data.claims.map((claim) => ({ ...claim, ...(claim.run ? { judgedBy: parsed.data.runs![claim.run] } : {}) })), runs: parsed.data.runs ?? {} };
}

type ScenarioRun = RunResult & { readonly scenario: string; readonly env: ResultFile['env'] };

function lookup(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((current, key) => (current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined), value);
}

function describeRun(run: ScenarioRun): string {
  const params = ['job', 'perSec'].flatMap((key) => (run.params[key] === undefined ? [] : [`${key} ${run.params[key]}`]));
  return `${run.label} (${[`${run.loadModel} loop`, ...params].join(', ')})`;
}

const axis = (run: ScenarioRun, key: string) => run.axes[key] ?? 0;

interface Measured {
  readonly value: number;
  readonly from: string;
}

/** Runs grouped by everything except one axis, for metrics that compare runs (scaling, concurrency gain). */
function groupBy(runs: readonly ScenarioRun[], except: string): ScenarioRun[][] {
  const groups = new Map<string, ScenarioRun[]>();
  for (const run of runs) {
    const others = Object.entries(run.axes).filter(([key]) => key !== except);
    const key = JSON.stringify([run.transport, others, run.params.job, run.loadModel, run.params.perSec]);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()];
}

function metricValues(metric: string, runs: readonly ScenarioRun[]): Measured[] {
  if (metric === 'workerMemoryMB') {
    // The worker's own cost: its memory over a bare process of the same runtime and harness modules, in 10^6 bytes.
    return runs.flatMap((run) => {
      const workers = run.resources.filter((usage) => usage.overBaselineMiB !== undefined);
      return workers.length ? [{ value: Math.round(median(workers.map((usage) => usage.overBaselineMiB!)) * 1.048576 * 10) / 10, from: describeRun(run) }] : [];
    });
  }
  if (metric === 'perWorkerThroughput') return runs.map((run) => ({ value: run.throughput.perSec / axis(run, 'workers'), from: describeRun(run) }));
  if (metric === 'workerScaling') {
    return groupBy(runs, 'workers').flatMap((group) => {
      const sorted = [...group].sort((a, b) => axis(a, 'workers') - axis(b, 'workers'));
      const [fewest, most] = [sorted[0]!, sorted.at(-1)!];
      if (axis(fewest, 'workers') === axis(most, 'workers') || fewest.throughput.perSec === 0) return [];
      return [{ value: most.throughput.perSec / fewest.throughput.perSec, from: `${describeRun(most)} vs W=${axis(fewest, 'workers')}` }];
    });
  }
  const gain = /^concurrencyGain:(\d+):(\d+)$/.exec(metric);
  if (gain) {
    const [low, high] = [Number(gain[1]), Number(gain[2])];
    return groupBy(runs, 'concurrency').flatMap((group) => {
      const base = group.find((run) => axis(run, 'concurrency') === low);
      const more = group.find((run) => axis(run, 'concurrency') === high);
      return base && more && base.throughput.perSec > 0 ? [{ value: more.throughput.perSec / base.throughput.perSec, from: `${describeRun(more)} vs C=${low}` }] : [];
    });
  }
  const httpRatio = /^httpLatencyRatio:([^:]+):([^:]+)$/.exec(metric);
  if (httpRatio) {
    // Same load and rooms, two architectures: HTTP p50 of the first over the second.
    const [first, second] = [httpRatio[1], httpRatio[2]];
    const groups = new Map<string, ScenarioRun[]>();
    for (const run of runs) {
      const key = JSON.stringify(['perSec', 'rooms', 'clientsPerRoom', 'connections'].map((param) => run.params[param]));
      groups.set(key, [...(groups.get(key) ?? []), run]);
    }
    return [...groups.values()].flatMap((group) => {
      const [a, b] = [first, second].map((architecture) => group.find((run) => run.params.architecture === architecture));
      const [pa, pb] = [a?.metrics?.httpLatencyP50Ms, b?.metrics?.httpLatencyP50Ms];
      return a && pa !== undefined && pb ? [{ value: pa / pb, from: `${describeRun(a)} vs ${b!.label}` }] : [];
    });
  }
  return runs.flatMap((run) => {
    const value = lookup(run, metric);
    return typeof value === 'number' ? [{ value, from: describeRun(run) }] : [];
  });
}

function claimedText(value: Claim['claimed']): string {
  if ('atLeast' in value) return `≥ ${value.atLeast}`;
  if ('atMost' in value) return `≤ ${value.atMost}`;
  if ('min' in value) return `${value.min}–${value.max}`;
  return `≈ ${value.value} (±${Math.round(value.tolerance * 100)}%)`;
}

function judge(value: Claim['claimed'], measured: number): { verdict: Verdict; ratio?: number } {
  if ('atLeast' in value) return { verdict: measured >= value.atLeast ? 'holds' : 'does not hold', ratio: value.atLeast ? measured / value.atLeast : undefined };
  if ('atMost' in value) return { verdict: measured <= value.atMost ? 'holds' : 'does not hold', ratio: value.atMost ? measured / value.atMost : undefined };
  if ('min' in value) return { verdict: measured >= value.min && measured <= value.max ? 'holds' : 'does not hold', ratio: measured / ((value.min + value.max) / 2) };
  const ratio = measured / value.value;
  return { verdict: Math.abs(ratio - 1) <= value.tolerance ? 'holds' : 'does not hold', ratio };
}

/** Whether a run point (or just its identity) is one that the claim's `where` pins. */
export function matchesWhere(claim: Claim, point: object): boolean {
  return Object.entries(claim.measure.where).every(([path, expected]) => (Array.isArray(expected) ? expected : [expected]).includes(lookup(point, path) as never));
}

export function evaluateClaims(claims: readonly Claim[], results: readonly ResultFile[]): ClaimResult[] {
  const runs: ScenarioRun[] = results.flatMap((result) => result.runs.map((run) => ({ ...run, scenario: result.scenario, env: result.env })));
  return claims.map((claim) => {
    const text = claimedText(claim.claimed);
    if (claim.unjudgeable) return { claim, claimedText: text, verdict: 'not measured', setup: claim.unjudgeable };
    const matching = runs.filter((run) => run.scenario === claim.measure.scenario && matchesWhere(claim, run));
    const values = metricValues(claim.measure.metric, matching);
    if (values.length === 0) return { claim, claimedText: text, verdict: 'not measured', setup: unjudgedWhy(claim, matching.length) };
    const sorted = [...values].sort((a, b) => a.value - b.value);
    const chosen = claim.measure.aggregate === 'max' ? sorted.at(-1)! : claim.measure.aggregate === 'min' ? sorted[0]! : sorted[Math.floor((sorted.length - 1) / 2)]!;
    const env = matching[0]!.env;
    return {
      claim,
      claimedText: text,
      measured: chosen.value,
      ...judge(claim.claimed, chosen.value),
      setup: `${chosen.from}; ${env.cpus} × ${env.cpuModel}, ${claim.measure.aggregate} of ${values.length} matching`,
    };
  });
}

/** Why these results give a claim no verdict: the run that would judge it, or that the matching points lack its metric. */
function unjudgedWhy(claim: Claim, matching: number): string {
  if (matching > 0) return `the ${matching} matching ${claim.measure.scenario} points do not record ${claim.measure.metric}`;
  return claim.judgedBy ? `\`${benchCommandLine(claim.judgedBy)}\` judges it` : `no ${claim.measure.scenario} run of these results has what it needs`;
}

/**
 * The claims these results cannot judge, in one line: how many, and in words why (the run that would judge them, from
 * the claims file's `run`), never their filters.
 */
export function unjudgedLine(results: readonly ClaimResult[]): string | undefined {
  const unjudged = results.filter((result) => result.verdict === 'not measured');
  if (unjudged.length === 0) return undefined;
  const byRun = new Map<string, string[]>();
  for (const { claim, setup } of unjudged) byRun.set(setup, [...(byRun.get(setup) ?? []), claim.id]);
  const runs = [...byRun.entries()].map(([how, ids]) => `${ids.join(', ')}: ${how}`).join('; ');
  return `${unjudged.length} ${unjudged.length === 1 ? 'claim is' : 'claims are'} not judged by these results (\`npm run bench -- --profile claims\` judges every claim that a run can): ${runs}.`;
}
