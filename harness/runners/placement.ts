/**
 * Where a transport point's producers and consumers run when it runs on agents, and which clock its latency is on.
 * - swarm: each agent runs a producer and its share of the consumers on a queue of its own. Every message is sent
 *   and received on one host, so its latency needs no shared clock: it is measured at the origin.
 * - split: agent 0 runs the producer; the other agents run the consumers, on the point's one queue. A message
 *   crosses hosts: its send time is moved onto the consumer's clock by the two agents' estimated offsets (Cristian's
 *   method, estimated again before and after each sample), and the latency is right to within the stated uncertainty.
 * The load is split by share between producers: producer k sends the k-th slice of the ids, at 1/P of the rate.
 * Times the coordinator compares across agents (completions, first and last job) are moved onto its own clock with
 * each agent's offset.
 */
import type { Agent } from '../agent/client.ts';
import type { LoadSpec } from '../load/types.ts';
import type { ConsumerReport } from '../roles/consumer.ts';
import type { ProducerGo, ProducerReport } from '../roles/producer.ts';
import type { LatencyClock } from '../results/types.ts';
import type { TransportRef } from '../transports/load.ts';
import { errorMessage } from '../errors.ts';
import { NS_PER_MS, nowNs } from '../measure/clock.ts';
import { slices } from './transport-roles.ts';

export const PLACEMENTS = ['swarm', 'split'] as const;
export type PlacementName = (typeof PLACEMENTS)[number];

export interface AgentPlacement {
  readonly name: PlacementName;
  /** Every queue the point uses: one per agent (swarm), or the point's one (split). */
  readonly refs: readonly TransportRef[];
  /** Producer k: its agent and queue. */
  readonly producers: readonly { readonly agent: Agent; readonly ref: TransportRef }[];
  /** Worker w: its agent and queue. */
  consumer(worker: number): { readonly agent: Agent; readonly ref: TransportRef };
}

/** Every agent a placement runs a role on, once each. */
export const placementAgents = (placement: AgentPlacement, workers: number): Agent[] => [
  ...new Set([...placement.producers.map(({ agent }) => agent), ...Array.from({ length: workers }, (_, worker) => placement.consumer(worker).agent)]),
];

/** Each agent's clock offset estimated afresh (the clocks of two hosts drift apart over a long run). */
export const estimateClocks = async (agents: readonly Agent[]) => void (await Promise.all(agents.map((agent) => agent.estimateClock())));

/** How many workers a placement needs at least: one per queue (swarm) or per consumer agent (split). */
export const minWorkers = (name: PlacementName, agents: number) => (name === 'swarm' ? agents : agents - 1);

export function placeOnAgents(name: PlacementName, agents: readonly Agent[], ref: TransportRef): AgentPlacement {
  if (name === 'swarm') {
    const refs = agents.map((_, index) => ({ ...ref, queue: `${ref.queue}_a${index}` }));
    const at = (index: number) => ({ agent: agents[index]!, ref: refs[index]! });
    return { name, refs, producers: agents.map((_, index) => at(index)), consumer: (worker) => at(worker % agents.length) };
  }
  const consumerAgents = agents.slice(1);
  return { name, refs: [ref], producers: [{ agent: agents[0]!, ref }], consumer: (worker) => ({ agent: consumerAgents[worker % consumerAgents.length]!, ref }) };
}

/** Each producer's share of the load: the same model, at 1/P of an open loop's rate. */
export function loadShare(spec: LoadSpec, producers: number): LoadSpec {
  return spec.model === 'open' ? { ...spec, perSec: spec.perSec / producers } : spec;
}

/** The k-th of `parts` contiguous slices of [from, to). */
export const idShare = (range: { from: number; to: number }, parts: number, index: number) => slices(range.from, range.to, parts)[index]!;

/** The agent's clock minus the coordinator's, ns, as last estimated. */
export const offsetOf = (agent: Agent) => agent.clock?.offsetNs ?? 0;

/**
 * How far worker w's producer's clock is ahead of the worker's own: its send times, less this, are on the worker's
 * clock. 0 in swarm placement (one agent sends and receives).
 */
export function senderAheadNs(placement: AgentPlacement, worker: number): number {
  if (placement.name === 'swarm') return 0;
  return offsetOf(placement.producers[0]!.agent) - offsetOf(placement.consumer(worker).agent);
}

/**
 * The agents' offsets estimated afresh, and a function that says after the sample which clock its latency is on. In
 * split placement it estimates the offsets again and says how far the latency can be off: the wider of the two
 * estimates' bounds for a producer–consumer pair, plus how far that pair's offset moved during the sample. When the
 * second estimate fails (an agent died), the first one's bound is stated, with the error.
 */
export async function clockWatch(placement: AgentPlacement, workers: number): Promise<(errors: string[]) => Promise<LatencyClock>> {
  const agents = placementAgents(placement, workers);
  // Every placement starts from fresh offsets: the shared start and the throughput window use them.
  if (placement.name === 'swarm') {
    await estimateClocks(agents);
    return async () => ({ method: 'origin' });
  }
  const producer = placement.producers[0]!.agent;
  const estimate = async () => {
    await estimateClocks(agents);
    return Array.from({ length: workers }, (_, worker) => ({
      aheadNs: senderAheadNs(placement, worker),
      boundNs: producer.clock!.uncertaintyNs + placement.consumer(worker).agent.clock!.uncertaintyNs,
    }));
  };
  const before = await estimate();
  const stated = (uncertaintyNs: number): LatencyClock => ({ method: 'cristian', uncertaintyMs: Math.round((uncertaintyNs / NS_PER_MS) * 1000) / 1000 });
  return async (errors) => {
    try {
      const after = await estimate();
      return stated(Math.max(...before.map((pair, worker) => Math.max(pair.boundNs, after[worker]!.boundNs) + Math.abs(after[worker]!.aheadNs - pair.aheadNs))));
    } catch (error) {
      errors.push(`the agents' clocks could not be estimated again after the sample (${errorMessage(error)}): the latency's uncertainty is the estimate before it, drift not included`);
      return stated(Math.max(...before.map((pair) => pair.boundNs)));
    }
  };
}

/** How far ahead of the `go` calls a shared start instant is set: the calls reach every agent well before it. */
const SHARED_START_LEAD_MS = 250;

/**
 * The `go` of each producer, by the agent it runs on: an open loop's schedules all start at one instant, on each
 * agent's own clock (after k6-operator's paused start, to within the offsets' uncertainty), so that no agent's share
 * runs ahead of the others'. A `go` that arrives late skips nothing: its lateness is in the sender's lag. A closed
 * loop starts when its `go` arrives.
 */
export function sharedStart(load: LoadSpec, producerAgents: readonly Agent[]): ProducerGo[] {
  const atNs = nowNs() + SHARED_START_LEAD_MS * NS_PER_MS;
  return producerAgents.map((agent) => (load.model === 'open' ? { atNs: atNs + offsetOf(agent) } : {}));
}

/** A producer's report with its first send and last acceptance on the coordinator's clock. */
export function producerOnCoordinatorClock(report: ProducerReport, agent: Agent): ProducerReport {
  const offset = offsetOf(agent);
  // 0: no load ran (nothing to move).
  return { ...report, startNs: report.startNs && report.startNs - offset, endNs: report.endNs && report.endNs - offset };
}

/** A consumer's report with its times on the coordinator's clock. */
export function consumerOnCoordinatorClock(report: ConsumerReport, agent: Agent): ConsumerReport {
  const offset = offsetOf(agent);
  return { ...report, firstDoneNs: report.firstDoneNs && report.firstDoneNs - offset, lastDoneNs: report.lastDoneNs && report.lastDoneNs - offset };
}

/**
 * The producers' reports as one producer's over all measured ids: accepted ids merged, first send and last
 * acceptance on the coordinator's clock. A producer that never reported (its agent died) has its whole slice
 * counted as accepted: nothing says which of its ids reached the broker, so those not delivered count as lost.
 */
export function mergedProducer(reports: readonly ProducerReport[], measured: { from: number; to: number }, placement: AgentPlacement) {
  const producers = placement.producers.length;
  const accepted = new Uint8Array(measured.to - measured.from);
  for (let index = 0; index < producers; index++) {
    const share = idShare(measured, producers, index);
    const report = reports.find((candidate) => candidate.producer === index);
    if (report) accepted.set(report.accepted, share.from - measured.from);
    else accepted.fill(1, share.from - measured.from, share.to - measured.from);
  }
  const onCoordinator = reports.map((report) => producerOnCoordinatorClock(report, placement.producers[report.producer]!.agent));
  return {
    accepted,
    startNs: Math.min(...onCoordinator.map((report) => report.startNs)),
    endNs: Math.max(...onCoordinator.map((report) => report.endNs)),
    senderLags: reports.flatMap((report) => (report.senderLag ? [report.senderLag] : [])),
  };
}
