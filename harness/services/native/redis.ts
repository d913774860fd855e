import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../lifecycle.ts';
import { freePort } from '../../net.ts';
import { logTail, spawnServer } from '../../processes.ts';
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
  let server = spawn();
  return {
    url: `redis://127.0.0.1:${port}`,
    get pids() {
      return [server.pid];
    },
    details: { binary, ...REDIS_SETTINGS },
    diagnostics: () => logTail(server.logFile),
    exitedEarly: () => server.exitReason(),
    async restart(how) {
      await server.stop(how === 'kill' ? { signal: 'SIGKILL' } : { signal: 'SIGTERM', graceMs: 5_000 });
      server = spawn();
    },
    async stop() {
      await server.stop({ signal: 'SIGTERM', graceMs: 5_000 });
      removeTempDir(dir);
    },
  };
}
