/**
 * A transport for the harness's own tests, registered like any other so that the contract suite proves a new
 * transport is one file and one registry line: in-memory delivery (as `direct`), with a known ceiling when asked
 * (`maxPerSec`: each consumer completes at most that many jobs per second), so that what the harness finds about
 * it can be checked against what it is.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { NS_PER_MS, NS_PER_S, nowNs } from '../measure/clock.ts';
import { inProcessConsumer, inProcessProducer } from './in-process.ts';
import { defineTransport, type Envelope } from './types.ts';
import { notDurable } from './durability.ts';

const config = z
  .object({
    /** Jobs per second each consumer completes at most (null: as fast as the handler runs). */
    maxPerSec: z.number().positive().nullable().default(null),
  })
  .strict();

/** Delays each job to its slot on a schedule of `perSec` slots per second: a server with a fixed capacity. */
function paced(perSec: number, handle: (envelope: Envelope) => Promise<void>): (envelope: Envelope) => Promise<void> {
  const slotNs = NS_PER_S / perSec;
  let nextSlotNs = 0;
  return async (envelope) => {
    const slot = Math.max(nowNs(), nextSlotNs);
    nextSlotNs = slot + slotNs;
    const waitMs = (slot - nowNs()) / NS_PER_MS;
    if (waitMs >= 1) await sleep(waitMs);
    await handle(envelope);
  };
}

export default defineTransport({
  name: 'fixture',
  packages: [],
  description: "in-memory test transport with an optional fixed capacity (the harness's own tests)",
  services: [],
  inProcess: true,
  config,
  presets: { default: {}, 'ceiling-2000': { maxPerSec: 2_000 } },
  create({ queue, config, concurrency }) {
    return {
      config,
      traits: { durable: false, acks: false, whenConsumerDies: 'lost with the process that held them' },
      durability: async () => notDurable('in-process delivery: nothing outlives the process'),
      async setup() {},
      async teardown() {},
      producer: () => inProcessProducer(queue),
      consumer: async ({ handle }) => inProcessConsumer(queue, concurrency, config.maxPerSec === null ? handle : paced(config.maxPerSec, handle)),
    };
  },
});
