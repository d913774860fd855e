/** A server hopbench runs from this host's binary, as a StartedServer: one shape for Redis, Postgres and RabbitMQ. */
import { logTail, type ServerProcess } from '../../host/processes.ts';
import type { StartedServer } from '../types.ts';

export interface NativeServerOptions {
  readonly url: string;
  readonly details: StartedServer['details'];
  /** Its orderly shutdown: the signal and how long to wait for it (then SIGKILL). */
  readonly shutdown: { readonly signal: NodeJS.Signals; readonly graceMs: number };
  /** After the server has stopped for good: what else to stop, the temp dir to remove. */
  readonly cleanup: () => Promise<void> | void;
  readonly diagnostics?: (server: ServerProcess) => string;
  readonly exitedEarly?: (server: ServerProcess) => string | undefined;
}

/**
 * `spawn` starts the server process; a restart stops it (its orderly shutdown, or SIGKILL: a crash) and spawns it
 * again with the same arguments, so it answers at the same port with the same data.
 */
export function nativeServer(spawn: () => ServerProcess, options: NativeServerOptions): StartedServer {
  let server = spawn();
  return {
    url: options.url,
    // A getter: a restarted server has a new pid.
    get pids() {
      return [server.pid];
    },
    details: options.details,
    diagnostics: () => options.diagnostics?.(server) ?? logTail(server.logFile),
    exitedEarly: () => options.exitedEarly?.(server) ?? server.exitReason(),
    async restart(how) {
      await server.stop(how === 'kill' ? { signal: 'SIGKILL' } : options.shutdown);
      server = spawn();
    },
    async stop() {
      await server.stop(options.shutdown);
      await options.cleanup();
    },
  };
}
