import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { CURVE_FRACTIONS, judgeStep, maxCapacitySteps, searchCapacity, type CapacitySpec } from '../harness/engine/capacity.ts';
import type { ResultFile, Sample } from '../harness/results/types.ts';
import { deliveredPerSec } from '../harness/measure/stats.ts';
import { stepAtCapacity } from '../reports/wording.ts';
import { runCli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'hopbench-capacity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPEC: CapacitySpec = { sloP99Ms: 100, stepSec: 5, startPerSec: 1_000, minPerSec: 5, maxPerSec: 1_000_000 };

/** A sample as a step at `offered` would report it. */
function sample(offered: number, { achieved = offered, p99 = 5, lost = 0, backlogGrowing = false, limited = [] as string[] } = {}): Sample {
  return {
    throughputPerSec: achieved,
    achievedPerSec: achieved,
    backlogGrowing,
    durationSec: 5,
    counts: { sent: offered * 5, delivered: offered * 5 - lost, lost, undelivered: 0, duplicates: 0, unexpected: 0, notDeliveredSample: [] },
    latencyMs: { count: offered * 5, mean: p99 / 2, p50: p99 / 2, p90: p99, p99, p999: p99, max: p99 },
    histogram: '',
    resources: [{ label: 'worker 0', pid: 1, cpuSeconds: 1, cores: offered / 10_000, peakMemoryMiB: 50, pssMiB: 40, memoryMetric: 'rss' }],
    ...(limited.length ? { limited } : {}),
    errors: [],
  };
}

/** A system that serves at most `ceiling` per second: above it the backlog grows and p99 with it. */
const ceilingAt = (ceiling: number) => async (offered: number) => (offered <= ceiling ? sample(offered) : sample(offered, { achieved: ceiling, p99: 900, backlogGrowing: true }));

describe('capacity search', () => {
  it('grows until a step fails, bisects to within 5%, then measures the curve below the capacity', async () => {
    const offered: number[] = [];
    const outcome = await searchCapacity(SPEC, async (perSec) => {
      offered.push(perSec);
      return ceilingAt(3_000)(perSec);
    });
    const { capacity } = outcome;
    assert.ok(capacity.maxSustainedPerSec <= 3_000 && capacity.maxSustainedPerSec >= 3_000 / 1.05, `capacity ${capacity.maxSustainedPerSec}`);
    assert.equal(capacity.limitedBy, 'throughput');
    assert.equal(capacity.atLeast, false);
    assert.deepEqual(offered.slice(0, 2), [1_000, 4_000]);
    const failed = Math.min(...capacity.steps.filter((step) => !step.sustained).map((step) => step.offeredPerSec));
    assert.ok(failed <= capacity.maxSustainedPerSec * 1.05, `bisected to within 5%: ${capacity.maxSustainedPerSec}–${failed}`);
    assert.ok(capacity.steps.length <= maxCapacitySteps(SPEC));
    // The curve: 10 … 90% measured after the search, then the search's own step at 100%, in rising order.
    assert.deepEqual(capacity.curve.map((point) => point.fraction), [...CURVE_FRACTIONS, 1]);
    const rates = capacity.curve.map((point) => point.offeredPerSec);
    assert.deepEqual(rates, [...rates].sort((a, b) => a - b));
    assert.deepEqual(offered.slice(-CURVE_FRACTIONS.length), rates.slice(0, -1));
    assert.ok(capacity.curve.every((point) => point.sustained));
    // The sample returned is the step at the capacity, its throughput the capacity.
    assert.equal(outcome.sample.throughputPerSec, capacity.maxSustainedPerSec);
    assert.equal(outcome.sample.counts.sent, capacity.maxSustainedPerSec * 5);
  });

  it('shrinks when the first step fails, and reports none when nothing down to the lowest rate sustains', async () => {
    const polling = await searchCapacity(SPEC, async (perSec) => sample(perSec, { p99: 2_000 }));
    assert.equal(polling.capacity.maxSustainedPerSec, 0);
    assert.equal(polling.capacity.limitedBy, 'slo');
    assert.deepEqual(
      polling.capacity.steps.map((step) => step.offeredPerSec),
      [1_000, 250, 62, 15, 5],
    );
    assert.deepEqual(polling.capacity.curve, []);
    assert.match(polling.capacity.steps[0]!.why, /p99 2000 ms over the SLO of 100 ms/);

    const slow = await searchCapacity(SPEC, ceilingAt(40));
    assert.ok(slow.capacity.maxSustainedPerSec <= 40 && slow.capacity.maxSustainedPerSec >= 40 / 1.05, `capacity ${slow.capacity.maxSustainedPerSec}`);
  });

  it('a harness-limited step stops the search: the capacity is a lower bound, never the system\'s figure', async () => {
    const outcome = await searchCapacity(SPEC, async (perSec) => (perSec >= 20_000 ? sample(perSec, { achieved: perSec * 0.9, limited: ['harness-limited: the sender (producer) at 80% of a core or more (0.91)'] }) : sample(perSec)));
    assert.equal(outcome.capacity.limitedBy, 'harness');
    assert.equal(outcome.capacity.atLeast, true);
    assert.ok(outcome.capacity.maxSustainedPerSec < 20_000 && outcome.capacity.maxSustainedPerSec >= 20_000 / 1.05);
    // Limited once, then not: a passing moment on a shared host, run again, does not end the search.
    let first = true;
    const transient = await searchCapacity(SPEC, async (perSec) => {
      const limited = first ? ['harness-limited: the sender\'s lag p99 over 1 ms and a quarter or more of the latency p99 (3 ms of 4 ms)'] : [];
      first = false;
      return perSec <= 3_000 ? sample(perSec, { limited, p99: limited.length ? 150 : 5 }) : sample(perSec, { achieved: 3_000, p99: 900 });
    });
    assert.deepEqual(transient.capacity.steps.slice(0, 2).map((step) => [step.offeredPerSec, step.limitedBy]), [[1_000, 'harness'], [1_000, undefined]]);
    assert.equal(transient.capacity.limitedBy, 'throughput');
    assert.ok(transient.capacity.maxSustainedPerSec >= 3_000 / 1.05);
    const top = await searchCapacity({ ...SPEC, maxPerSec: 50_000 }, async (perSec) => sample(perSec));
    assert.equal(top.capacity.maxSustainedPerSec, 50_000);
    assert.equal(top.capacity.atLeast, true);
  });

  it('the capacity is the rate below which every step sustained: a failure under a passing rate marks it unstable', async () => {
    // Sustains up to 3,000/s, except between 2,600 and 2,700/s (where the curve's 90% falls; no search step does).
    const unsteady = (perSec: number) => perSec > 2_600 && perSec < 2_700;
    const outcome = await searchCapacity(SPEC, async (perSec) => (unsteady(perSec) ? sample(perSec, { p99: 130 }) : ceilingAt(3_000)(perSec)));
    const failedAt = outcome.capacity.curve.find((point) => unsteady(point.offeredPerSec))!;
    assert.equal(failedAt.sustained, false);
    const passedBelow = [...outcome.capacity.steps, ...outcome.capacity.curve].filter((step) => step.sustained && step.offeredPerSec < failedAt.offeredPerSec);
    assert.equal(outcome.capacity.maxSustainedPerSec, Math.max(...passedBelow.map((step) => step.offeredPerSec)));
    assert.equal(outcome.capacity.limitedBy, 'slo');
    assert.equal(outcome.capacity.unstable, true);
    assert.equal(outcome.sample.throughputPerSec, outcome.capacity.maxSustainedPerSec);
    assert.equal(outcome.sample.counts.sent, outcome.capacity.maxSustainedPerSec * 5, 'the sample is the step at the capacity');
    const reported = stepAtCapacity(outcome.capacity)!;
    assert.equal(reported.offeredPerSec, outcome.capacity.maxSustainedPerSec, 'figures "at the capacity" come from the step at the reported capacity…');
    assert.ok(reported.offeredPerSec < outcome.capacity.curve.find((point) => point.fraction === 1)!.offeredPerSec, '…not from the search\'s own result above it');
    const steady = await searchCapacity(SPEC, ceilingAt(3_000));
    assert.equal(steady.capacity.unstable, false);
  });

  it('a harness-limited step that could not keep its rate is not run again', async () => {
    const runs: number[] = [];
    const outcome = await searchCapacity(SPEC, async (perSec) => {
      runs.push(perSec);
      return perSec > 5_000 ? sample(perSec, { achieved: 5_000, p99: 900, limited: ['harness-limited: the sender (producer) at 80% of a core or more (0.95)'] }) : sample(perSec);
    });
    assert.equal(runs.filter((perSec) => perSec === 16_000).length, 1);
    assert.ok(!outcome.capacity.steps.some((step) => step.superseded));
    assert.equal(outcome.capacity.atLeast, true);
  });

  it('achieved rate: a steady delay is not charged as a shortfall, falling behind is', () => {
    // 4,000 messages at 1,000/s, each done 90 ms after its send: from first send to last completion reads 978/s, under 98%.
    const delayedNs = (index: number) => (index / 1_000 + 0.09) * 1e9;
    assert.equal(deliveredPerSec(4_000, 4, delayedNs(0), delayedNs(3_999)), 1_000);
    // 64,000 offered at 16,000/s over 4 s, completed at 10,000/s: 6.4 s of deliveries.
    assert.equal(deliveredPerSec(64_000, 4, 0.01e9, 6.41e9), 10_000);
    assert.equal(deliveredPerSec(0, 4, Infinity, 0), 0);
  });

  it('judges each criterion, naming the first that failed and every figure', () => {
    const slo = 100;
    assert.equal(judgeStep(1_000, sample(1_000), slo).sustained, true);
    assert.equal(judgeStep(1_000, sample(1_000, { lost: 3 }), slo).limitedBy, 'loss');
    assert.equal(judgeStep(1_000, sample(1_000, { achieved: 970 }), slo).limitedBy, 'throughput');
    assert.equal(judgeStep(1_000, sample(1_000, { achieved: 985 }), slo).sustained, true);
    assert.equal(judgeStep(1_000, sample(1_000, { backlogGrowing: true }), slo).limitedBy, 'backlog');
    assert.equal(judgeStep(1_000, sample(1_000, { p99: 101 }), slo).limitedBy, 'slo');
    const many = judgeStep(1_000, sample(1_000, { achieved: 500, p99: 700, limited: ["client-limited: clients 0's event loop over 90% busy (97%)"] }), slo);
    assert.equal(many.limitedBy, 'harness');
    // A step that met every criterion even so sustained: the harness's delay is inside its figures.
    assert.equal(judgeStep(1_000, sample(1_000, { p99: 3, limited: ["harness-limited: the sender's lag p99 over 1 ms and a quarter or more of the latency p99 (2 ms of 3 ms)"] }), slo).sustained, true);
    assert.match(many.why, /client-limited.*; achieved 500\/s, under 98% of 1000\/s; p99 700 ms over the SLO of 100 ms/);
    // Whole-system cost from every process but the bare baseline one.
    assert.equal(judgeStep(1_000, { ...sample(1_000), resources: [...sample(1_000).resources, { label: 'baseline', pid: 2, cpuSeconds: 9, cores: 9, peakMemoryMiB: 9, pssMiB: 9, memoryMetric: 'rss' }] }, slo).cores, 0.1);
  });
});

describe('--rate capacity, end to end', () => {
  it('finds a known ceiling (fixture: 2,000 jobs/s) within 10%, limited by throughput, with an ordered curve', async () => {
    const out = join(dir, 'fixture');
    const args = ['bench', 'process', '--transports', 'fixture:ceiling-2000', '--workers', '1', '--concurrency', '50', '--rate', 'capacity', '--step-seconds', '2', '--warmup', '100', '--repeat', '1', '--out', out];
    const run = await runCli(args, {}, 600_000);
    assert.equal(run.code, 0, run.stderr);
    // The bound is said before it starts, and each step as it ends.
    assert.match(run.stdout, /capacity: 1 searches of at most \d+ steps each/);
    assert.match(run.stderr, /search 1 at 1,000\/s: sustained/);
    assert.match(run.stderr, /curve 90% at [\d,]+\/s/);
    const file = readdirSync(out).find((name) => name.endsWith('.json'))!;
    const result = JSON.parse(readFileSync(join(out, file), 'utf8')) as ResultFile;
    const [point] = result.runs;
    assert.equal(point!.loadModel, 'capacity');
    assert.equal(point!.params.sloP99Ms, 100);
    const capacity = point!.capacity!;
    assert.ok(capacity.maxSustainedPerSec >= 1_800 && capacity.maxSustainedPerSec <= 2_200, `capacity ${capacity.maxSustainedPerSec} of a 2,000/s ceiling`);
    assert.equal(capacity.limitedBy, 'throughput');
    assert.equal(capacity.atLeast, false);
    assert.equal(point!.throughput.perSec, capacity.maxSustainedPerSec);
    assert.deepEqual(capacity.curve.map((step) => step.fraction), [0.1, 0.25, 0.5, 0.75, 0.9, 1]);
    const rates = capacity.curve.map((step) => step.offeredPerSec);
    assert.deepEqual(rates, [...rates].sort((a, b) => a - b));
    assert.ok(capacity.curve.every((step) => step.sustained && step.lost === 0));
    // Above the ceiling the steps failed for what they are: less achieved than offered.
    for (const step of capacity.steps.filter((item) => item.offeredPerSec > 2_200)) assert.equal(step.limitedBy, 'throughput', JSON.stringify(step));
    assert.match(run.stdout, /fixture:ceiling-2000 W=1 C=50 capacity p99≤100ms +[\d,]+ +— +throughput/);
    assert.ok(existsSync(join(out, file.replace(/\.json$/, '.html'))));
  });

  it('refuses capacity flags without --rate capacity, and capacity where a kind has no offered rate', async () => {
    for (const [args, message] of [
      [['bench', 'process', '--transports', 'fixture', '--slo-p99', '50'], /--slo-p99, --step-seconds and --capacity-start apply to --rate capacity only/],
      [['bench', 'faults', '--rate', 'capacity'], /invalid --rate "capacity"/],
      [['bench', 'process', '--transports', 'fixture', '--rate', 'capacity', '--batch', '10'], /--batch and --inflight apply to --rate max/],
    ] as const) {
      const run = await runCli([...args, '--out', join(dir, 'refused')]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1);
    }
    assert.ok(!existsSync(join(dir, 'refused')) || readdirSync(join(dir, 'refused')).length === 0);
  });
});
