/**
 * Entry point of a broadcast server process: starts the architecture's server on a free loopback port and, on
 * the publisher process, publishes at a fixed rate on command (the publisher lives in a server, as an app server
 * that received a request would emit).
 */
import { errorMessage } from '../errors.ts';
import { rate } from '../load/rate.ts';
import { encodeHistogram } from '../measure/histogram.ts';
import { loadDefinition } from '../registry.ts';
import { disconnectWhenSent, sendToCoordinator } from '../worker/ipc.ts';
import type { Producer } from '../transports/types.ts';
import type { PublishCommand, ServerCommand, ServerMessage, ServerSpec } from './protocol.ts';
import type { BroadcastArchitecture, BroadcastServer } from './types.ts';

const send = (message: ServerMessage) => sendToCoordinator(message);
const controller = new AbortController();
let server: BroadcastServer | undefined;

async function start(spec: ServerSpec): Promise<void> {
  const architecture = await loadDefinition<BroadcastArchitecture>(spec.architectureModule);
  server = await architecture.startServer({ urls: spec.urls, channel: spec.channel, config: spec.config });
  send({ type: 'ready', url: server.url });
}

async function publish(target: BroadcastServer, command: PublishCommand): Promise<void> {
  // A publish is a synchronous emit: as a Producer it is accepted at once.
  const producer: Producer = {
    send: async (envelope) => target.publish(`r${envelope.id % command.rooms}`, envelope),
    sendBatch: async (envelopes) => envelopes.forEach((envelope) => target.publish(`r${envelope.id % command.rooms}`, envelope)),
    close: async () => {},
  };
  let published = 0;
  const outcome = await rate({ perSec: command.perSec }).run({
    producer,
    from: command.from,
    to: command.to,
    payload: 'x'.repeat(command.payloadBytes),
    accepted: () => published++,
    signal: controller.signal,
  });
  if (outcome.firstSendError) throw new Error(outcome.firstSendError);
  send({ type: 'published', report: { published, startNs: outcome.startNs, endNs: outcome.endNs, senderLag: encodeHistogram(outcome.senderLag!) } });
}

function fail(error: unknown): void {
  send({ type: 'failed', error: errorMessage(error) });
  process.exitCode = 1;
  disconnectWhenSent();
}

process.on('disconnect', () => {
  controller.abort();
  void Promise.race([server?.close(), new Promise((resolve) => setTimeout(resolve, 2_000))]).finally(() => process.exit());
});
process.on('message', (message: ServerCommand) => {
  if (message.type === 'start') start(message.spec).catch(fail);
  else if (server) publish(server, message.command).catch(fail);
});
