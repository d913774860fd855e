/**
 * Entry point of a broadcast client process: opens its share of the WebSocket connections, each joined to one
 * room, and per connection counts deliveries of each id of its room (one byte per id); the receive time minus
 * the publish time goes into one histogram. Hot path: a clock read, a byte increment, a histogram record.
 */
import { errorMessage } from '../errors.ts';
import { nowNs } from '../measure/clock.ts';
import { createHistogram, encodeHistogram } from '../measure/histogram.ts';
import { loadDefinition } from '../registry.ts';
import { disconnectWhenSent, sendToCoordinator } from '../worker/ipc.ts';
import type { Envelope } from '../transports/types.ts';
import type { ClientCommand, ClientMessage, ClientSpec, ConnectionReport } from './protocol.ts';
import type { BroadcastArchitecture, BroadcastConnection } from './types.ts';

/** Connections opened at once: enough to be quick, few enough not to look like a connection flood. */
const CONNECT_PARALLELISM = 20;

const send = (message: ClientMessage) => sendToCoordinator(message);
let finish: (() => void) | undefined;

async function start(spec: ClientSpec): Promise<void> {
  const architecture = await loadDefinition<BroadcastArchitecture>(spec.architectureModule);
  const histogram = createHistogram();
  // Counters grow with the highest id seen: a run that lasts a duration has no id count known in advance.
  const states = spec.connections.map((connection) => ({ room: connection.room, counts: new Uint8Array(1024), closed: undefined as string | undefined }));
  let warmupDistinct = 0;
  let measuredDistinct = 0;
  let unexpected = 0;
  let lastReceiveNs = 0;
  const open: BroadcastConnection[] = [];

  const receiver = (state: (typeof states)[number]) => (envelope: Envelope) => {
    const now = nowNs();
    const { id } = envelope;
    if (!(Number.isInteger(id) && id >= 0) || id % spec.rooms !== state.room) {
      unexpected++;
      return;
    }
    const slot = (id - state.room) / spec.rooms;
    if (slot >= state.counts.length) {
      const grown = new Uint8Array(Math.max(slot + 1, state.counts.length * 2));
      grown.set(state.counts);
      state.counts = grown;
    }
    const seen = state.counts[slot]!;
    if (seen === 0) {
      if (id < spec.warmup) warmupDistinct++;
      else measuredDistinct++;
    }
    if (seen < 255) state.counts[slot] = seen + 1;
    if (id >= spec.warmup) {
      histogram.recordValue(Math.max(1, now - envelope.sentAtNs));
      lastReceiveNs = now;
    }
  };

  for (let index = 0; index < states.length; index += CONNECT_PARALLELISM) {
    const batch = states.slice(index, index + CONNECT_PARALLELISM);
    open.push(
      ...(await Promise.all(
        batch.map((state, offset) =>
          architecture.connect({
            url: spec.connections[index + offset]!.url,
            room: `r${state.room}`,
            config: spec.config,
            onMessage: receiver(state),
            onClose: (reason) => (state.closed ??= reason),
          }),
        ),
      )),
    );
  }
  const progress = () => ({
    warmup: warmupDistinct,
    measured: measuredDistinct,
    closed: states.flatMap((state, index) => (state.closed ? [index] : [])),
  });
  const timer = setInterval(() => send({ type: 'progress', ...progress() }), 200);
  finish = () => {
    clearInterval(timer);
    open.forEach((connection) => connection.close());
    const connections: ConnectionReport[] = states.map(({ room, counts, closed }) => ({ room, counts, closed }));
    send({ type: 'report', report: { histogram: encodeHistogram(histogram), connections, unexpected, lastReceiveNs } });
    disconnectWhenSent();
  };
  send({ type: 'ready' });
}

process.on('disconnect', () => process.exit());
process.on('message', (message: ClientCommand) => {
  if (message.type === 'start') {
    start(message.spec).catch((error: unknown) => {
      send({ type: 'failed', error: errorMessage(error) });
      process.exitCode = 1;
      disconnectWhenSent();
    });
  } else finish?.();
});
