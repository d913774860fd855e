/** Entry point of a forked role process: `node entry/process.ts <role> <label>`, then the protocol over Node's IPC channel. */
import { loadRole } from './catalog.ts';
import { disconnectWhenSent, sendToCoordinator } from '../roles/ipc.ts';
import type { ToRole } from '../roles/protocol.ts';
import { serveRole } from '../roles/role.ts';

const handler = loadRole(process.argv[2] ?? '').then((role) =>
  serveRole(role, sendToCoordinator, (failed) => {
    if (failed) process.exitCode = 1;
    disconnectWhenSent();
  }),
);
handler.catch((error: unknown) => {
  sendToCoordinator({ type: 'failed', error: String(error) });
  process.exitCode = 1;
  disconnectWhenSent();
});
// The coordinator is gone, or we said goodbye: exit, keeping the exit code set.
process.on('disconnect', () => process.exit());
// Registered before the role module loads: messages that arrive meanwhile wait for it, in order.
process.on('message', (message: ToRole<unknown, unknown>) => void handler.then((handle) => handle(message), () => {}));
