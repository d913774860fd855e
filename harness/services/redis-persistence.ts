/**
 * Redis persistence, set for a sample on a Redis hopbench started: `none` (no append-only file: a restart empties
 * it), `everysec` (the AOF fsynced every second: a crash loses about a second) or `always` (fsynced before each
 * command is answered). CONFIG REWRITE writes the setting into the server's config file, so that a restarted server
 * (a broker fault) loads the AOF. The Redis hopbench provisions starts at `everysec` (settings.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export const REDIS_PERSISTENCE = ['none', 'everysec', 'always'] as const;
export type RedisPersistence = (typeof REDIS_PERSISTENCE)[number];

const REWRITE_TIMEOUT_MS = 30_000;

/** Applies the mode; resolves once a restart would find the data in the AOF. */
export async function setRedisPersistence(url: string, mode: RedisPersistence): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // surfaced through the rejected commands
  try {
    if (mode !== 'none') await client.config('SET', 'appendfsync', mode);
    await client.config('SET', 'appendonly', mode === 'none' ? 'no' : 'yes');
    // Switching the AOF on starts a rewrite; until it ends, a restart would not find the data in the AOF.
    const deadline = Date.now() + REWRITE_TIMEOUT_MS;
    while (mode !== 'none') {
      const info = await client.info('persistence');
      if (/aof_enabled:1/.test(info) && /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) break;
      if (Date.now() > deadline) throw new Error(`redis did not finish its AOF rewrite within ${REWRITE_TIMEOUT_MS / 1000}s`);
      await sleep(20);
    }
    await client.config('REWRITE');
  } finally {
    client.disconnect();
  }
}

/** What the Redis hopbench starts runs with (settings.ts), put back after a sample that asked for another. */
export const PROVISIONED_REDIS_PERSISTENCE: RedisPersistence = 'everysec';

/**
 * A sample's Redis persistence on a Redis hopbench started: set before the sample, the provisioned one put back
 * after, so that the next point (of any scenario) finds the server as provisioned. Nothing to do without a mode.
 */
export function samplePersistence(url: string | undefined, mode: RedisPersistence | undefined): { apply(): Promise<void>; restore(): Promise<void> } {
  const active = url !== undefined && mode !== undefined && mode !== PROVISIONED_REDIS_PERSISTENCE;
  return {
    apply: async () => (active ? setRedisPersistence(url!, mode!) : undefined),
    restore: async () => (active ? setRedisPersistence(url!, PROVISIONED_REDIS_PERSISTENCE).catch(() => {}) : undefined),
  };
}
