/**
 * Services as containers through testcontainers, used when a Docker engine answers. The image of each kind is, in
 * order: an override (`--image redis=<ref>` or HOPBENCH_REDIS_IMAGE), hopbench's own image built on this host
 * (`npm run docker:images`, no registry needed), or the pinned official image (pulled from a registry).
 *
 * Without Ryuk: hopbench removes every container it started itself, on every exit path (lifecycle.ts tracks each
 * one; a second Ctrl-C removes them with `docker rm -f`), and removes containers left by a hopbench process that
 * no longer runs before it starts new ones. Ports are published on 127.0.0.1 only, at a port chosen here, so that a
 * restarted container (a broker fault) answers at the same URL.
 */
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { homedir, hostname } from 'node:os';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { errorMessage, ServiceError, UsageError } from '../errors.ts';
import { trackContainer } from '../lifecycle.ts';
import { freePort } from '../net.ts';
import { LOCAL_IMAGE } from './images.ts';
import { ProviderUnavailable, SERVICE_KINDS, type ServiceKind, type StartedServer } from './types.ts';

// hopbench's own lifecycle removes what it starts; Ryuk's image could not be pulled without a registry anyway.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

export interface ContainerDefinition {
  /** Pulled from a registry when neither an override nor the local image is there; docker/docker-compose.yml uses it too. */
  readonly registryImage: string;
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  readonly command?: readonly string[];
  /** Files written into the container before it starts. */
  readonly files?: ReadonlyArray<{ readonly target: string; readonly content: string }>;
  /**
   * A log line printed once the server listens on its TCP port, by the local and the official image alike (the
   * official postgres image runs a socket-only server for its init scripts first, which does not print it).
   */
  readonly ready: RegExp;
  url(port: number): string;
}

export const CONTAINERS: Record<ServiceKind, ContainerDefinition> = {
  redis: {
    registryImage: 'redis:7.4.2-alpine',
    port: 6379,
    env: {},
    // A config file, not arguments: CONFIG REWRITE (Redis persistence switched on for a faults run) needs one.
    command: ['redis-server', '/data/hopbench-redis.conf'],
    files: [{ target: '/data/hopbench-redis.conf', content: 'bind 0.0.0.0\nprotected-mode no\nport 6379\nsave ""\nappendonly no\ndir /data\n' }],
    ready: /Ready to accept connections/,
    url: (port) => `redis://127.0.0.1:${port}`,
  },
  postgres: {
    registryImage: 'postgres:17.2-alpine',
    port: 5432,
    env: { POSTGRES_USER: 'hopbench', POSTGRES_PASSWORD: 'hopbench', POSTGRES_DB: 'hopbench' },
    command: ['postgres', '-c', 'max_connections=400'],
    ready: /listening on IPv4 address/,
    url: (port) => `postgres://hopbench:hopbench@127.0.0.1:${port}/hopbench`,
  },
  rabbitmq: {
    registryImage: 'rabbitmq:3.13.7-alpine',
    port: 5672,
    env: {},
    ready: /Server startup complete/,
    url: (port) => `amqp://guest:guest@127.0.0.1:${port}`,
  },
};

/** `HOPBENCH_REDIS_IMAGE`, … */
export const IMAGE_ENV: Record<ServiceKind, string> = { redis: 'HOPBENCH_REDIS_IMAGE', rabbitmq: 'HOPBENCH_RABBITMQ_IMAGE', postgres: 'HOPBENCH_POSTGRES_IMAGE' };

export type ImageOverrides = Readonly<Partial<Record<ServiceKind, string>>>;

/** `--image redis=<ref>[,postgres=<ref>…]` (the flag may repeat); a kind hopbench does not know is bad input. */
export function parseImageOverrides(values: readonly string[]): ImageOverrides {
  const overrides: Partial<Record<ServiceKind, string>> = {};
  for (const entry of values.flatMap((value) => value.split(','))) {
    const match = /^([a-z]+)=(\S+)$/.exec(entry.trim());
    if (!match || !(SERVICE_KINDS as readonly string[]).includes(match[1]!)) {
      throw new UsageError(`invalid --image "${entry}": use kind=image with kind one of ${SERVICE_KINDS.join(', ')} (e.g. redis=registry.local/redis:7.4)`);
    }
    overrides[match[1] as ServiceKind] = match[2]!;
  }
  return overrides;
}

/** The engine's socket or TCP endpoint, as the docker CLI would find it. */
function engineEndpoint(): { socketPath: string } | { host: string; port: number } | undefined {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost?.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost?.startsWith('tcp://')) {
    const url = new URL(dockerHost.replace('tcp://', 'http://'));
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  const socketPath = ['/var/run/docker.sock', join(homedir(), '.docker/run/docker.sock')].find(existsSync);
  return socketPath ? { socketPath } : undefined;
}

/** True when a Docker engine answers GET /_ping within the timeout. */
export function dockerEngineAnswers(timeoutMs = 1_500): Promise<boolean> {
  const endpoint = engineEndpoint();
  if (!endpoint) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ ...endpoint, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

const OWNER_LABEL = 'org.hopbench.owner';
const owner = `${hostname()}:${process.pid}`;

const testcontainers = () => import('testcontainers');

async function imageExists(ref: string): Promise<boolean> {
  const { getContainerRuntimeClient, ImageName } = await testcontainers();
  return (await getContainerRuntimeClient()).image.exists(ImageName.fromString(ref));
}

/** Which image a kind runs, and why (recorded in results). */
export async function resolveImage(kind: ServiceKind, overrides: ImageOverrides = {}): Promise<{ ref: string; source: string }> {
  const override = overrides[kind] ?? process.env[IMAGE_ENV[kind]];
  if (override) return { ref: override, source: overrides[kind] ? '--image' : IMAGE_ENV[kind] };
  if (await imageExists(LOCAL_IMAGE[kind])) return { ref: LOCAL_IMAGE[kind], source: 'built on this host (npm run docker:images)' };
  return { ref: CONTAINERS[kind].registryImage, source: 'registry' };
}

/** Removes containers that a hopbench process on this host started and can no longer remove (it was killed). */
async function removeOrphans(): Promise<void> {
  const { getContainerRuntimeClient } = await testcontainers();
  const client = await getContainerRuntimeClient();
  const host = `${hostname()}:`;
  for (const info of await client.container.list()) {
    const label = info.Labels?.[OWNER_LABEL];
    if (!label?.startsWith(host) || label === owner) continue;
    const pid = Number(label.slice(host.length));
    if (existsSync(`/proc/${pid}`)) continue;
    await client.container.remove(client.container.getById(info.Id), { removeVolumes: true }).catch(() => {});
  }
}

/** Publishes every exposed port on 127.0.0.1 only (testcontainers binds all interfaces and has no option for it). */
function loopbackOnly(container: GenericContainer, containerPort: number, hostPort: number): GenericContainer {
  const hook = container as unknown as { hostConfig: { PortBindings?: Record<string, Array<{ HostIp?: string; HostPort: string }>> } };
  hook.hostConfig.PortBindings = { ...hook.hostConfig.PortBindings, [`${containerPort}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] };
  return container;
}

let started = 0;

/** Builds (does not start) the container of a kind; needs no engine. */
export async function containerFor(kind: ServiceKind, image: string, hostPort: number): Promise<GenericContainer> {
  const { GenericContainer, Wait } = await testcontainers();
  const definition = CONTAINERS[kind];
  let container = new GenericContainer(image)
    .withName(`hopbench-${kind}-${process.pid}-${started++}`)
    .withLabels({ [OWNER_LABEL]: owner })
    .withExposedPorts({ container: definition.port, host: hostPort })
    .withEnvironment({ ...definition.env })
    .withWaitStrategy(Wait.forLogMessage(definition.ready, 1))
    .withStartupTimeout(120_000);
  if (definition.command) container = container.withCommand([...definition.command]);
  if (definition.files) container = container.withCopyContentToContainer(definition.files.map((file) => ({ ...file, mode: 0o666 })));
  return loopbackOnly(container, definition.port, hostPort);
}

async function imageId(ref: string): Promise<string> {
  const { getContainerRuntimeClient, ImageName } = await testcontainers();
  const info = await (await getContainerRuntimeClient()).image.inspect(ImageName.fromString(ref));
  return info.RepoDigests?.[0] ?? info.Id;
}

/** The container's main process as this host sees it (the engine is local), for CPU and memory sampling. */
async function hostPid(container: StartedTestContainer): Promise<number[]> {
  const { getContainerRuntimeClient } = await testcontainers();
  const client = await getContainerRuntimeClient();
  const pid = (await client.container.inspect(client.container.getById(container.getId()))).State.Pid;
  return pid > 0 && existsSync(`/proc/${pid}`) ? [pid] : [];
}

export async function startDockerService(kind: ServiceKind, overrides: ImageOverrides = {}): Promise<StartedServer> {
  if (!(await dockerEngineAnswers())) throw new ProviderUnavailable('no Docker engine answered');
  await removeOrphans();
  const image = await resolveImage(kind, overrides);
  const hostPort = await freePort();
  let container: StartedTestContainer;
  try {
    container = await (await containerFor(kind, image.ref, hostPort)).start();
  } catch (error) {
    const reason = errorMessage(error).split('\n')[0]!;
    // No such image here and none to pull (no registry): another provider may serve this kind.
    if (!(await imageExists(image.ref))) throw new ProviderUnavailable(`image ${image.ref} is not here and could not be pulled (${reason})`);
    throw new ServiceError(`${kind} container from ${image.ref} (${image.source}) did not start: ${reason}`);
  }
  const untrack = trackContainer(container.getId());
  let pids = await hostPid(container);
  return {
    url: CONTAINERS[kind].url(hostPort),
    get pids() {
      return pids;
    },
    details: { image: image.ref, imageSource: image.source, imageId: await imageId(image.ref), container: container.getName().replace(/^\//, ''), publishedOn: `127.0.0.1:${hostPort}` },
    diagnostics: () => `container ${container.getId().slice(0, 12)} (${image.ref}): docker logs ${container.getId().slice(0, 12)}`,
    exitedEarly: () => undefined,
    async restart(how) {
      // docker restart: SIGTERM and up to 10 s for an orderly shutdown, or (0 s) SIGKILL at once, a crash. The
      // container keeps its filesystem (the data) and its port binding.
      await container.restart({ timeout: how === 'kill' ? 0 : 10_000 });
      pids = await hostPid(container);
    },
    async stop() {
      await container.stop({ timeout: 10_000, remove: true, removeVolumes: true });
      untrack();
    },
  };
}
