/** Regression tracking around compare: exports for other trackers, the run history and its trend charts, baselines. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { ResultFile, RunResult, Sample } from '../harness/results/types.ts';
import { compareResults } from '../reports/compare.ts';
import { exportResults } from '../reports/exports.ts';
import { runCli } from './helpers/cli.ts';
import { fixtureCapacityRun, fixtureResult, fixtureRun } from './fixtures/results.ts';
import { historyEntries } from '../reports/history.ts';

const dir = mkdtempSync(join(tmpdir(), 'hopbench-test-tracking-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sample(throughputPerSec: number, p99: number): Sample {
  return {
    throughputPerSec,
    durationSec: 1,
    counts: { sent: 1, delivered: 1, lost: 0, undelivered: 0, duplicates: 0, unexpected: 0, notDeliveredSample: [] },
    latencyMs: { count: 1, p50: p99 / 2, p90: p99, p99, p999: p99, max: p99, mean: p99 / 2 },
    histogram: '',
    resources: [],
    errors: [],
  };
}

function run(transport: string, throughputs: readonly number[], p99s: readonly number[], params: RunResult['params'] = { backlog: true }): RunResult {
  const samples = throughputs.map((value, index) => sample(value, p99s[index]!));
  return fixtureRun({ transport, workers: 1, loadModel: params.perSec ? 'open' : 'closed', params, throughput: { perSec: throughputs[Math.floor(throughputs.length / 2)]!, samples: [...throughputs], cv: 0.01 }, samples });
}

const write = (name: string, result: ResultFile) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(result));
  return path;
};

describe('export', () => {
  const drain = run('bullmq', [900, 1000, 1100], [5, 6, 7]);
  const open = run('pg', [100, 100, 100], [3, 9, 4], { perSec: 100 });
  const results = [fixtureResult('process', [drain, open])];

  it('writes Bencher BMF: median with the lowest and highest sample, the metrics compare judges', () => {
    assert.deepEqual(exportResults(results, 'bmf'), {
      'process: bullmq W=1 C=50': { throughput: { value: 1000, lower_value: 900, upper_value: 1100 } },
      'process: pg W=1 C=50 @ 100/s': { 'latency-p50-ms': { value: 2, lower_value: 1.5, upper_value: 4.5 }, 'latency-p99-ms': { value: 4, lower_value: 3, upper_value: 9 } },
    });
  });

  it('splits github-action-benchmark output by direction', () => {
    const bigger = exportResults(results, 'gab-bigger') as Array<{ name: string; value: number }>;
    const smaller = exportResults(results, 'gab-smaller') as Array<{ name: string; value: number; unit: string }>;
    assert.deepEqual(bigger.map((entry) => [entry.name, entry.value]), [['process: bullmq W=1 C=50 throughput', 1000]]);
    assert.deepEqual(smaller.map((entry) => [entry.name, entry.value, entry.unit]), [
      ['process: pg W=1 C=50 @ 100/s latency p50', 2, 'ms'],
      ['process: pg W=1 C=50 @ 100/s latency p99', 4, 'ms'],
    ]);
  });
});

describe('capacity points in exports, history and compare', () => {
  // Searches of 3,000 and 3,100: a plain figure. The harness stopped direct's search: only a lower bound.
  const measured = { ...fixtureCapacityRun({ transport: 'bullmq', ceiling: 3_000, searches: [3_000, 3_100] }), throughput: { perSec: 3_000, samples: [3_000, 3_100], cv: 0 } };
  const bound = fixtureCapacityRun({ transport: 'direct', ceiling: 1_000_000, harnessAbove: 200_000 });
  const results = [fixtureResult('process', [measured, bound])];
  const options = { threshold: 0.1, alpha: 0.05 };

  it('export the capacity, never its latencies (measured at another rate per search), and skip a lower bound', () => {
    assert.deepEqual(Object.keys(exportResults(results, 'bmf') as object), ['process: bullmq W=2 C=50 capacity p99≤100ms']);
    assert.deepEqual((exportResults(results, 'gab-smaller') as unknown[]).length, 0);
    const [bullmq, direct] = historyEntries(results, '2026-12-07T00:00:00Z');
    assert.deepEqual(bullmq!.metrics, { throughput: 3_050 });
    assert.deepEqual(direct!.metrics, {});
    assert.match(direct!.qualified!.throughput!, /a lower bound \(≥\): the harness stopped the search/);
  });

  it('compare judges capacities only, and calls a lower bound or a point that did not hold not comparable', () => {
    const notHeld = { ...measured, capacity: { ...measured.capacity!, hold: { seconds: 30, perSec: 2_500, sustained: false, attempts: [] } } };
    const comparison = compareResults(results, [fixtureResult('process', [notHeld, bound])], options);
    assert.deepEqual(comparison.metrics.map((item) => [item.point, item.metric, item.verdict]), [
      ['process: bullmq W=2 C=50 capacity p99≤100ms', 'throughput', 'not comparable'],
      ['process: direct W=2 C=50 capacity p99≤100ms', 'throughput', 'not comparable'],
    ]);
    assert.match(comparison.metrics[0]!.reason, /not held for 30 s/);
    assert.equal(compareResults(results, results, options).metrics[0]!.verdict, 'unchanged');
  });
});

describe('compare options', () => {
  const options = { threshold: 0.1, alpha: 0.05 };
  it('matches runs that differ on purpose when told to ignore that param', () => {
    const noop = fixtureResult('process', [run('bullmq', [1000, 1010, 990, 1005, 995], [1, 1, 1, 1, 1], { backlog: true, job: 'noop' })]);
    const cpu = fixtureResult('process', [run('bullmq', [700, 710, 690, 705, 695], [1, 1, 1, 1, 1], { backlog: true, job: 'cpu:50' })]);
    assert.equal(compareResults([noop], [cpu], options).metrics.length, 0);
    const matched = compareResults([noop], [cpu], { ...options, ignoredParams: new Set(['job']) });
    assert.deepEqual(matched.metrics.map((item) => item.verdict), ['regression']);
  });

  it('warns when the baseline comes from another machine', () => {
    const here = fixtureResult('process', [run('pg', [1, 1, 1], [1, 1, 1])]);
    const elsewhere = { ...here, env: { ...here.env, cpus: 4, cpuModel: 'Other CPU' } };
    assert.deepEqual(compareResults([here], [here], options).warnings, []);
    assert.match(compareResults([here], [elsewhere], options).warnings[0]!, /baseline was measured on 2 × Test CPU and the current results on 4 × Other CPU/);
  });
});

describe('host fingerprint', () => {
  const options = { threshold: 0.1, alpha: 0.05 };
  const fingerprint = { cpuLoopNs: 1.5, fsyncUs: 120, redisPingUs: 15, postgresSelectUs: 22 };
  const withPrint = (result: ResultFile, print: typeof fingerprint) => ({ ...result, env: { ...result.env, fingerprint: print } });
  const fast = withPrint(fixtureResult('process', [run('bullmq', [1000, 1010, 990, 1005, 995], [1, 1, 1, 1, 1])]), fingerprint);
  // Half the throughput on a host that is twice as slow in every figure.
  const slowHost = withPrint(fixtureResult('process', [run('bullmq', [500, 505, 495, 502, 498], [1, 1, 1, 1, 1])]), { cpuLoopNs: 3, fsyncUs: 240, redisPingUs: 30, postgresSelectUs: 44 });

  it('calls results from hosts whose fingerprints differ 2× not comparable, never a regression', () => {
    const comparison = compareResults([fast], [slowHost], options);
    assert.equal(comparison.comparable, false);
    assert.equal(comparison.regressions, 0);
    assert.deepEqual(comparison.metrics.map((item) => item.verdict), ['not comparable']);
    assert.deepEqual(comparison.fingerprintRatios, { cpuLoopNs: 2, fsyncUs: 2, redisPingUs: 2, postgresSelectUs: 2 });
    assert.match(comparison.warnings[0]!, /^not comparable: .*CPU loop ×2\.00, fsync ×2\.00, Redis PING ×2\.00, Postgres SELECT 1 ×2\.00/);
  });

  it('judges as usual when the fingerprints agree within the tolerance', () => {
    const sameHost = withPrint(slowHost, { ...fingerprint, redisPingUs: 17 });
    const comparison = compareResults([fast], [sameHost], options);
    assert.equal(comparison.comparable, true);
    assert.deepEqual(comparison.metrics.map((item) => item.verdict), ['regression']);
  });

  it("calls a change of the way a service was reached (through Docker's port proxy or not) not comparable", () => {
    const services = (network: string, cpuCgroup = 'shared') => ({ postgres: { provider: 'docker', version: '15', url: 'postgres://127.0.0.1:1/x', details: { network, cpuCgroup } } });
    const viaProxy = { ...slowHost, env: { ...slowHost.env, fingerprint, services: services('published') } };
    const direct = { ...fast, env: { ...fast.env, services: services('host') } };
    const comparison = compareResults([direct], [viaProxy], options);
    assert.equal(comparison.comparable, false);
    assert.deepEqual(comparison.metrics.map((item) => item.verdict), ['not comparable']);
    assert.match(comparison.warnings.join('\n'), /services ran differently \(postgres: direct → through Docker's port proxy\)/);
    // A container on the host network and a native server are both direct: judged as usual.
    const native = { ...viaProxy, env: { ...viaProxy.env, services: { postgres: { ...services('x').postgres, provider: 'native', details: {} } } } };
    assert.deepEqual(compareResults([direct], [native], options).metrics.map((item) => item.verdict), ['regression']);
    // A container in a CPU cgroup of its own is scheduled unlike a native server: not comparable either.
    const ownCgroup = { ...native, env: { ...native.env, services: services('host', 'own') } };
    assert.match(compareResults([direct], [ownCgroup], options).warnings.join('\n'), /postgres: direct → direct, in the container's own CPU cgroup/);
  });

  it('compare exits 0 with the warning, or 1 with --strict', async () => {
    const [before, after] = [write('print-fast.json', fast), write('print-slow.json', slowHost)];
    const lenient = await runCli(['compare', before, after]);
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.match(lenient.stdout, /not comparable +process: bullmq W=1 C=50 +throughput/);
    assert.match(lenient.stdout, /warning: not comparable: .*CPU loop ×2\.00/);
    assert.match(lenient.stdout, /NOT COMPARABLE \(hosts or services differ\): 0 regressions/);
    const strict = await runCli(['compare', before, after, '--strict']);
    assert.equal(strict.code, 1);
  });

  it('is recorded in the history, and the trend shows the step a new runner makes', async () => {
    const history = join(dir, 'fingerprint-history.jsonl');
    for (const result of [fast, fast, slowHost]) {
      const appended = await runCli(['history', 'append', write(`history-${Math.random()}.json`, result), '--file', history]);
      assert.equal(appended.code, 0, appended.stderr);
    }
    const lines = readFileSync(history, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { fingerprint?: Record<string, number> });
    assert.deepEqual(lines.map((line) => line.fingerprint?.cpuLoopNs), [1.5, 1.5, 3]);
    const out = join(dir, 'fingerprint-trend.html');
    const report = await runCli(['report', write('fp-current.json', slowHost), '--history', history, '--out', out]);
    assert.equal(report.code, 0, report.stderr);
    const charts = JSON.parse(/id="hopbench-charts">(.*?)<\/script>/s.exec(readFileSync(out, 'utf8'))![1]!) as Array<{ id: string; title: string; note: string; config: { data: { datasets: Array<{ label: string; data: number[] }> } } }>;
    const host = charts.find((chart) => chart.title === 'host fingerprint over time')!;
    assert.deepEqual(host.config.data.datasets.find((dataset) => dataset.label === 'cpuLoopNs')!.data, [1, 1, 2]);
    assert.match(charts.find((chart) => chart.title === 'process: throughput over time')!.note, /host fingerprint stepped at .*CPU loop ×2\.00/);
  });
});

describe('history and trend', () => {
  it('appends one line per run point per recording, and the HTML report draws them over time', async () => {
    const history = join(dir, 'history', 'history.jsonl');
    const first = write('first.json', fixtureResult('process', [run('bullmq', [900, 1000, 1100], [1, 1, 1]), run('pg', [400, 500, 600], [1, 1, 1])]));
    const second = write('second.json', fixtureResult('process', [run('bullmq', [700, 800, 900], [1, 1, 1]), run('pg', [400, 500, 600], [1, 1, 1])]));
    for (const [path, commit] of [[first, 'aaaaaaa111'], [second, 'bbbbbbb222']] as const) {
      const appended = await runCli(['history', 'append', path, '--file', history, '--commit', commit]);
      assert.equal(appended.code, 0, appended.stderr);
      assert.match(appended.stdout, /2 run points appended/);
    }
    const lines = readFileSync(history, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { commit: string; point: string; metrics: Record<string, number> });
    assert.deepEqual(lines.map((line) => [line.commit, line.point, line.metrics.throughput]), [
      ['aaaaaaa111', 'process: bullmq W=1 C=50', 1000],
      ['aaaaaaa111', 'process: pg W=1 C=50', 500],
      ['bbbbbbb222', 'process: bullmq W=1 C=50', 800],
      ['bbbbbbb222', 'process: pg W=1 C=50', 500],
    ]);

    const out = join(dir, 'trend.html');
    const report = await runCli(['report', second, '--history', history, '--out', out]);
    assert.equal(report.code, 0, report.stderr);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /<h2>Trend<\/h2>/);
    const charts = JSON.parse(/id="hopbench-charts">(.*?)<\/script>/s.exec(html)![1]!) as Array<{ id: string; title: string; config: { data: { labels: string[]; datasets: Array<{ label: string; data: number[] }> } } }>;
    const trend = charts.find((chart) => chart.title === 'process: throughput over time')!;
    assert.equal(trend.config.data.labels.length, 2);
    assert.match(trend.config.data.labels[1]!, /bbbbbbb$/);
    assert.deepEqual(trend.config.data.datasets.map((dataset) => [dataset.label, dataset.data]), [['bullmq W=1 C=50', [1000, 800]], ['pg W=1 C=50', [500, 500]]]);
  });

  it('refuses interrupted results and malformed history files with one line and exit 2', async () => {
    const partial = write('partial.json', fixtureResult('process', [run('pg', [1, 1, 1], [1, 1, 1])], { complete: false }));
    const history = join(dir, 'refused.jsonl');
    const refused = await runCli(['history', 'append', partial, '--file', history]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /was interrupted: history keeps complete runs only/);
    assert.equal(existsSync(history), false);

    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, '{"recordedAt":"x"}\n');
    const out = join(dir, 'broken.html');
    const report = await runCli(['report', partial, '--history', broken, '--out', out]);
    assert.equal(report.code, 2);
    assert.match(report.stderr, /broken.jsonl line 1 is not a hopbench history entry/);
    assert.equal(report.stderr.trim().split('\n').length, 1);
    assert.equal(existsSync(out), false);
  });
});

describe('baseline update', () => {
  it('replaces the baseline with complete results, and keeps it when given an interrupted one', async () => {
    const baseline = join(dir, 'baseline');
    mkdirSync(baseline);
    writeFileSync(join(baseline, 'old.json'), '{}');
    const fresh = write('process-fresh.json', fixtureResult('process', [run('pg', [1, 1, 1], [1, 1, 1])]));
    const updated = await runCli(['baseline', 'update', fresh, '--dir', baseline]);
    assert.equal(updated.code, 0, updated.stderr);
    assert.deepEqual(readdirSync(baseline), ['process-fresh.json']);

    const partial = write('process-partial.json', fixtureResult('process', [run('pg', [1, 1, 1], [1, 1, 1])], { complete: false }));
    const refused = await runCli(['baseline', 'update', partial, '--dir', baseline]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /is an interrupted run: a baseline must be complete/);
    assert.deepEqual(readdirSync(baseline), ['process-fresh.json']);
    assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith('.baseline-')), [], 'no staging dir left');
  });
});
