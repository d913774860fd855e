/**
 * A transport for the harness's own tests, registered like any other so that the contract suite proves a new
 * transport is one file and one registry line: in-memory delivery (as `direct`), with a known ceiling when asked
 * (`maxPerSec`: each consumer completes at most that many jobs per second) or a steady delay (`delayMs`), so that what the harness finds about
 * it can be checked against what it is.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { NS_PER_MS, NS_PER_S, nowNs } from '../measure/clock.ts';
import { inProcessConsumer, inProcessProducer } from './in-process.ts';
import { defineTransport } from './types.ts';
import { notDurable } from './durability.ts';

const config = z
  .object({
    /** Jobs per second each consumer completes at most (null: as fast as the handler runs). */
    maxPerSec: z.number().positive().nullable().default(null),
    /** Milliseconds each job takes before it completes (0: none): a steady latency floor. */
    delayMs: z.number().nonnegative().default(0),
  })
  .strict();

/** The wait before each job on a schedule of `perSec` slots per second: a server with a fixed capacity. */
function slots(perSec: number): () => number {
  const slotNs = NS_PER_S / perSec;
  let nextSlotNs = 0;
  return () => {
    const slot = Math.max(nowNs(), nextSlotNs);
    nextSlotNs = slot + slotNs;
    return (slot - nowNs()) / NS_PER_MS;
  };
}

export default defineTransport({
  name: 'fixture',
  packages: [],
  description: "in-memory test transport with an optional fixed capacity (the harness's own tests)",
  services: [],
  inProcess: true,
  config,
  presets: { default: {}, 'ceiling-2000': { maxPerSec: 2_000 }, 'delay-300': { delayMs: 300 } },
  create({ queue, config, concurrency }) {
    return {
      config,
      traits: { durable: false, acks: false, whenConsumerDies: 'lost with the process that held them' },
      durability: async () => notDurable('in-process delivery: nothing outlives the process'),
      async setup() {},
      async teardown() {},
      producer: () => inProcessProducer(queue),
      consumer: async ({ handle }) => {
        const slot = config.maxPerSec === null ? () => 0 : slots(config.maxPerSec);
        // A job waiting for its slot or its delay is held here, not yet handed to the harness: it counts as queued.
        let waiting = 0;
        const consumer = inProcessConsumer(queue, concurrency, async (envelope) => {
          const waitMs = slot() + config.delayMs;
          if (waitMs >= 1) {
            waiting++;
            await sleep(waitMs);
            waiting--;
          }
          await handle(envelope);
        });
        return { ...consumer, queued: () => consumer.queued!() + waiting };
      },
    };
  },
});
