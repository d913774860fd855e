/**
 * Coordinator side of the WebSocket clients of one sample: rooms × clients-per-room connections spread over
 * client processes (connection j joins room j mod rooms), their progress, and per-delivery accounting at the end.
 * Shared by every scenario that delivers to rooms (broadcast, http-e2e).
 */
import type { DeliveryCounts } from '../measure/accounting.ts';
import { NS_PER_S } from '../measure/clock.ts';
import { encodeHistogram, mergeEncoded, summarizeMs, type Histogram } from '../measure/histogram.ts';
import type { ResourceTarget } from '../measure/resources.ts';
import type { Sample } from '../results/types.ts';
import { startGroup, type RoleGroup } from '../roles/group.ts';
import type { ClientProgress, ClientReport, ClientSpec } from './protocol.ts';

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
  /** First (Infinity: none) and last receipt of a measured id, over every client. */
  readonly firstReceiveNs: number;
  readonly lastReceiveNs: number;
  readonly errors: readonly string[];
}

export interface ClientFleet {
  readonly resourceTargets: readonly ResourceTarget[];
  /** Distinct deliveries so far. */
  delivered(phase: 'warmup' | 'measured'): number;
  failure(): string | undefined;
  /** Deliveries still to wait for: those due to connections that are alive, in processes that are alive. */
  dueToLive(dueForRoom: (room: number) => number): number;
  /** Collects every report (a process that does not answer in time counts as dead), then accounts every delivery. */
  finish(dueIds: (room: number) => Iterable<number>, timeoutMs: number): Promise<FleetOutcome>;
  kill(): Promise<void>;
}

/**
 * A rooms sample's delivery figures: every delivery accounted for, throughput from the start of the load to the last
 * receipt, latency per delivery. `after` says after what a delivery was due (`the last publish`).
 */
export function fleetSample(outcome: FleetOutcome, startNs: number, senderLag: string | undefined, timeoutMs: number, after: string): Omit<Sample, 'resources' | 'metrics'> {
  const { counts, histogram, lastReceiveNs } = outcome;
  const errors = [...outcome.errors];
  if (counts.lost > 0) errors.push(`${counts.lost} of ${counts.sent} deliveries lost (not received within ${timeoutMs / 1000}s of ${after}, or their connection died)`);
  const durationSec = lastReceiveNs > startNs ? (lastReceiveNs - startNs) / NS_PER_S : 0;
  return {
    counts,
    throughputPerSec: durationSec > 0 ? counts.delivered / durationSec : 0,
    durationSec,
    latencyMs: summarizeMs(histogram),
    histogram: encodeHistogram(histogram),
    senderLagMs: senderLag ? summarizeMs(mergeEncoded([senderLag])) : undefined,
    errors,
  };
}

/** Connections a client process holds, indexes into the fleet's connections. */
const connectionsOf = (spec: FleetSpec, process: number) =>
  Array.from({ length: spec.rooms * spec.clientsPerRoom }, (_, connection) => connection).filter((connection) => connection % spec.clientProcesses === process);

export async function startClientFleet(spec: FleetSpec, readyTimeoutMs: number, signal: AbortSignal): Promise<ClientFleet> {
  const roomOf = (connection: number) => connection % spec.rooms;
  const processes = Math.min(spec.clientProcesses, spec.rooms * spec.clientsPerRoom);
  const shares = Array.from({ length: processes }, (_, index) => connectionsOf(spec, index));
  const group: RoleGroup<unknown, ClientProgress, never, ClientReport> = await startGroup(
    'broadcast-client',
    shares.map((connections): ClientSpec => ({
      architectureModule: spec.architectureModule,
      config: spec.config,
      connections: connections.map((connection) => ({ url: spec.urlOf(connection), room: roomOf(connection) })),
      rooms: spec.rooms,
      warmup: spec.warmup,
    })),
    { where: 'process', label: (index) => `client process ${index}`, readyTimeoutMs: readyTimeoutMs + shares.flat().length * 50, signal },
  );
  const progressOf = (index: number) => group.members[index]!.progress();
  return {
    resourceTargets: group.resourceTargets((index) => `clients ${index}`).map((target) => ({ ...target, role: 'harness' as const, harness: 'clients' as const })),
    delivered: (phase) => group.progress().reduce((total, progress) => total + progress[phase], 0),
    failure: () => group.failures()[0],
    dueToLive: (dueForRoom) =>
      shares.reduce((total, connections, index) => {
        if (group.members[index]!.failure()) return total;
        const closed = progressOf(index)?.closed ?? [];
        return total + connections.filter((_, local) => !closed.includes(local)).reduce((sum, connection) => sum + dueForRoom(roomOf(connection)), 0);
      }, 0),
    async finish(dueIds, timeoutMs) {
      await group.finish(timeoutMs);
      const errors = group.failures();
      const counts = { sent: 0, delivered: 0, lost: 0, undelivered: 0, duplicates: 0, unexpected: 0, notDeliveredSample: [] };
      const closedReasons = new Map<string, number>();
      shares.forEach((connections, index) => {
        const report = group.members[index]!.report();
        counts.unexpected += report?.unexpected ?? 0;
        connections.forEach((connection, local) => {
          const room = roomOf(connection);
          const state = report?.connections[local];
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
      });
      for (const [reason, count] of closedReasons) errors.push(`${count} connections closed mid-run (${reason}): their missing deliveries are counted as lost`);
      if (counts.unexpected > 0) errors.push(`${counts.unexpected} deliveries of messages to another room or of unknown ids`);
      const reports = group.members.flatMap((member) => member.report() ?? []);
      return {
        counts,
        histogram: mergeEncoded(reports.map((report) => report.histogram)),
        firstReceiveNs: Math.min(...reports.map((report) => report.firstReceiveNs || Infinity)),
        lastReceiveNs: Math.max(0, ...reports.map((report) => report.lastReceiveNs)),
        errors,
      };
    },
    kill: () => group.kill(),
  };
}
