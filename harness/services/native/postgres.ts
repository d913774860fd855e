import { execFile } from 'node:child_process';
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, removeTempDir } from '../../lifecycle.ts';
import { freePort } from '../../net.ts';
import { logTail, spawnServer } from '../../processes.ts';
import { ProviderUnavailable, type StartedServer } from '../types.ts';
import { postgresBinDir } from './binaries.ts';
import { POSTGRES_SETTINGS, postgresArgs } from '../settings.ts';
import { ServiceError } from '../../errors.ts';

const run = promisify(execFile);

/** Postgres refuses to run as root: as root, initdb and postgres run as the `postgres` user. */
async function serverOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new ProviderUnavailable('running as root and there is no `postgres` user to run the server as');
  }
}

/** A fresh cluster (initdb) on a free loopback port, trust auth, unix socket inside its temp dir. */
export async function startNativePostgres(): Promise<StartedServer> {
  const binDir = postgresBinDir();
  const owner = await serverOwner();
  const dir = makeTempDir('postgres');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  // A server-like process of its own group: a Ctrl-C during initdb stops it and the `postgres --boot` it runs.
  const initdb = spawnServer(join(binDir, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'], {
    cwd: dir,
    uid: owner?.uid,
    gid: owner?.gid,
    logFile: join(dir, 'initdb.log'),
  });
  const status = await initdb.exited;
  await initdb.stop();
  if (status.error || status.code !== 0) {
    const reason = initdb.exitReason();
    const log = logTail(initdb.logFile, 3).split('\n').join(' | ');
    removeTempDir(dir);
    throw new ServiceError(`postgres initdb failed (${reason}): ${log}`);
  }
  const port = await freePort();
  const spawn = () =>
    spawnServer(join(binDir, 'postgres'), ['-D', data, '-k', dir, ...postgresArgs({ host: '127.0.0.1', port })], {
      cwd: dir,
      uid: owner?.uid,
      gid: owner?.gid,
      logFile: join(dir, 'postgres.log'),
    });
  let server = spawn();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    get pids() {
      return [server.pid];
    },
    details: { binary: join(binDir, 'postgres'), ...POSTGRES_SETTINGS },
    diagnostics: () => logTail(server.logFile),
    exitedEarly: () => server.exitReason(),
    async restart(how) {
      // After SIGKILL of the whole group the next start runs crash recovery from the WAL.
      await server.stop(how === 'kill' ? { signal: 'SIGKILL' } : { signal: 'SIGINT', graceMs: 10_000 });
      server = spawn();
    },
    async stop() {
      // SIGINT is Postgres's "fast" shutdown: abort sessions, checkpoint, exit.
      await server.stop({ signal: 'SIGINT', graceMs: 10_000 });
      removeTempDir(dir);
    },
  };
}
