/**
 * Commands a Redis server has executed, from INFO commandstats: read before and after a window, the difference
 * is the window's command count (the INFO calls themselves are left out).
 */
import { Redis } from 'ioredis';

export async function redisCommandCount(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const stats = await client.info('commandstats');
    let total = 0;
    for (const match of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (match[1] !== 'info') total += Number(match[2]);
    return total;
  } finally {
    client.disconnect();
  }
}
