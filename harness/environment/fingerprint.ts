/**
 * The host fingerprint: a second or two of calibration that every run measures for itself, so that results from two
 * hosts can be told apart by speed rather than by their CPU label (two hosts that both said "2 × AMD EPYC" differed
 * 1.65× in Redis LPUSH). Lower is faster.
 *
 * A round trip on a shared 2-core VM is bimodal (about 20 µs or about 75 µs here, depending on where the scheduler
 * put client and server, and it stays there for a connection's life), so round trips are timed in blocks, each on a
 * new connection, and the fingerprint keeps the fastest block's median: what the host can do, not where one
 * connection happened to land.
 */
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { nowNs } from '../measure/clock.ts';
import { median } from '../measure/stats.ts';
import type { Fingerprint } from '../results/types.ts';
import type { ServiceSet } from '../services/provision.ts';

const CPU_LOOP_ITERATIONS = 2_000_000;
const CPU_LOOP_REPEATS = 15;
const ROUND_TRIP_BLOCKS = 8;
const ROUND_TRIPS_PER_BLOCK = 100;
/** A pause between blocks lets the scheduler place the next connection afresh. */
const BLOCK_PAUSE_MS = 40;
const FSYNCS = 25;

/** The same integer work everywhere (xorshift32), kept alive through its result so that no JIT removes it. */
function cpuLoop(iterations: number): number {
  let x = 2463534242;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

function cpuLoopNs(): number {
  let sink = cpuLoop(CPU_LOOP_ITERATIONS); // warm-up: the first call runs before the loop is optimised
  const perIteration = Array.from({ length: CPU_LOOP_REPEATS }, () => {
    const start = nowNs();
    sink ^= cpuLoop(CPU_LOOP_ITERATIONS);
    return (nowNs() - start) / CPU_LOOP_ITERATIONS;
  });
  if (sink === 0.5) process.stdout.write(''); // never true; uses the sink
  // The fastest repetition: the core's speed, not how often a busy neighbour took it away.
  return Math.min(...perIteration);
}

interface Connection {
  roundTrip(): Promise<unknown>;
  close(): Promise<unknown> | void;
}

/** µs per round trip: the lowest of the blocks' medians, each block on a connection of its own. */
async function roundTripUs(connect: () => Promise<Connection>): Promise<number> {
  const blocks: number[] = [];
  for (let block = 0; block < ROUND_TRIP_BLOCKS; block++) {
    const connection = await connect();
    try {
      for (let i = 0; i < 20; i++) await connection.roundTrip();
      const times: number[] = [];
      for (let i = 0; i < ROUND_TRIPS_PER_BLOCK; i++) {
        const start = nowNs();
        await connection.roundTrip();
        times.push((nowNs() - start) / 1_000);
      }
      blocks.push(median(times));
    } finally {
      await connection.close();
    }
    await sleep(BLOCK_PAUSE_MS);
  }
  return Math.min(...blocks);
}

/** 4 KiB written and fsync'ed in place, on the disk that holds `dir`. */
function fsyncUs(dir: string): number {
  const path = join(dir, `.hopbench-fsync-${process.pid}`);
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    const times = Array.from({ length: FSYNCS }, () => {
      const start = nowNs();
      writeSync(fd, block, 0, block.length, 0);
      fsyncSync(fd);
      return (nowNs() - start) / 1_000;
    });
    return median(times);
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}

function redisPingUs(url: string): Promise<number> {
  return roundTripUs(async () => {
    const client = new Redis(url, { maxRetriesPerRequest: 0, enableAutoPipelining: false });
    client.on('error', () => {});
    return { roundTrip: () => client.ping(), close: () => client.disconnect() };
  });
}

function postgresSelectUs(url: string): Promise<number> {
  return roundTripUs(async () => {
    const client = new pg.Client(url);
    client.on('error', () => {});
    await client.connect();
    return { roundTrip: () => client.query('SELECT 1'), close: () => client.end().catch(() => {}) };
  });
}

const round = (value: number, digits = 3) => Number(value.toPrecision(digits));

/** Measures the fingerprint: the CPU and the results' disk always, Redis and Postgres when the run uses them. */
export async function measureFingerprint(resultsDir: string, services?: ServiceSet): Promise<Fingerprint> {
  const url = (kind: 'redis' | 'postgres') => services?.all.find((service) => service.kind === kind)?.url;
  const [redis, postgres] = [url('redis'), url('postgres')];
  return {
    cpuLoopNs: round(cpuLoopNs()),
    fsyncUs: round(fsyncUs(resultsDir)),
    ...(redis ? { redisPingUs: round(await redisPingUs(redis)) } : {}),
    ...(postgres ? { postgresSelectUs: round(await postgresSelectUs(postgres)) } : {}),
  };
}
