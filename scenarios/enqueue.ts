import { enqueueKind } from '../harness/runners/enqueue.ts';
import { defineScenario } from '../harness/engine/scenario.ts';
import { CAPACITY_DEFAULTS } from '../harness/engine/options.ts';

/** The producer's side alone: hand-off rate and hand-off latency, with nothing consuming. */
export default defineScenario(enqueueKind, {
  name: 'enqueue',
  description: 'P producer processes send N messages into each broker, nothing consuming',
  about:
    'Accepted messages/s (first send → last acceptance over all producers) and the latency of each send call until the ' +
    'broker accepted it: BullMQ add/addBulk resolved, RabbitMQ publisher confirm, Postgres commit, pg-boss send/insert ' +
    'resolved. Closed loop (--rate max): each producer keeps --inflight sends open, single sends or batches of --batch. ' +
    'Open loop (--rate N): N single sends per second over all producers, latency from the intended send time. ' +
    'Afterwards the queue must hold exactly what was accepted.',
  defaults: {
    transports: ['bullmq', 'rabbitmq', 'pgboss', 'pg'],
    producers: [1, 2],
    batch: [1, 100],
    payload: [1024],
    inflight: 16,
    rate: 'max',
    messages: 20_000,
    warmup: 1_000,
    repeat: 3,
    redisPersistence: ['server'],
    ...CAPACITY_DEFAULTS,
    capacityStart: 1000,
    timeout: 60,
    agents: undefined, // producers run here
  },
  settings: undefined,
});
