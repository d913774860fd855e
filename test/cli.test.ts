import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { ResultFile } from '../harness/results/types.ts';
import { runCli } from './helpers/cli.ts';
import { hopbenchTempDirs, pidsMentioning } from './helpers/system.ts';

const out = mkdtempSync(join(tmpdir(), 'hopbench-test-out-'));
const inputs = mkdtempSync(join(tmpdir(), 'hopbench-test-inputs-'));
afterAll(() => [out, inputs].forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const input = (name: string, text: string) => {
  writeFileSync(join(inputs, name), text);
  return join(inputs, name);
};
const claimsNotJson = input('claims-broken.json', '{ "claims": [');
const claimsBadShape = input('claims-shape.json', JSON.stringify({ claims: [{ id: 'x', source: 's', claim: 'c', claimed: { about: 3 }, unit: 'u', measure: {} }] }));

describe('bad input: one line, exit 2, no result file', () => {
  const cases: Array<[string[], RegExp, NodeJS.ProcessEnv?]> = [
    [['bench', 'nope'], /unknown scenario "nope"/],
    [['bench', 'process', '--transports', 'kafka'], /unknown transport "kafka"/],
    [['bench', 'process', '--image', 'kafka=confluent:7'], /invalid --image "kafka=confluent:7": use kind=image with kind one of redis, rabbitmq, postgres/],
    [['bench', 'process', '--transports', 'pgboss:fast'], /unknown preset "fast" for pgboss/],
    [['bench', 'process', '--transports', 'graphile-worker:unbatched'], /unknown preset "unbatched" for graphile-worker: use one of default, batched/],
    [['bench', 'enqueue', '--transports', 'redis-streams:slow'], /unknown preset "slow" for redis-streams: use one of default, fast-recovery/],
    [['bench', 'faults', '--transports', 'bullmq-pg:turbo'], /unknown preset "turbo" for bullmq-pg: use one of default, fast-recovery/],
    [['bench', 'http-e2e', '--architectures', 'queued:graphile-worker:batched'], /unknown architecture "queued:graphile-worker:batched"/],
    [['bench', 'process', '--workers', '0'], /invalid --workers "0": must be at least 1/],
    [['bench', 'process', '--concurrency', '0'], /invalid --concurrency "0": must be at least 1/],
    [['bench', 'process', '--messages', 'abc'], /invalid --messages "abc": must be a whole number/],
    [['bench', 'process', '--rate', '-5'], /invalid --rate "-5"/],
    [['bench', 'process', '--job', 'sleep:x'], /invalid --job "sleep:x"/],
    [['bench', 'process', '--repeat', '0'], /invalid --repeat "0"/],
    [['bench', 'process', '--rate', '100', '--batch', '10'], /--batch and --inflight apply to --rate max/],
    [['bench', 'process', '--bogus', '1'], /unknown option '--bogus'/],
    [['bench', 'process', '--services', 'cloud'], /--services/],
    [['bench', 'process', '--out', '/proc/hopbench'], /cannot write results to --out/],
    [['bench', 'process', '--producers', '2'], /--producers 2: direct delivers inside one process, whose one producer hosts its consumers; use --producers 1 for it/],
    [['bench', 'process', '--transports', 'bullmq', '--producers', '0'], /invalid --producers "0"/],
    [['bench', 'process', '--transports', 'bullmq', '--redis-persistence', 'aof'], /invalid --redis-persistence "aof": must be one of server, none, everysec, always/],
    [['bench', 'enqueue', '--transports', 'direct'], /direct has no broker to enqueue into/],
    [['bench', 'enqueue', '--payload', '1024,big'], /invalid --payload "1024,big": must be a whole number/],
    [['bench', 'enqueue', '--rate', '1', '--producers', '2'], /below one message per second per producer/],
    [['bench', 'broadcast', '--architectures', 'kafka'], /unknown architecture "kafka"/],
    [['bench', 'broadcast', '--rate', 'max'], /invalid --rate "max": must be "capacity" or a whole number/],
    [['bench', 'broadcast', '--servers', '1'], /invalid --servers "1": must be at least 2/],
    [['bench', 'broadcast', '--architectures', 'socketio', '--servers', '3'], /--servers applies to multi-server architectures only \(socketio-redis, socketio-redis-streams\)/],
    [['bench', 'broadcast', '--clients-per-room', '5000', '--client-processes', '1'], /raise --client-processes/],
    [['bench', 'broadcast', '--workers', '2'], /--workers does not apply to the broadcast scenario/],
    [['bench', 'http-e2e', '--architectures', 'elixir'], /unknown architecture "elixir": use one of queued, direct, inline/],
    [['bench', 'http-e2e', '--architectures', 'queued:kafka'], /unknown preset "kafka" for queued/],
    [['bench', 'http-e2e', '--rate', 'fast'], /invalid --rate "fast": must be "max", "capacity" or a whole number/],
    [['bench', 'http-e2e', '--duration', '0'], /invalid --duration "0": must be at least 1/],
    [['bench', 'faults', '--fault', 'meteor'], /invalid --fault "meteor": must be one of worker-kill, broker-restart, broker-kill/],
    [['bench', 'faults', '--duration', '10', '--fault-at', '10'], /--fault-at 10 must be earlier than --duration 10/],
    [['bench', 'faults', '--rate', '0'], /invalid --rate "0": must be at least 1/],
    [['bench', 'faults', '--rate', 'max'], /invalid --rate "max": must be a whole number/],
    [['bench', 'faults', '--redis-persistence', 'rdb'], /invalid --redis-persistence "rdb": must be one of none, everysec, always/],
    [['bench', 'faults', '--messages', '100'], /--messages does not apply to the faults scenario/],
    [['bench', 'faults', '--transports', 'bullmq', '--workers', '-1'], /invalid --workers "-1": must be a whole number/],
    [['bench', 'faults', '--rate', '1000000', '--duration', '3600'], /at most 10,000,000 per sample/],
    [['bench', 'faults', '--job', 'cpu:0'], /invalid --job "cpu:0"/],
    [['bench', 'process', '--claims', claimsNotJson], /claims file .*claims-broken\.json: not valid JSON/],
    [['bench', 'process', '--claims', claimsBadShape], /claims file .*claims-shape\.json: claims\.0\.claimed: /],
    [['bench', 'process', '--claims', join(inputs, 'missing.json')], /claims file .*missing\.json: no such file/],
    [
      ['bench', 'process', '--transports', 'bullmq', '--services', 'external'],
      /redis at REDIS_URL=redis:\/\/user:\*\*\*@127\.0\.0\.1:1 is unreachable .*: start it, or fix or unset REDIS_URL/,
      { REDIS_URL: 'redis://user:secret@127.0.0.1:1' },
    ],
  ];
  for (const [args, message, env] of cases) {
    it(args.slice(1).join(' '), async () => {
      const result = await runCli([...args, ...(args.includes('--out') ? [] : ['--out', out])], env);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /secret/, 'no password in messages');
      assert.deepEqual(readdirSync(out), []);
    });
  }
});

describe('bench process', () => {
  it('runs, writes a complete result JSON, prints its path and a table, and leaves nothing behind', async () => {
    const dirsBefore = new Set(hopbenchTempDirs());
    const result = await runCli(
      ['bench', 'process', '--transports', 'direct,bullmq', '--workers', '1', '--concurrency', '8', '--messages', '1000', '--warmup', '100', '--repeat', '2', '--out', out, '--services', 'native'],
      {},
      180_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const path = /result: (.+\.json)/.exec(result.stdout)?.[1];
    assert.ok(path, result.stdout);
    assert.match(result.stdout, /point\s+load\s+messages\/s/);
    const reportPath = /report: (.+\.html)/.exec(result.stdout)?.[1];
    assert.equal(reportPath, path.replace(/\.json$/, '.html'), 'the HTML report is written beside the JSON');
    assert.match(readFileSync(reportPath!, 'utf8'), /<canvas id=/);
    const file = JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
    assert.equal(file.schemaVersion, 2);
    assert.equal(file.scenario, 'process');
    assert.equal(file.complete, true);
    assert.equal(file.env.services.redis?.provider, 'native');
    assert.ok(file.env.harness['hot path per message']! > 0);
    // The host fingerprint: the CPU and the results' disk always, Redis because bullmq used it, no Postgres.
    const print = file.env.fingerprint!;
    assert.deepEqual(Object.keys(print).sort(), ['cpuLoopNs', 'fsyncUs', 'redisPingUs']);
    assert.ok(Object.values(print).every((value) => value > 0), JSON.stringify(print));
    assert.deepEqual(
      file.runs.map((run) => [run.transport, run.axes.workers, run.axes.concurrency, run.samples.length, run.counts.delivered, run.counts.lost, run.counts.duplicates]),
      [
        ['direct', 1, 8, 2, 2000, 0, 0],
        ['bullmq', 1, 8, 2, 2000, 0, 0],
      ],
    );
    for (const run of file.runs) {
      assert.equal(run.throughput.samples.length, 2);
      assert.ok(run.throughput.perSec > 0);
      assert.ok(run.latencyMs.p50 > 0 && run.latencyMs.p50 <= run.latencyMs.p99 && run.latencyMs.p99 <= run.latencyMs.max);
      assert.ok(run.latencyHistogram.length > 0);
      assert.ok(Object.keys(run.config).length > 0 || run.transport === 'direct');
    }
    const bullmq = file.runs[1]!;
    assert.deepEqual(bullmq.resources.map((usage) => usage.label).sort(), ['baseline', 'producer', 'redis', 'worker 0']);
    // The worker's memory is also read over a bare process of the same runtime and modules (seed 001's claim).
    const [worker, bare] = ['worker 0', 'baseline'].map((label) => bullmq.resources.find((usage) => usage.label === label)!);
    assert.equal(worker!.overBaselineMiB, Math.round((worker!.peakMemoryMiB - bare!.peakMemoryMiB) * 10) / 10);
    assert.ok(bullmq.metrics!.senderCores! >= 0, "the sender's CPU is in every result with a sender");
    const newDirs = hopbenchTempDirs().filter((dir) => !dirsBefore.has(dir));
    assert.deepEqual(newDirs, [], 'temp dirs removed');
    assert.deepEqual(pidsMentioning('hopbench-redis-'), [], 'redis stopped');
  });
});
