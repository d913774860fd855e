/** RabbitMQ via amqplib: durable queue, confirm channel on the producer, manual acks, prefetch = concurrency. */
import { once } from 'node:events';
import amqp, { type ConfirmChannel } from 'amqplib';
import { z } from 'zod';
import { decodeBinary, encodeBinary } from './codec.ts';
import { defineTransport, type Consumer, type ConsumerOptions, type Envelope, type Producer } from './types.ts';
import { notDurable } from './durability.ts';

const config = z
  .object({
    durable: z.boolean().default(true),
    /** deliveryMode 2: written to disk before the confirm. */
    persistent: z.boolean().default(true),
    queueType: z.enum(['classic', 'quorum']).default('classic'),
    /** Unacked messages per consumer; null = the point's concurrency. */
    prefetch: z.number().int().positive().nullable().default(null),
  })
  .strict();

/** Publishes with a confirm callback per message; waits for 'drain' when amqplib's write buffer is full. */
function confirmedPublisher(channel: ConfirmChannel, queue: string, persistent: boolean) {
  let drained: Promise<unknown> | undefined;
  return async (envelope: Envelope): Promise<void> => {
    while (drained) await drained;
    await new Promise<void>((resolve, reject) => {
      const accepted = channel.sendToQueue(queue, encodeBinary(envelope), { persistent }, (error) => (error ? reject(error) : resolve()));
      if (!accepted && !drained) drained = once(channel, 'drain').finally(() => (drained = undefined));
    });
  };
}

function ignoreClosed(operation: () => void): void {
  try {
    operation();
  } catch {
    // IllegalOperationError: channel closed
  }
}

export default defineTransport({
  name: 'rabbitmq',
  packages: ['amqplib'],
  description: 'RabbitMQ via amqplib: confirms, manual acks, prefetch',
  services: ['rabbitmq'],
  config,
  presets: { default: {}, transient: { durable: false, persistent: false }, quorum: { queueType: 'quorum' } },
  create({ urls, queue, config, concurrency }) {
    const url = urls.rabbitmq!;
    const prefetch = config.prefetch ?? concurrency;
    const admin = async <T>(use: (channel: amqp.Channel) => Promise<T>): Promise<T> => {
      const connection = await amqp.connect(url);
      try {
        return await use(await connection.createChannel());
      } finally {
        await connection.close();
      }
    };
    const queueArguments = { durable: config.durable, arguments: { 'x-queue-type': config.queueType } };
    return {
      config: { ...config, prefetch, confirms: true, manualAcks: true },
      // A message survives a broker restart only in a durable queue and marked persistent.
      traits: { durable: config.durable && config.persistent, acks: true, whenConsumerDies: 'its unacknowledged messages are redelivered when its connection closes' },
      // Confirms come after a persistent message reaches the disk of a durable queue (quorum queues: always).
      durability: async () =>
        config.queueType === 'quorum' || (config.durable && config.persistent)
          ? { level: 'commit', from: `RabbitMQ ${config.queueType} queue${config.queueType === 'quorum' ? '' : ', durable, persistent messages'}, publisher confirms` }
          : notDurable('RabbitMQ transient queue or messages'),
      setup: () => admin(async (channel) => void (await channel.assertQueue(queue, queueArguments), await channel.purgeQueue(queue))),
      teardown: async () => void (await admin((channel) => channel.deleteQueue(queue))),
      depth: () => admin(async (channel) => (await channel.checkQueue(queue)).messageCount),
      // Unacknowledged messages are held by live consumers (their jobs in flight); a dead consumer's come back as ready.
      pending: () => admin(async (channel) => (await channel.checkQueue(queue)).messageCount),
      async producer(): Promise<Producer> {
        const connection = await amqp.connect(url);
        connection.on('error', () => {}); // a lost connection rejects the pending and later sends instead
        const channel = await connection.createConfirmChannel();
        const publish = confirmedPublisher(channel, queue, config.persistent);
        return {
          send: publish,
          sendBatch: async (envelopes) => void (await Promise.all(envelopes.map(publish))),
          close: () => connection.close(),
        };
      },
      async consumer({ handle, fail }: ConsumerOptions): Promise<Consumer> {
        const connection = await amqp.connect(url);
        let closing = false;
        // amqplib does not reconnect: a connection lost to a dying broker ends this consumer.
        connection.on('error', () => {}); // followed by 'close'
        connection.on('close', (error?: Error) => closing || fail(new Error(`rabbitmq connection closed${error ? `: ${error.message}` : ''}`)));
        const channel = await connection.createChannel();
        await channel.prefetch(prefetch);
        await channel.consume(
          queue,
          (message) => {
            if (!message) return; // consumer cancelled by the broker
            // After close() the channel refuses acks; the delivery was already counted by the handler.
            handle(decodeBinary(message.content)).then(
              () => ignoreClosed(() => channel.ack(message)),
              () => ignoreClosed(() => channel.nack(message, false, true)),
            );
          },
          { noAck: false },
        );
        return {
          close: async () => {
            closing = true;
            await connection.close();
          },
        };
      },
    };
  },
});
