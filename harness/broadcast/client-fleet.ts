/**
 * Coordinator side of the WebSocket clients of one sample: rooms × clients-per-room connections spread over
 * client processes (connection j joins room j mod rooms), their progress, and per-delivery accounting at the end.
 * Shared by every scenario that delivers to rooms (broadcast, http-e2e).
 */
import { fileURLToPath } from 'node:url';
import type { DeliveryCounts } from '../measure/accounting.ts';
import { mergeEncoded, type Histogram } from '../measure/histogram.ts';
import { waitUntil, within } from '../wait.ts';
import { forkChild, type Child } from '../worker/child.ts';
import type { ClientCommand, ClientMessage, ClientReport } from './protocol.ts';

const CLIENT_ENTRY = fileURLToPath(new URL('./client-process.ts', import.meta.url));

export interface FleetSpec {
  /** Module of the architecture whose `connect` the clients use. */
  readonly architectureModule: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** Where connection j connects. */
  readonly urlOf: (connection: number) => string;
  readonly rooms: number;
  readonly clientsPerRoom: number;
  readonly clientProcesses: number;
  /** Ids below this are warmup: counted, not measured. */
  readonly warmup: number;
}

export interface FleetOutcome {
  readonly counts: DeliveryCounts;
  readonly histogram: Histogram;
  readonly lastReceiveNs: number;
  readonly errors: readonly string[];
}

export interface ClientFleet {
  readonly pids: readonly number[];
  /** Distinct deliveries so far. */
  delivered(phase: 'warmup' | 'measured'): number;
  failure(): string | undefined;
  /** Deliveries still to wait for: those due to connections that are alive, in processes that are alive. */
  dueToLive(dueForRoom: (room: number) => number): number;
  /** Collects every report (a process that does not answer in time counts as dead), then accounts every delivery. */
  finish(dueIds: (room: number) => Iterable<number>, timeoutMs: number): Promise<FleetOutcome>;
  kill(): Promise<void>;
}

interface Member {
  readonly child: Child<ClientCommand>;
  readonly connections: readonly number[];
  ready: boolean;
  warmup: number;
  measured: number;
  closed: readonly number[];
  report?: ClientReport;
  failure?: string;
}

export async function startClientFleet(spec: FleetSpec, readyTimeoutMs: number, signal: AbortSignal): Promise<ClientFleet> {
  const connectionCount = spec.rooms * spec.clientsPerRoom;
  const roomOf = (connection: number) => connection % spec.rooms;
  const members = Array.from({ length: Math.min(spec.clientProcesses, connectionCount) }, (_, index): Member => {
    const connections = Array.from({ length: connectionCount }, (_, connection) => connection).filter((connection) => connection % spec.clientProcesses === index);
    const member: Member = {
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
    member.child.send({
      type: 'start',
      spec: {
        architectureModule: spec.architectureModule,
        config: spec.config,
        connections: connections.map((connection) => ({ url: spec.urlOf(connection), room: roomOf(connection) })),
        rooms: spec.rooms,
        warmup: spec.warmup,
      },
    });
    return member;
  });
  const kill = async () => {
    members.forEach((member) => member.child.kill());
    await within(Promise.all(members.map((member) => member.child.ended)), 5_000);
  };
  const failure = () => members.find((member) => member.failure)?.failure;
  const ready = await waitUntil(() => members.every((member) => member.ready) || failure() !== undefined, Date.now() + readyTimeoutMs + connectionCount * 50, signal);
  if (!ready || failure()) {
    await kill();
    throw new Error(failure() ?? (signal.aborted ? 'interrupted' : `clients not connected within ${readyTimeoutMs / 1000}s`));
  }
  return {
    pids: members.map((member) => member.child.pid),
    delivered: (phase) => members.reduce((total, member) => total + member[phase], 0),
    failure,
    dueToLive: (dueForRoom) =>
      members.reduce(
        (total, member) =>
          total + (member.failure ? 0 : member.connections.filter((_, local) => !member.closed.includes(local)).reduce((sum, connection) => sum + dueForRoom(roomOf(connection)), 0)),
        0,
      ),
    async finish(dueIds, timeoutMs) {
      members.forEach((member) => member.child.send({ type: 'finish' }));
      await waitUntil(() => members.every((member) => member.report || member.failure), Date.now() + timeoutMs, signal);
      await kill();
      const errors: string[] = [];
      const counts = { sent: 0, delivered: 0, lost: 0, duplicates: 0, unexpected: 0, lostSample: [] };
      const closedReasons = new Map<string, number>();
      for (const member of members) {
        if (member.failure) errors.push(member.failure);
        counts.unexpected += member.report?.unexpected ?? 0;
        member.connections.forEach((connection, local) => {
          const room = roomOf(connection);
          const state = member.report?.connections[local];
          if (state?.closed) closedReasons.set(state.closed, (closedReasons.get(state.closed) ?? 0) + 1);
          for (const id of dueIds(room)) {
            counts.sent++;
            const received = state?.counts[(id - room) / spec.rooms] ?? 0;
            if (received === 0) counts.lost++;
            else {
              counts.delivered++;
              counts.duplicates += received - 1;
            }
          }
        });
      }
      for (const [reason, count] of closedReasons) errors.push(`${count} connections closed mid-run (${reason}): their missing deliveries are counted as lost`);
      if (counts.unexpected > 0) errors.push(`${counts.unexpected} deliveries of messages to another room or of unknown ids`);
      const reports = members.flatMap((member) => (member.report ? [member.report] : []));
      return {
        counts,
        histogram: mergeEncoded(reports.map((report) => report.histogram)),
        lastReceiveNs: Math.max(0, ...reports.map((report) => report.lastReceiveNs)),
        errors,
      };
    },
    kill,
  };
}
