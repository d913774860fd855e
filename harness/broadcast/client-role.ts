/**
 * The broadcast client role: opens its share of the WebSocket connections, each joined to one room, and per
 * connection counts deliveries of each id of its room (one byte per id); the receive time minus the publish time
 * goes into one histogram. Hot path: a clock read, a byte increment, a histogram record.
 */
import { nowNs } from '../measure/clock.ts';
import { createHistogram, encodeHistogram } from '../measure/histogram.ts';
import { loadDefinition } from '../plugins/registry.ts';
import { defineRole } from '../roles/role.ts';
import type { Envelope } from '../transports/types.ts';
import type { ClientProgress, ClientReport, ClientSpec, ConnectionReport } from './protocol.ts';
import type { BroadcastArchitecture, BroadcastConnection } from './types.ts';

/** Connections opened at once: enough to be quick, few enough not to look like a connection flood. */
const CONNECT_PARALLELISM = 20;

interface ConnectionState {
  readonly room: number;
  counts: Uint8Array;
  closed?: string;
}

export default defineRole({
  async start(spec: ClientSpec) {
    const architecture = await loadDefinition<BroadcastArchitecture>(spec.architectureModule);
    const histogram = createHistogram();
    // Counters grow with the highest id seen: a run that lasts a duration has no id count known in advance.
    const states = spec.connections.map((connection): ConnectionState => ({ room: connection.room, counts: new Uint8Array(1024) }));
    let warmupDistinct = 0;
    let measuredDistinct = 0;
    let unexpected = 0;
    let firstReceiveNs = 0;
    let lastReceiveNs = 0;
    const receiver = (state: ConnectionState) => (envelope: Envelope) => {
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
        firstReceiveNs ||= now;
        lastReceiveNs = now;
      }
    };
    const open: BroadcastConnection[] = [];
    for (let index = 0; index < states.length; index += CONNECT_PARALLELISM) {
      const batch = states.slice(index, index + CONNECT_PARALLELISM);
      const connect = (state: ConnectionState, offset: number) =>
        architecture.connect({ url: spec.connections[index + offset]!.url, room: `r${state.room}`, config: spec.config, onMessage: receiver(state), onClose: (reason) => (state.closed ??= reason) });
      open.push(...(await Promise.all(batch.map(connect))));
    }
    return {
      ready: {},
      progress: (): ClientProgress => ({ warmup: warmupDistinct, measured: measuredDistinct, closed: states.flatMap((state, index) => (state.closed ? [index] : [])) }),
      async finish(): Promise<ClientReport> {
        open.forEach((connection) => connection.close());
        const connections: ConnectionReport[] = states.map(({ room, counts, closed }) => ({ room, counts, closed }));
        return { histogram: encodeHistogram(histogram), connections, unexpected, firstReceiveNs, lastReceiveNs };
      },
    };
  },
});
