/**
 * The public face: a program that imports hopbench only through harness/index.ts runs a point, observes the run's
 * events, and reads the result back.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { rolePids } from './helpers/system.ts';
import { BenchRun, defineScenario, defineTransport, readResultFiles, runBench, UsageError, type RunResult } from '../harness/index.ts';

const out = mkdtempSync(join(tmpdir(), 'hopbench-test-index-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('harness/index.ts', () => {
  it('runs a fixture point, emits its events, writes and returns its result, and leaves nothing running', async () => {
    const run = new BenchRun();
    const seen: string[] = [];
    const points: RunResult[] = [];
    run.on('plans', (plans) => seen.push(`plans ${plans.length}`));
    run.on('sample-start', () => seen.push('sample-start'));
    run.on('sample-end', () => seen.push('sample-end'));
    run.on('run-end', (point) => points.push(point));
    run.on('result', (_result, path) => seen.push(`result ${existsSync(path)}`));
    const written = await runBench(
      { scenario: 'process', flags: { transports: 'fixture', workers: '1', concurrency: '4', messages: '300', warmup: '10', repeat: '1' }, out, services: 'native' },
      run,
    );
    assert.deepEqual(seen, ['plans 1', 'sample-start', 'sample-end', 'result true']);
    assert.equal(written.length, 1);
    assert.deepEqual(points.map((point) => [point.label, point.counts.delivered, point.counts.lost]), [['fixture W=1 C=4', 300, 0]]);
    const [read] = readResultFiles([written[0]!.path]);
    assert.deepEqual(read!.result.runs.map((point) => point.counts), written[0]!.result.runs.map((point) => point.counts));
    assert.deepEqual(rolePids('producer'), [], 'no role process left');
    // Package versions come from what the registered plug-ins name: graphile-worker was missing from a list kept apart.
    for (const name of ['graphile-worker', 'bullmq', 'pg-boss', 'socket.io', 'hdr-histogram-js']) assert.match(read!.result.env.packages[name] ?? '', /^\d+\.\d+/, name);
  });

  it('names bad input as a UsageError before anything starts, and offers the typed helpers', async () => {
    await assert.rejects(runBench({ scenario: 'process', flags: { transports: 'no-such' }, out, services: 'native' }, new BenchRun()), UsageError);
    assert.equal(typeof defineTransport, 'function');
    assert.equal(typeof defineScenario, 'function');
  });
});
