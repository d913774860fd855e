import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { parseJob } from '../harness/jobs.ts';
import { rate } from '../harness/load/rate.ts';
import { runSample } from '../harness/runners/process-sample.ts';
import { DROPPED_ID } from './fixtures/faulty-transport.ts';
import { fixtureChoice, point, uniqueQueue } from './helpers/plan.ts';
import { nativeServicesForFile, never } from './helpers/services.ts';

const services = nativeServicesForFile();

describe('every transport delivers N messages exactly once (W=2, C=4)', () => {
  const cases: Array<[string, number]> = [
    ['direct', 2_000],
    ['bullmq', 500],
    ['rabbitmq', 500],
    ['pgboss:tuned', 500],
    ['pgboss', 24], // 2 s polling, one job per fetch: a handful of jobs is already several seconds
    ['pg', 500],
  ];
  for (const [transport, messages] of cases) {
    it(transport, async () => {
      const sample = await runSample(point(transport, { messages, warmup: 10 }), services(), uniqueQueue(), never);
      assert.deepEqual(
        { sent: sample.counts.sent, delivered: sample.counts.delivered, lost: sample.counts.lost, duplicates: sample.counts.duplicates, unexpected: sample.counts.unexpected },
        { sent: messages, delivered: messages, lost: 0, duplicates: 0, unexpected: 0 },
      );
      assert.equal(sample.latencyMs.count, messages, 'one latency per measured message, warmup excluded');
      assert.ok(sample.throughputPerSec > 0);
      assert.deepEqual(sample.errors, []);
    });
  }

  it('pg-insert jobs write one row per message', async () => {
    const sample = await runSample(point('rabbitmq', { messages: 200, job: parseJob('pg-insert') }), services(), uniqueQueue(), never);
    assert.equal(sample.counts.delivered, 200);
    const pg = (await import('pg')).default;
    const client = new pg.Client(services().get('postgres').url);
    await client.connect();
    const { rows } = await client.query('SELECT count(DISTINCT msg_id)::int AS n, count(DISTINCT worker)::int AS workers FROM hopbench_job_results');
    await client.end();
    assert.equal(rows[0].n, 200);
  });
});

describe('accounting through real processes', () => {
  it('detects an injected drop and an injected duplicate', async () => {
    const choice = await fixtureChoice('../fixtures/faulty-transport.ts');
    const sample = await runSample(point(choice, { messages: 100, timeoutMs: 3_000 }), services(), uniqueQueue(), never);
    assert.equal(sample.counts.sent, 100);
    assert.equal(sample.counts.delivered, 99);
    assert.equal(sample.counts.lost, 1);
    assert.equal(sample.counts.duplicates, 1);
    assert.deepEqual(sample.counts.lostSample, [DROPPED_ID]);
    assert.match(sample.errors.join('\n'), /1 messages not delivered/);
  });
});

describe('open loop', () => {
  it('keeps its schedule while the consumer stalls, and measures from the intended send time', async () => {
    // 200 msg/s for 1 s into one consumer that needs ≥ 20 ms per message (at most 50 msg/s): the last message is
    // intended at ~1 s but cannot be done before 200 × 20 ms = 4 s, so its latency is at least ~3 s. A sender that
    // waited for the consumer, or latency measured from the actual send, would hide that.
    const sample = await runSample(
      point('direct', { workers: 1, concurrency: 1, messages: 200, job: parseJob('sleep:20'), load: rate({ perSec: 200 }) }),
      services(),
      uniqueQueue(),
      never,
    );
    assert.equal(sample.counts.delivered, 200);
    assert.ok(sample.latencyMs.max >= 2_900, `max latency ${sample.latencyMs.max} ms reflects the queueing delay`);
    assert.ok(sample.senderLagMs, 'open loop reports sender lag');
    assert.ok(sample.senderLagMs.p50 < 100, `sender stayed on schedule (lag p50 ${sample.senderLagMs.p50} ms)`);
  });
});
