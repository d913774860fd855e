/** The consumer's side of the protocol, shared by the forked-process and worker-thread entry points. */
import type { MessagePort } from 'node:worker_threads';
import { errorMessage } from '../errors.ts';
import { startConsumerHost, type ConsumerHost } from './consumer-host.ts';
import type { ConsumerSpec, CoordinatorMessage, HostMessage } from './protocol.ts';

/** `end` releases the channel once a report or a failure has been sent. */
export function consumerEndpoint(send: (message: HostMessage) => void, end: (failed: boolean) => void) {
  let host: ConsumerHost | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  const fail = (error: unknown) => {
    clearInterval(progressTimer);
    send({ type: 'failed', error: errorMessage(error) });
    end(true);
  };
  const start = async (spec: ConsumerSpec, producerPort?: MessagePort) => {
    try {
      const started = await startConsumerHost(spec, producerPort);
      host = started;
      started.failed.catch(fail);
      progressTimer = setInterval(() => send({ type: 'progress', ...started.progress() }), 250);
      send({ type: 'ready' });
    } catch (error) {
      fail(error);
    }
  };
  const handle = async (message: CoordinatorMessage) => {
    if (message.type === 'start') return start(message.spec);
    if (!host) return;
    try {
      if (message.type === 'command') {
        await host.run(message.command);
        send({ type: 'ack', seq: message.seq });
      } else {
        clearInterval(progressTimer);
        send({ type: 'report', report: await host.finish() });
        end(false);
      }
    } catch (error) {
      fail(error);
    }
  };
  return { start, handle };
}
