import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../host/lifecycle.ts';
import { freePort } from '../../host/net.ts';
import { spawnServer } from '../../host/processes.ts';
import { nativeServer } from './server.ts';
import { REDIS_SETTINGS, redisConfig } from '../settings.ts';
import type { StartedServer } from '../types.ts';
import { redisServerBinary } from './binaries.ts';

/**
 * redis-server on a free loopback port with hopbench's settings (settings.ts), in a fresh temp dir.
 */
export async function startNativeRedis(): Promise<StartedServer> {
  const binary = redisServerBinary();
  const dir = makeTempDir('redis');
  const port = await freePort();
  const configFile = join(dir, 'redis.conf');
  writeFileSync(configFile, redisConfig({ host: '127.0.0.1', port }, dir));
  const spawn = () => spawnServer(binary, [configFile], { cwd: dir, logFile: join(dir, 'redis.log') });
  return nativeServer(spawn, {
    url: `redis://127.0.0.1:${port}`,
    details: { binary, ...REDIS_SETTINGS },
    shutdown: { signal: 'SIGTERM', graceMs: 5_000 },
    cleanup: () => removeTempDir(dir),
  });
}
