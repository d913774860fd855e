/**
 * Entry point of a forked producer process: builds the transport's producer from data, sends its warmup slice,
 * reports ready, and on `go` runs the load over its measured slice, recording how long each send took to be
 * accepted. Nothing consumes.
 */
import { errorMessage } from '../errors.ts';
import { loadModel } from '../load/spec.ts';
import { encodeHistogram } from '../measure/histogram.ts';
import { loadTransport } from '../transports/load.ts';
import type { Producer } from '../transports/types.ts';
import { disconnectWhenSent, sendToCoordinator } from './ipc.ts';
import type { ProducerCommand, ProducerMessage, ProducerSpec } from './producer-protocol.ts';

const send = (message: ProducerMessage) => sendToCoordinator(message);
const controller = new AbortController();
interface Prepared {
  readonly spec: ProducerSpec;
  readonly producer: Producer;
  readonly warmupAccepted: number;
}
let prepared: Prepared | undefined;

async function prepare(spec: ProducerSpec): Promise<void> {
  const definition = await loadTransport(spec.transportModule);
  const transport = definition.create({ urls: spec.urls, queue: spec.queue, config: spec.config, concurrency: 1 });
  const producer = await transport.producer();
  let warmupAccepted = 0;
  const [from, to] = spec.warmup;
  if (to > from) {
    const payload = 'x'.repeat(spec.payloadBytes);
    await loadModel(spec.load).run({ producer, from, to, payload, accepted: () => warmupAccepted++, signal: controller.signal });
  }
  prepared = { spec, producer, warmupAccepted };
  send({ type: 'ready' });
}

async function run({ spec, producer, warmupAccepted }: Prepared): Promise<void> {
  const payload = 'x'.repeat(spec.payloadBytes);
  const load = loadModel(spec.load);
  const [from, to] = spec.measured;
  const accepted = new Uint8Array(to - from);
  let acceptedCount = 0;
  const progress = setInterval(() => send({ type: 'progress', accepted: acceptedCount }), 250);
  try {
    const outcome = await load.run({
      producer,
      from,
      to,
      payload,
      accepted: (id) => {
        accepted[id - from] = 1;
        acceptedCount++;
      },
      signal: controller.signal,
    });
    send({
      type: 'report',
      report: {
        producer: spec.producer,
        pid: process.pid,
        histogram: encodeHistogram(outcome.acceptLatency),
        senderLag: outcome.senderLag && encodeHistogram(outcome.senderLag),
        accepted,
        warmupAccepted,
        startNs: outcome.startNs,
        endNs: outcome.endNs,
        sendErrors: outcome.sendErrors,
        firstSendError: outcome.firstSendError,
      },
    });
  } finally {
    clearInterval(progress);
  }
}

function fail(error: unknown): void {
  send({ type: 'failed', error: errorMessage(error) });
  process.exitCode = 1;
  disconnectWhenSent();
}

process.on('disconnect', () => {
  controller.abort(); // the coordinator is gone: stop sending
  process.exit();
});
process.on('message', (message: ProducerCommand) => {
  if (message.type === 'start') prepare(message.spec).catch(fail);
  else if (message.type === 'go' && prepared) run(prepared).catch(fail);
  else if (message.type === 'finish') void (prepared?.producer.close() ?? Promise.resolve()).catch(() => {}).finally(() => disconnectWhenSent());
});
