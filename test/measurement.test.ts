import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { account, createDeliveryCounter } from '../harness/measure/accounting.ts';
import { mergeCompletions, recordCompletions, steadyRate } from '../harness/measure/completions.ts';
import { createHistogram, mergeEncoded, summarizeMs } from '../harness/measure/histogram.ts';
import { sampleResources, type ResourceUsage } from '../harness/measure/resources.ts';
import { coefficientOfVariation, median } from '../harness/measure/stats.ts';
import type { Sample } from '../harness/results/types.ts';
import { coresByRole, limits, stepLimits } from '../harness/engine/limits.ts';
import { parseJob } from '../harness/roles/job.ts';
import { startRole } from '../harness/roles/child.ts';
import type { ConsumerReport, ConsumerSpec } from '../harness/roles/consumer.ts';
import { parseTransportChoice } from '../harness/transports/registry.ts';

const RECORDER = fileURLToPath(new URL('./fixtures/record-histogram.ts', import.meta.url));

describe('histogram merge across processes', () => {
  it('equals one histogram of the same values', () => {
    // Three processes, deliberately different ranges: sub-µs, ms, and a multi-second outlier.
    const parts = [
      Array.from({ length: 500 }, (_, i) => 200 + i * 3),
      Array.from({ length: 300 }, (_, i) => 1_000_000 + i * 12_345),
      [5_000_000_000, 42, 77_000],
    ];
    const encoded = parts.map((values) => execFileSync(process.execPath, [RECORDER, ...values.map(String)], { encoding: 'utf8' }));
    const merged = mergeEncoded(encoded);
    const single = createHistogram();
    parts.flat().forEach((value) => single.recordValue(value));
    assert.equal(merged.totalCount, single.totalCount);
    for (const percentile of [1, 10, 50, 90, 99, 99.9, 100]) {
      assert.equal(merged.getValueAtPercentile(percentile), single.getValueAtPercentile(percentile), `p${percentile}`);
    }
    assert.deepEqual(summarizeMs(merged), summarizeMs(single));
  });
});

describe('drain throughput over the steady window', () => {
  it('reads a polling consumer at the rate it sustains, not first → last completion', () => {
    // 21 polling rounds 2 s apart, 25 jobs each finishing over 2.5 ms: 12.5 jobs/s sustained. First → last
    // completion spans 20 periods for 21 rounds of work: 525 / 40 s = 13.1/s, 5% fast (with the 6 rounds of
    // pg-boss's old 300-job default: 20%).
    const recorder = recordCompletions(0);
    for (let round = 0; round <= 20; round++) for (let job = 0; job < 25; job++) recorder.record(round * 2e9 + job * 1e5);
    const steady = steadyRate(recorder.snapshot())!;
    assert.ok(Math.abs(steady.perSec / 12.5 - 1) < 0.01, `${steady.perSec} jobs/s`);
  });

  it('sums consumers on one epoch, and reads a smooth drain as its rate', () => {
    const [a, b] = [recordCompletions(0), recordCompletions(0)];
    for (let ms = 0; ms < 1000; ms++) (ms % 2 ? a : b).record(ms * 1e6 + 5e5);
    const merged = mergeCompletions([a.snapshot(), b.snapshot()]);
    assert.equal(merged.counts.reduce((sum, count) => sum + count, 0), 1000);
    assert.ok(Math.abs(steadyRate(merged)!.perSec - 1000) < 1);
  });
});

describe('delivery accounting', () => {
  it('classifies delivered, lost, duplicated, unexpected and unsent ids across consumers', () => {
    const a = createDeliveryCounter(10);
    const b = createDeliveryCounter(10);
    for (const id of [0, 1, 2, 3]) a[id] = 1;
    for (const id of [4, 5, 6]) b[id] = 1;
    b[2] = 1; // id 2 delivered by both consumers: one duplicate
    a[5] = 3; // id 5: delivered 4 times in all, 3 duplicates
    b[9] = 1; // id 9 was never sent (send failed): unexpected, not a duplicate
    const counts = account([a, b], 0, 10, (id) => id !== 9);
    assert.deepEqual(counts, { sent: 9, delivered: 7, lost: 2, undelivered: 0, duplicates: 4, unexpected: 1, notDeliveredSample: [7, 8] });
  });

  it('counts as undelivered, not lost, what was still queued at the deadline', () => {
    const counter = createDeliveryCounter(10);
    counter.fill(1, 0, 4); // ids 4..9 not delivered; the broker still held 4 messages
    const counts = account([counter], 0, 10, () => true, 4);
    assert.deepEqual([counts.delivered, counts.undelivered, counts.lost], [4, 4, 2]);
    assert.deepEqual([account([counter], 0, 10, () => true, 50).undelivered, account([counter], 0, 10, () => true, 50).lost], [6, 0], 'never more undelivered than not delivered');
  });

  it('looks only at the measured range', () => {
    const counter = createDeliveryCounter(6);
    counter.fill(1, 0, 3); // warmup ids 0..2
    const counts = account([counter], 3, 6, () => true);
    assert.equal(counts.sent, 3);
    assert.equal(counts.lost, 3);
  });
});

describe('stats', () => {
  it('median and coefficient of variation', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.equal(coefficientOfVariation([10, 10, 10]), 0);
    assert.ok(Math.abs(coefficientOfVariation([9, 10, 11]) - 0.1) < 1e-12);
  });
});

describe('reports from child processes', () => {
  it('a large last report (32 MiB of counters) arrives before the child counts as ended', async () => {
    const ids = 32 * 1024 * 1024;
    const transport = { module: parseTransportChoice('fixture').module, config: {}, urls: {}, queue: 'big-report', concurrency: 1 };
    const role = startRole<ConsumerSpec, unknown, unknown, never, ConsumerReport>('consumer', { transport, job: parseJob('noop'), worker: 0, warmup: 0, ids, epochNs: 0 }, { where: 'process', label: 'consumer' });
    await role.started;
    role.finish();
    await role.ended;
    assert.equal(role.failure(), undefined, 'the report was read before the end');
    assert.equal(role.report()?.counts.length, ids);
  });
});

describe('resource sampling', () => {
  const node = (script: string) => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
  const busyFor = (ms: number) => `const end = Date.now() + ${ms}; while (Date.now() < end);`;

  it('counts a process of a tree born and gone between the start and the stop', async () => {
    // The child lives from ~300 ms to ~900 ms, busy; the sampler stops at ~1.3 s. Trees read at start and stop only
    // never saw it.
    const parent = node(`import { spawn } from 'node:child_process'; setTimeout(() => spawn(process.execPath, ['-e', ${JSON.stringify(busyFor(600))}], { stdio: 'ignore' }), 300); setTimeout(() => {}, 2000);`);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const sampler = sampleResources([{ label: 'tree', pid: parent.pid!, tree: true }]);
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      const [usage] = sampler.stop();
      assert.ok(usage!.cpuSeconds >= 0.1, `the child's CPU is counted: ${JSON.stringify(usage)}`);
      assert.equal(usage!.memoryMetric, 'pss');
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it("reports a process's worker threads apart from it, and cores over the window", async () => {
    const host = node(`import { Worker } from 'node:worker_threads'; new Worker(${JSON.stringify(busyFor(900))}, { eval: true }); setTimeout(() => {}, 2000);`);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const sampler = sampleResources([{ label: 'host', pid: host.pid!, tree: false, threadsLabel: 'threads' }]);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const [own, threads] = sampler.stop();
      assert.equal(threads!.label, 'threads');
      assert.ok(threads!.cpuSeconds > own!.cpuSeconds, `the busy thread's CPU is its own: ${JSON.stringify([own, threads])}`);
      assert.ok(threads!.cores > 0 && threads!.cores <= 1.05, `cores: ${threads!.cores}`);
    } finally {
      host.kill('SIGKILL');
    }
  });

  it('tells the harness, the producer and the host apart, with the figure, and moves the harness share out of the producer\'s cost', () => {
    const usage = (label: string, harness: 'sender' | 'clients' | undefined, cores: number, eventLoopUtilization?: number, role?: ResourceUsage['role']): ResourceUsage => ({ label, pid: 1, cpuSeconds: cores, cores, peakMemoryMiB: 1, pssMiB: 1, memoryMetric: 'rss', ...(harness ? { harness } : {}), eventLoopUtilization, ...(role ? { role } : {}) });
    const lagged = (lagP99: number, latencyP99: number, pacerP99?: number) =>
      ({ senderLagMs: { count: 1, p50: 0.1, p90: 0.2, p99: lagP99, p999: 2, max: 2, mean: 0.2 }, ...(pacerP99 !== undefined ? { pacerLagMs: { count: 1, p50: 0.1, p90: 0.2, p99: pacerP99, p999: 2, max: 2, mean: 0.2 } } : {}), latencyMs: { count: 1, p50: 1, p90: 1, p99: latencyP99, p999: 1, max: 1, mean: 1 } }) as Sample;
    // The sending thread late while its pacer was on time, and the producer process busy: the producer, not the harness.
    const producer = limits([usage('clients 0', 'clients', 0.5, 0.5), usage('producer', 'sender', 0.85)], lagged(1.5, 5, 0.2));
    assert.deepEqual(producer, [
      'producer-limited: the producer process (producer, the transport\'s client included) at 80% of a core or more (0.85)',
      'producer-limited: the sending thread fell behind its schedule, lag p99 1.5 ms of a latency p99 of 5 ms',
    ]);
    assert.deepEqual(stepLimits(producer), ['producer']);
    // The pacer itself late, a client's event loop full, or the harness's own share of the sender at half a core: the harness.
    const harness = limits([usage('clients 0', 'clients', 0.9, 0.95)], lagged(0.2, 5, 2), undefined, 0.6);
    assert.deepEqual(harness, [
      'harness-limited: the pacer (the open loop\'s clock thread) was late, p99 2 ms of a latency p99 of 5 ms',
      'harness-limited: the harness\'s own share of the sending process was 0.60 cores',
      "client-limited: clients 0's event loop over 90% busy (95%)",
    ]);
    assert.deepEqual(stepLimits(harness), ['harness']);
    // Every core 90% busy: the host's figure.
    const host = limits([], lagged(0.1, 5), { busy: 0.95, cores: 2 });
    assert.deepEqual(host, ["cpu-limited: the host's 2 cores were 95% busy"]);
    assert.deepEqual(stepLimits([...host, ...producer]), ['producer', 'cpu']);
    // A lag that is a small part of the latency (or under 1 ms) limits nothing; nor does a host under 90%.
    assert.deepEqual(limits([], lagged(3, 50, 3)), []);
    assert.deepEqual(limits([], lagged(1.4, 6)), []);
    assert.deepEqual(limits([], lagged(0.9, 2, 0.9)), []);
    assert.deepEqual(limits([usage('clients 0', 'clients', 0.5, 0.5), usage('producer', 'sender', 0.2)], {} as Sample, { busy: 0.8, cores: 2 }), []);
    // Cost by role: the harness's share taken from the producer, processes without a role left out.
    const byRole = coresByRole([usage('redis', undefined, 0.4, undefined, 'broker'), usage('w0', undefined, 0.3, undefined, 'workers'), usage('w1', undefined, 0.2, undefined, 'workers'), usage('producer', 'sender', 0.5, undefined, 'producer'), usage('baseline', undefined, 9)], 0.1);
    assert.deepEqual(byRole, { broker: 0.4, workers: 0.5, producer: 0.4, harness: 0.1 });
  });
});
