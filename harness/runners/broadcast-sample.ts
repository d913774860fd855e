/**
 * One broadcast sample: S server processes, P client processes holding rooms × K WebSocket connections, a
 * publisher in server 0 emitting at a fixed rate, message i to room i mod rooms. Every delivery (message ×
 * member) is accounted for: delivered once, duplicated, or lost. A connection or client process that dies stops
 * being waited for; its missing deliveries are counted as lost.
 */
import { fileURLToPath } from 'node:url';
import type { ArchitectureChoice } from '../broadcast/registry.ts';
import { startClientFleet, type ClientFleet } from '../broadcast/client-fleet.ts';
import type { PublishCommand, PublishReport, ServerCommand, ServerMessage } from '../broadcast/protocol.ts';
import { NS_PER_S } from '../measure/clock.ts';
import { encodeHistogram, mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import { redisCommandCounts, redisCommandMetrics } from '../measure/redis-commands.ts';
import { sampleResources } from '../measure/resources.ts';
import type { SampleContext, SampleResult } from '../scenario.ts';
import { serviceResourceTargets } from '../services/provision.ts';
import { waitFor, waitUntil, within } from '../wait.ts';
import { forkChild, type Child } from '../worker/child.ts';

export interface BroadcastPlan {
  readonly choice: ArchitectureChoice;
  readonly config: Readonly<Record<string, unknown>>;
  readonly servers: number;
  readonly rooms: number;
  readonly clientsPerRoom: number;
  readonly clientProcesses: number;
  readonly perSec: number;
  readonly messages: number;
  readonly warmup: number;
  readonly payloadBytes: number;
  readonly timeoutMs: number;
}

const SERVER_ENTRY = fileURLToPath(new URL('../broadcast/server-process.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const REPORT_TIMEOUT_MS = 20_000;

interface ServerMember {
  readonly child: Child<ServerCommand>;
  url?: string;
  published?: PublishReport;
  failure?: string;
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

export async function runBroadcastSample(plan: BroadcastPlan, { services, sampleId, signal, onProgress }: SampleContext): Promise<SampleResult> {
  const { definition, module } = plan.choice;
  const urls = Object.fromEntries(definition.services.map((kind) => [kind, services.get(kind).url]));
  const connectionCount = plan.rooms * plan.clientsPerRoom;
  const ids = plan.warmup + plan.messages;
  const errors: string[] = [];
  const children: Array<Pick<Child<unknown>, 'kill' | 'ended'>> = [];
  let fleet: ClientFleet | undefined;

  const servers = Array.from({ length: plan.servers }, (_, index): ServerMember => {
    const member: ServerMember = {
      child: forkChild<ServerCommand, ServerMessage>(
        SERVER_ENTRY,
        'server',
        (message) => {
          if (message.type === 'ready') member.url = message.url;
          else if (message.type === 'published') member.published = message.report;
          else member.failure = `server ${index}: ${message.error}`;
        },
        (description) => (member.failure ??= description),
      ),
    };
    member.child.send({ type: 'start', spec: { architectureModule: module, config: plan.config, urls, channel: sampleId } });
    return member;
  });
  children.push(...servers.map((server) => server.child));
  const serverFailure = () => servers.find((server) => server.failure)?.failure;
  try {
    await waitFor('servers not ready', () => servers.every((server) => server.url), serverFailure, READY_TIMEOUT_MS, signal);

    const clients = await startClientFleet(
      {
        architectureModule: module,
        config: plan.config,
        urlOf: (connection) => servers[connection % plan.servers]!.url!,
        rooms: plan.rooms,
        clientsPerRoom: plan.clientsPerRoom,
        clientProcesses: plan.clientProcesses,
        warmup: plan.warmup,
      },
      READY_TIMEOUT_MS,
      signal,
    );
    fleet = clients;
    const anyFailure = () => serverFailure() ?? clients.failure();

    const publisher = servers[0]!;
    const publish = async (from: number, to: number) => {
      publisher.published = undefined;
      const command: PublishCommand = { from, to, perSec: plan.perSec, rooms: plan.rooms, payloadBytes: plan.payloadBytes };
      publisher.child.send({ type: 'publish', command });
      await waitFor('publisher did not finish', () => publisher.published !== undefined, serverFailure, ((to - from) / plan.perSec) * 1000 + plan.timeoutMs, signal);
      return publisher.published!;
    };

    if (plan.warmup > 0) {
      await publish(0, plan.warmup);
      const warmupExpected = plan.warmup * plan.clientsPerRoom;
      if (!(await waitUntil(() => clients.delivered('warmup') >= warmupExpected || anyFailure() !== undefined, Date.now() + plan.timeoutMs, signal))) {
        errors.push(`warmup: ${clients.delivered('warmup')} of ${warmupExpected} deliveries within ${plan.timeoutMs / 1000}s`);
      }
    }

    const redisUrl = definition.services.includes('redis') ? urls.redis : undefined;
    const redisBefore = redisUrl ? await redisCommandCounts(redisUrl) : undefined;
    const sampler = sampleResources([
      // Server 0 also runs the publisher, whose open-loop schedule spins between sends that are due within 1 ms.
      ...servers.map((server, index) => ({ label: index === 0 ? 'server 0 + publisher' : `server ${index}`, pid: server.child.pid, tree: false })),
      ...clients.pids.map((pid, index) => ({ label: `clients ${index}`, pid, tree: false })),
      ...serviceResourceTargets(services, definition.services),
    ]);
    const published = await publish(plan.warmup, ids);

    const dueForRoom = (room: number) => idsForRoom(plan.warmup, published.published, plan.rooms, room);
    const expectedLive = () => clients.dueToLive(dueForRoom);
    const report = () => onProgress({ delivered: clients.delivered('measured'), expected: expectedLive() });
    await waitUntil(() => clients.delivered('measured') >= expectedLive(), Date.now() + plan.timeoutMs, signal, report);
    report();
    const redisAfter = redisUrl ? await redisCommandCounts(redisUrl) : undefined;
    const resources = sampler.stop();

    const outcome = await clients.finish(function* (room) {
      for (let id = firstIdForRoom(plan.warmup, plan.rooms, room); id < plan.warmup + published.published; id += plan.rooms) yield id;
    }, REPORT_TIMEOUT_MS);
    const { counts, histogram, lastReceiveNs } = outcome;
    errors.push(...outcome.errors);
    if (counts.lost > 0) errors.push(`${counts.lost} of ${counts.sent} deliveries lost (not received within ${plan.timeoutMs / 1000}s of the last publish, or their connection died)`);
    const durationSec = lastReceiveNs > published.startNs ? (lastReceiveNs - published.startNs) / NS_PER_S : 0;
    return {
      counts,
      throughputPerSec: durationSec > 0 ? counts.delivered / durationSec : 0,
      durationSec,
      latencyMs: summarizeMs(histogram),
      histogram: encodeHistogram(histogram),
      senderLagMs: summarizeMs(mergeEncoded([published.senderLag])),
      resources,
      config: plan.config,
      metrics: {
        connections: connectionCount,
        messagesPublished: published.published,
        ...(redisBefore && redisAfter ? redisCommandMetrics(redisBefore, redisAfter, published.published, counts.delivered) : {}),
      },
      errors,
    };
  } finally {
    await fleet?.kill();
    children.forEach((child) => child.kill());
    await within(Promise.all(children.map((child) => child.ended)), 5_000);
  }
}
