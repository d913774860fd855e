/**
 * An http-e2e architecture: a real process topology serving `POST /send-message` and delivering each accepted
 * message to the WebSocket (socket.io) clients of its room. The harness drives HTTP, holds the clients and does
 * all measuring; an architecture only serves.
 */
import type { z } from 'zod';
import type { PluginContext, PluginDefinition } from '../plugins/registry.ts';
import type { ServiceKind } from '../services/types.ts';

export type ProcessRole = 'api' | 'socket';

export interface RunningProcess {
  /** Where HTTP requests (api) or WebSocket clients (socket, and api when it serves clients) connect. */
  readonly url: string;
  close(): Promise<void>;
}

export interface ArchitectureContext<Config> extends PluginContext<Config> {
  /** Unique per sample: names tables, queues and Redis channels. */
  readonly channel: string;
  /** Index among processes of the same role. */
  readonly index: number;
}

export interface HttpArchitecture<Schema extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>> extends PluginDefinition<Schema> {
  services(config: z.output<Schema>): readonly ServiceKind[];
  /** The hops a message takes from the HTTP request to a client, named in results. */
  hops(config: z.output<Schema>): readonly string[];
  /** True: clients connect to separate `socket` processes (--socket-servers of them); false: to the api process. */
  readonly socketProcesses: boolean;
  /** Coordinator, before each sample: create tables and queues. */
  setup(context: Omit<ArchitectureContext<z.output<Schema>>, 'index'>): Promise<void>;
  teardown(context: Omit<ArchitectureContext<z.output<Schema>>, 'index'>): Promise<void>;
  /** In a forked process: start one process of the topology on a free 127.0.0.1 port. */
  start(role: ProcessRole, context: ArchitectureContext<z.output<Schema>>): Promise<RunningProcess>;
}

/** Typed helper, like vitest's defineConfig. */
export function defineHttpArchitecture<Schema extends z.ZodType<Record<string, unknown>>>(architecture: HttpArchitecture<Schema>): HttpArchitecture<Schema> {
  return architecture;
}
