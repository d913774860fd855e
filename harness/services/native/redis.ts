import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../lifecycle.ts';
import { freePort } from '../../net.ts';
import { logTail, spawnServer } from '../../processes.ts';
import type { StartedServer } from '../types.ts';
import { redisServerBinary } from './binaries.ts';

/** redis-server on a free loopback port, no persistence, in a fresh temp dir. */
export async function startNativeRedis(): Promise<StartedServer> {
  const binary = redisServerBinary();
  const dir = makeTempDir('redis');
  const port = await freePort();
  const server = spawnServer(
    binary,
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
    { cwd: dir, logFile: join(dir, 'redis.log') },
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    pids: [server.pid],
    details: { binary, persistence: 'none' },
    diagnostics: () => logTail(server.logFile),
    exitedEarly: () => server.exitReason(),
    async stop() {
      await server.stop({ signal: 'SIGTERM', graceMs: 5_000 });
      removeTempDir(dir);
    },
  };
}
