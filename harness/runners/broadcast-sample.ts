/**
 * One broadcast sample: S server processes, client processes holding rooms × K WebSocket connections, a publisher
 * in server 0 emitting with the point's load, message i to room i mod rooms. Every delivery (message × member) is
 * accounted for: delivered once, duplicated, or lost. A connection or client process that dies stops being waited
 * for; its missing deliveries are counted as lost.
 */
import { fleetSample, startClientFleet, type ClientFleet } from '../broadcast/client-fleet.ts';
import type { PublishCommand, PublishReport, ServerSpec } from '../broadcast/protocol.ts';
import type { ArchitectureChoice } from '../broadcast/registry.ts';
import type { BroadcastArchitecture } from '../broadcast/types.ts';
import type { PlanBase, RoomsPlan } from './plan.ts';
import { deliveredPerSec } from '../measure/stats.ts';
import { startGroup, type RoleGroup } from '../roles/group.ts';
import { redisMetrics, type SampleContext, type SamplePhases } from '../engine/sample.ts';
import { serviceResourceTargets } from '../services/provision.ts';
import { waitUntil, within } from '../host/wait.ts';

export interface BroadcastPlan extends PlanBase<BroadcastArchitecture>, RoomsPlan {
  readonly choice: ArchitectureChoice;
  readonly servers: number;
  readonly messages: number;
}

const READY_TIMEOUT_MS = 60_000;
const REPORT_TIMEOUT_MS = 20_000;

interface Roles {
  readonly servers: RoleGroup<{ url: string }, never, PublishCommand, unknown>;
  readonly clients: ClientFleet;
}

/** The first id ≥ `from` that goes to `room` (message i goes to room i mod rooms). */
function firstIdForRoom(from: number, rooms: number, room: number): number {
  return from + ((room - (from % rooms) + rooms) % rooms);
}

/** How many of the ids [from, from + count) go to `room`. */
function idsForRoom(from: number, count: number, rooms: number, room: number): number {
  const first = firstIdForRoom(from, rooms, room);
  return first >= from + count ? 0 : Math.floor((from + count - 1 - first) / rooms) + 1;
}

export function broadcastPhases(plan: BroadcastPlan, { services, sampleId, signal }: SampleContext): SamplePhases<Roles, PublishReport> {
  const { definition, module } = plan.choice;
  const urls = Object.fromEntries(definition.services.map((kind) => [kind, services.get(kind).url]));
  const perSec = plan.load.params.perSec ?? 1;
  const publish = async (roles: Roles, from: number, to: number): Promise<PublishReport> => {
    const command: PublishCommand = { from, to, load: plan.load.spec, rooms: plan.rooms, payloadBytes: plan.payloadBytes };
    const report = await within(roles.servers.members[0]!.run(command), ((to - from) / perSec) * 1000 + plan.timeoutMs);
    if (!report) throw new Error(`the publisher did not finish within ${((to - from) / perSec + plan.timeoutMs / 1000).toFixed(0)}s`);
    return report as PublishReport;
  };
  const expected = (roles: Roles, published: number) => roles.clients.dueToLive((room) => idsForRoom(plan.warmup, published, plan.rooms, room));
  return {
    setup: async () => {},
    async start() {
      const spec: ServerSpec = { architectureModule: module, config: plan.config, urls, channel: sampleId };
      const servers = await startGroup<ServerSpec, { url: string }, never, PublishCommand, unknown>('broadcast-server', Array(plan.servers).fill(spec), {
        where: 'process',
        label: (index) => `server ${index}`,
        readyTimeoutMs: READY_TIMEOUT_MS,
        signal,
      });
      try {
        const urlOf = (connection: number) => servers.members[connection % plan.servers]!.ready()!.url;
        const clients = await startClientFleet({ architectureModule: module, config: plan.config, urlOf, rooms: plan.rooms, clientsPerRoom: plan.clientsPerRoom, clientProcesses: plan.clientProcesses, warmup: plan.warmup }, READY_TIMEOUT_MS, signal);
        return { servers, clients };
      } catch (error) {
        await servers.kill();
        throw error;
      }
    },
    async warmup(roles, errors) {
      if (plan.warmup === 0) return;
      await publish(roles, 0, plan.warmup);
      const due = plan.warmup * plan.clientsPerRoom;
      const arrived = () => roles.clients.delivered('warmup') >= due || roles.clients.failure() !== undefined;
      if (!(await waitUntil(arrived, Date.now() + plan.timeoutMs, signal))) errors.push(`warmup: ${roles.clients.delivered('warmup')} of ${due} deliveries within ${plan.timeoutMs / 1000}s`);
    },
    resources: (roles) => [
      // Server 0 also runs the publisher: its CPU is the server's and the sender's at once.
      ...roles.servers.resourceTargets((index) => (index === 0 ? 'server 0 + publisher' : `server ${index}`)).map((target) => ({ ...target, role: 'servers' as const })),
      ...roles.clients.resourceTargets,
      ...serviceResourceTargets(services, definition.services),
    ],
    redisUrl: urls.redis,
    load: (roles) => publish(roles, plan.warmup, plan.warmup + plan.messages),
    progress(roles, published) {
      const delivered = roles.clients.delivered('measured');
      const owed = published ? expected(roles, published.published) : plan.messages * plan.clientsPerRoom;
      return { delivered, expected: owed, settled: published !== undefined && delivered >= owed };
    },
    timeoutMs: plan.timeoutMs,
    async account(roles, published, measured, errors) {
      const outcome = await roles.clients.finish(function* (room) {
        for (let id = firstIdForRoom(plan.warmup, plan.rooms, room); id < plan.warmup + published.published; id += plan.rooms) yield id;
      }, REPORT_TIMEOUT_MS);
      const deliveries = fleetSample(outcome, published.startNs, published.senderLag, plan.timeoutMs, 'the last publish');
      return {
        ...deliveries,
        // Publishes delivered per second: each goes to the clients of one room.
        achievedPerSec: deliveredPerSec(outcome.counts.delivered / plan.clientsPerRoom, published.published / (plan.load.params.perSec ?? 1), outcome.firstReceiveNs, outcome.lastReceiveNs),
        resources: measured.resources,
        metrics: { connections: plan.rooms * plan.clientsPerRoom, messagesPublished: published.published, ...redisMetrics(measured, published.published, outcome.counts.delivered) },
        errors: [...errors, ...deliveries.errors, ...roles.servers.failures()],
      };
    },
    async stop(roles) {
      await Promise.all([roles.clients.kill(), roles.servers.finish(5_000)]);
    },
    teardown: async () => {},
  };
}
