/** Entry point of a consumer worker thread (in-process transports with more than one worker). */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { errorMessage } from '../errors.ts';
import { startConsumerHost } from './consumer-host.ts';
import type { ConsumerSpec, CoordinatorMessage, HostMessage } from './protocol.ts';

const { spec, producerPort } = workerData as { spec: ConsumerSpec; producerPort: MessagePort };
const port = parentPort!;
const send = (message: HostMessage) => port.postMessage(message);

try {
  const host = await startConsumerHost(spec, producerPort);
  const progressTimer = setInterval(() => send({ type: 'progress', ...host.progress() }), 250);
  port.on('message', async (message: CoordinatorMessage) => {
    if (message.type === 'command') {
      await host.run(message.command);
      send({ type: 'ack', seq: message.seq });
    }
    if (message.type !== 'finish') return;
    clearInterval(progressTimer);
    send({ type: 'report', report: await host.finish() });
    producerPort.close();
    port.close();
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', error: errorMessage(error) });
  port.close();
}
