/**
 * Placement on agents, with clocks that disagree by known amounts: which agent runs what, and how times move
 * between clocks. The namespace test checks the same end to end, as root only; this runs everywhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { Agent } from '../harness/agent/client.ts';
import type { ProducerReport } from '../harness/roles/producer.ts';
import type { ConsumerReport } from '../harness/roles/consumer.ts';
import { consumerOnCoordinatorClock, mergedProducer, placeOnAgents, producerOnCoordinatorClock, senderAheadNs, sharedStart } from '../harness/runners/placement.ts';
import type { TransportRef } from '../harness/transports/load.ts';

const S = 1e9;
/** Agents whose clocks are `offsets` seconds ahead of the coordinator's. */
function agents(...offsets: number[]): Agent[] {
  return offsets.map((offset, index) => {
    const agent = new Agent(`http://10.0.0.${index + 1}:7400`, 'token-0123456789abcdef');
    agent.clock = { method: 'cristian', offsetNs: offset * S, uncertaintyNs: 1000 };
    return agent;
  });
}
const ref = { name: 'pg', module: '', config: {}, urls: {}, queue: 'q', concurrency: 1 } as unknown as TransportRef;

describe('placement on agents', () => {
  it('split: the producer on the first agent, the workers round robin on the others, one queue', () => {
    const [a, b, c] = agents(0, 10, 20);
    const placed = placeOnAgents('split', [a!, b!, c!], ref);
    assert.deepEqual(placed.producers.map(({ agent }) => agent), [a]);
    assert.deepEqual([0, 1, 2, 3].map((worker) => placed.consumer(worker).agent), [b, c, b, c]);
    assert.deepEqual(placed.refs.map(({ queue }) => queue), ['q']);
  });

  it('swarm: a producer and a queue per agent, workers round robin', () => {
    const [a, b] = agents(0, 10);
    const placed = placeOnAgents('swarm', [a!, b!], ref);
    assert.deepEqual(placed.producers.map(({ agent, ref: queue }) => [agent, queue.queue]), [[a, 'q_a0'], [b, 'q_a1']]);
    assert.deepEqual([0, 1, 2].map((worker) => placed.consumer(worker).ref.queue), ['q_a0', 'q_a1', 'q_a0']);
    assert.equal(senderAheadNs(placed, 1), 0);
  });

  it("split: a send time moved by senderAheadNs is the same instant on the consumer's clock", () => {
    // The producer's clock is 1000 s ahead of the coordinator's, the consumer's 3000 s.
    const placed = placeOnAgents('split', agents(1000, 3000), ref);
    const trueSendNs = 50 * S;
    const trueLatencyNs = 0.004 * S;
    const sentAtNs = trueSendNs + 1000 * S; // read on the producer's clock
    const doneNs = trueSendNs + trueLatencyNs + 3000 * S; // read on the consumer's clock
    assert.equal(doneNs - (sentAtNs - senderAheadNs(placed, 0)), trueLatencyNs);
  });

  it('an open loop starts at one coordinator instant on every agent; a closed loop when its go arrives', () => {
    const [a, b] = agents(1000, -5);
    const [goA, goB] = sharedStart({ model: 'open', perSec: 100 }, [a!, b!]);
    assert.equal(goA!.atNs! - 1000 * S, goB!.atNs! + 5 * S);
    assert.deepEqual(sharedStart({ model: 'closed', batch: 1, inflight: 1 }, [a!, b!]), [{}, {}]);
  });

  it("reports move onto the coordinator's clock; a time never read (0) stays 0", () => {
    const [agent] = agents(1000);
    const producer = { producer: 0, startNs: 1010 * S, endNs: 1020 * S } as ProducerReport;
    assert.deepEqual([producerOnCoordinatorClock(producer, agent!).startNs, producerOnCoordinatorClock(producer, agent!).endNs], [10 * S, 20 * S]);
    assert.equal(producerOnCoordinatorClock({ ...producer, startNs: 0, endNs: 0 }, agent!).startNs, 0);
    const consumer = { worker: 0, firstDoneNs: 1011 * S, lastDoneNs: 0 } as ConsumerReport;
    assert.deepEqual([consumerOnCoordinatorClock(consumer, agent!).firstDoneNs, consumerOnCoordinatorClock(consumer, agent!).lastDoneNs], [11 * S, 0]);
  });

  it("merges the producers' accepted ids; a producer that never reported has its whole share counted", () => {
    const placed = placeOnAgents('swarm', agents(1000, 2000), ref);
    const first = { producer: 0, accepted: Uint8Array.from([1, 0, 1]), startNs: 1001 * S, endNs: 1003 * S } as ProducerReport;
    const merged = mergedProducer([first], { from: 10, to: 16 }, placed);
    assert.deepEqual([...merged.accepted], [1, 0, 1, 1, 1, 1]);
    assert.deepEqual([merged.startNs, merged.endNs], [1 * S, 3 * S]);
  });
});
