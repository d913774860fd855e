/**
 * Placement on agents, with clocks that disagree by known amounts: which agent runs what, and how times move
 * between clocks. The namespace test checks the same end to end, as root only; this runs everywhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { Agent } from '../harness/agent/client.ts';
import type { ProducerReport } from '../harness/roles/producer.ts';
import type { ConsumerReport } from '../harness/roles/consumer.ts';
import { mergeProducers, placeRoles, type AgentPlacement } from '../harness/placement/placement.ts';
import { sharedStart } from '../harness/placement/clocks.ts';
import { account, accountRanges } from '../harness/measure/accounting.ts';
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
const place = (name: AgentPlacement, on: readonly Agent[], workers = 4) => placeRoles({ name, agents: on, queue: ref, workers, epochNs: 0 });

describe('placement on agents', () => {
  it('split: the producer on the first agent, the workers round robin on the others, one queue', () => {
    const [a, b, c] = agents(0, 10, 20);
    const placed = place('split', [a!, b!, c!]);
    assert.deepEqual(placed.producers.map(({ agent }) => agent), [a]);
    assert.deepEqual([0, 1, 2, 3].map((worker) => placed.consumer(worker).agent), [b, c, b, c]);
    assert.deepEqual(placed.queues.map(({ queue }) => queue), ['q']);
  });

  it('swarm: a producer and a queue per agent, workers round robin', () => {
    const [a, b] = agents(0, 10);
    const placed = place('swarm', [a!, b!], 3);
    assert.deepEqual(placed.producers.map(({ agent, ref: queue }) => [agent, queue.queue]), [[a, 'q_a0'], [b, 'q_a1']]);
    assert.deepEqual([0, 1, 2].map((worker) => placed.consumer(worker).ref.queue), ['q_a0', 'q_a1', 'q_a0']);
    assert.equal(placed.consumer(1).clock.senderAheadNs, 0);
  });

  it("split: a send time moved by senderAheadNs is the same instant on the consumer's clock", () => {
    // The producer's clock is 1000 s ahead of the coordinator's, the consumer's 3000 s.
    const placed = place('split', agents(1000, 3000), 1);
    const trueSendNs = 50 * S;
    const trueLatencyNs = 0.004 * S;
    const sentAtNs = trueSendNs + 1000 * S; // read on the producer's clock
    const doneNs = trueSendNs + trueLatencyNs + 3000 * S; // read on the consumer's clock
    assert.equal(doneNs - (sentAtNs - placed.consumer(0).clock.senderAheadNs!), trueLatencyNs);
  });

  it('an open loop starts at one coordinator instant on every agent; a closed loop when its go arrives', () => {
    const [a, b] = agents(1000, -5);
    const [goA, goB] = sharedStart({ model: 'open', perSec: 100 }, [a!, b!]);
    assert.equal(goA!.atNs! - 1000 * S, goB!.atNs! + 5 * S);
    assert.deepEqual(sharedStart({ model: 'closed', batch: 1, inflight: 1 }, [a!, b!]), [{}, {}]);
  });

  it("reports move onto the coordinator's clock; a time never read (0) stays 0", () => {
    const placed = place('swarm', agents(1000), 1);
    const producer = { producer: 0, startNs: 1010 * S, endNs: 1020 * S } as ProducerReport;
    assert.deepEqual([placed.producerOnCoordinatorClock(producer).startNs, placed.producerOnCoordinatorClock(producer).endNs], [10 * S, 20 * S]);
    assert.equal(placed.producerOnCoordinatorClock({ ...producer, startNs: 0, endNs: 0 }).startNs, 0);
    const consumer = { worker: 0, firstDoneNs: 1011 * S, lastDoneNs: 0 } as ConsumerReport;
    assert.deepEqual([placed.consumerOnCoordinatorClock(consumer).firstDoneNs, placed.consumerOnCoordinatorClock(consumer).lastDoneNs], [11 * S, 0]);
  });

  it('local: every role here, one queue, one clock, nothing of unknown fate', () => {
    const placed = placeRoles({ name: 'local', agents: [], queue: ref, workers: 2, epochNs: 7 });
    assert.deepEqual([placed.producers.length, placed.agents.length, placed.queues.length], [1, 0, 1]);
    assert.equal(placed.consumer(1).launch, undefined);
    assert.deepEqual(placed.consumer(1).clock, { epochNs: 7 });
    assert.deepEqual(placed.gos({ model: 'open', perSec: 10 }), []);
    assert.deepEqual(placed.lostToAgents([{ from: 0, to: 10 }], { producers: [], workers: [] }).incomplete, []);
  });
});

describe('an agent that dies is the harness\'s failure, not the system\'s loss', () => {
  // Producer k's measured ids: 10–12 for the first, 13–15 for the second.
  const measured = [{ from: 10, to: 13 }, { from: 13, to: 16 }];

  it("merges the producers' accepted ids; a dead agent's producer has its share marked, and what nobody delivered of it is of unknown fate, never lost", () => {
    const [a, b] = agents(1000, 2000);
    const placed = place('swarm', [a!, b!], 2);
    b!.gone = 'agent http://10.0.0.2:7400 stopped answering (timeout)';
    const first = { producer: 0, accepted: Uint8Array.from([1, 0, 1]), startNs: 1001 * S, endNs: 1003 * S } as ProducerReport;
    const merged = mergeProducers(placed, [first], measured);
    assert.deepEqual(merged.sent.map((range) => [10, 11, 12, 13, 14, 15].filter((id) => id >= range.from && id < range.to).map((id) => range.wasSent(id))), [[true, false, true], [true, true, true]]);
    assert.deepEqual([merged.startNs, merged.endNs], [1 * S, 3 * S]);
    // Worker 0 (agent a, on producer 0's queue) reported; worker 1 and producer 1 died with agent b.
    const lost = placed.lostToAgents(measured, { producers: [0], workers: [0] });
    assert.equal(lost.incomplete.length, 2, lost.incomplete.join('\n'));
    assert.match(lost.incomplete[0]!, /stopped answering .*producer 1 never reported which of its 3 ids/);
    const delivered = new Uint8Array(16);
    delivered[10] = 1;
    delivered[12] = 1;
    const counts = accountRanges([{ counts: delivered }], merged.sent, 0, lost.fateUnknown);
    // Producer 0's id 11 was never accepted, 10 and 12 were delivered; producer 1's 13–15 are unknown, not lost.
    assert.deepEqual({ sent: counts.sent, delivered: counts.delivered, lost: counts.lost, unknown: counts.unknown }, { sent: 2, delivered: 2, lost: 0, unknown: 3 });
  });

  it("a dead agent's worker took its deliveries with it: ids of its queue nobody else delivered are of unknown fate", () => {
    const [a, b, c] = agents(0, 10, 20);
    const placed = place('split', [a!, b!, c!], 2);
    c!.gone = 'agent http://10.0.0.3:7400 stopped answering (timeout)';
    const lost = placed.lostToAgents(measured, { producers: [0], workers: [0] });
    assert.match(lost.incomplete.join(), /worker 1's deliveries died with it/);
    const delivered = new Uint8Array(16).fill(1, 10, 13);
    const counts = account([delivered], 10, 16, () => true, 0, lost.fateUnknown);
    assert.deepEqual({ delivered: counts.delivered, lost: counts.lost, unknown: counts.unknown }, { delivered: 3, lost: 0, unknown: 3 });
  });

  it('a producer that crashed on a live agent is the system\'s run as before: its share was not sent', () => {
    const placed = place('swarm', agents(0, 10), 2);
    const merged = mergeProducers(placed, [{ producer: 0, accepted: Uint8Array.from([1, 1, 1]), startNs: 1, endNs: 2 } as ProducerReport], measured);
    assert.deepEqual(merged.sent.map((range) => range.wasSent(range.from)), [true, false]);
    const counts = accountRanges([{ counts: new Uint8Array(16).fill(1, 10, 13) }], merged.sent);
    assert.deepEqual({ sent: counts.sent, delivered: counts.delivered, lost: counts.lost }, { sent: 3, delivered: 3, lost: 0 });
    assert.deepEqual(placed.lostToAgents(measured, { producers: [0], workers: [0, 1] }).incomplete, []);
  });
});
