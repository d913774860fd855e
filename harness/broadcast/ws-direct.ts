/**
 * The plainest fan-out: one Node process with a `ws` server; room membership is a Map of Sets in memory and a
 * publish serialises the message once and writes it to each member's socket.
 */
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import type { Envelope } from '../transports/types.ts';
import { listenOnLoopback } from '../host/net.ts';
import { defineArchitecture } from './types.ts';

export default defineArchitecture({
  name: 'ws-direct',
  packages: ['ws'],
  description: 'one process, ws server, in-process rooms and send loop',
  services: [],
  multiServer: false,
  config: z.object({ perMessageDeflate: z.boolean().default(false) }).strict(),
  presets: { default: {} },
  async startServer({ config }) {
    const rooms = new Map<string, Set<WebSocket>>();
    const server = new WebSocketServer({ noServer: true, perMessageDeflate: config.perMessageDeflate });
    const http = await listenOnLoopback({ onUpgrade: (request, socket, head) => server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request)) });
    server.on('connection', (ws) => {
      ws.once('message', (data) => {
        const room = JSON.parse(String(data)).join as string;
        const members = rooms.get(room) ?? new Set<WebSocket>();
        rooms.set(room, members.add(ws));
        ws.once('close', () => members.delete(ws));
        ws.send('joined');
      });
    });
    return {
      url: `ws://127.0.0.1:${http.port}`,
      publish(room, envelope) {
        const data = JSON.stringify(envelope);
        for (const member of rooms.get(room) ?? []) member.send(data);
      },
      async close() {
        for (const client of server.clients) client.terminate();
        server.close();
        await http.close();
      },
    };
  },
  connect({ url, room, config, onMessage, onClose }) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: config.perMessageDeflate });
      let joined = false;
      let closing = false;
      ws.once('open', () => ws.send(JSON.stringify({ join: room })));
      ws.on('message', (data) => {
        if (!joined) {
          joined = true;
          return resolve({ close: () => ((closing = true), ws.close()) });
        }
        onMessage(JSON.parse(String(data)) as Envelope);
      });
      ws.once('error', (error) => (joined ? undefined : reject(error)));
      ws.once('close', (code) => {
        if (!joined) reject(new Error(`closed (${code}) before joining`));
        else if (!closing) onClose(`closed by the server (${code})`);
      });
    });
  },
});
