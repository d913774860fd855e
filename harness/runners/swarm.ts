/**
 * The swarm placement of a transport point on agents: each agent runs a producer and its share of the consumers on
 * a queue of its own, so that every message is sent and received on one host and its latency needs no shared clock
 * (measured at the origin). The load is split by share: agent k sends the k-th slice of the ids, at 1/K of the
 * rate. Times the coordinator compares across agents (completions, first and last job) are moved onto its own clock
 * with each agent's estimated offset; the results say so, with the uncertainty.
 */
import type { Agent } from '../agent/client.ts';
import type { LoadSpec } from '../load/types.ts';
import type { ConsumerReport } from '../roles/consumer.ts';
import type { ProducerReport } from '../roles/producer.ts';
import type { TransportRef } from '../transports/load.ts';
import { slices } from './transport-roles.ts';

export interface Swarm {
  readonly agents: readonly Agent[];
  /** One queue per agent. */
  readonly refs: readonly TransportRef[];
  /** The agent (index) a worker runs on: round robin. */
  agentOf(worker: number): number;
}

export function swarm(agents: readonly Agent[], ref: TransportRef): Swarm {
  return { agents, refs: agents.map((_, index) => ({ ...ref, queue: `${ref.queue}_a${index}` })), agentOf: (worker) => worker % agents.length };
}

/** Agent k's share of the load: the same model, at 1/K of an open loop's rate. */
export function loadShare(spec: LoadSpec, agents: number): LoadSpec {
  return spec.model === 'open' ? { ...spec, perSec: spec.perSec / agents } : spec;
}

/** The k-th of `agents` contiguous slices of [from, to). */
export const idShare = (range: { from: number; to: number }, agents: number, index: number) => slices(range.from, range.to, agents)[index]!;

const offsetOf = (agent: Agent) => agent.clock?.offsetNs ?? 0;

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
export function mergedProducer(reports: readonly ProducerReport[], measured: { from: number; to: number }, agents: readonly Agent[]) {
  const accepted = new Uint8Array(measured.to - measured.from);
  agents.forEach((_, index) => {
    const share = idShare(measured, agents.length, index);
    const report = reports.find((candidate) => candidate.producer === index);
    if (report) accepted.set(report.accepted, share.from - measured.from);
    else accepted.fill(1, share.from - measured.from, share.to - measured.from);
  });
  const onCoordinator = reports.map((report) => ({ report, offset: offsetOf(agents[report.producer]!) }));
  return {
    accepted,
    startNs: Math.min(...onCoordinator.map(({ report, offset }) => report.startNs - offset)),
    endNs: Math.max(...onCoordinator.map(({ report, offset }) => report.endNs - offset)),
    senderLags: reports.flatMap((report) => (report.senderLag ? [report.senderLag] : [])),
  };
}
