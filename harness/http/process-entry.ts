/** Entry point of one forked process of an http-e2e topology: starts its role, reports its URL, stops on disconnect. */
import { errorMessage } from '../errors.ts';
import { loadDefinition } from '../registry.ts';
import { disconnectWhenSent, sendToCoordinator } from '../worker/ipc.ts';
import type { HttpArchitecture, ProcessRole, RunningProcess } from './types.ts';

export interface TopologyProcessSpec {
  readonly architectureModule: string;
  readonly role: ProcessRole;
  readonly index: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly urls: Readonly<Record<string, string>>;
  readonly channel: string;
}

export type TopologyMessage = { readonly type: 'ready'; readonly url: string } | { readonly type: 'failed'; readonly error: string };

let running: RunningProcess | undefined;

async function start(spec: TopologyProcessSpec): Promise<void> {
  const architecture = await loadDefinition<HttpArchitecture>(spec.architectureModule);
  running = await architecture.start(spec.role, { urls: spec.urls, channel: spec.channel, config: spec.config, index: spec.index });
  sendToCoordinator({ type: 'ready', url: running.url } satisfies TopologyMessage);
}

process.on('disconnect', () => {
  void Promise.race([running?.close(), new Promise((resolve) => setTimeout(resolve, 2_000))]).finally(() => process.exit());
});
process.on('message', (spec: TopologyProcessSpec) => {
  start(spec).catch((error: unknown) => {
    sendToCoordinator({ type: 'failed', error: errorMessage(error) } satisfies TopologyMessage);
    process.exitCode = 1;
    disconnectWhenSent();
  });
});
