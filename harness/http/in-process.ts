/**
 * What `direct` and `inline` share: one process serves HTTP and the WebSocket clients; the handler stores the
 * message, emits it to the room in-process and answers 200 once both are done.
 */
import { attachSocketIo } from '../broadcast/socketio-common.ts';
import type { BroadcastServer } from '../broadcast/types.ts';
import { startApiServer } from './api-server.ts';
import type { SendMessage } from './message.ts';
import { openStore, type MessageStore } from './store.ts';
import { z } from 'zod';
import { createTables, dropTables } from './store.ts';
import { defineHttpArchitecture, type RunningProcess } from './types.ts';

export async function startInProcessApi(postgresUrl: string, channel: string, poolSize: number, store: (db: MessageStore, message: SendMessage) => Promise<void>): Promise<RunningProcess> {
  const db = openStore(postgresUrl, channel, poolSize);
  let sockets: BroadcastServer | undefined;
  const api = await startApiServer(async (message) => {
    await store(db, message);
    sockets!.publish(message.room, { id: message.id, sentAtNs: message.sentAtNs, payload: message.text });
    return 200;
  });
  sockets = await attachSocketIo(api);
  const started = sockets;
  return {
    url: started.url,
    async close() {
      await started.close();
      await db.close();
    },
  };
}

/** An architecture that is one process: its name, what its handler stores, and the hops that make. */
export function inProcessArchitecture(definition: { name: string; description: string; store: string; save: (db: MessageStore, message: SendMessage) => Promise<void> }) {
  return defineHttpArchitecture({
    name: definition.name,
    packages: ['socket.io', 'socket.io-client', 'pg'],
    description: definition.description,
    config: z.object({ poolSize: z.number().int().positive().default(10) }).strict(),
    presets: { default: {} },
    services: () => ['postgres'],
    hops: () => ['HTTP → api process', definition.store, 'socket.io emit in-process', 'WebSocket → client'],
    socketProcesses: false,
    setup: ({ urls, channel }) => createTables(urls.postgres!, channel),
    teardown: ({ urls, channel }) => dropTables(urls.postgres!, channel),
    start: (_role, { urls, channel, config }) => startInProcessApi(urls.postgres!, channel, config.poolSize, definition.save),
  });
}
