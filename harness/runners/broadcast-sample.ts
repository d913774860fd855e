/**
 * One broadcast sample: S server processes, P client processes holding rooms × K WebSocket connections, a
 * publisher in server 0 emitting at a fixed rate, message i to room i mod rooms. Every delivery (message ×
 * member) is accounted for: delivered once, duplicated, or lost. A connection or client process that dies stops
 * being waited for; its missing deliveries are counted as lost.
 */
import { fileURLToPath } from 'node:url';
import type { ArchitectureChoice } from '../broadcast/registry.ts';
import type { ClientCommand, ClientMessage, ClientReport, PublishCommand, PublishReport, ServerCommand, ServerMessage } from '../broadcast/protocol.ts';
import { NS_PER_S } from '../measure/clock.ts';
import { encodeHistogram, mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import { redisCommandCount } from '../measure/redis-commands.ts';
import { sampleResources } from '../measure/resources.ts';
import type { SampleContext, SampleResult } from '../scenario.ts';
import { serviceResourceTargets } from '../services/provision.ts';
import { waitUntil, within } from '../wait.ts';
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
const CLIENT_ENTRY = fileURLToPath(new URL('../broadcast/client-process.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const REPORT_TIMEOUT_MS = 20_000;

interface ServerMember {
  readonly child: Child<ServerCommand>;
  url?: string;
  published?: PublishReport;
  failure?: string;
}

interface ClientMember {
  readonly child: Child<ClientCommand>;
  /** Global connection indexes of this process's connections, in its spec's order. */
  readonly connections: readonly number[];
  ready: boolean;
  warmup: number;
  measured: number;
  closed: readonly number[];
  report?: ClientReport;
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

async function waitFor(what: string, condition: () => boolean, failure: () => string | undefined, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const done = await waitUntil(() => condition() || failure() !== undefined, Date.now() + timeoutMs, signal);
  const failed = failure();
  if (failed) throw new Error(failed);
  if (!done) throw new Error(signal.aborted ? 'interrupted' : `${what} within ${timeoutMs / 1000}s`);
}

export async function runBroadcastSample(plan: BroadcastPlan, { services, sampleId, signal, onProgress }: SampleContext): Promise<SampleResult> {
  const { definition, module } = plan.choice;
  const urls = Object.fromEntries(definition.services.map((kind) => [kind, services.get(kind).url]));
  const connectionCount = plan.rooms * plan.clientsPerRoom;
  const ids = plan.warmup + plan.messages;
  const errors: string[] = [];
  const children: Array<Pick<Child<unknown>, 'kill' | 'ended'>> = [];

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

    // Connection j: room j mod rooms, server j mod servers, client process j mod processes.
    const roomOf = (connection: number) => connection % plan.rooms;
    const clients = Array.from({ length: Math.min(plan.clientProcesses, connectionCount) }, (_, index): ClientMember => {
      const connections = Array.from({ length: connectionCount }, (_, connection) => connection).filter((connection) => connection % plan.clientProcesses === index);
      const member: ClientMember = {
        connections,
        ready: false,
        warmup: 0,
        measured: 0,
        closed: [],
        child: forkChild<ClientCommand, ClientMessage>(
          CLIENT_ENTRY,
          'client',
          (message) => {
            if (message.type === 'ready') member.ready = true;
            else if (message.type === 'progress') Object.assign(member, { warmup: message.warmup, measured: message.measured, closed: message.closed });
            else if (message.type === 'report') member.report = message.report;
            else member.failure = `client process ${index}: ${message.error}`;
          },
          (description) => {
            if (!member.report) member.failure ??= description;
          },
        ),
      };
      const spec = {
        architectureModule: module,
        config: plan.config,
        connections: connections.map((connection) => ({ url: servers[connection % plan.servers]!.url!, room: roomOf(connection) })),
        rooms: plan.rooms,
        warmup: plan.warmup,
        ids,
      };
      member.child.send({ type: 'start', spec });
      return member;
    });
    children.push(...clients.map((client) => client.child));
    const anyFailure = () => serverFailure() ?? clients.find((client) => client.failure)?.failure;
    await waitFor('clients not connected', () => clients.every((client) => client.ready), anyFailure, READY_TIMEOUT_MS + connectionCount * 50, signal);

    const publisher = servers[0]!;
    const publish = async (from: number, to: number) => {
      publisher.published = undefined;
      const command: PublishCommand = { from, to, perSec: plan.perSec, rooms: plan.rooms, payloadBytes: plan.payloadBytes };
      publisher.child.send({ type: 'publish', command });
      await waitFor('publisher did not finish', () => publisher.published !== undefined, serverFailure, ((to - from) / plan.perSec) * 1000 + plan.timeoutMs, signal);
      return publisher.published!;
    };
    const sum = (key: 'warmup' | 'measured') => clients.reduce((total, client) => total + client[key], 0);

    if (plan.warmup > 0) {
      await publish(0, plan.warmup);
      const warmupExpected = plan.warmup * plan.clientsPerRoom;
      if (!(await waitUntil(() => sum('warmup') >= warmupExpected || anyFailure() !== undefined, Date.now() + plan.timeoutMs, signal))) {
        errors.push(`warmup: ${sum('warmup')} of ${warmupExpected} deliveries within ${plan.timeoutMs / 1000}s`);
      }
    }

    const redisUrl = definition.services.includes('redis') ? urls.redis : undefined;
    const redisBefore = redisUrl ? await redisCommandCount(redisUrl) : 0;
    const sampler = sampleResources([
      // Server 0 also runs the publisher, whose open-loop schedule spins between sends that are due within 1 ms.
      ...servers.map((server, index) => ({ label: index === 0 ? 'server 0 + publisher' : `server ${index}`, pid: server.child.pid, tree: false })),
      ...clients.map((client, index) => ({ label: `clients ${index}`, pid: client.child.pid, tree: false })),
      ...serviceResourceTargets(services, definition.services),
    ]);
    const published = await publish(plan.warmup, ids);

    // Deliveries still to wait for: those of connections that are alive, in processes that are alive.
    const expectedFrom = (client: ClientMember) =>
      client.failure ? 0 : client.connections.filter((_, local) => !client.closed.includes(local)).reduce((total, connection) => total + idsForRoom(plan.warmup, published.published, plan.rooms, roomOf(connection)), 0);
    const expectedLive = () => clients.reduce((total, client) => total + expectedFrom(client), 0);
    const report = () => onProgress({ delivered: sum('measured'), expected: expectedLive() });
    await waitUntil(() => sum('measured') >= expectedLive(), Date.now() + plan.timeoutMs, signal, report);
    report();
    const redisAfter = redisUrl ? await redisCommandCount(redisUrl) : 0;
    const resources = sampler.stop();

    clients.forEach((client) => client.child.send({ type: 'finish' }));
    await waitUntil(() => clients.every((client) => client.report || client.failure), Date.now() + REPORT_TIMEOUT_MS, signal);

    let expected = 0;
    let delivered = 0;
    let lost = 0;
    let duplicates = 0;
    let unexpected = 0;
    const closedReasons = new Map<string, number>();
    for (const client of clients) {
      if (client.failure) errors.push(client.failure);
      client.connections.forEach((connection, local) => {
        const room = roomOf(connection);
        const due = idsForRoom(plan.warmup, published.published, plan.rooms, room);
        expected += due;
        const state = client.report?.connections[local];
        if (!state) {
          lost += due;
          return;
        }
        if (state.closed) closedReasons.set(state.closed, (closedReasons.get(state.closed) ?? 0) + 1);
        for (let id = firstIdForRoom(plan.warmup, plan.rooms, room); id < plan.warmup + published.published; id += plan.rooms) {
          const count = state.counts[(id - room) / plan.rooms]!;
          if (count === 0) lost++;
          else {
            delivered++;
            duplicates += count - 1;
          }
        }
      });
      unexpected += client.report?.unexpected ?? 0;
    }
    for (const [reason, count] of closedReasons) errors.push(`${count} connections closed mid-run (${reason}): their missing deliveries are counted as lost`);
    if (lost > 0) errors.push(`${lost} of ${expected} deliveries lost (not received within ${plan.timeoutMs / 1000}s of the last publish, or their connection died)`);
    if (unexpected > 0) errors.push(`${unexpected} deliveries of messages to another room`);

    const reports = clients.flatMap((client) => (client.report ? [client.report] : []));
    const histogram = mergeEncoded(reports.map((item) => item.histogram));
    const lastReceiveNs = Math.max(0, ...reports.map((item) => item.lastReceiveNs));
    const durationSec = lastReceiveNs > published.startNs ? (lastReceiveNs - published.startNs) / NS_PER_S : 0;
    const redisCommands = redisAfter - redisBefore;
    return {
      counts: { sent: expected, delivered, lost, duplicates, unexpected, lostSample: [] },
      throughputPerSec: durationSec > 0 ? delivered / durationSec : 0,
      durationSec,
      latencyMs: summarizeMs(histogram),
      histogram: encodeHistogram(histogram),
      senderLagMs: summarizeMs(mergeEncoded([published.senderLag])),
      resources,
      config: plan.config,
      metrics: {
        connections: connectionCount,
        messagesPublished: published.published,
        ...(redisUrl && published.published > 0
          ? { redisCommands, redisCommandsPerMessage: redisCommands / published.published, redisCommandsPerDelivery: delivered > 0 ? redisCommands / delivered : 0 }
          : {}),
      },
      errors,
    };
  } finally {
    children.forEach((child) => child.kill());
    await within(Promise.all(children.map((child) => child.ended)), 5_000);
  }
}
