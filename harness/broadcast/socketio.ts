/** One socket.io server process; rooms are socket.io's in-memory adapter. */
import { z } from 'zod';
import { connectSocketIo, SOCKETIO_SETTINGS, startSocketIoServer } from './socketio-common.ts';
import { defineArchitecture } from './types.ts';

export default defineArchitecture({
  name: 'socketio',
  packages: ['socket.io', 'socket.io-client'],
  description: 'one socket.io server process, in-memory adapter',
  services: [],
  multiServer: false,
  config: z.object({}).strict().transform(() => ({ ...SOCKETIO_SETTINGS, adapter: 'in-memory' })),
  presets: { default: {} },
  startServer: () => startSocketIoServer(),
  connect: connectSocketIo,
});
