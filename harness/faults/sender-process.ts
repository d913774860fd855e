/**
 * Entry point of the sender of a faults sample: sends its share of a fixed-rate schedule through a producer that
 * reconnects, and logs every accepted id to a record log. For in-process transports it also hosts the consumers:
 * it is then the process that holds the in-memory work, and killing it is that architecture's fault.
 */
import { errorMessage } from '../errors.ts';
import { rate } from '../load/rate.ts';
import { NS_PER_S, nowNs } from '../measure/clock.ts';
import { openRecordLog } from '../measure/record-log.ts';
import { loadTransport } from '../transports/load.ts';
import { startConsumers, type ConsumerGroup } from '../worker/consumer-group.ts';
import { disconnectWhenSent, sendToCoordinator } from '../worker/ipc.ts';
import type { Producer } from '../transports/types.ts';
import type { SenderCommand, SenderMessage, SenderSpec } from './protocol.ts';
import { reconnectingProducer } from './reconnecting-producer.ts';

const CONSUMER_READY_TIMEOUT_MS = 30_000;
const send = (message: SenderMessage) => sendToCoordinator(message);
const controller = new AbortController();
let consumers: ConsumerGroup | undefined;
let prepared: { spec: SenderSpec; producer: Producer } | undefined;

async function prepare(spec: SenderSpec): Promise<void> {
  const definition = await loadTransport(spec.transportModule);
  const context = { urls: spec.urls, queue: spec.queue, config: spec.config, concurrency: spec.concurrency };
  if (spec.consumers) consumers = await startConsumers(spec.consumers.specs, spec.consumers.placement, CONSUMER_READY_TIMEOUT_MS);
  const consumerPorts = consumers?.consumerPorts;
  const producer = await reconnectingProducer(() => definition.create({ ...context, consumerPorts }).producer(), spec.reconnectDelayMs, controller.signal);
  prepared = { spec, producer };
  send({ type: 'ready' });
}

async function run({ spec, producer }: NonNullable<typeof prepared>, scheduleStartNs: number): Promise<void> {
  const log = openRecordLog(spec.acceptedLog);
  const intervalNs = NS_PER_S / spec.perSec;
  const dueNs = (id: number) => scheduleStartNs + (id - spec.from) * intervalNs;
  // A replacement joins the schedule where it stands: ids that fell due while no sender ran were never sent.
  const firstId = Math.min(spec.to, Math.max(spec.from, Math.ceil((nowNs() - scheduleStartNs) / intervalNs) + spec.from));
  const outcome = await rate({ perSec: spec.perSec }).run({
    producer,
    from: firstId,
    to: spec.to,
    startNs: dueNs(firstId),
    payload: 'x'.repeat(spec.payloadBytes),
    accepted: (id) => log.append(id, dueNs(id), nowNs()),
    signal: controller.signal,
  });
  log.close();
  send({ type: 'sent', outcome: { sendErrors: outcome.sendErrors, firstSendError: outcome.firstSendError } });
}

async function finish(): Promise<void> {
  controller.abort();
  await prepared?.producer.close().catch(() => {});
  await consumers?.finish(5_000);
  disconnectWhenSent();
}

function fail(error: unknown): void {
  send({ type: 'failed', error: errorMessage(error) });
  process.exitCode = 1;
  disconnectWhenSent();
}

process.on('disconnect', () => process.exit()); // the coordinator is gone (or we said goodbye): keep the exit code set
process.on('message', (message: SenderCommand) => {
  if (message.type === 'start') prepare(message.spec).catch(fail);
  else if (message.type === 'go' && prepared) run(prepared, message.scheduleStartNs).catch(fail);
  else if (message.type === 'finish') void finish();
});
