/** Where the native server binaries live; each can be overridden by an environment variable. */
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ProviderUnavailable } from '../types.ts';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  return (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)).find(isExecutable);
}

/** Newest versioned directory first: /usr/lib/postgresql/17/bin before /usr/lib/postgresql/15/bin. */
function versionedDirs(parent: string, toBin: (entry: string) => string): string[] {
  try {
    return readdirSync(parent)
      .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))
      .map((entry) => join(parent, entry, toBin(entry)));
  } catch {
    return [];
  }
}

function fromOverride(variable: string, check: (value: string) => boolean): string | undefined {
  const value = process.env[variable];
  if (value === undefined) return undefined;
  if (!check(value)) throw new ProviderUnavailable(`${variable}=${value} is not an executable or a directory holding one`);
  return value;
}

export function redisServerBinary(): string {
  const found = fromOverride('HOPBENCH_REDIS_SERVER', isExecutable) ?? onPath('redis-server');
  if (!found) throw new ProviderUnavailable('redis-server not found on PATH');
  return found;
}

/** The bin directory holding initdb and postgres. */
export function postgresBinDir(): string {
  const hasServer = (dir: string) => isExecutable(join(dir, 'postgres')) && isExecutable(join(dir, 'initdb'));
  const found =
    fromOverride('HOPBENCH_PG_BINDIR', hasServer) ??
    versionedDirs('/usr/lib/postgresql', () => 'bin').find(hasServer) ??
    [onPath('postgres')].filter((p) => p !== undefined).map((p) => p.replace(/\/postgres$/, '')).find(hasServer);
  if (!found) throw new ProviderUnavailable('postgres/initdb not found in /usr/lib/postgresql/*/bin or on PATH');
  return found;
}

export interface RabbitmqBinaries {
  readonly server: string;
  readonly epmd: string;
}

export function rabbitmqBinaries(): RabbitmqBinaries {
  // The /usr/sbin wrapper switches user and uses /var paths; the script under /usr/lib runs as we configure it.
  const server = fromOverride('HOPBENCH_RABBITMQ_SERVER', isExecutable) ?? ['/usr/lib/rabbitmq/bin/rabbitmq-server'].find(isExecutable);
  if (!server) throw new ProviderUnavailable('rabbitmq-server not found in /usr/lib/rabbitmq/bin');
  const epmd = onPath('epmd') ?? versionedDirs('/usr/lib/erlang', () => 'bin/epmd').find(isExecutable);
  if (!epmd) throw new ProviderUnavailable('epmd (Erlang) not found on PATH');
  return { server, epmd };
}
