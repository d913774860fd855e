import { execFile } from 'node:child_process';
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, removeTempDir } from '../../host/lifecycle.ts';
import { freePort } from '../../host/net.ts';
import { logTail, spawnServer } from '../../host/processes.ts';
import { nativeServer } from './server.ts';
import { ProviderUnavailable, type StartedServer } from '../types.ts';
import { postgresBinDir } from './binaries.ts';
import { POSTGRES_SETTINGS, postgresArgs } from '../settings.ts';
import { ServiceError } from '../../host/errors.ts';

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
  // SIGINT is Postgres's "fast" shutdown: abort sessions, checkpoint, exit. After a SIGKILL of the whole group (a
  // broker-kill) the next start runs crash recovery from the WAL.
  return nativeServer(spawn, {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    details: { binary: join(binDir, 'postgres'), ...POSTGRES_SETTINGS },
    shutdown: { signal: 'SIGINT', graceMs: 10_000 },
    cleanup: () => removeTempDir(dir),
  });
}
