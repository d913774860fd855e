/** `agent --listen <host:port> [--token t] [--orphan-after s]`: serve roles to coordinators until Ctrl-C (see agent/server.ts). */
import { startAgent } from '../agent/server.ts';
import { TOKEN_ENV } from '../agent/wire.ts';
import { UsageError } from '../host/errors.ts';
import { deferCleanup, shutdownSignal } from '../host/lifecycle.ts';

export interface AgentCommandOptions {
  readonly listen: string;
  readonly token?: string;
  /** Seconds without a coordinator asking about a role before it is stopped as orphaned. */
  readonly orphanAfter: string;
}

function parseListen(text: string): { host: string; port: number } {
  const match = /^(\[[0-9a-f:]+\]|[^:]+):(\d+)$/i.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || !(port >= 0 && port < 65_536)) throw new UsageError(`invalid --listen "${text}": use host:port, e.g. 127.0.0.1:7400 or 10.0.0.5:7400 (0 picks a free port)`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

export async function agentCommand(options: AgentCommandOptions): Promise<void> {
  const { host, port } = parseListen(options.listen);
  const token = options.token ?? process.env[TOKEN_ENV];
  if (!token || token.length < 16) throw new UsageError(`the agent needs a bearer token of at least 16 characters: --token or ${TOKEN_ENV} (e.g. openssl rand -hex 16)`);
  const orphanAfter = Number(options.orphanAfter);
  if (!Number.isInteger(orphanAfter) || orphanAfter < 1 || orphanAfter > 86_400) throw new UsageError(`invalid --orphan-after "${options.orphanAfter}": a whole number of seconds from 1 to 86400`);
  let agent;
  try {
    agent = await startAgent({ host, port, token, orphanMs: orphanAfter * 1000 });
  } catch (error) {
    throw new UsageError(`cannot listen on ${options.listen} (${(error as NodeJS.ErrnoException).code ?? error}): choose an address of this host and a free port`);
  }
  deferCleanup('agent', () => agent.close());
  process.stdout.write(`hopbench agent listening on ${agent.url} (Ctrl-C stops it and every role it runs)\n`);
  await new Promise<void>((resolve) => shutdownSignal.addEventListener('abort', () => resolve(), { once: true }));
}
