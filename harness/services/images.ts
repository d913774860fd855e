/**
 * Container images of the three services, built on this host from its own Debian packages: no registry is needed.
 * A fourth, `hopbench/node:local`, is a Node base (this hopbench's Node 24 and the host's npm) for building the
 * hopbench image itself (docker/Dockerfile, `--build-arg NODE_IMAGE=hopbench/node:local`) where no registry serves
 * `node:24-bookworm-slim`.
 * Each image is a root filesystem made of the files of a few packages (the server, its client tools, a shell and
 * coreutils), the shared libraries their ELF files load (found with ldd), and a small entrypoint that behaves as
 * the official image does (the same command lines, environment variables and ports), so that an image from a
 * registry can replace it (`--image`, HOPBENCH_<KIND>_IMAGE). The tarball goes to `docker import`.
 *
 * Builds are cached by content: the image carries a label with the hash of every package version and generated
 * file it was made from, and a build whose hash is already tagged is skipped.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ServiceError } from '../host/errors.ts';
import { makeTempDir, removeTempDir } from '../host/lifecycle.ts';
import type { ServiceKind } from './types.ts';

/** Bump when the recipe logic changes in a way the hashed inputs do not show. */
const BUILDER_VERSION = 1;
const CONTENT_LABEL = 'org.hopbench.content';
export type ImageKind = ServiceKind | 'node';
export const LOCAL_IMAGE: Record<ImageKind, string> = { redis: 'hopbench/redis:local', postgres: 'hopbench/postgres:local', rabbitmq: 'hopbench/rabbitmq:local', node: 'hopbench/node:local' };

/** Every image gets a POSIX shell and the tools that the servers' start scripts call. */
const BASE_PACKAGES = ['dash', 'coreutils', 'sed', 'grep', 'mawk', 'findutils', 'libc-bin', 'hostname'];
const NEVER = [/^\/usr\/share\/(doc|man|info|lintian|locale|bug|bash-completion)\//, /^\/etc\/(init\.d|logrotate\.d|cron\.)/, /^\/(usr\/)?lib\/systemd\//];

interface GeneratedFile {
  readonly content: string;
  readonly mode: number;
}

interface Recipe {
  /** Debian packages whose files go into the image (their dependencies are found through ldd, not dpkg). */
  readonly packages: readonly string[];
  /** The package whose version names the image's second tag (hopbench/redis:7.0-local), or the version itself. */
  readonly versionOf: string | { readonly version: string };
  /** Host files or directories copied into the image (image path → host path). */
  readonly copies?: Readonly<Record<string, string>>;
  /** What else decides the content (hashed with the recipe): versions and digests of what `copies` brings. */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly exclude?: readonly RegExp[];
  readonly files: Readonly<Record<string, GeneratedFile>>;
  /** Empty directories, owned by the named host user (root otherwise). */
  readonly dirs: ReadonlyArray<{ readonly path: string; readonly mode: number; readonly owner?: string }>;
  /** Host users (and their groups) the image needs in its /etc/passwd. */
  readonly users?: readonly string[];
  /** `docker import --change` instructions. */
  readonly changes: readonly string[];
}

const POSTGRES_ENTRYPOINT = `#!/bin/sh
# What the official postgres image does on start, in short: initialise PGDATA once (POSTGRES_USER, POSTGRES_DB),
# then run the server with the given arguments on every interface of the container.
set -e
[ "$1" = postgres ] && shift
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" -U "\${POSTGRES_USER:-postgres}" --auth=trust -E UTF8 --no-locale --no-sync >/dev/null
  echo 'host all all all trust' >> "$PGDATA/pg_hba.conf"
  if [ -n "$POSTGRES_DB" ] && [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \\"$POSTGRES_DB\\"" | postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
fi
exec postgres -D "$PGDATA" -c listen_addresses=* "$@"
`;

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** The host's npm (pure JavaScript): the directory of its package, found from the `npm` on PATH. */
function hostNpm(): { dir: string; version: string } {
  const cli = realpathSync(run('sh', ['-c', 'command -v npm']).trim());
  const dir = dirname(dirname(cli));
  return { dir, version: (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version };
}

/** Built on demand: a recipe asks dpkg about this host. */
export const RECIPES: Record<ImageKind, () => Recipe> = {
  node: () => {
    const npm = hostNpm();
    // The host's trust store, as the host's own npm uses it: a registry behind a TLS-intercepting proxy is trusted
    // inside the build as it is here.
    const trusted = existsSync(CA_BUNDLE);
    const caBundle: Record<string, string> = trusted ? { [CA_BUNDLE]: CA_BUNDLE } : {};
    return {
      packages: [],
      versionOf: { version: process.versions.node.split('.')[0]! },
      copies: { '/usr/local/bin/node': realpathSync(process.execPath), '/usr/local/lib/node_modules/npm': npm.dir, ...caBundle },
      inputs: { node: process.version, npm: npm.version, ...(trusted ? { caBundle: createHash('sha256').update(readFileSync(CA_BUNDLE)).digest('hex') } : {}) },
      files: {
        '/usr/local/bin/npm': { content: '#!/bin/sh\nexec node /usr/local/lib/node_modules/npm/bin/npm-cli.js "$@"\n', mode: 0o755 },
        // As the official image: a `node` user (1000) for USER node.
        '/etc/passwd': { content: 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n', mode: 0o644 },
        '/etc/group': { content: 'root:x:0:\nnode:x:1000:\n', mode: 0o644 },
      },
      dirs: [
        { path: '/home/node', mode: 0o1777 },
        { path: '/root', mode: 0o700 },
      ],
      changes: ['ENV PATH=/usr/local/bin:/usr/bin:/bin', ...(trusted ? [`ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`] : []), 'CMD ["node"]'],
    };
  },
  redis: () => ({
    packages: ['redis-server', 'redis-tools'],
    versionOf: 'redis-server',
    files: {},
    dirs: [{ path: '/data', mode: 0o777 }],
    changes: ['WORKDIR /data', 'EXPOSE 6379', 'CMD ["redis-server"]'],
  }),
  postgres: () => {
    const pgMajor = installedPostgresMajor();
    return {
      packages: [`postgresql-${pgMajor}`, `postgresql-client-${pgMajor}`, 'tzdata'],
      versionOf: `postgresql-${pgMajor}`,
      // JIT needs LLVM (100 MB) and is off unless a query is expensive; without it Postgres plans as before.
      exclude: [/llvmjit/, /\/bitcode\//],
      files: { '/usr/local/bin/docker-entrypoint.sh': { content: POSTGRES_ENTRYPOINT, mode: 0o755 } },
      dirs: [
        { path: '/var/lib/postgresql/data', mode: 0o700, owner: 'postgres' },
        { path: '/var/run/postgresql', mode: 0o2775, owner: 'postgres' },
      ],
      users: ['postgres'],
      changes: [
        `ENV PATH=/usr/lib/postgresql/${pgMajor}/bin:/usr/local/bin:/usr/bin:/bin PGDATA=/var/lib/postgresql/data TZ=UTC`,
        'USER postgres',
        'EXPOSE 5432',
        'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
        'CMD ["postgres"]',
      ],
    };
  },
  rabbitmq: () => ({
    packages: ['rabbitmq-server', ...erlangPackages()],
    versionOf: 'rabbitmq-server',
    files: {
      '/etc/rabbitmq/rabbitmq.conf': { content: 'loopback_users = none\nlisteners.tcp.default = 5672\nlog.console = true\nlog.file = false\n', mode: 0o644 },
      '/etc/rabbitmq/rabbitmq-env.conf': { content: '', mode: 0o644 },
      '/etc/rabbitmq/enabled_plugins': { content: '[].\n', mode: 0o644 },
    },
    dirs: [
      { path: '/var/lib/rabbitmq', mode: 0o755 },
      { path: '/var/log/rabbitmq', mode: 0o755 },
    ],
    changes: [
      // A fixed node name: a restarted container finds its own mnesia directory (durable queues come back).
      'ENV PATH=/usr/lib/rabbitmq/bin:/usr/bin:/bin HOME=/var/lib/rabbitmq RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_CONFIG_FILE=/etc/rabbitmq/rabbitmq.conf ' +
        'RABBITMQ_CONF_ENV_FILE=/etc/rabbitmq/rabbitmq-env.conf RABBITMQ_ENABLED_PLUGINS_FILE=/etc/rabbitmq/enabled_plugins RABBITMQ_MNESIA_BASE=/var/lib/rabbitmq/mnesia RABBITMQ_LOG_BASE=/var/log/rabbitmq',
      'EXPOSE 5672',
      'CMD ["rabbitmq-server"]',
    ],
  }),
};

function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Installed packages among `names`, with their versions. */
function packageVersions(names: readonly string[]): Map<string, string> {
  let output = '';
  try {
    output = run('dpkg-query', ['-W', '-f', '${Package}=${Version}=${db:Status-Status}\n', ...names]);
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? ''); // exit 1 when some are unknown; the others are listed
  }
  return new Map(output.split('\n').flatMap((line) => {
    const [name, version, status] = line.split('=');
    return name && version && status === 'installed' ? [[name, version] as const] : [];
  }));
}

/** The newest installed Postgres server's major version (15 when none is: the missing-package error names it). */
function installedPostgresMajor(): string {
  const majors = [...packageVersions(['postgresql-[0-9]*']).keys()].flatMap((name) => {
    const match = /^postgresql-(\d+)$/.exec(name);
    return match ? [match[1]!] : [];
  });
  return majors.sort((a, b) => Number(b) - Number(a))[0] ?? '15';
}

/** The Erlang packages RabbitMQ depends on (names only: the libraries they load come through ldd). */
function erlangPackages(): string[] {
  if (!packageVersions(['rabbitmq-server']).has('rabbitmq-server')) return [];
  const output = run('apt-cache', ['depends', '--recurse', '--installed', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', 'rabbitmq-server']);
  return [...new Set(output.split('\n').filter((line) => /^erlang-/.test(line)))];
}

/** The path with its directory resolved (so /bin/sh becomes /usr/bin/sh on a merged-/usr host), the name kept. */
function canonical(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return path;
  }
}

/** Files and links to files: directories come implicitly, and links to directories (/bin → usr/bin) are staged. */
function isFileOrLink(path: string): boolean {
  try {
    return !lstatSync(path).isDirectory() && !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Shared objects the given ELF files load (ldd prints the whole closure), as host paths. */
function sharedLibraries(files: readonly string[]): string[] {
  const found = new Set<string>();
  for (let index = 0; index < files.length; index += 200) {
    let output: string;
    try {
      output = run('ldd', files.slice(index, index + 200));
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? ''); // some were not dynamic executables
    }
    for (const match of output.matchAll(/(?:=>\s*)?(\/[^\s]+)\s+\(0x/g)) found.add(match[1]!);
  }
  return [...found];
}

function isElf(path: string): boolean {
  try {
    const stat = lstatSync(path);
    if (!stat.isFile() || stat.size < 64) return false;
    const head = readFileSync(path).subarray(0, 4);
    return head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
  } catch {
    return false;
  }
}

/** Every host path the image needs: package files, the libraries they load, and the targets of symlinks among them. */
export function hostFiles(recipe: Recipe): string[] {
  const excluded = [...NEVER, ...(recipe.exclude ?? [])];
  const listed = run('dpkg', ['-L', ...BASE_PACKAGES, ...recipe.packages])
    .split('\n')
    .filter((path) => path.startsWith('/') && !excluded.some((pattern) => pattern.test(path)) && isFileOrLink(path));
  const files = new Set(listed.map(canonical));
  const copiedElves = Object.values(recipe.copies ?? {}).filter(isElf);
  for (const library of sharedLibraries([...[...files].filter(isElf), ...copiedElves])) files.add(canonical(library));
  for (const path of [...files]) {
    try {
      if (lstatSync(path).isSymbolicLink()) files.add(realpathSync(path));
    } catch {
      files.delete(path); // a dangling link
    }
  }
  return [...files].sort();
}

function passwdLines(users: readonly string[]): { passwd: string; group: string } {
  const passwd = ['root:x:0:0:root:/root:/bin/sh'];
  const group = ['root:x:0:'];
  for (const user of users) {
    const entry = run('getent', ['passwd', user]).trim().split(':');
    const gid = entry[3]!;
    passwd.push([user, 'x', entry[2], gid, user, `/var/lib/${user}`, '/bin/sh'].join(':'));
    group.push(`${run('getent', ['group', gid]).trim().split(':')[0]}:x:${gid}:`);
  }
  return { passwd: `${passwd.join('\n')}\n`, group: `${group.join('\n')}\n` };
}

/** The inputs that decide the image's content, hashed: package versions, generated files, the recipe. */
function contentHash(recipe: Recipe, versions: ReadonlyMap<string, string>): string {
  const inputs = { builder: BUILDER_VERSION, versions: [...versions].sort(), recipe: { ...recipe, exclude: recipe.exclude?.map(String) } };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

function imageLabel(ref: string): string | undefined {
  try {
    return run('docker', ['image', 'inspect', '--format', `{{ index .Config.Labels "${CONTENT_LABEL}" }}`, ref]).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Writes the generated part of the root filesystem (users, entrypoint, configs, empty dirs) into `dir`. */
function stageGenerated(recipe: Recipe, dir: string): void {
  const { passwd, group } = passwdLines(recipe.users ?? []);
  const files: Record<string, GeneratedFile> = { '/etc/passwd': { content: passwd, mode: 0o644 }, '/etc/group': { content: group, mode: 0o644 }, ...recipe.files };
  for (const [path, file] of Object.entries(files)) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), file.content);
    chmodSync(join(dir, path), file.mode);
  }
  for (const { path, mode, owner } of [{ path: '/tmp', mode: 0o1777 }, ...recipe.dirs]) {
    mkdirSync(join(dir, path), { recursive: true });
    chmodSync(join(dir, path), mode);
    if (owner) {
      const [, , uid, gid] = run('getent', ['passwd', owner]).trim().split(':');
      chownSync(join(dir, path), Number(uid), Number(gid));
    }
  }
  // A merged-/usr host keeps /bin, /lib, … as links into /usr: so must the image, for /bin/sh and the ELF loader.
  for (const top of ['bin', 'sbin', 'lib', 'lib64']) {
    try {
      if (lstatSync(`/${top}`).isSymbolicLink()) execFileSync('ln', ['-s', `usr/${top}`, join(dir, top)]);
    } catch {
      // not on this host
    }
  }
}

/** tar of the host files and the staged ones, piped into `docker import`. */
function importImage(files: readonly string[], staged: string, listFile: string, ref: string, changes: readonly string[]): Promise<void> {
  writeFileSync(listFile, `${files.join('\n')}\n`);
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-c', '-f', '-', '--numeric-owner', '--no-recursion', '-C', '/', '-T', listFile, '--recursion', '-C', staged, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const docker = spawn('docker', ['import', ...changes.flatMap((change) => ['--change', change]), '-', ref], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    tar.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString().replace(/^tar: Removing leading .*\n/gm, '')));
    docker.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    tar.stdout.pipe(docker.stdin);
    let pending = 2;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0) return reject(new ServiceError(`building ${ref}: ${what} exited ${code}: ${errors.trim().split('\n').slice(-3).join(' | ')}`));
      if (--pending === 0) resolve();
    };
    tar.once('close', done('tar'));
    docker.once('close', done('docker import'));
  });
}

export interface BuiltImage {
  readonly kind: ImageKind;
  readonly ref: string;
  readonly versionRef: string;
  readonly content: string;
  /** False when an image with the same content hash was already tagged. */
  readonly built: boolean;
}

/** Builds (or finds cached) the local image of each kind. A kind whose server is not installed is an error naming the package. */
export async function buildLocalImages(kinds: readonly ImageKind[], { force = false }: { force?: boolean } = {}): Promise<BuiltImage[]> {
  const results: BuiltImage[] = [];
  for (const kind of kinds) {
    const recipe = RECIPES[kind]();
    const versions = packageVersions([...BASE_PACKAGES, ...recipe.packages]);
    const missing = recipe.packages.filter((name) => !versions.has(name));
    if (missing.length > 0) throw new ServiceError(`the ${kind} image is built from this host's Debian packages: apt-get install -y ${missing.join(' ')}`);
    const content = contentHash(recipe, versions);
    const version = typeof recipe.versionOf === 'string' ? (/^(?:\d+:)?(\d+(?:\.\d+)?)/.exec(versions.get(recipe.versionOf)!)?.[1] ?? 'unknown') : recipe.versionOf.version;
    const ref = LOCAL_IMAGE[kind];
    const versionRef = ref.replace(/:local$/, `:${version}-local`);
    if (!force && imageLabel(ref) === content) {
      results.push({ kind, ref, versionRef, content, built: false });
      continue;
    }
    const staging = makeTempDir(`image-${kind}`);
    try {
      const root = join(staging, 'root');
      mkdirSync(root);
      stageGenerated(recipe, root);
      for (const [path, host] of Object.entries(recipe.copies ?? {})) {
        mkdirSync(join(root, dirname(path)), { recursive: true });
        execFileSync('cp', ['-a', host, join(root, path)]);
      }
      await importImage(hostFiles(recipe), root, join(staging, 'files.txt'), ref, [...recipe.changes, `LABEL ${CONTENT_LABEL}=${content}`]);
      run('docker', ['tag', ref, versionRef]);
    } finally {
      removeTempDir(staging);
    }
    results.push({ kind, ref, versionRef, content, built: true });
  }
  return results;
}
