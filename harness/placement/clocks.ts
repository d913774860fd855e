/**
 * The clocks of roles on agents: each agent's offset from the coordinator (Cristian's method, see agent/client.ts),
 * the one start instant of an open loop, and which clock a latency is on with how far it can be off.
 */
import type { Agent } from '../agent/client.ts';
import { errorMessage } from '../host/errors.ts';
import type { LoadSpec } from '../load/types.ts';
import { NS_PER_MS, nowNs } from '../measure/clock.ts';
import type { ProducerGo } from '../roles/producer.ts';
import type { LatencyClock } from '../results/types.ts';

/** The agent's clock minus the coordinator's, ns, as last estimated. */
export const offsetOf = (agent: Agent) => agent.clock?.offsetNs ?? 0;

/** Each agent's clock offset estimated afresh. */
const estimateClocks = async (agents: readonly Agent[]) => void (await Promise.all(agents.map((agent) => agent.estimateClock())));

/**
 * Offsets estimated before a sample, and after it which clock its latency is on. Latency measured where it started
 * (swarm, enqueue) is on one clock: `origin`. Across hosts (split, `crossHosts`) the offsets are estimated again after
 * the sample and the latency is right to within the wider of the two estimates' bounds for a producer–consumer pair
 * (the sum of both agents' half round trips), plus how far that pair's offset moved during the sample. When the
 * second estimate fails (an agent died), the first one's bound is stated, with the error.
 */
export function clockWatch(crossHosts: boolean, agents: readonly Agent[], producer: Agent, consumers: readonly Agent[]) {
  const pairs = () =>
    consumers.map((consumer) => ({ aheadNs: offsetOf(producer) - offsetOf(consumer), boundNs: producer.clock!.uncertaintyNs + consumer.clock!.uncertaintyNs }));
  let before: ReturnType<typeof pairs> = [];
  const stated = (uncertaintyNs: number): LatencyClock => ({ method: 'cristian', uncertaintyMs: Math.round((uncertaintyNs / NS_PER_MS) * 1000) / 1000 });
  return {
    async before(): Promise<void> {
      // Every placement starts from fresh offsets: the shared start and the throughput window use them.
      await estimateClocks(agents);
      before = crossHosts ? pairs() : [];
    },
    async after(errors: string[]): Promise<LatencyClock> {
      if (!crossHosts) return { method: 'origin' };
      try {
        await estimateClocks(agents);
        const after = pairs();
        return stated(Math.max(...before.map((pair, worker) => Math.max(pair.boundNs, after[worker]!.boundNs) + Math.abs(after[worker]!.aheadNs - pair.aheadNs))));
      } catch (error) {
        errors.push(`the agents' clocks could not be estimated again after the sample (${errorMessage(error)}): the latency's uncertainty is the estimate before it, drift not included`);
        return stated(Math.max(...before.map((pair) => pair.boundNs)));
      }
    },
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
