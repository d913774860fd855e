/**
 * The harness-overhead check for BullMQ: the smallest honest BullMQ program doing what `process` does in drain
 * mode (fill a backlog with addBulk, then one Worker drains it; rate = jobs / first→last completion), with none of
 * hopbench's measurement. Compare its figure with `npm run bench -- process --transports bullmq --workers 1
 * --concurrency 50`.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 node harness/calibration/bullmq-minimal.ts [jobs] [concurrency] [repeats]
 * Without REDIS_URL it starts a native redis-server for the duration.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { cleanupAll, installSignalHandlers } from '../host/lifecycle.ts';
import { provisionServices } from '../services/provision.ts';

const [jobs = 20_000, concurrency = 50, repeats = 5] = process.argv.slice(2).map(Number);
installSignalHandlers();
const url = process.env.REDIS_URL ?? (await provisionServices(['redis'], 'native')).get('redis').url;
const connection = () => new Redis(url, { maxRetriesPerRequest: null }) as unknown as ConnectionOptions;

const rates: number[] = [];
for (let repeat = 0; repeat < repeats; repeat++) {
  const name = `minimal-${process.pid}-${repeat}`;
  const queue = new Queue(name, { connection: connection(), defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  for (let i = 0; i < jobs; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ name: 'm', data: { i: i + k } })));
  }
  let done = 0;
  let first = 0n;
  let last = 0n;
  let allDone = () => {};
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const worker = new Worker(
    name,
    async () => {
      const now = process.hrtime.bigint();
      if (first === 0n) first = now;
      last = now;
      if (++done === jobs) allDone();
    },
    { connection: connection(), concurrency },
  );
  await finished;
  await worker.close();
  rates.push(Math.round((jobs - 1) / (Number(last - first) / 1e9)));
  await queue.obliterate({ force: true });
  await queue.close();
}
rates.sort((a, b) => a - b);
console.log(`bullmq minimal: ${jobs} jobs, 1 worker × ${concurrency}: ${rates.join(', ')} jobs/s; median ${rates[Math.floor(rates.length / 2)]}`);
await cleanupAll();
process.exit(0);
