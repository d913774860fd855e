/**
 * Redis persistence for a run that restarts Redis: `aof` switches the append-only file on (fsync every second, the
 * default), `none` switches it off. CONFIG REWRITE writes the setting into the server's config file, so that the
 * restarted server loads the AOF (native servers only: they start from a config file).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export const REDIS_PERSISTENCE = ['none', 'aof'] as const;
export type RedisPersistence = (typeof REDIS_PERSISTENCE)[number];

const REWRITE_TIMEOUT_MS = 30_000;

/** Applies the mode and returns the effective settings, for results. */
export async function setRedisPersistence(url: string, mode: RedisPersistence): Promise<Record<string, string>> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // surfaced through the rejected commands
  try {
    await client.config('SET', 'appendonly', mode === 'aof' ? 'yes' : 'no');
    // Switching the AOF on starts a rewrite; until it ends, a restart would not find the data in the AOF.
    const deadline = Date.now() + REWRITE_TIMEOUT_MS;
    while (mode === 'aof') {
      const info = await client.info('persistence');
      if (/aof_enabled:1/.test(info) && /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) break;
      if (Date.now() > deadline) throw new Error(`redis did not finish its AOF rewrite within ${REWRITE_TIMEOUT_MS / 1000}s`);
      await sleep(20);
    }
    await client.config('REWRITE');
    const [, appendfsync] = (await client.config('GET', 'appendfsync')) as [string, string];
    return mode === 'aof' ? { redisPersistence: 'aof', appendfsync } : { redisPersistence: 'none' };
  } finally {
    client.disconnect();
  }
}
