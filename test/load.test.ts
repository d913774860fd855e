import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { open } from '../harness/load/open.ts';
import type { LoadTarget } from '../harness/load/types.ts';
import type { Envelope, Producer } from '../harness/transports/types.ts';

/** A producer that records what it was handed; `answer` decides whether (and how) each send settles. */
function recordingProducer(answer: (envelope: Envelope) => Promise<void> = async () => {}): Producer & { readonly sent: Envelope[] } {
  const sent: Envelope[] = [];
  return {
    sent,
    send: (envelope) => {
      sent.push(envelope);
      return answer(envelope);
    },
    sendBatch: async () => {},
    close: async () => {},
  };
}

const target = (producer: Producer, count: number, extra: Partial<LoadTarget> = {}): LoadTarget => ({
  producer,
  from: 1_000,
  to: 1_000 + count,
  payload: '',
  accepted: () => {},
  signal: new AbortController().signal,
  ...extra,
});

describe('open loop', () => {
  it('stamps message i with start + i/rate, sends each id once in order, and records a lag for each', async () => {
    const producer = recordingProducer();
    const accepted: number[] = [];
    const outcome = await open({ perSec: 400 }).run(target(producer, 100, { accepted: (id) => accepted.push(id) }));
    assert.equal(outcome.sent, 100);
    assert.deepEqual(
      producer.sent.map((envelope) => envelope.id),
      Array.from({ length: 100 }, (_, i) => 1_000 + i),
    );
    // Intended times, not send times: exactly 2.5 ms apart whatever the host's scheduling did.
    producer.sent.forEach((envelope, i) => assert.equal(envelope.sentAtNs, outcome.startNs + i * 2_500_000, `message ${i}`));
    assert.equal(accepted.length, 100);
    assert.equal(outcome.senderLag!.totalCount, 100);
    assert.equal(outcome.acceptLatency.totalCount, 100);
  });

  it('keeps its clock between schedules, and refuses a second schedule in the same thread while one runs', async () => {
    const load = open({ perSec: 200 });
    await load.prepare();
    const first = load.run(target(recordingProducer(), 40));
    await assert.rejects(load.run(target(recordingProducer(), 10)), /an open loop is already running in this thread/);
    assert.equal((await first).sent, 40);
    // The clock was kept: the next schedule runs on it.
    assert.equal((await load.run(target(recordingProducer(), 20))).sent, 20);
  });

  it('stops at an abort, and starts nothing when aborted before it begins', async () => {
    const controller = new AbortController();
    const producer = recordingProducer();
    setTimeout(() => controller.abort(), 100);
    const outcome = await open({ perSec: 100 }).run(target(producer, 10_000, { signal: controller.signal }));
    assert.ok(outcome.sent > 0 && outcome.sent < 10_000, `sent ${outcome.sent}`);
    assert.equal(producer.sent.length, outcome.sent);
    const aborted = new AbortController();
    aborted.abort();
    assert.equal((await open({ perSec: 100 }).run(target(recordingProducer(), 50, { signal: aborted.signal }))).sent, 0);
  });

  it('counts sends never answered as failed sends after the grace period, and returns', async () => {
    const producer = recordingProducer((envelope) => (envelope.id % 2 === 0 ? Promise.resolve() : new Promise<void>(() => {})));
    const outcome = await open({ perSec: 500 }).run(target(producer, 20, { graceMs: 200 }));
    assert.equal(outcome.sent, 20);
    assert.equal(outcome.sendErrors, 10);
    assert.match(outcome.firstSendError ?? '', /10 sends not answered within 0\.2s of the last one/);
    assert.equal(outcome.acceptLatency.totalCount, 10);
  });
});
