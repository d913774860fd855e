import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { decide, decisionInputs } from '../reports/decide.ts';
import { renderDecision } from '../reports/decide-render.ts';
import { fixtureCapacityRun, fixtureResult, fixtureRun } from './fixtures/results.ts';
import { runCli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'hopbench-decide-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Three systems: a fast durable one that costs more, a fast cheap one that is not durable, a slow durable one.
const capacityResult = fixtureResult('process', [
  fixtureCapacityRun({ transport: 'bullmq', ceiling: 8_000, coresPer1k: 0.6, durability: 'interval' }),
  fixtureCapacityRun({ transport: 'rabbitmq:transient', ceiling: 12_000, coresPer1k: 0.3, durability: 'none' }),
  fixtureCapacityRun({ transport: 'pg', ceiling: 1_500, coresPer1k: 0.9 }),
]);
const faultsResult = fixtureResult('faults', [
  fixtureRun({ transport: 'bullmq', workers: 2, params: { fault: 'broker-restart' }, counts: { sent: 1000, delivered: 1000, lost: 0, undelivered: 0, duplicates: 2, unexpected: 0 }, metrics: { recoverySec: 1.5 } }),
]);
// An enqueue capacity is an acceptance rate: it has no place in a table of delivered jobs.
const enqueueResult = fixtureResult('enqueue', [fixtureCapacityRun({ transport: 'pg', ceiling: 50_000, coresPer1k: 0.1 })]);
const inputs = decisionInputs([capacityResult, faultsResult, enqueueResult]);

describe('decide', () => {
  it('reads the process capacity points only, each job named apart', () => {
    assert.deepEqual(inputs.map((input) => input.transport), ['bullmq', 'rabbitmq:transient', 'pg']);
    const io = decisionInputs([fixtureResult('process', [fixtureCapacityRun({ transport: 'pg', ceiling: 900, coresPer1k: 1, params: { job: 'sleep:10' } })])]);
    assert.match(io[0]!.label, /job sleep:10$/);
  });

  it('qualifies what carries the rate at the p99, cheapest first, and says why the rest do not', () => {
    const { candidates } = decide({ ratePerSec: 3_000, p99Ms: 100 }, inputs);
    assert.deepEqual(
      candidates.map((candidate) => [candidate.transport, candidate.qualifies]),
      [
        ['rabbitmq:transient', true],
        ['bullmq', true],
        ['pg', false],
      ],
    );
    const [cheap, durable, slow] = candidates;
    assert.ok(cheap!.coresPer1k! < durable!.coresPer1k!, 'cheapest first');
    assert.ok(durable!.headroom > 2 && durable!.headroom < 8_000 / 3_000 + 0.01, `headroom ${durable!.headroom}`);
    assert.match(slow!.reasons.join(), /capacity 1,[45]\d\d\/s at p99 ≤ 100 ms, under 3,000\/s \(limited by throughput\)/);
    assert.deepEqual(durable!.faults, { 'broker-restart': { lost: 0, duplicates: 2, recoverySec: 1.5 } });
    // Durability as measured: the transient queue is out under `interval`, the AOF everysec Redis under `commit`.
    const interval = decide({ ratePerSec: 3_000, p99Ms: 100, durable: 'interval' }, inputs).candidates;
    assert.equal(interval[0]!.transport, 'bullmq');
    assert.equal(interval[0]!.durability, 'interval');
    assert.deepEqual(interval.find((candidate) => candidate.transport === 'rabbitmq:transient')!.reasons, ['durability none measured (fixture none), under interval']);
    const commit = decide({ ratePerSec: 3_000, p99Ms: 100, durable: 'commit' }, inputs).candidates;
    assert.ok(commit.every((candidate) => !candidate.qualifies));
    assert.match(commit.find((candidate) => candidate.transport === 'bullmq')!.reasons.join(), /durability interval measured \(fixture interval\), under commit/);
    // Results from before durability was measured never qualify for it.
    const { durability: _, ...unmeasured } = capacityResult.runs[0]!;
    assert.match(decide({ ratePerSec: 10, p99Ms: 100, durable: 'interval' }, decisionInputs([fixtureResult('process', [unmeasured])])).candidates[0]!.reasons.join(), /durability not measured/);
  });

  it('reads p99 at the rate from a step, or between two, and capacity at another p99 from the steps measured', () => {
    const bullmq = (requirement: { ratePerSec: number; p99Ms: number }) => decide(requirement, inputs).candidates.find((candidate) => candidate.transport === 'bullmq')!;
    const measured = bullmq({ ratePerSec: 1_000, p99Ms: 100 });
    assert.equal(measured.p99Source, 'measured');
    assert.equal(measured.p99AtRateMs, 2 + (1_000 / 8_000) * 40);
    const between = bullmq({ ratePerSec: 3_000, p99Ms: 100 });
    assert.equal(between.p99Source, 'interpolated');
    assert.ok(between.p99AtRateMs! > 2 + (2_000 / 8_000) * 40 && between.p99AtRateMs! < 2 + (4_000 / 8_000) * 40);
    // p99 grows 2 → 42 ms up to the ceiling: under 20 ms only the steps below ~4,500/s qualify.
    const tight = bullmq({ ratePerSec: 1_000, p99Ms: 20 });
    assert.ok(tight.capacityPerSec < 4_500 && tight.capacityPerSec >= 2_000, `capacity at p99 ≤ 20: ${tight.capacityPerSec}`);
    assert.equal(tight.capacityAtLeast, false);
    const none = bullmq({ ratePerSec: 1_000, p99Ms: 1 });
    assert.equal(none.capacityPerSec, 0);
    assert.deepEqual(none.reasons, ['no step met p99 ≤ 1 ms']);
  });

  it('a capacity the harness stopped is a lower bound: enough when it covers the rate, not a verdict when it does not', () => {
    const limited = decisionInputs([fixtureResult('process', [fixtureCapacityRun({ transport: 'direct', ceiling: 1_000_000, harnessAbove: 64_000 })])]);
    const enough = decide({ ratePerSec: 10_000, p99Ms: 100 }, limited).candidates[0]!;
    assert.equal(enough.qualifies, true);
    assert.equal(enough.capacityAtLeast, true);
    const unknown = decide({ ratePerSec: 100_000, p99Ms: 100 }, limited).candidates[0]!;
    assert.equal(unknown.qualifies, false);
    assert.match(unknown.reasons[0]!, /measured only up to [\d,]+\/s at p99 ≤ 100 ms \(the harness, not the system, stopped it\)/);
  });

  it('a row whose hold failed says so in every format: not held, never a capacity to bet on', () => {
    const run = fixtureCapacityRun({ transport: 'pg', ceiling: 1_500, coresPer1k: 0.9, searches: [1_414, 1_300] });
    const notHeld = { ...run, capacity: { ...run.capacity!, hold: { seconds: 30, perSec: 900, sustained: false, attempts: [] } } };
    const [row] = decide({ ratePerSec: 500, p99Ms: 100 }, decisionInputs([fixtureResult('process', [notHeld])])).candidates;
    assert.equal(row!.qualifies, false);
    assert.equal(row!.notHeldSec, 30);
    assert.equal(row!.heldSec, undefined);
    assert.match(row!.reasons.join(), /it did not hold 30 s, the last attempt at 900\/s/);
    const text = renderDecision(decide({ ratePerSec: 500, p99Ms: 100 }, decisionInputs([fixtureResult('process', [notHeld])])), 'text');
    assert.match(text, /not held \(searched 1,414\) +1,300–1,414 +not held for 30 s/);
  });

  it('ranks on the lower end of the interval, says which rows it cannot tell apart, and never ranks a partial cost against a full one', () => {
    const rows = decisionInputs([
      fixtureResult('process', [
        fixtureCapacityRun({ transport: 'bullmq', ceiling: 8_000, coresPer1k: 0.6, searches: [8_000, 5_500], held: true }),
        fixtureCapacityRun({ transport: 'rabbitmq', ceiling: 7_000, coresPer1k: 0.9, searches: [7_000, 6_800] }),
        fixtureCapacityRun({ transport: 'pg', ceiling: 1_500, coresPer1k: 0.9 }),
      ]),
    ]);
    // 6,000/s: bullmq's searches reach down to 5,500/s: not a rate to bet on; rabbitmq's lower end is 6,800.
    const [first, second] = decide({ ratePerSec: 6_000, p99Ms: 100 }, rows).candidates;
    assert.equal(first!.transport, 'rabbitmq');
    assert.equal(first!.qualifies, true);
    assert.equal(second!.transport, 'bullmq');
    assert.match(second!.reasons.join(), /the interval of its searches reaches down to 5,500\/s, under 6,000\/s/);
    assert.equal(second!.heldSec, 30);
    assert.deepEqual(second!.indistinguishableFrom, [first!.label]);
    assert.deepEqual(first!.indistinguishableFrom, [second!.label]);
    assert.deepEqual(decide({ ratePerSec: 1_000, p99Ms: 100 }, rows).candidates.find((row) => row.transport === 'pg')!.indistinguishableFrom, []);
    // A partial cost (services not measured) ranks after every full one, however cheap it reads.
    const partial = decisionInputs([
      fixtureResult('process', [fixtureCapacityRun({ transport: 'bullmq', ceiling: 8_000, coresPer1k: 0.1 })], { env: { ...capacityResult.env, services: { redis: { provider: 'external', version: '7', url: 'redis://127.0.0.1:1', details: {} } } } }),
      fixtureResult('process', [fixtureCapacityRun({ transport: 'pg', ceiling: 8_000, coresPer1k: 0.9 })]),
    ]);
    const ranked = decide({ ratePerSec: 1_000, p99Ms: 100 }, partial).candidates;
    assert.deepEqual(ranked.map((row) => [row.transport, row.partialCost]), [['pg', false], ['bullmq', true]]);
  });

  it('under an SLO looser than the one searched, reads the steps and says "at least" where the steps stop', () => {
    // Searched at p99 ≤ 100 ms; a steady 300 ms system fails every step there on its SLO alone.
    const slow = decisionInputs([fixtureResult('process', [fixtureCapacityRun({ transport: 'fixture:delay', ceiling: 2_000, p99At: () => 300 })])]);
    assert.equal(decide({ ratePerSec: 100, p99Ms: 100 }, slow).candidates[0]!.capacityPerSec, 0);
    const loose = decide({ ratePerSec: 100, p99Ms: 500 }, slow).candidates[0]!;
    assert.ok(loose.capacityPerSec >= 1_000, `capacity at p99 ≤ 500: ${loose.capacityPerSec}`);
    assert.equal(loose.capacityAtLeast, true, 'no step above it failed at p99 ≤ 500 ms: the steps stop short of the limit');
    assert.equal(loose.qualifies, true);
  });

  it('the command gives the same answer as text, Markdown and JSON; bad input is one line and exit 2', async () => {
    const results = join(dir, 'results');
    mkdirSync(results);
    writeFileSync(join(results, 'process.json'), JSON.stringify(capacityResult));
    writeFileSync(join(results, 'faults.json'), JSON.stringify(faultsResult));
    const args = ['decide', '--rate', '3000', '--p99', '100', '--results', results];
    const json = await runCli([...args, '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const decision = JSON.parse(json.stdout) as ReturnType<typeof decide>;
    assert.deepEqual(decision.requirement, { ratePerSec: 3_000, p99Ms: 100 });
    assert.deepEqual(
      decision.candidates.map((candidate) => [candidate.label, candidate.qualifies]),
      decide(decision.requirement, inputs).candidates.map((candidate) => [candidate.label, candidate.qualifies]),
    );
    for (const format of ['text', 'md'] as const) {
      const out = await runCli([...args, '--format', format]);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout, renderDecision(decision, format));
      assert.match(out.stdout, /2 of 3 qualify for 3,000 messages\/s at p99 ≤ 100 ms/);
      // Row order is the decision's.
      const order = decision.candidates.map((candidate) => out.stdout.indexOf(candidate.label));
      assert.deepEqual(order, [...order].sort((a, b) => a - b));
    }
    const drain = join(dir, 'drain.json');
    writeFileSync(drain, JSON.stringify(fixtureResult('process', [fixtureRun({ transport: 'bullmq', workers: 1 })])));
    for (const [bad, message] of [
      [['decide', '--rate', '3000', '--p99', '100', '--results', drain], /no capacity points in .*drain\.json: measure them with `npm run bench -- process --rate capacity`/],
      [['decide', '--rate', 'fast', '--p99', '100', '--results', results], /invalid --rate "fast": use a positive number of messages per second/],
      [['decide', '--p99', '100', '--results', results], /required option '--rate <n>' not specified/],
      [['decide', '--rate', '3000', '--p99', '100', '--results', join(dir, 'missing')], /no such file or directory/],
    ] as const) {
      const out = await runCli([...bad]);
      assert.equal(out.code, 2, `${bad.join(' ')}: ${out.stderr}`);
      assert.match(out.stderr, message);
      assert.equal(out.stderr.trim().split('\n').length, 1);
      assert.equal(out.stdout, '');
    }
  });
});
