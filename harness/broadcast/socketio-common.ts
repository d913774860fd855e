/**
 * socket.io server and client as both socket.io architectures use them: WebSocket transport only (no long-polling
 * upgrade dance), a `join` event acknowledged once the socket is in the room, messages as the `m` event.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server, type ServerOptions } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import type { Envelope } from '../transports/types.ts';
import { listenOnLoopback, type LoopbackServer } from '../host/net.ts';
import type { BroadcastClientContext, BroadcastConnection, BroadcastServer } from './types.ts';

/** Knobs recorded in results: fixed for every socket.io point. */
export const SOCKETIO_SETTINGS = { transports: 'websocket only', perMessageDeflate: false, reconnection: false } as const;

/** A socket.io server on an HTTP server that is already listening; `configure` sets an adapter and returns its release. */
export async function attachSocketIo(
  loopback: LoopbackServer,
  configure: (server: Server) => Promise<() => Promise<void>> = async () => async () => {},
): Promise<BroadcastServer> {
  const options: Partial<ServerOptions> = { transports: ['websocket'], serveClient: false, perMessageDeflate: false };
  const server = new Server(loopback.http, options);
  const release = await configure(server);
  server.on('connection', (socket) => {
    socket.on('join', async (room: string, ack: () => void) => {
      await socket.join(room);
      ack();
    });
  });
  return {
    url: `http://127.0.0.1:${loopback.port}`,
    publish: (room, envelope) => void server.to(room).emit('m', envelope),
    async close() {
      server.disconnectSockets(true);
      await server.close();
      await release();
    },
  };
}

export async function startSocketIoServer(configure?: (server: Server) => Promise<() => Promise<void>>): Promise<BroadcastServer> {
  return attachSocketIo(await listenOnLoopback(), configure);
}

/** Configures @socket.io/redis-adapter (ioredis pub/sub) under `key`; resolves once its subscriptions are in place. */
export function redisPubSubAdapter(url: string, key: string): (server: Server) => Promise<() => Promise<void>> {
  return async (server) => {
    const publisher = new Redis(url, { lazyConnect: true });
    const subscriber = publisher.duplicate();
    await Promise.all([publisher.connect(), subscriber.connect()]);
    server.adapter(createAdapter(publisher, subscriber, { key }));
    // Redis answers in order: once this PING returns, the adapter's subscriptions are in place.
    await subscriber.ping();
    return async () => {
      publisher.disconnect();
      subscriber.disconnect();
    };
  };
}

export function connectSocketIo({ url, room, onMessage, onClose }: BroadcastClientContext<unknown>): Promise<BroadcastConnection> {
  return new Promise((resolve, reject) => {
    const socket = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    let closing = false;
    socket.on('m', (envelope: Envelope) => onMessage(envelope));
    socket.once('connect_error', reject);
    socket.once('connect', () =>
      socket.emit('join', room, () => resolve({ close: () => ((closing = true), socket.disconnect()) })),
    );
    socket.on('disconnect', (reason) => {
      if (!closing) onClose(reason);
    });
  });
}
