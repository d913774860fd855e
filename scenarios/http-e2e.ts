import { httpE2eKind } from '../harness/runners/http-e2e.ts';
import { defineScenario } from '../harness/engine/scenario.ts';
import { CAPACITY_DEFAULTS } from '../harness/engine/options.ts';

/** The seeds' architectures end to end: HTTP POST → … → every WebSocket client of the room. */
export default defineScenario(httpE2eKind, {
  name: 'http-e2e',
  description: 'POST /send-message through each architecture to the WebSocket clients of the room',
  about:
    'A load generator process posts messages open loop at a fixed rate (request i due at start + i/rate, stamped with ' +
    'that intended time) or closed loop with autocannon (--connections requests in flight), each with an id and its ' +
    'send time in the body; socket.io clients in separate processes, R rooms × K each, record send → received for ' +
    'every delivery. HTTP latency is recorded by hopbench (hrtime, ns); every delivery of every 2xx request is ' +
    'accounted for; Redis commands per message (INFO commandstats) on paths through Redis; hops named per architecture.',
  defaults: {
    architectures: ['queued', 'direct', 'inline'],
    rate: [200, 'max'],
    connections: 10,
    duration: 10,
    rooms: 10,
    clientsPerRoom: [10],
    clientProcesses: 2,
    socketServers: [2],
    payload: 100,
    warmup: 200,
    repeat: 3,
    ...CAPACITY_DEFAULTS,
    capacityStart: 100,
    timeout: 30,
  },
  settings: undefined,
});
