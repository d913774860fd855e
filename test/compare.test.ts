/** Regression checks on synthetic result pairs with known noise, and the Mann-Whitney test against exact values. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { parseResult, readResultFiles } from '../harness/results/schema.ts';
import { mannWhitney, smallestPossibleP } from '../harness/measure/mann-whitney.ts';
import type { ResultFile, RunResult, Sample } from '../harness/results/types.ts';
import { compareResults } from '../reports/compare.ts';
import { runCli } from './helpers/cli.ts';
import { fixtureResult, fixtureRun } from './fixtures/results.ts';

const dir = mkdtempSync(join(tmpdir(), 'hopbench-test-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A run whose samples are `center` × each factor (throughput) and `latencyMs` × each factor (latency). */
function runWith(transport: string, throughputCenter: number, p99Center: number, factors: readonly number[], loadModel: 'closed' | 'open' = 'closed'): RunResult {
  const samples = factors.map(
    (factor): Sample => ({
      throughputPerSec: Math.round(throughputCenter * factor),
      durationSec: 1,
      counts: { sent: 1, delivered: 1, lost: 0, undelivered: 0, duplicates: 0, unexpected: 0, notDeliveredSample: [] },
      latencyMs: { count: 1, p50: 1, p90: 2, p99: p99Center * factor, p999: 4, max: 5, mean: 1 },
      histogram: '',
      resources: [],
      errors: [],
    }),
  );
  return fixtureRun({ transport, workers: 1, loadModel, params: loadModel === 'open' ? { perSec: 100 } : { backlog: true }, throughput: { perSec: throughputCenter, samples: samples.map((sample) => sample.throughputPerSec), cv: 0.01 }, samples });
}

// ±1% noise, five samples a side.
const NOISE = [0.99, 1.01, 1.0, 0.995, 1.005];
const options = { threshold: 0.1, alpha: 0.05 };

describe('result files of schema 1', () => {
  it('are read in the current shape: named axes, the load model, a backlog drain marked as one', () => {
    const { result } = readResultFiles([fileURLToPath(new URL('../results/baseline/process-2026-11-23T01-55-44-567Z.json', import.meta.url))])[0]!;
    assert.equal(result.schemaVersion, 2);
    assert.deepEqual(result.axes.map((axis) => axis.key), ['workers', 'concurrency']);
    assert.equal(result.measures.throughput, 'messages/s');
    const run = result.runs[0]!;
    assert.deepEqual([run.transport, run.loadModel, run.axes, run.params.backlog, run.params.loadModel], ['bullmq', 'closed', { workers: 1, concurrency: 50 }, true, undefined]);
  });
});

describe('result files of schema 2 before params.where', () => {
  it('read where the consumers ran (process, thread, inline) as params.where, and the placement apart from it', () => {
    const old = (placement: string) => fixtureResult('process', [fixtureRun({ transport: 'bullmq', workers: 1, params: { job: 'noop', placement } })]);
    const read = (placement: string) => (parseResult(JSON.parse(JSON.stringify(old(placement)))) as { result: ResultFile }).result.runs[0]!.params;
    assert.deepEqual([read('process').where, read('process').placement], ['process', 'local']);
    assert.deepEqual([read('inline').where, read('inline').placement], ['inline', 'local']);
    assert.deepEqual([read('split').where, read('split').placement], ['process', 'split']);
  });
});

describe('Mann-Whitney U', () => {
  it('matches the exact distribution', () => {
    assert.equal(mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p.toFixed(5), '0.00794'); // 2 / C(10,5)
    assert.equal(mannWhitney([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]).p.toFixed(4), '0.6905');
    assert.equal(mannWhitney([1, 2, 3], [4, 5, 6]).p, 0.1);
    assert.equal(smallestPossibleP(3, 3), 0.1);
    assert.ok(mannWhitney([1, 2, 2, 3, 1], [5, 6, 6, 7, 5]).p < 0.05);
  });

  it('stays exact with ties in small samples', () => {
    // Nine 2s and one 3: wherever the 3 falls, the rank sums lie equally far from their mean, so p = 1. The
    // normal approximation gave 0.42.
    const tied = mannWhitney([2, 2, 2, 2, 2], [2, 2, 2, 2, 3]);
    assert.deepEqual([tied.p, tied.exact], [1, true]);
    // Fully separated samples with ties inside each: the most extreme split of C(10, 5) = 252, either way: 2/252.
    assert.equal(mannWhitney([1, 1, 2, 2, 2], [5, 5, 6, 7, 7]).p.toFixed(5), (2 / 252).toFixed(5));
  });
});

describe('compare', () => {
  const verdict = (baseline: RunResult, current: RunResult, metric: string) =>
    compareResults([fixtureResult('process', [baseline])], [fixtureResult('process', [current])], options).metrics.find((item) => item.metric === metric)!;

  it('flags a 20% throughput drop with low noise', () => {
    const result = verdict(runWith('bullmq', 10_000, 10, NOISE), runWith('bullmq', 8_000, 10, NOISE), 'throughput');
    assert.equal(result.verdict, 'regression');
    assert.ok(Math.abs(result.change + 0.2) < 0.01);
  });

  it('does not flag a 3% wobble inside the noise', () => {
    assert.equal(verdict(runWith('bullmq', 10_000, 10, NOISE), runWith('bullmq', 9_700, 10, NOISE), 'throughput').verdict, 'unchanged');
  });

  it('does not flag a large change the samples cannot tell from noise', () => {
    const wild = [0.5, 1.5, 0.7, 1.3, 1.0];
    assert.equal(verdict(runWith('bullmq', 10_000, 10, wild), runWith('bullmq', 8_500, 10, wild), 'throughput').verdict, 'not significant');
  });

  it('reads latency in the right direction: a p99 rise is a regression, a p99 fall an improvement (open loop)', () => {
    assert.equal(verdict(runWith('pg', 1_000, 10, NOISE, 'open'), runWith('pg', 1_000, 15, NOISE, 'open'), 'latency p99').verdict, 'regression');
    assert.equal(verdict(runWith('pg', 1_000, 10, NOISE, 'open'), runWith('pg', 1_000, 6, NOISE, 'open'), 'latency p99').verdict, 'improvement');
  });

  it('compares throughput of closed-loop runs and latency of open-loop runs only', () => {
    const metrics = (loadModel: 'closed' | 'open') =>
      compareResults([fixtureResult('process', [runWith('pg', 1, 1, NOISE, loadModel)])], [fixtureResult('process', [runWith('pg', 1, 1, NOISE, loadModel)])], options).metrics.map((item) => item.metric);
    assert.deepEqual(metrics('closed'), ['throughput']);
    assert.deepEqual(metrics('open'), ['latency p50', 'latency p99']);
  });

  it('says inconclusive when too few samples could ever be significant', () => {
    const result = verdict(runWith('bullmq', 10_000, 10, NOISE.slice(0, 3)), runWith('bullmq', 8_000, 10, NOISE.slice(0, 3)), 'throughput');
    assert.equal(result.verdict, 'inconclusive');
    assert.match(result.reason, /3 vs 3 samples/);
  });

  it("counts a change only beyond the spread of the baseline runs' medians (run-to-run drift)", () => {
    // Three baseline runs at 8,500, 10,000 and 11,500: whole runs drift by ±15% while each run's samples agree to 1%.
    const baselineRuns = [8_500, 10_000, 11_500].map((center) => fixtureResult('process', [runWith('bullmq', center, 10, NOISE)]));
    const judged = (center: number) => compareResults(baselineRuns, [fixtureResult('process', [runWith('bullmq', center, 10, NOISE)])], options).metrics[0]!;
    const drifted = judged(8_000);
    assert.equal(drifted.verdict, 'not significant', 'a run 20% below the pooled median but only 6% below the slowest baseline run');
    assert.match(drifted.reason, /spread of the 3 baseline runs/);
    assert.deepEqual(drifted.baselineRunRange, [8_500, 11_500]);
    const regressed = judged(7_000);
    assert.equal(regressed.verdict, 'regression');
    assert.match(regressed.reason, /18% beyond the worst of 3 baseline runs/);
    assert.equal(judged(13_000).verdict, 'improvement');
    // With one baseline run the pooled median is the only reference: the same 20% drop counts.
    assert.equal(verdict(runWith('bullmq', 10_000, 10, NOISE), runWith('bullmq', 8_000, 10, NOISE), 'throughput').verdict, 'regression');
  });

  it('lists points present on one side only', () => {
    const comparison = compareResults(
      [fixtureResult('process', [runWith('bullmq', 1, 1, NOISE), runWith('pg', 1, 1, NOISE)])],
      [fixtureResult('process', [runWith('bullmq', 1, 1, NOISE), runWith('rabbitmq', 1, 1, NOISE)])],
      options,
    );
    assert.deepEqual(comparison.onlyInBaseline, ['process: pg W=1 C=50']);
    assert.deepEqual(comparison.onlyInCurrent, ['process: rabbitmq W=1 C=50']);
  });
});

describe('compare command', () => {
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('exits 1 and names the regressed point, 0 without a regression, 2 on bad input', async () => {
    const baseline = write('baseline.json', fixtureResult('process', [runWith('bullmq', 10_000, 10, NOISE), runWith('pg', 5_000, 10, NOISE)]));
    const slower = write('slower.json', fixtureResult('process', [runWith('bullmq', 7_500, 10, NOISE), runWith('pg', 5_050, 10, NOISE)]));
    const regressed = await runCli(['compare', baseline, slower, '--format', 'md']);
    assert.equal(regressed.code, 1, regressed.stderr);
    assert.match(regressed.stdout, /\| REGRESSION \| process: bullmq W=1 C=50 \| throughput \|/);
    assert.doesNotMatch(regressed.stdout, /REGRESSION \| process: pg/);
    const same = await runCli(['compare', baseline, baseline]);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /0 regressions/);
    const json = await runCli(['compare', baseline, slower, '--format', 'json']);
    assert.equal((JSON.parse(json.stdout) as { regressions: number }).regressions, 1);
    for (const [args, message] of [
      [[baseline, write('broken.json', '{ nope')], /is not valid JSON/],
      [[baseline, join(dir, 'missing.json')], /no such file/],
      [[baseline, slower, '--threshold', 'ten'], /invalid --threshold "ten"/],
      [[baseline, slower, '--alpha', '2'], /invalid --alpha "2"/],
    ] as const) {
      const result = await runCli(['compare', ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    }
  });
});
