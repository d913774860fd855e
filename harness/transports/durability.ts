/**
 * Durability read from what runs, not from a transport's name: the server's own settings and the transport's
 * effective configuration (see results/types.ts Durability for the levels).
 */
import { Redis } from 'ioredis';
import type { Durability } from '../results/types.ts';
import { queryOnce } from '../services/query-once.ts';

/** In-process delivery, or a configuration that asks for no persistence: nothing survives a crash. */
export const notDurable = (from: string): Durability => ({ level: 'none', from });

/** Redis: the append-only file and how often it is fsynced (`appendfsync no` leaves it to the OS: ~30 s). */
export async function redisDurability(url: string): Promise<Durability> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => {}); // surfaced through the rejected commands
  try {
    await redis.connect();
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as [string, string];
    const [, appendfsync] = (await redis.config('GET', 'appendfsync')) as [string, string];
    const from = `Redis appendonly=${appendonly} appendfsync=${appendfsync}`;
    if (appendonly !== 'yes') return { level: 'none', from };
    return { level: appendfsync === 'always' ? 'commit' : appendfsync === 'everysec' ? 'interval' : 'none', from };
  } finally {
    redis.disconnect();
  }
}

/** Postgres: fsync, and whether a commit waits for its WAL flush; an unlogged table survives no crash at all. */
export async function postgresDurability(url: string, unlogged = false): Promise<Durability> {
  const { rows } = await queryOnce<{ fsync: string; synchronous_commit: string }>(url, "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit");
  const { fsync, synchronous_commit: synchronous } = rows[0]!;
  const from = `Postgres fsync=${fsync} synchronous_commit=${synchronous}${unlogged ? ', an unlogged table' : ''}`;
  if (unlogged || fsync !== 'on') return { level: 'none', from };
  return { level: synchronous === 'off' ? 'interval' : 'commit', from };
}
