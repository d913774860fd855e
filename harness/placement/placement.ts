/**
 * Where a point's roles run, which queue each uses, each producer's share of the ids and the rate, and on which clock
 * its figures are: one object per sample, built from the plan and the connected agents. Every kind that sends through
 * a transport asks it (process, enqueue, and the capacity steps of both); none decides placement itself.
 *
 * - local: every role on this host, on the point's one queue; one clock.
 * - swarm: agent k mod K runs producer k and worker w ≡ k (mod K), each agent on a queue of its own (a kind that
 *   consumes nothing keeps the point's one queue). A message is sent and received on one host: its latency is
 *   measured at the origin.
 * - split: agent 0 runs the producer, the other agents the workers, on the point's one queue. A message crosses
 *   hosts: its send time is moved onto the consumer's clock by the two agents' estimated offsets (Cristian's method,
 *   estimated again before and after each sample), and its latency is right to within the stated uncertainty.
 *
 * Producer k sends the k-th slice of the ids, at 1/P of an open loop's rate; an open loop on agents starts every
 * producer's schedule at one instant. Times the coordinator compares across agents (first send, completions) are
 * moved onto its own clock with each agent's offset. An agent that dies is the harness's failure, not the system's:
 * the ids its roles held are of unknown fate (never lost), and the sample says it is incomplete.
 */
import { launcherOn, type Agent } from '../agent/client.ts';
import type { LoadSpec } from '../load/types.ts';
import type { ConsumerReport } from '../roles/consumer.ts';
import type { RoleLauncher } from '../roles/child.ts';
import type { ProducerGo, ProducerReport } from '../roles/producer.ts';
import type { LatencyClock } from '../results/types.ts';
import type { TransportRef } from '../transports/load.ts';
import type { SentRange } from '../measure/accounting.ts';
import { clockWatch, offsetOf, sharedStart } from './clocks.ts';

/** The placements a user chooses for a point on agents (`--placement`). */
export const AGENT_PLACEMENTS = ['swarm', 'split'] as const;
export type AgentPlacement = (typeof AGENT_PLACEMENTS)[number];
export type PlacementName = 'local' | AgentPlacement;

/** Where one role runs: here (no agent) or on an agent, and the queue it uses. */
export interface Site {
  readonly agent?: Agent;
  /** How the role starts there (undefined: here). */
  readonly launch?: RoleLauncher;
  readonly ref: TransportRef;
}

export interface ProducerSite extends Site {
  /** Its slice of a range of ids (its share of the warmup, of the measured ids). */
  share(range: IdRange): IdRange;
  /** Its share of the load: the same model, at 1/P of an open loop's rate. */
  load(spec: LoadSpec): LoadSpec;
}

export interface ConsumerSite extends Site {
  /** The instant its completions count from, on its own clock, and how far its producer's clock is ahead of it. */
  readonly clock: { readonly epochNs: number; readonly senderAheadNs?: number };
}

export interface IdRange {
  readonly from: number;
  readonly to: number;
}

/** What became of the ids an agent that died held: unknown fate, and the sample says why it is incomplete. */
export interface LostToAgents {
  /** True for an id that a dead agent's role may have held (call it for ids nobody reported delivered). */
  fateUnknown(id: number): boolean;
  /** One line per dead agent's share: empty when every agent answered to the end. */
  readonly incomplete: readonly string[];
}

export interface Placement {
  readonly name: PlacementName;
  /** Every queue the point uses (set up, asked what it holds, torn down): one per agent in swarm, else one. */
  readonly queues: readonly TransportRef[];
  readonly producers: readonly ProducerSite[];
  consumer(worker: number): ConsumerSite;
  /** The agents its roles run on, once each: their resources are sampled over the measured window. */
  readonly agents: readonly Agent[];
  /** Before the sample: every agent's clock offset estimated afresh (clocks of two hosts drift apart). */
  prepare(): Promise<void>;
  /** After the sample: which clock its latencies are on (undefined on one host), with the uncertainty in split. */
  latencyClock(errors: string[]): Promise<LatencyClock | undefined>;
  /** The `go` of each producer: one start instant for an open loop on agents, now otherwise. */
  gos(load: LoadSpec): ProducerGo[];
  /** Reports with their first send, last acceptance and job times on the coordinator's clock. */
  producerOnCoordinatorClock(report: ProducerReport): ProducerReport;
  consumerOnCoordinatorClock(report: ConsumerReport): ConsumerReport;
  /**
   * The queues some consumer can still take from: all of them, less those whose every consumer died with its agent
   * (what waits there can no longer arrive, and a sample does not wait for it).
   */
  servedQueues(): readonly TransportRef[];
  /**
   * Of the measured ids (`ranges`: producer k's, as it was given them), which an agent that died held: from who
   * reported (by producer and by worker).
   */
  lostToAgents(ranges: readonly IdRange[], reported: { readonly producers: readonly number[]; readonly workers: readonly number[] }): LostToAgents;
}

export interface PlacementOptions {
  readonly name: PlacementName;
  /** The agents the plan names, in its order ([] for local). */
  readonly agents: readonly Agent[];
  /** The point's queue. */
  readonly queue: TransportRef;
  /** Producer processes (default: one per agent in swarm, else one). */
  readonly producers?: number;
  readonly workers: number;
  /** The instant completions count from, on the coordinator's clock. */
  readonly epochNs: number;
  /** swarm: every agent on the point's one queue instead of a queue each (a kind that consumes nothing: enqueue). */
  readonly oneQueue?: boolean;
}

/** The k-th of `parts` contiguous slices of [from, to), of nearly equal size. */
export function idShare(range: IdRange, parts: number, index: number): IdRange {
  const size = (range.to - range.from) / parts;
  return { from: range.from + Math.round(index * size), to: range.from + Math.round((index + 1) * size) };
}

/** How many workers a placement needs at least: one per queue (swarm) or per consumer agent (split). */
export const minWorkers = (name: AgentPlacement, agents: number) => (name === 'swarm' ? agents : agents - 1);

/** Who runs where: producer k and worker w's agent (undefined: here) and the index of their queue. */
function assign(options: PlacementOptions): { producer: (k: number) => { agent?: Agent; queue: number }; consumer: (w: number) => { agent?: Agent; queue: number } } {
  const { agents } = options;
  if (options.name === 'local' || agents.length === 0) return { producer: () => ({ queue: 0 }), consumer: () => ({ queue: 0 }) };
  if (options.name === 'swarm') {
    const at = (index: number) => ({ agent: agents[index % agents.length]!, queue: options.oneQueue ? 0 : index % agents.length });
    return { producer: at, consumer: at };
  }
  const consumers = agents.slice(1);
  return { producer: () => ({ agent: agents[0]!, queue: 0 }), consumer: (worker) => ({ agent: consumers[worker % consumers.length]!, queue: 0 }) };
}

export function placeRoles(options: PlacementOptions): Placement {
  const { name, workers, epochNs } = options;
  const producerCount = options.producers ?? (name === 'swarm' ? options.agents.length : 1);
  const sites = assign(options);
  const queueCount = name === 'swarm' && !options.oneQueue ? options.agents.length : 1;
  const queues = queueCount === 1 ? [options.queue] : Array.from({ length: queueCount }, (_, index) => ({ ...options.queue, queue: `${options.queue.queue}_a${index}` }));
  const site = ({ agent, queue }: { agent?: Agent; queue: number }): Site => ({ ...(agent ? { agent, launch: launcherOn(agent) } : {}), ref: queues[queue]! });
  const producers = Array.from({ length: producerCount }, (_, index): ProducerSite => ({
    ...site(sites.producer(index)),
    share: (range) => idShare(range, producerCount, index),
    load: (spec) => (spec.model === 'open' ? { ...spec, perSec: spec.perSec / producerCount } : spec),
  }));
  // How far worker w's producer's clock is ahead of the worker's own (split: they are on different hosts).
  const senderAheadNs = (worker: number) => (name === 'split' ? offsetOf(producers[0]!.agent!) - offsetOf(sites.consumer(worker).agent!) : 0);
  const consumer = (worker: number): ConsumerSite => {
    const at = sites.consumer(worker);
    // Completions count from one instant, read on each consumer's own clock.
    return { ...site(at), clock: at.agent ? { epochNs: epochNs + offsetOf(at.agent), senderAheadNs: senderAheadNs(worker) } : { epochNs } };
  };
  const consumerAgents = Array.from({ length: workers }, (_, worker) => sites.consumer(worker).agent);
  const agents = [...new Set([...producers.map((item) => item.agent), ...consumerAgents])].filter((agent): agent is Agent => agent !== undefined);
  const onAgents = agents.length > 0;
  const watch = onAgents ? clockWatch(name === 'split', agents, producers[0]!.agent!, consumerAgents as Agent[]) : undefined;
  // A time on an agent's clock, on the coordinator's; 0 stays 0 (nothing happened, nothing to move).
  const onCoordinator = (ns: number, agent: Agent | undefined) => (agent && ns ? ns - offsetOf(agent) : ns);
  return {
    name,
    queues,
    producers,
    consumer,
    agents,
    prepare: async () => void (await watch?.before()),
    latencyClock: async (errors) => watch?.after(errors),
    gos: (load) => (onAgents ? sharedStart(load, producers.map((item) => item.agent!)) : []),
    producerOnCoordinatorClock(report) {
      const agent = producers[report.producer]?.agent;
      return { ...report, startNs: onCoordinator(report.startNs, agent), endNs: onCoordinator(report.endNs, agent) };
    },
    consumerOnCoordinatorClock(report) {
      const agent = sites.consumer(report.worker).agent;
      return { ...report, firstDoneNs: onCoordinator(report.firstDoneNs, agent), lastDoneNs: onCoordinator(report.lastDoneNs, agent) };
    },
    servedQueues() {
      const served = new Set(Array.from({ length: workers }, (_, worker) => sites.consumer(worker)).filter((at) => !at.agent?.gone).map((at) => at.queue));
      return workers === 0 ? queues : queues.filter((_, index) => served.has(index));
    },
    lostToAgents(ranges, reported) {
      const incomplete: string[] = [];
      const deadProducers = producers.flatMap((item, index) => (item.agent?.gone && !reported.producers.includes(index) ? [index] : []));
      const deadWorkers = Array.from({ length: workers }, (_, worker) => worker).filter((worker) => sites.consumer(worker).agent?.gone && !reported.workers.includes(worker));
      for (const index of deadProducers) {
        const range = ranges[index]!;
        incomplete.push(`${producers[index]!.agent!.gone}: producer ${index} never reported which of its ${range.to - range.from} ids the broker accepted; those not delivered are of unknown fate, not lost`);
      }
      for (const worker of deadWorkers) {
        incomplete.push(`${sites.consumer(worker).agent!.gone}: worker ${worker}'s deliveries died with it; ids of its queue nobody else delivered are of unknown fate, not lost`);
      }
      const queueOfDeadWorker = new Set(deadWorkers.map((worker) => sites.consumer(worker).queue));
      const producerOf = (id: number) => ranges.findIndex((range) => id >= range.from && id < range.to);
      return {
        incomplete,
        fateUnknown(id) {
          const index = producerOf(id);
          return deadProducers.includes(index) || queueOfDeadWorker.has(sites.producer(index).queue);
        },
      };
    },
  };
}

/**
 * The producers' reports over their measured ids (`ranges`: producer k's): which ids each had accepted, the first
 * measured send and the last acceptance on the coordinator's clock, the lags. A producer whose agent died has its ids
 * taken as accepted: those nobody delivered are of unknown fate (see lostToAgents). One that crashed here sent
 * nothing known.
 */
export function mergeProducers(placement: Placement, reports: readonly ProducerReport[], ranges: readonly IdRange[]) {
  const sent = placement.producers.map((site, index): SentRange => {
    const range = ranges[index]!;
    const report = reports.find((candidate) => candidate.producer === index);
    if (report) return { ...range, wasSent: (id) => report.accepted[id - range.from] === 1 };
    return { ...range, wasSent: () => site.agent?.gone !== undefined };
  });
  const onCoordinator = reports.map((report) => placement.producerOnCoordinatorClock(report));
  const encoded = (pick: (report: ProducerReport) => string | undefined) => reports.flatMap((report) => pick(report) ?? []);
  return {
    sent,
    // 0: no producer reported (nothing was sent that anyone knows of).
    startNs: onCoordinator.length ? Math.min(...onCoordinator.map((report) => report.startNs)) : 0,
    endNs: onCoordinator.length ? Math.max(...onCoordinator.map((report) => report.endNs)) : 0,
    senderLags: encoded((report) => report.senderLag),
    pacerLags: encoded((report) => report.pacerLag),
  };
}
