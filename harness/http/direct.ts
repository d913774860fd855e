/** Seed 000's "simple" path: one process validates, stores in Postgres and broadcasts to the room's sockets. */
import { inProcessArchitecture } from './in-process.ts';

export default inProcessArchitecture({
  name: 'direct',
  description: 'one process: HTTP handler stores the message (INSERT) and emits to the room in-process (socket.io), answers 200',
  store: 'Postgres INSERT',
  save: (db, message) => db.insert(message),
});
