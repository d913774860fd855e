import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { decodeHistogram } from '../harness/measure/histogram.ts';
import type { RunResult } from '../harness/results/types.ts';
import { evaluateClaims, loadClaims, loadClaimsFile, matchesWhere, type Claim } from '../reports/claims.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { PROFILES } from '../scenarios/profiles.ts';
import { decide } from '../reports/decide.ts';
import { renderHtml } from '../reports/html.ts';
import { renderMarkdown } from '../reports/markdown.ts';
import { buildReport } from '../reports/model.ts';
import { searchesText } from '../reports/wording.ts';
import { runCli } from './helpers/cli.ts';
import { fixtureCapacityRun, fixtureResult, fixtureRun, histogramOf } from './fixtures/results.ts';

const dir = mkdtempSync(join(tmpdir(), 'hopbench-report-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const processResult = fixtureResult('process', [
  fixtureRun({ transport: 'bullmq', workers: 1, throughput: { perSec: 12_000, samples: [11_000, 12_000, 13_500], cv: 0.1 } }),
  fixtureRun({ transport: 'bullmq', workers: 2, throughput: { perSec: 20_000, samples: [19_000, 20_000, 20_500], cv: 0.04 } }),
  fixtureRun({
    transport: 'direct',
    transportName: 'direct',
    workers: 1,
    traits: { durable: false, acks: false },
    // In-process: fed live, no backlog.
    params: { batch: 100, inflight: 4, messages: 1000, warmup: 0, job: 'noop', payloadBytes: 0, timeoutSec: 60, where: 'process', placement: 'local' },
    throughput: { perSec: 2_000_000, samples: [1_900_000, 2_000_000, 2_100_000], cv: 0.05 },
    latencyHistogram: histogramOf([500, 1_500, 2_500, 10_000]),
  }),
  fixtureRun({ transport: 'pg', workers: 1, counts: { sent: 3000, delivered: 2990, lost: 10, undelivered: 0, duplicates: 2, unexpected: 0 } }),
]);

/** A faults run whose three samples recovered in 0.5, 0.25 and 1 s, with 250 ms timelines. */
const sample = (recoverySec: number, delivered: number[]) => ({
  throughputPerSec: 100,
  durationSec: 2,
  counts: { sent: 8, delivered: 8, lost: 0, undelivered: 0, duplicates: 0, unexpected: 0, notDeliveredSample: [] },
  latencyMs: { count: 8, p50: 1, p90: 1, p99: 1, p999: 1, max: 1, mean: 1 },
  metrics: { recoverySec },
  histogram: '',
  resources: [],
  timeline: { bucketMs: 250, faultAtMs: 1000, faultEndMs: 1200, loadEndMs: 2000, delivered, p50Ms: delivered.map(() => 1), p99Ms: delivered.map((count) => (count ? 2 : 0)) },
  errors: [],
});
const faultsRun = fixtureRun({
  transport: 'pg',
  workers: 2,
  label: 'pg worker-kill W=2 C=20',
  loadModel: 'open',
  params: { perSec: 100, fault: 'worker-kill' },
  samples: [sample(0.5, [25, 25, 25, 25, 0, 0, 25, 25]), sample(0.25, [25, 25, 25, 25, 0, 25, 25, 25]), sample(1, [25, 25, 25, 25, 0, 0, 0, 50])],
});
const faultsResult = fixtureResult('faults', [faultsRun]);

describe('faults report', () => {
  const charts = buildReport([faultsResult], []).sections[0]!.charts;

  it('draws deliveries/s and p99 over time from the sample with the median recovery, the fault marked', () => {
    const rate = charts.find((chart) => chart.title === 'Deliveries over time: worker-kill')!;
    const [line, marker] = rate.config.data.datasets as Array<{ label: string; data: Array<{ x: number; y: number | null }> }>;
    assert.equal(line!.label, 'pg W=2 C=20');
    assert.deepEqual(line!.data.map((point) => point.y), [100, 100, 100, 100, 0, 0, 100, 100], 'the 0.5 s sample, per second');
    assert.deepEqual(line!.data.map((point) => point.x).slice(0, 3), [0, 0.25, 0.5]);
    assert.deepEqual(marker!.data.map((point) => point.x), [1, 1]);
    const p99 = charts.find((chart) => chart.title === 'p99 latency over time: worker-kill')!;
    assert.deepEqual((p99.config.data.datasets[0]!.data as Array<{ y: number | null }>).map((point) => point.y), [2, 2, 2, 2, null, null, 2, 2], 'empty buckets are gaps');
    assert.equal(charts.find((chart) => chart.title === 'Latency vs offered rate'), undefined, 'one offered rate: no rate chart');
  });
});

describe('report model', () => {
  const model = buildReport([processResult], loadClaims());
  const charts = Object.fromEntries(model.sections[0]!.charts.map((chart) => [chart.title, chart]));

  it('throughput charts carry the medians and the sample ranges of the input', () => {
    const chart = charts['Throughput vs consumer processes']!;
    assert.deepEqual(chart.config.data.labels, ['1', '2']);
    const line = chart.config.data.datasets.find((dataset) => dataset.label === 'bullmq')!;
    assert.deepEqual(line.data, [12_000, 20_000]);
    const range = chart.config.data.datasets.find((dataset) => dataset.label === 'bullmq (min–max of samples)')!;
    assert.deepEqual(range.data, [
      [11_000, 13_500],
      [19_000, 20_500],
    ]);
    assert.deepEqual(chart.config.data.datasets.find((dataset) => dataset.label === 'direct')!.data, [2_000_000, null]);
  });

  it('the percentile spectrum comes from the encoded histograms', () => {
    const spectrum = charts['Latency by percentile']!;
    const direct = spectrum.config.data.datasets.find((dataset) => dataset.label === 'direct W=1 C=50')!;
    const points = direct.data as Array<{ x: number; y: number }>;
    const p50 = points.find((point) => point.x === 2)!;
    assert.equal(p50.y, decodeHistogram(processResult.runs[2]!.latencyHistogram).getValueAtPercentile(50) / 1e6);
    assert.ok(Math.abs(points.at(-1)!.x - 100_000) < 1e-3, 'p99.999 sits at x = 100,000');
    // Time in a backlog is drawn apart, and labelled as what it is.
    const backlog = charts['Time in backlog by percentile']!;
    assert.deepEqual(
      backlog.config.data.datasets.map((dataset) => dataset.label),
      ['bullmq W=1 C=50', 'bullmq W=2 C=50', 'pg W=1 C=50'],
    );
    assert.ok(!spectrum.config.data.datasets.some((dataset) => String(dataset.label).startsWith('bullmq')));
    assert.match(JSON.stringify(backlog.config.options), /time in backlog, ms/);
  });

  it('resource charts sum the processes of each role, in cores (windows of different length compare)', () => {
    const cpu = charts['CPU per process']!;
    assert.deepEqual(cpu.config.data.labels, ['bullmq W=1 C=50', 'bullmq W=2 C=50', 'direct W=1 C=50', 'pg W=1 C=50']);
    assert.deepEqual(cpu.config.data.datasets.find((dataset) => dataset.label === 'workers')!.data, [0.63, 0.63, 0.63, 0.63]);
    assert.deepEqual(cpu.config.data.datasets.find((dataset) => dataset.label === 'redis')!.data, [1, 1, 1, 1]);
  });

  it('one colour per transport, the same in every chart', () => {
    for (const chart of Object.values(charts).filter((chart) => !chart.title.includes('per process'))) {
      for (const dataset of chart.config.data.datasets) {
        const transport = String(dataset.label).split(' ')[0]!;
        assert.equal(String(dataset.borderColor).slice(0, 7), model.colors[transport], `${chart.title}: ${dataset.label}`);
      }
    }
  });

  it('the summary says only what the data supports', () => {
    assert.match(model.summary.join('\n'), /highest throughput was direct at 2,000,000 messages\/s/);
    // One sample each, and close: no ranking sentence.
    const close = buildReport([fixtureResult('process', [fixtureRun({ transport: 'bullmq', workers: 1, throughput: { perSec: 21_000, samples: [21_000], cv: 0 } }), fixtureRun({ transport: 'rabbitmq', workers: 1, throughput: { perSec: 20_000, samples: [20_000], cv: 0 } })])], []).summary.join('\n');
    assert.doesNotMatch(close, /highest throughput/);
    assert.match(close, /bullmq W=1 C=50 did 21,000 and rabbitmq W=1 C=50 20,000 messages\/s, from one sample each: too few to rank them/);
    assert.match(model.summary.join('\n'), /1 of 4 run points did not deliver everything exactly once: pg W=1 C=50 \(10 lost, 0 still queued, 2 duplicated\)/);
  });

  it('prices durability only like with like: same load model, axes and params', () => {
    const durable = fixtureRun({ transport: 'rabbitmq', workers: 1, durability: { level: 'commit', from: 'persistent messages, confirms' }, throughput: { perSec: 12_000, samples: [12_000], cv: 0 } });
    const transient = fixtureRun({ transport: 'rabbitmq:transient', workers: 1, durability: { level: 'none', from: 'transient messages' }, traits: { durable: false, acks: true }, throughput: { perSec: 30_000, samples: [30_000], cv: 0 } });
    // Durable by its name, but measured on a Redis without persistence: not a durable point.
    const named = fixtureRun({ transport: 'bullmq', workers: 1, durability: { level: 'none', from: 'Redis appendonly=no' }, throughput: { perSec: 20_000, samples: [20_000], cv: 0 } });
    // Fed live, as an in-process transport is: a different setup from a broker's backlog.
    const live = fixtureRun({ transport: 'direct', workers: 1, traits: { durable: false, acks: false }, params: { batch: 100, inflight: 4, job: 'noop', where: 'inline', placement: 'local' }, throughput: { perSec: 2_000_000, samples: [2_000_000], cv: 0 } });
    const summary = (runs: RunResult[]) => buildReport([fixtureResult('process', runs)], []).summary.join('\n');
    assert.match(summary([durable, transient, live]), /the fastest non-durable point, rabbitmq:transient, reached 30,000 messages\/s and the fastest durable one, rabbitmq, 12,000: durability cost a factor of 2\.5 there/);
    assert.doesNotMatch(summary([durable, live]), /durability cost/, 'direct fed live is not compared with a backlog drain');
    assert.match(summary([durable, named]), /the fastest non-durable point, bullmq, reached 20,000 messages\/s and the fastest durable one, rabbitmq/);
    const { durability: _, ...unmeasured } = durable;
    assert.doesNotMatch(summary([unmeasured, transient]), /durability cost/, 'a point whose durability was not measured is priced as neither');
  });

  it('does not rank a point limited by the harness, and says why', () => {
    const limited = fixtureRun({ transport: 'direct', workers: 1, throughput: { perSec: 2_000_000, samples: [2_000_000], cv: 0 }, limited: ['harness-limited: the sender (producer) at 80% of a core or more'] });
    const summary = buildReport([fixtureResult('process', [limited, fixtureRun({ transport: 'bullmq', workers: 1 })])], []).summary.join('\n');
    assert.match(summary, /highest throughput was bullmq/);
    assert.match(summary, /1 run points were limited by the harness, not the system, and are not ranked: direct W=1 C=50 \(harness-limited: the sender/);
  });

  it('the runs table highlights losses and duplicates', () => {
    const html = renderHtml(model);
    assert.match(html, /<td class="num alert">10<\/td><td class="num">0<\/td><td class="num alert">2<\/td>/);
  });
});

describe('claims', () => {
  const claim: Claim = {
    id: 'test-claim',
    source: 'test.txt',
    claim: 'BullMQ does 15k',
    claimed: { atLeast: 15_000 },
    unit: 'jobs/s',
    measure: { scenario: 'process', where: { transportName: 'bullmq' }, metric: 'throughput.perSec', aggregate: 'max' },
  };

  it('holds, does not hold, or is not measured, with the ratio and the setup', () => {
    const [held] = evaluateClaims([claim], [processResult]);
    assert.equal(held!.verdict, 'holds');
    assert.equal(held!.measured, 20_000);
    assert.equal(held!.ratio, 20_000 / 15_000);
    assert.match(held!.setup, /bullmq W=2 C=50/);
    const [failed] = evaluateClaims([{ ...claim, measure: { ...claim.measure, aggregate: 'min' } }], [processResult]);
    assert.equal(failed!.verdict, 'does not hold');
    const [unmeasured] = evaluateClaims([{ ...claim, measure: { ...claim.measure, scenario: 'http-e2e' } }], [processResult]);
    assert.equal(unmeasured!.verdict, 'not measured');
    assert.equal(unmeasured!.measured, undefined);
    const [lacking] = evaluateClaims([{ ...claim, measure: { ...claim.measure, metric: 'metrics.nothingRecordsThis' } }], [processResult]);
    assert.equal(lacking!.verdict, 'not measured');
    assert.match(lacking!.setup, /^the \d+ matching process points do not record metrics\.nothingRecordsThis$/, 'says the points lack the metric, not that a run is missing');
    const [unjudgeable] = evaluateClaims([{ ...claim, unjudgeable: 'nothing here counts it' }], [processResult]);
    assert.equal(unjudgeable!.verdict, 'not measured', 'never judged, even by results that match');
    assert.equal(unjudgeable!.setup, 'nothing here counts it');
  });

  it('derived metrics: scaling across workers and memory per worker', () => {
    const [scaling] = evaluateClaims([{ ...claim, claimed: { atLeast: 1.5 }, measure: { ...claim.measure, metric: 'workerScaling' } }], [processResult]);
    assert.equal(scaling!.measured, 20_000 / 12_000);
    // The worker's own cost: 35 MiB over the bare process (80 MiB RSS against its 45), in MB: 36.7.
    const [memory] = evaluateClaims([{ ...claim, claimed: { min: 30, max: 50 }, measure: { ...claim.measure, metric: 'workerMemoryMB', aggregate: 'median' } }], [processResult]);
    assert.equal(memory!.measured, 36.7);
    assert.equal(memory!.verdict, 'holds');
  });

  it('pins what a claim talks about: a list in `where` matches any of its values, anything else matches exactly', () => {
    const pinned = (where: Record<string, unknown>) => evaluateClaims([{ ...claim, measure: { ...claim.measure, where: where as never } }], [processResult])[0]!;
    assert.equal(pinned({ transport: ['pg', 'direct'] }).measured, 2_000_000);
    assert.equal(pinned({ transport: 'bullmq', 'axes.workers': 1 }).measured, 12_000);
    assert.equal(pinned({ transport: 'bullmq', 'params.job': 'cpu:50' }).verdict, 'not measured');
  });

  it('every claim of the project file pins its load model, its job or rate where it has one, and its aggregate', () => {
    for (const item of loadClaims().filter((candidate) => ['process', 'http-e2e'].includes(candidate.measure.scenario) && !candidate.unjudgeable)) {
      const where = item.measure.where;
      assert.ok(where.loadModel !== undefined || where['params.where'] !== undefined, `${item.id} pins its load model`);
      if (item.measure.scenario === 'process') assert.ok(where['params.job'] !== undefined, `${item.id} pins the job`);
      if (where.loadModel === 'open') assert.ok(where['params.perSec'] !== undefined, `${item.id} pins its rate`);
    }
  });

  it('the project claims file is valid and covers every claim of CLAIMS.md', () => {
    const ids = loadClaims().map((item) => item.id);
    for (const prefix of ['seed000-queue-latency', 'seed000-direct-latency', 'seed000-redis-twice', 'seed000-persistence', 'seed001-worker-memory', 'seed001-scaling', 'seed001-sweet-spot', 'seed001-io-jobs', 'seed002-throughput', 'seed002-latency', 'seed003-accept-fast', 'seed004-persist-scale']) {
      assert.ok(ids.some((id) => id.startsWith(prefix)), prefix);
    }
  });

  it('every claim names the run that judges it (or why none can), and that run plans the points the claim needs', () => {
    const { claims, runs } = loadClaimsFile();
    const planned = new Map(Object.entries(runs).map(([name, run]) => [name, SCENARIOS[run.scenario]!.plan(run.flags).points.map((point) => point.identity)]));
    for (const claim of claims) {
      if (claim.unjudgeable) {
        assert.equal(claim.run, undefined, `${claim.id}: a claim no run can judge names no run`);
        continue;
      }
      assert.ok(claim.run && claim.judgedBy, `${claim.id} names a run`);
      assert.equal(claim.judgedBy.scenario, claim.measure.scenario, claim.id);
      const points = planned.get(claim.run)!.filter((identity) => matchesWhere(claim, identity));
      assert.ok(points.length > 0, `${claim.id}: ${claim.run} plans a point its where matches`);
      const gain = /^concurrencyGain:(\d+):(\d+)$/.exec(claim.measure.metric);
      if (gain) for (const concurrency of [gain[1], gain[2]]) assert.ok(points.some((identity) => identity.axes.concurrency === Number(concurrency)), `${claim.id}: C=${concurrency}`);
      if (['workerScaling', 'perWorkerThroughput'].includes(claim.measure.metric)) assert.ok(new Set(points.map((identity) => identity.axes.workers)).size > 1, `${claim.id}: several W`);
      if (claim.measure.metric.startsWith('httpLatencyRatio:')) {
        for (const architecture of claim.measure.metric.split(':').slice(1)) assert.ok(points.some((identity) => identity.params.architecture === architecture), `${claim.id}: ${architecture}`);
      }
    }
    // The claims profile runs exactly these.
    assert.deepEqual(PROFILES.claims!.runs, Object.values(runs));
  });
});

describe('hostile and unknown input', () => {
  const hostile = fixtureResult('process', [
    fixtureRun({ transport: '<script>alert(1)</script>', workers: 1, errors: ['</script><img src=x onerror=alert(2)>'], config: { evil: '"><script>alert(3)</script>' } }),
  ]);

  it('escapes every string from a result, in HTML and in the embedded chart data', () => {
    const html = renderHtml(buildReport([hostile], loadClaims()));
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /<img src=x/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    const data = /<script type="application\/json" id="hopbench-charts">([\s\S]*?)<\/script>/.exec(html)![1]!;
    assert.doesNotMatch(data, /</);
    assert.ok(JSON.parse(data).length > 0);
  });

  it('charts HTTP response and end-to-end latency side by side for runs that measured both', () => {
    const run = fixtureRun({ transport: 'queued', workers: 2, label: 'queued S=2 200 req/s', metrics: { httpLatencyP50Ms: 4, httpLatencyP99Ms: 19 } });
    const model = buildReport([fixtureResult('http-e2e', [run])], loadClaims());
    const chart = model.sections[0]!.charts.find((candidate) => candidate.title === 'HTTP response vs end-to-end latency')!;
    assert.deepEqual(chart.config.data.labels, ['queued S=2 200 req/s']);
    assert.deepEqual(
      chart.config.data.datasets.map((dataset) => [dataset.label, dataset.data]),
      [
        ['HTTP response p50', [4]],
        ['HTTP response p99', [19]],
        ['end to end p50', [1]],
        ['end to end p99', [3]],
      ],
    );
  });

  it('renders the tables of a scenario it has never heard of', () => {
    const future = fixtureResult('teleport', [fixtureRun({ transport: 'quantum', workers: 3, params: { distance: 'far' } })]);
    const model = buildReport([future], loadClaims());
    const html = renderHtml(model);
    assert.match(html, /<h2>teleport<\/h2>/);
    assert.match(html, /quantum/);
    assert.match(html, /distance=far/);
    assert.match(renderMarkdown(model), /\| quantum W=3 C=50 \| closed \| 1,000 \|/);
    assert.deepEqual(model.claims, [], 'no claim is about this scenario: no table of "not measured" rows');
    assert.doesNotMatch(html, /<h2>Claims<\/h2>/);
  });
});

describe('capacity charts: what a reader bets on', () => {
  const held = fixtureResult('process', [
    fixtureCapacityRun({ transport: 'bullmq', ceiling: 8_000, held: true, searches: [8_000, 9_000], durability: 'interval' }),
    fixtureCapacityRun({ transport: 'pg', ceiling: 1_500, held: true }),
    fixtureCapacityRun({ transport: 'rabbitmq', ceiling: 5_000 }),
  ]);
  const model = buildReport([held], []);
  const chart = (id: string) => model.decision!.charts.find((item) => item.id === id)!;

  it('the rate–latency chart: one p99 line per point with p50 in each tooltip, the SLO line, a star where it held', () => {
    const labels = chart('decision-curves').config.data.datasets.map((dataset) => dataset.label);
    assert.deepEqual(labels, ['bullmq W=2 C=50', 'pg W=2 C=50', 'rabbitmq W=2 C=50', 'held', 'SLO p99 100 ms']);
    const bullmq = chart('decision-curves').config.data.datasets[0]!.data as Array<{ x: number; y: number; label: string }>;
    assert.equal(bullmq.length, 3);
    assert.match(bullmq[2]!.label, /^8,000\/s: p99 [\d.]+ ms, p50 [\d.]+ ms$/);
    const stars = chart('decision-curves').config.data.datasets[3]!;
    assert.equal(stars.pointStyle, 'star');
    assert.deepEqual((stars.data as Array<{ x: number }>).map((point) => point.x), [8_000, 1_414], 'rabbitmq was not held: no star');
    assert.equal(chart('decision-curves').config.options.pointLabels, true);
  });

  it('the capacity chart names each bar\'s interval, hold, measured durability and limit', () => {
    const labels = chart('decision-capacity').config.data.labels as string[][];
    assert.deepEqual(labels[0], ['bullmq W=2 C=50', 'searches 8,000–9,000 · held 30 s', 'interval · limited by throughput']);
    assert.deepEqual(labels[2]!.slice(1), ['no hold', 'commit · limited by throughput']);
  });

  it('a capacity\'s searches: the interval of their median, or the one rate every search found (not "—")', () => {
    assert.equal(searchesText({ searches: [9_450, 10_305], interval: { low: 9_450, high: 10_305, confidence: 0.5 } }), '9,450–10,305');
    assert.equal(searchesText({ searches: [12_050, 12_050], interval: { low: 12_050, high: 12_050, confidence: 0.5 } }), '12,050 (2 equal)');
    assert.equal(searchesText({ searches: [12_050] }), '—');
  });

  it('a latency spectrum per point at the rate it held, from the hold\'s own histogram', () => {
    const spectrum = chart('decision-spectrum');
    assert.deepEqual(spectrum.config.data.datasets.map((dataset) => dataset.label), ['bullmq W=2 C=50 at 8,000/s', 'pg W=2 C=50 at 1,414/s']);
    const points = spectrum.config.data.datasets[0]!.data as Array<{ x: number; y: number }>;
    assert.equal(points[0]!.x, 1);
    assert.ok(points.every((point, index) => index === 0 || point.y >= points[index - 1]!.y), 'latency grows with the percentile');
    assert.equal(spectrum.config.options.scales && (spectrum.config.options.scales as { x: { percentileTicks: boolean } }).x.percentileTicks, true);
  });
});

describe('report command', () => {
  it('writes HTML and Markdown from result files; rejects bad input with exit 2', async () => {
    const resultPath = join(dir, 'process-fixture.json');
    writeFileSync(resultPath, JSON.stringify(processResult));
    const html = await runCli(['report', resultPath, '--out', join(dir, 'r.html')]);
    assert.equal(html.code, 0, html.stderr);
    assert.ok(existsSync(join(dir, 'r.html')));
    const md = await runCli(['report', resultPath, '--format', 'md']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# hopbench: process/);
    assert.match(md.stdout, /## Claims/);
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    // The JSON parser quotes the text, line break included: the message must still be one line.
    writeFileSync(join(dir, 'garbage.json'), 'garbage\nmore garbage\n');
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ hello: 'world' }));
    for (const [file, message] of [
      ['broken.json', /is not valid JSON/],
      ['garbage.json', /garbage.json is not valid JSON/],
      ['other.json', /is not a hopbench result/],
      ['missing.json', /no such file/],
    ] as const) {
      const result = await runCli(['report', join(dir, file), '--out', join(dir, 'x.html')]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    }
    assert.ok(!existsSync(join(dir, 'x.html')));
  });
});

describe('report in a real browser (headless Chromium)', () => {
  it('opens offline from file://, draws every chart, logs no error, requests nothing', async () => {
    const executablePath = '/usr/bin/chromium';
    assert.ok(existsSync(executablePath), 'install Debian chromium (apt-get install -y chromium): .ci/run does');
    const file = join(dir, 'browser.html');
    const capacityResult = fixtureResult('process', [fixtureCapacityRun({ transport: 'bullmq', ceiling: 8_000, coresPer1k: 0.6, held: true }), fixtureCapacityRun({ transport: 'pg', ceiling: 1_500, coresPer1k: 0.9 })]);
    const model = buildReport([processResult, capacityResult, faultsResult], loadClaims());
    assert.match(model.decision!.measuredOn, /^2 × .+; services: redis \(native\)$/, 'says how the services ran: containers and native servers differ');
    // Written by the command line, as users get it: the page's decision code is the function as Node loads it.
    const inputs = [processResult, capacityResult, faultsResult].map((result, index) => {
      const path = join(dir, `browser-${index}.json`);
      writeFileSync(path, JSON.stringify(result));
      return path;
    });
    const written = await runCli(['report', ...inputs, '--out', file]);
    assert.equal(written.code, 0, written.stderr);
    const browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction("[...document.querySelectorAll('canvas')].every((canvas) => canvas.dataset.rendered === 'true')", undefined, { timeout: 120_000 });
      const canvases = await page.$$eval('canvas', (elements) =>
        elements.map((canvas) => {
          const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
          return { id: canvas.id, painted };
        }),
      );
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [pathToFileURL(file).href], 'no request but the file itself');
      assert.equal(canvases.length, model.decision!.charts.length + model.sections.reduce((count, section) => count + section.charts.length, 0));
      assert.deepEqual(model.decision!.charts.map((chart) => chart.id), ['decision-curves', 'decision-capacity', 'decision-spectrum']);
      for (const canvas of canvases) assert.ok(canvas.painted > 1_000, `${canvas.id} has something drawn`);
      // The decision table opens on the default requirement and recomputes in the page when the reader changes it.
      const shown = async () => JSON.parse((await page.getAttribute('body', 'data-decision')) ?? '[]') as Array<[string, boolean]>;
      const expected = (ratePerSec: number, p99Ms: number) => decide({ ratePerSec, p99Ms }, model.decision!.inputs).candidates.map((candidate) => [candidate.label, candidate.qualifies]);
      assert.deepEqual(await shown(), expected(1_000, 100));
      assert.deepEqual(await shown(), [[model.decision!.inputs[0]!.label, true], [model.decision!.inputs[1]!.label, true]]);
      await page.fill('#decision-form input[name=rate]', '3000');
      await page.waitForFunction("document.getElementById('decision-headline').textContent.startsWith('1 of 2 qualify for 3,000')", undefined, { timeout: 30_000 });
      assert.deepEqual(await shown(), expected(3_000, 100));
      await page.fill('#decision-form input[name=p99]', '1');
      await page.waitForFunction("document.getElementById('decision-headline').textContent.startsWith('0 of 2')", undefined, { timeout: 30_000 });
      assert.deepEqual(await page.$$eval('#decision-rows tr', (rows) => rows.map((row) => row.lastElementChild!.textContent)), ['no step met p99 ≤ 1 ms', 'no step met p99 ≤ 1 ms']);
      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [pathToFileURL(file).href], 'still no request but the file itself');
      const output = fileURLToPath(new URL('./output/', import.meta.url));
      mkdirSync(output, { recursive: true });
      await page.screenshot({ path: join(output, 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
