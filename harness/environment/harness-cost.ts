/**
 * The harness's own cost per message (`npm run bench -- self`, and a quick run embedded in every result): each
 * step of the measurement hot path and each envelope wire format, timed with tinybench. Steps are timed in loops
 * of LOOP operations because one operation is far below the timer's resolution.
 */
import { Bench } from 'tinybench';
import { createDeliveryCounter } from '../measure/accounting.ts';
import { nowNs } from '../measure/clock.ts';
import { createHistogram, summarizeMs } from '../measure/histogram.ts';
import { open } from '../load/open.ts';
import { decodeBinary, encodeBinary, fromJobData, toJobData, type JobData } from '../transports/codec.ts';
import type { Envelope } from '../transports/types.ts';

const LOOP = 1_000;

export interface SelfCost {
  /** ns per operation, by step. */
  readonly [step: string]: number;
}

export interface PacerCost {
  readonly perSec: number;
  /** CPU of the sending process (its clock thread included) over the run, in cores. */
  readonly cores: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
}

/**
 * What the open-loop sender costs by itself: `seconds` of sending at `perSec` into a producer that accepts at once,
 * after a warm-up second.
 * Anything a real run's sender uses beyond this is its transport's client.
 */
export async function measurePacer(perSec: number, seconds: number): Promise<PacerCost> {
  const producer = { send: async () => {}, sendBatch: async () => {}, close: async () => {} };
  const load = open({ perSec });
  const schedule = (seconds: number) => load.run({ producer, from: 0, to: perSec * seconds, payload: '', accepted: () => {}, signal: new AbortController().signal });
  // A warm-up second, as a run's producer has: it takes the collection of the CLI's start-up garbage and the JIT.
  await schedule(1);
  const before = process.cpuUsage();
  const started = Date.now();
  const outcome = await schedule(seconds);
  const used = process.cpuUsage(before);
  const lag = summarizeMs(outcome.senderLag!);
  return { perSec, cores: Math.round(((used.user + used.system) / 1e6 / ((Date.now() - started) / 1000)) * 1000) / 1000, lagP50Ms: lag.p50, lagP99Ms: lag.p99 };
}

export async function measureHarnessCost(timePerStepMs = 100): Promise<SelfCost> {
  const histogram = createHistogram();
  const counter = createDeliveryCounter(LOOP);
  const envelope: Envelope = { id: 12_345, sentAtNs: nowNs(), payload: '' };
  let sink = 0;
  const steps: Record<string, () => void> = {
    'clock read (hrtime)': () => {
      for (let i = 0; i < LOOP; i++) sink += nowNs();
    },
    'histogram record': () => {
      for (let i = 0; i < LOOP; i++) histogram.recordValue(1_000 + i * 997);
    },
    'delivery count': () => {
      for (let i = 0; i < LOOP; i++) counter[i] = (counter[i]! + 1) & 0xff;
    },
    'binary encode+decode (rabbitmq)': () => {
      for (let i = 0; i < LOOP; i++) sink += decodeBinary(encodeBinary(envelope)).id;
    },
    'json encode+decode (bullmq, pg-boss)': () => {
      for (let i = 0; i < LOOP; i++) sink += fromJobData(JSON.parse(JSON.stringify(toJobData(envelope))) as JobData).id;
    },
  };
  const bench = new Bench({ time: timePerStepMs, warmupTime: timePerStepMs / 4 });
  for (const [name, fn] of Object.entries(steps)) bench.add(name, fn);
  await bench.run();
  const cost: Record<string, number> = {};
  for (const task of bench.tasks) {
    const result = task.result as { latency?: { mean: number } };
    cost[task.name] = Math.round(((result.latency?.mean ?? NaN) * 1e6 * 100) / LOOP) / 100;
  }
  // What every measured message costs the consumer side: one clock read, one count, one histogram record.
  cost['hot path per message'] = Math.round((cost['clock read (hrtime)']! + cost['histogram record']! + cost['delivery count']!) * 100) / 100;
  if (sink === 0.5) console.log(sink); // keep the loops observable so they are not optimised away
  return cost;
}
