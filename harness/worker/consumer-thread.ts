/** Entry point of a consumer worker thread (in-process transports with more than one worker). */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { consumerEndpoint } from './endpoint.ts';
import type { ConsumerSpec, CoordinatorMessage } from './protocol.ts';

const { spec, producerPort } = workerData as { spec: ConsumerSpec; producerPort: MessagePort };
const port = parentPort!;
const endpoint = consumerEndpoint(
  (message) => port.postMessage(message),
  () => {
    producerPort.close();
    port.close();
  },
);
port.on('message', (message: CoordinatorMessage) => void endpoint.handle(message));
await endpoint.start(spec, producerPort);
