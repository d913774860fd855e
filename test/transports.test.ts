/**
 * The contract every registered transport keeps, checked by iterating the registry: a new transport is tested by
 * being registered. Then what one transport's knobs or the measurement path promise on top.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { parseJob } from '../harness/roles/job.ts';
import { open } from '../harness/load/open.ts';
import { resolveConfig } from '../harness/plugins/registry.ts';
import { TRANSPORT_SPECS, parseTransportChoice } from '../harness/transports/registry.ts';
import { DROPPED_ID } from './fixtures/faulty-transport.ts';
import { fixtureChoice, processPlan, runProcessPlan, uniqueQueue } from './helpers/plan.ts';
import { nativeServicesForFile } from './helpers/services.ts';
import { rolePids } from './helpers/system.ts';

const services = nativeServicesForFile();

/**
 * Enough to see loss and duplicates, few enough for pg-boss at its defaults: W × C = 8 fetch loops take one job each
 * per 2 s poll, so 48 (and the warmup) take 7–8 polls.
 */
const MESSAGES = 48;

describe.each(TRANSPORT_SPECS)('transport contract: %s', (spec) => {
  const choice = parseTransportChoice(spec);

  it(`delivers ${MESSAGES} messages exactly once (W=2, C=4), warmup excluded from the latencies`, async () => {
    const sample = await runProcessPlan(processPlan(choice, { messages: MESSAGES, warmup: 10, timeoutMs: 120_000 }), services());
    const { sent, delivered, lost, duplicates, unexpected } = sample.counts;
    assert.deepEqual({ sent, delivered, lost, duplicates, unexpected }, { sent: MESSAGES, delivered: MESSAGES, lost: 0, duplicates: 0, unexpected: 0 });
    assert.equal(sample.latencyMs.count, MESSAGES, 'one latency per measured message');
    assert.ok(sample.throughputPerSec > 0);
    assert.deepEqual(sample.errors, []);
    const producer = sample.resources.find((usage) => usage.label.startsWith('producer'));
    assert.ok(producer && producer.pid !== process.pid, 'the sender runs in a process of its own, not in the coordinator that samples');
  });

  it(choice.definition.inProcess ? 'has no broker: no depth, nothing to set up' : 'counts what waits in its queue, and teardown leaves nothing for the next setup', async () => {
    const urls = Object.fromEntries(choice.definition.services.map((kind) => [kind, services().get(kind).url]));
    const transport = choice.definition.create({ urls, queue: uniqueQueue(), config: resolveConfig(choice), concurrency: 1 });
    if (choice.definition.inProcess) return assert.equal(transport.depth, undefined);
    await transport.setup();
    try {
      const producer = await transport.producer();
      await producer.sendBatch(Array.from({ length: 30 }, (_, id) => ({ id, sentAtNs: 0, payload: 'x' })));
      for (let id = 30; id < 37; id++) await producer.send({ id, sentAtNs: 0, payload: 'x' });
      await producer.close();
      assert.equal(await transport.depth!(), 37);
      await transport.teardown();
      await transport.setup();
      assert.equal(await transport.depth!(), 0, 'a new queue after teardown starts empty');
    } finally {
      await transport.teardown();
    }
  });

  it('names its effective knobs and what they promise', () => {
    const transport = choice.definition.create({ urls: {}, queue: 'plan', config: resolveConfig(choice), concurrency: 7 });
    assert.ok(Object.keys(transport.config).length > 0, 'every knob that changes results is recorded');
    assert.equal(typeof transport.traits.durable, 'boolean');
    assert.equal(typeof transport.traits.acks, 'boolean');
  });
});

describe('durability follows the effective configuration, not the transport name', () => {
  it('rabbitmq:transient and pg:unlogged are not durable; their defaults are', () => {
    const durable = (spec: string) => parseTransportChoice(spec).definition.create({ urls: {}, queue: 'q', config: resolveConfig(parseTransportChoice(spec)), concurrency: 1 }).traits.durable;
    assert.deepEqual(['rabbitmq', 'rabbitmq:transient', 'pg', 'pg:unlogged', 'direct'].map(durable), [true, false, true, false, false]);
  });
});

describe('redis-streams keeps only unfinished work', () => {
  it('deletes each entry with its ack, and counts unread plus unacknowledged entries by the stream\'s length (no XINFO lag)', async () => {
    const choice = parseTransportChoice('redis-streams');
    const queue = uniqueQueue();
    const redisUrl = services().get('redis').url;
    const transport = choice.definition.create({ urls: { redis: redisUrl }, queue, config: resolveConfig(choice), concurrency: 4 });
    await transport.setup();
    const { Redis } = await import('ioredis');
    const redis = new Redis(redisUrl);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let done = 0;
    try {
      const producer = await transport.producer();
      await producer.sendBatch(Array.from({ length: 20 }, (_, id) => ({ id, sentAtNs: 0, payload: 'x' })));
      await producer.close();
      // The first four fill the consumer's four slots and wait: 4 read and unacknowledged, 16 not yet read.
      const consumer = await transport.consumer({ handle: async (envelope) => void (envelope.id < 4 && (await held), done++), fail: () => {} });
      const pendingNow = async () => ((await redis.xpending(queue, 'hopbench')) as [number])[0];
      while ((await pendingNow()) < 4) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await transport.depth!(), 20);
      release();
      while (done < 20) await new Promise((resolve) => setTimeout(resolve, 20));
      while ((await redis.xlen(queue)) > 0 && (await pendingNow()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await consumer.close();
      assert.equal(await redis.xlen(queue), 0, 'every finished entry deleted: the stream does not grow with the run');
      assert.equal(await transport.depth!(), 0);
    } finally {
      release();
      redis.disconnect();
      await transport.teardown();
    }
  });
});

describe('jobs', () => {
  it('pg-insert jobs write one row per message', async () => {
    const sample = await runProcessPlan(processPlan('rabbitmq', { messages: 200, job: parseJob('pg-insert') }), services());
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
    const sample = await runProcessPlan(processPlan(choice, { messages: 100, timeoutMs: 3_000 }), services());
    assert.equal(sample.counts.sent, 100);
    assert.equal(sample.counts.delivered, 99);
    assert.equal(sample.counts.lost, 1);
    assert.equal(sample.counts.duplicates, 1);
    assert.deepEqual(sample.counts.notDeliveredSample, [DROPPED_ID]);
    assert.equal(sample.latencyMs.count, 99, 'the duplicate is counted, not measured again');
    assert.match(sample.errors.join('\n'), /1 messages not delivered/);
  });
});

describe('what was not delivered: lost only when gone', () => {
  it('counts jobs still queued at the deadline as undelivered (pg-boss at its defaults is slow, not lossy)', async () => {
    // 2 fetch loops polling every 2 s for one job each: about 1 job/s, so 60 jobs cannot all be done in 3 s.
    const sample = await runProcessPlan(processPlan('pgboss', { workers: 1, concurrency: 2, messages: 60, timeoutMs: 3_000 }), services());
    const { sent, delivered, lost, undelivered } = sample.counts;
    assert.equal(sent, 60);
    assert.ok(undelivered > 0, JSON.stringify(sample.counts));
    assert.deepEqual([lost, delivered + undelivered], [0, 60], JSON.stringify(sample.counts));
    assert.match(sample.errors.join('\n'), /still queued \(undelivered\), 0 lost/);
  });

  it('ends a point whose consumers all died without waiting out --timeout: what they left in the broker is undelivered', async () => {
    let killed: number[] = [];
    const started = Date.now();
    const plan = processPlan('pg', { messages: 5_000, job: parseJob('sleep:2'), timeoutMs: 300_000 });
    const sample = await runProcessPlan(plan, services(), (progress) => {
      if (killed.length > 0 || progress.delivered < 100) return;
      killed = rolePids('consumer');
      killed.forEach((pid) => process.kill(pid, 'SIGKILL'));
    });
    assert.equal(killed.length, 2, 'both consumer processes were found');
    assert.ok(Date.now() - started < plan.timeoutMs / 2, 'nothing could arrive any more: the wait ended');
    // What the dead consumers had done died with their counters: accepted, not in the broker, not reported.
    const { sent, delivered, lost, undelivered } = sample.counts;
    assert.ok(undelivered > 0 && delivered + undelivered + lost === sent && sent === 5_000, JSON.stringify(sample.counts));
    assert.match(sample.errors.join('\n'), /consumer \d+ \(pid \d+\) exited \(SIGKILL\)/);
  });
});

describe('open loop', () => {
  it('keeps its schedule while the consumer stalls, and measures from the intended send time', async () => {
    // 200 msg/s for 1 s into one consumer that needs ≥ 20 ms per message (at most 50 msg/s): the last message is
    // intended at ~1 s but cannot be done before 200 × 20 ms = 4 s, so its latency is at least ~3 s. A sender that
    // waited for the consumer, or latency measured from the actual send, would hide that.
    const sample = await runProcessPlan(processPlan('direct', { workers: 1, concurrency: 1, messages: 200, job: parseJob('sleep:20'), load: open({ perSec: 200 }) }), services());
    assert.equal(sample.counts.delivered, 200);
    assert.ok(sample.latencyMs.max >= 2_900, `max latency ${sample.latencyMs.max} ms reflects the queueing delay`);
    assert.ok(sample.senderLagMs, 'open loop reports sender lag');
    assert.ok(sample.senderLagMs.p50 < 100, `sender stayed on schedule (lag p50 ${sample.senderLagMs.p50} ms)`);
  });
});
