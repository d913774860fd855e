/** Entry point of a role in a worker thread (consumers of in-process transports): the protocol over the parent port. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadRole } from './catalog.ts';
import type { ToRole } from '../roles/protocol.ts';
import { serveRole } from '../roles/role.ts';

const port = parentPort!;
const handler = loadRole((workerData as { role: string }).role).then((role) =>
  serveRole(
    role,
    (message) => port.postMessage(message),
    () => port.unref(),
  ),
);
port.on('message', (message: ToRole<unknown, unknown>) => void handler.then((handle) => handle(message)));
