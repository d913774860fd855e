/**
 * The broadcast boundary: an architecture knows how to run a WebSocket server that fans a message out to the
 * members of a room, and how a client joins a room. Load, timing and accounting live in the harness.
 */
import type { z } from 'zod';
import type { PluginDefinition } from '../plugins/registry.ts';
import type { ServiceKind } from '../services/types.ts';
import type { Envelope } from '../transports/types.ts';

export interface BroadcastServer {
  /** Where clients connect. */
  readonly url: string;
  /** Sends the envelope to every member of the room, on every server of the architecture. */
  publish(room: string, envelope: Envelope): void;
  close(): Promise<void>;
}

export interface BroadcastServerContext<Config> {
  readonly urls: Readonly<Partial<Record<ServiceKind, string>>>;
  /** Unique per sample: prefix for shared state (Redis channels), so samples never hear each other. */
  readonly channel: string;
  readonly config: Config;
}

export interface BroadcastClientContext<Config> {
  readonly url: string;
  readonly room: string;
  readonly config: Config;
  readonly onMessage: (envelope: Envelope) => void;
  /** The connection ended without close() being called. */
  readonly onClose: (reason: string) => void;
}

export interface BroadcastConnection {
  close(): void;
}

export interface BroadcastArchitecture<Schema extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>> extends PluginDefinition<Schema> {
  readonly services: readonly ServiceKind[];
  /** True: runs as S server processes sharing rooms (the --servers sweep); false: exactly one server process. */
  readonly multiServer: boolean;
  /** In a server process: listen on a free 127.0.0.1 port. */
  startServer(context: BroadcastServerContext<z.output<Schema>>): Promise<BroadcastServer>;
  /** In a client process: connect and join the room; resolves once the server has confirmed the join. */
  connect(context: BroadcastClientContext<z.output<Schema>>): Promise<BroadcastConnection>;
}

/** Typed helper, like vitest's defineConfig. */
export function defineArchitecture<Schema extends z.ZodType<Record<string, unknown>>>(architecture: BroadcastArchitecture<Schema>): BroadcastArchitecture<Schema> {
  return architecture;
}
