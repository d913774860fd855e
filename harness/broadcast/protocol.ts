/** What the broadcast server and client roles take and report (the roles are in server-role.ts and client-role.ts). */
import type { LoadSpec } from '../load/types.ts';
import type { ServiceKind } from '../services/types.ts';

export interface ServerSpec {
  readonly architectureModule: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly urls: Readonly<Partial<Record<ServiceKind, string>>>;
  readonly channel: string;
}

/** Publish ids [from, to) with `load`, message i to room i mod rooms. */
export interface PublishCommand {
  readonly from: number;
  readonly to: number;
  readonly load: LoadSpec;
  readonly rooms: number;
  readonly payloadBytes: number;
}

export interface PublishReport {
  readonly published: number;
  readonly startNs: number;
  readonly endNs: number;
  /** Encoded histogram of how late each publish was against its schedule (open loop). */
  readonly senderLag?: string;
}

export interface ClientConnectionSpec {
  readonly url: string;
  readonly room: number;
}

export interface ClientSpec {
  readonly architectureModule: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly connections: readonly ClientConnectionSpec[];
  readonly rooms: number;
  /** Ids below `warmup` are warmup: counted, not measured. */
  readonly warmup: number;
}

export interface ConnectionReport {
  readonly room: number;
  /** Deliveries per id of this connection's room: slot s counts id s × rooms + room. */
  readonly counts: Uint8Array;
  /** Why the connection ended early, if it did. */
  readonly closed?: string;
}

export interface ClientReport {
  /** Encoded histogram, ns: publish (intended time) → received, measured ids. */
  readonly histogram: string;
  readonly connections: readonly ConnectionReport[];
  /** Deliveries of ids that belong to another room. */
  readonly unexpected: number;
  /** First and last receipt of a measured id (0: none). */
  readonly firstReceiveNs: number;
  readonly lastReceiveNs: number;
}

export interface ClientProgress {
  /** Distinct deliveries (id × connection) so far. */
  readonly warmup: number;
  readonly measured: number;
  /** Indexes (into the spec's connections) of connections that ended early. */
  readonly closed: readonly number[];
}
