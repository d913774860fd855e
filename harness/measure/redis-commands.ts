/**
 * Commands a Redis server has executed, per command, from INFO commandstats: read before and after a window, the
 * difference is the window's work (the INFO calls themselves are left out). Commands that Lua scripts call
 * (BullMQ's) are counted as well as the script call itself.
 */
import { Redis } from 'ioredis';

export type CommandCounts = ReadonlyMap<string, number>;

export async function redisCommandCounts(url: string): Promise<CommandCounts> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const stats = await client.info('commandstats');
    const counts = new Map<string, number>();
    for (const match of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (match[1] !== 'info') counts.set(match[1]!, Number(match[2]));
    return counts;
  } finally {
    client.disconnect();
  }
}

/** Metrics for a window: total commands per message and per delivery, and each command's calls per message. */
export function redisCommandMetrics(before: CommandCounts, after: CommandCounts, messages: number, deliveries: number): Record<string, number> {
  if (messages === 0) return {};
  const perCommand = [...after].map(([command, calls]) => [command, calls - (before.get(command) ?? 0)] as const).filter(([, calls]) => calls > 0);
  const total = perCommand.reduce((sum, [, calls]) => sum + calls, 0);
  return {
    redisCommands: total,
    redisCommandsPerMessage: total / messages,
    redisCommandsPerDelivery: deliveries > 0 ? total / deliveries : 0,
    ...Object.fromEntries(perCommand.map(([command, calls]) => [`redisPerMessage.${command}`, calls / messages])),
  };
}
