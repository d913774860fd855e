/** Entry point of a forked consumer process: speaks the protocol over Node's IPC channel. */
import { consumerEndpoint } from './endpoint.ts';
import { disconnectWhenSent, sendToCoordinator } from './ipc.ts';
import type { CoordinatorMessage } from './protocol.ts';

const endpoint = consumerEndpoint(
  sendToCoordinator,
  (failed) => {
    if (failed) process.exitCode = 1;
    disconnectWhenSent();
  },
);
process.on('disconnect', () => process.exit()); // the coordinator is gone (or we said goodbye): keep the exit code set
process.on('message', (message: CoordinatorMessage) => void endpoint.handle(message));
