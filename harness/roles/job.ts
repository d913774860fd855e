/**
 * What a consumer does with each message: `noop`, `sleep:<ms>` (simulated I/O), `cpu:<µs>` (busy work on the
 * event loop), `pg-insert` (writes a result row to Postgres, as in seed 004).
 */
import pg from 'pg';
import { queryOnce } from '../services/query-once.ts';
import { UsageError } from '../host/errors.ts';
import type { ServiceKind } from '../services/types.ts';
import type { Envelope } from '../transports/types.ts';

export type JobSpec = { readonly kind: 'noop' } | { readonly kind: 'sleep'; readonly ms: number } | { readonly kind: 'cpu'; readonly micros: number } | { readonly kind: 'pg-insert' };

export const JOB_SYNTAX = 'noop, sleep:<ms>, cpu:<µs> or pg-insert';

export function parseJob(text: string): JobSpec {
  if (text === 'noop' || text === 'pg-insert') return { kind: text };
  const match = /^(sleep|cpu):(\d+(?:\.\d+)?)$/.exec(text);
  if (match) {
    const value = Number(match[2]);
    if (value > 0 && value <= 60_000_000) return match[1] === 'sleep' ? { kind: 'sleep', ms: value } : { kind: 'cpu', micros: value };
  }
  throw new UsageError(`invalid --job "${text}": use ${JOB_SYNTAX} (positive numbers)`);
}

export function formatJob(job: JobSpec): string {
  if (job.kind === 'sleep') return `sleep:${job.ms}`;
  if (job.kind === 'cpu') return `cpu:${job.micros}`;
  return job.kind;
}

export function jobServices(job: JobSpec): ServiceKind[] {
  return job.kind === 'pg-insert' ? ['postgres'] : [];
}

const RESULTS_TABLE = 'hopbench_job_results';

/** Coordinator, before a sample: a clean results table for pg-insert. */
export async function prepareJob(job: JobSpec, urls: Partial<Record<ServiceKind, string>>): Promise<void> {
  if (job.kind !== 'pg-insert') return;
  await queryOnce(urls.postgres!, `CREATE TABLE IF NOT EXISTS ${RESULTS_TABLE} (msg_id int NOT NULL, worker int NOT NULL, done_at timestamptz NOT NULL DEFAULT now()); TRUNCATE ${RESULTS_TABLE}`);
}

export interface RunnableJob {
  readonly run: (envelope: Envelope) => Promise<void>;
  close(): Promise<void>;
}

const resolved = Promise.resolve();

export function createJob(job: JobSpec, context: { urls: Partial<Record<ServiceKind, string>>; concurrency: number; worker: number }): RunnableJob {
  switch (job.kind) {
    case 'noop':
      return { run: () => resolved, close: async () => {} };
    case 'sleep':
      return { run: () => new Promise((resolve) => setTimeout(resolve, job.ms)), close: async () => {} };
    case 'cpu': {
      const ns = BigInt(Math.round(job.micros * 1000));
      return {
        run() {
          const end = process.hrtime.bigint() + ns;
          while (process.hrtime.bigint() < end);
          return resolved;
        },
        close: async () => {},
      };
    }
    case 'pg-insert': {
      const pool = new pg.Pool({ connectionString: context.urls.postgres, max: Math.min(context.concurrency, 20) });
      pool.on('error', () => {});
      const sql = `INSERT INTO ${RESULTS_TABLE} (msg_id, worker) VALUES ($1, $2)`;
      return { run: async (envelope) => void (await pool.query(sql, [envelope.id, context.worker])), close: () => pool.end() };
    }
  }
}
