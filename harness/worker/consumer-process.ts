/** Entry point of a forked consumer process: speaks the protocol over Node's IPC channel. */
import { errorMessage } from '../errors.ts';
import { startConsumerHost, type ConsumerHost } from './consumer-host.ts';
import type { CoordinatorMessage, HostMessage } from './protocol.ts';

const send = (message: HostMessage) => process.send?.(message);
let host: ConsumerHost | undefined;
let progressTimer: NodeJS.Timeout | undefined;

process.on('disconnect', () => process.exit(0)); // the coordinator is gone: nothing to report to
process.on('message', async (message: CoordinatorMessage) => {
  try {
    if (message.type === 'start') {
      host = await startConsumerHost(message.spec);
      progressTimer = setInterval(() => send({ type: 'progress', ...host!.progress() }), 250);
      send({ type: 'ready' });
    } else if (message.type === 'command' && host) {
      await host.run(message.command);
      send({ type: 'ack', seq: message.seq });
    } else if (message.type === 'finish' && host) {
      clearInterval(progressTimer);
      send({ type: 'report', report: await host.finish() });
      process.disconnect();
    }
  } catch (error) {
    send({ type: 'failed', error: errorMessage(error) });
    process.exitCode = 1;
    process.disconnect();
  }
});
