import { defineHttpE2eScenario } from '../harness/runners/http-e2e.ts';

/** The seeds' architectures end to end: HTTP POST → … → every WebSocket client of the room. */
export default defineHttpE2eScenario({
  name: 'http-e2e',
  description: 'POST /send-message through each architecture to the WebSocket clients of the room',
  measures:
    'autocannon posts messages (fixed rate, or as fast as --connections allow) with an id and a send timestamp in the ' +
    'body; socket.io clients in separate processes, R rooms × K each, record send → received for every delivery. ' +
    'HTTP latency from autocannon; every delivery of every 2xx request accounted for; Redis commands per message ' +
    '(INFO commandstats) on paths through Redis; hops named per architecture.',
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
    timeout: 30,
  },
});
