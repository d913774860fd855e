import { broadcastKind } from '../harness/runners/broadcast.ts';
import { defineScenario } from '../harness/engine/scenario.ts';
import { CAPACITY_DEFAULTS } from '../harness/engine/options.ts';

/** The seeds' chat delivery path: one published message to every WebSocket client in a room. */
export default defineScenario(broadcastKind, {
  name: 'broadcast',
  description: 'a publisher emits to rooms of WebSocket clients through each fan-out architecture',
  about:
    'Real WebSocket clients in separate client processes join R rooms (K each); the publisher, inside server 0, emits ' +
    'N messages at a fixed rate, message i to room i mod R. Latency: intended publish time → received by a client, per ' +
    'delivery; throughput: deliveries / (first publish → last receipt). Every delivery (message × member) is accounted ' +
    'for. Redis paths also count Redis commands per message (INFO commandstats before/after).',
  defaults: {
    architectures: ['ws-direct', 'socketio', 'socketio-redis'],
    servers: [2],
    rooms: 10,
    clientsPerRoom: [10, 50],
    clientProcesses: 2,
    rate: [200, 1000],
    messages: 1_000,
    warmup: 100,
    payload: 100,
    repeat: 3,
    ...CAPACITY_DEFAULTS,
    capacityStart: 100,
    timeout: 30,
  },
  settings: undefined,
});
