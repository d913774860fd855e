/**
 * Services as containers through testcontainers, used when a Docker engine answers. The image of each kind is, in
 * order: an override (`--image redis=<ref>` or HOPBENCH_REDIS_IMAGE), hopbench's own image built on this host
 * (`npm run docker:images`, no registry needed), or the pinned official image (pulled from a registry).
 *
 * Networking: on a local Linux engine each container joins the host's network and its server listens on 127.0.0.1
 * at a port chosen here, so that a container measures like the same server run natively. A published port (the
 * fallback, where the host network is not this host's: Docker Desktop, a rootless or remote engine) sends every
 * connection through `docker-proxy`, a userland copy loop that cut pgbench's select-only rate to a third here; its
 * CPU is sampled as part of the service, and results say which way the traffic went (`details.network`).
 *
 * Without Ryuk: hopbench removes every container it started itself, on every exit path (lifecycle.ts tracks each
 * one; a second Ctrl-C removes them with `docker rm -f`), and removes containers left by a hopbench process that
 * no longer runs before it starts new ones. The port is fixed when the container is created, so that a restarted
 * container (a broker fault) answers at the same URL.
 */
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { homedir, hostname } from 'node:os';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { errorMessage, ServiceError, UsageError } from '../host/errors.ts';
import { trackContainer } from '../host/lifecycle.ts';
import { freePort } from '../host/net.ts';
import { pidsRunning } from '../host/procfs.ts';
import { joinCpuCgroup } from './cpu-cgroup.ts';
import { LOCAL_IMAGE } from './images.ts';
import { postgresArgs, rabbitmqConfig, rabbitmqLoopbackEnv, redisConfig, SERVER_SETTINGS, type Listen } from './settings.ts';
import { ProviderUnavailable, SERVICE_KINDS, type ServiceKind, type StartedServer } from './types.ts';

// hopbench's own lifecycle removes what it starts; Ryuk's image could not be pulled without a registry anyway.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

/** `host`: the container shares the host's network; `published`: its own network, a port published on 127.0.0.1. */
export const DOCKER_NETWORKS = ['auto', 'host', 'published'] as const;
export type DockerNetworkChoice = (typeof DOCKER_NETWORKS)[number];
export type DockerNetwork = Exclude<DockerNetworkChoice, 'auto'>;

/** How a container is started: its command, environment and files, for a server listening at `listen`. */
interface ContainerSetup {
  readonly command?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Files written into the container before it starts. */
  readonly files: ReadonlyArray<{ readonly target: string; readonly content: string }>;
}

export interface ContainerDefinition {
  /** Pulled from a registry when neither an override nor the local image is there; docker/docker-compose.yml uses it too. */
  readonly registryImage: string;
  /** The server's port on a container network of its own (published mode). */
  readonly port: number;
  /** The same settings as the native server (settings.ts); only where it listens differs. */
  setup(listen: Listen): Promise<ContainerSetup>;
  /**
   * A log line printed once the server listens on its TCP port, by the local and the official image alike (the
   * official postgres image runs a socket-only server for its init scripts first, which does not print it).
   */
  readonly ready: RegExp;
  url(port: number): string;
}

const RABBITMQ_CONFIG = '/etc/hopbench/rabbitmq.conf';

export const CONTAINERS: Record<ServiceKind, ContainerDefinition> = {
  redis: {
    registryImage: 'redis:7.4.2-alpine',
    port: 6379,
    // A config file, not arguments: CONFIG REWRITE (Redis persistence switched on for a faults run) needs one.
    setup: async (listen) => ({ command: ['redis-server', '/data/hopbench-redis.conf'], env: {}, files: [{ target: '/data/hopbench-redis.conf', content: redisConfig(listen, '/data') }] }),
    ready: /Ready to accept connections/,
    url: (port) => `redis://127.0.0.1:${port}`,
  },
  postgres: {
    registryImage: 'postgres:17.2-alpine',
    port: 5432,
    setup: async (listen) => ({ command: ['postgres', ...postgresArgs(listen)], env: { POSTGRES_USER: 'hopbench', POSTGRES_PASSWORD: 'hopbench', POSTGRES_DB: 'hopbench' }, files: [] }),
    ready: /listening on IPv4 address/,
    url: (port) => `postgres://hopbench:hopbench@127.0.0.1:${port}/hopbench`,
  },
  rabbitmq: {
    registryImage: 'rabbitmq:3.13.7-alpine',
    port: 5672,
    async setup(listen) {
      // On the host's network its epmd and distribution port must stay on loopback too, at ports of their own.
      const loopback = listen.host === '127.0.0.1' ? rabbitmqLoopbackEnv(await freePort(), await freePort()) : {};
      return {
        env: {
          ...loopback,
          // A fixed node name: a restarted container finds its own mnesia directory (durable queues come back).
          RABBITMQ_NODENAME: 'rabbit@localhost',
          RABBITMQ_CONFIG_FILE: RABBITMQ_CONFIG,
          // Only this file: the official image's conf.d adds a listener on every interface.
          RABBITMQ_CONFIG_FILES: '/etc/hopbench/conf.d',
        },
        files: [{ target: RABBITMQ_CONFIG, content: `${rabbitmqConfig(listen)}log.console = true\nlog.file = false\n` }],
      };
    },
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

type Endpoint = { readonly socketPath: string } | { readonly host: string; readonly port: number };

/** The engine's socket or TCP endpoint, as the docker CLI would find it. */
function engineEndpoint(): Endpoint | undefined {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost?.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost?.startsWith('tcp://')) {
    const url = new URL(dockerHost.replace('tcp://', 'http://'));
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  const socketPath = ['/var/run/docker.sock', join(homedir(), '.docker/run/docker.sock')].find(existsSync);
  return socketPath ? { socketPath } : undefined;
}

const describeEndpoint = (endpoint: Endpoint) => ('socketPath' in endpoint ? `unix://${endpoint.socketPath}` : `tcp://${endpoint.host}:${endpoint.port}`);

/** One GET on the engine's API: the status and the body, or why there was none. */
function engineGet(endpoint: Endpoint, path: string, timeoutMs: number): Promise<{ status: number; body: string } | { failed: string }> {
  return new Promise((resolve) => {
    const req = request({ ...endpoint, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.once('error', (error) => resolve({ failed: errorMessage(error) }));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.once('error', (error) => resolve({ failed: errorMessage(error) }));
    req.end();
  });
}

/** What the engine says of itself (GET /info), as far as networking needs it. */
interface EngineInfo {
  readonly OSType?: string;
  readonly OperatingSystem?: string;
  readonly SecurityOptions?: readonly string[];
}

export type DockerEngine = { readonly answers: true; readonly endpoint: Endpoint; readonly info: EngineInfo } | { readonly answers: false; readonly why: string };

/** A busy engine (creating other containers) can take seconds to answer a ping: wait that long, and ask again. */
export const ENGINE_PING = { timeoutMs: 5_000, tries: 3, pauseMs: 500 } as const;

async function askEngine(endpoint: Endpoint | undefined): Promise<DockerEngine> {
  if (!endpoint) return { answers: false, why: 'no engine socket (/var/run/docker.sock) and DOCKER_HOST is not set' };
  let last = '';
  for (let attempt = 1; attempt <= ENGINE_PING.tries; attempt++) {
    const ping = await engineGet(endpoint, '/_ping', ENGINE_PING.timeoutMs);
    if ('status' in ping && ping.status === 200) {
      const info = await engineGet(endpoint, '/info', ENGINE_PING.timeoutMs);
      return { answers: true, endpoint, info: 'status' in info && info.status === 200 ? (JSON.parse(info.body) as EngineInfo) : {} };
    }
    last = 'status' in ping ? `HTTP ${ping.status}` : ping.failed;
    if (attempt < ENGINE_PING.tries) await new Promise((resolve) => setTimeout(resolve, ENGINE_PING.pauseMs));
  }
  return { answers: false, why: `GET /_ping on ${describeEndpoint(endpoint)} failed ${ENGINE_PING.tries} times, each within ${ENGINE_PING.timeoutMs / 1000} s (last: ${last})` };
}

const engines = new Map<string, Promise<DockerEngine>>();

/** The engine at DOCKER_HOST (or the default socket), asked once per process however many services start at once. */
export function dockerEngine(): Promise<DockerEngine> {
  const endpoint = engineEndpoint();
  const key = endpoint ? describeEndpoint(endpoint) : '';
  let answer = engines.get(key);
  if (!answer) engines.set(key, (answer = askEngine(endpoint)));
  return answer;
}

/** True when a Docker engine answers GET /_ping. */
export async function dockerEngineAnswers(): Promise<boolean> {
  return (await dockerEngine()).answers;
}

/** Why this engine's host network is not this host's loopback, or undefined when it is. */
export function hostNetworkUnavailable(engine: Extract<DockerEngine, { answers: true }>): string | undefined {
  const { endpoint, info } = engine;
  if ('host' in endpoint && !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(endpoint.host)) return `the engine at ${describeEndpoint(endpoint)} is remote: its host network is another host's`;
  if (info.OSType && info.OSType !== 'linux') return `the engine runs ${info.OSType} containers`;
  if (info.OperatingSystem?.includes('Docker Desktop')) return "Docker Desktop runs containers in a VM: its host network is the VM's";
  if (info.SecurityOptions?.some((option) => option.includes('name=rootless'))) return "rootless Docker: its host network is rootlesskit's namespace, not this host's";
  return undefined;
}

/** The network a container joins: the host's where it is this host's (or asked for), else a published port. */
export function resolveNetwork(choice: DockerNetworkChoice, engine: Extract<DockerEngine, { answers: true }>): { mode: DockerNetwork; why?: string } {
  if (choice !== 'auto') return { mode: choice, why: '--docker-network' };
  const unavailable = hostNetworkUnavailable(engine);
  return unavailable ? { mode: 'published', why: unavailable } : { mode: 'host' };
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

/** Publishes the server's port on 127.0.0.1 only (testcontainers binds all interfaces and has no option for it). */
function loopbackOnly(container: GenericContainer, containerPort: number, hostPort: number): GenericContainer {
  const hook = container as unknown as { hostConfig: { PortBindings?: Record<string, Array<{ HostIp?: string; HostPort: string }>> } };
  hook.hostConfig.PortBindings = { ...hook.hostConfig.PortBindings, [`${containerPort}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] };
  return container;
}

let started = 0;

/** Where the server listens: on the host's network, 127.0.0.1 at the chosen port; on its own, every interface. */
const listenFor = (kind: ServiceKind, network: DockerNetwork, port: number): Listen =>
  network === 'host' ? { host: '127.0.0.1', port } : { host: '0.0.0.0', port: CONTAINERS[kind].port };

/** Builds (does not start) the container of a kind, reached at 127.0.0.1:`port` on this host; needs no engine. */
export async function containerFor(kind: ServiceKind, image: string, network: DockerNetwork, port: number): Promise<GenericContainer> {
  const { GenericContainer, Wait } = await testcontainers();
  const definition = CONTAINERS[kind];
  const setup = await definition.setup(listenFor(kind, network, port));
  let container = new GenericContainer(image)
    .withName(`hopbench-${kind}-${process.pid}-${started++}`)
    .withLabels({ [OWNER_LABEL]: owner })
    .withEnvironment({ ...setup.env })
    .withWaitStrategy(Wait.forLogMessage(definition.ready, 1))
    .withStartupTimeout(120_000);
  if (setup.command) container = container.withCommand([...setup.command]);
  if (setup.files.length) container = container.withCopyContentToContainer(setup.files.map((file) => ({ ...file, mode: 0o666 })));
  if (network === 'host') return container.withNetworkMode('host');
  return loopbackOnly(container.withExposedPorts({ container: definition.port, host: port }), definition.port, port);
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

/** The `docker-proxy` that copies a published port's connections into the container: CPU the service costs too. */
function proxyPids(port: number): number[] {
  return pidsRunning((argv) => basename(argv[0] ?? '') === 'docker-proxy' && argv.some((arg, index) => arg === '-host-port' && argv[index + 1] === String(port)));
}

export interface DockerOptions {
  /** Images that replace the defaults, by kind. */
  readonly images?: ImageOverrides;
  /** `auto` (the default): the host's network where it is this host's, else published ports. */
  readonly network?: DockerNetworkChoice;
}

export async function startDockerService(kind: ServiceKind, options: DockerOptions = {}): Promise<StartedServer> {
  const engine = await dockerEngine();
  if (!engine.answers) throw new ProviderUnavailable(`no Docker engine answered: ${engine.why}`);
  await removeOrphans();
  const image = await resolveImage(kind, options.images);
  const network = resolveNetwork(options.network ?? 'auto', engine);
  const port = await freePort();
  let container: StartedTestContainer;
  try {
    container = await (await containerFor(kind, image.ref, network.mode, port)).start();
  } catch (error) {
    const reason = errorMessage(error).split('\n')[0]!;
    // No such image here and none to pull (no registry): another provider may serve this kind.
    if (!(await imageExists(image.ref))) throw new ProviderUnavailable(`image ${image.ref} is not here and could not be pulled (${reason})`);
    throw new ServiceError(`${kind} container from ${image.ref} (${image.source}) did not start: ${reason}`);
  }
  const untrack = trackContainer(container.getId());
  // Its processes join hopbench's CPU cgroup (see cpu-cgroup.ts) now and after every restart, which starts new ones.
  const processes = async () => {
    const server = await hostPid(container);
    return { server, proxy: network.mode === 'published' ? proxyPids(port) : [], cgroup: joinCpuCgroup(server[0]) };
  };
  let pids = await processes();
  const details: Record<string, string | number | boolean> = {
    image: image.ref,
    imageSource: image.source,
    imageId: await imageId(image.ref),
    container: container.getName().replace(/^\//, ''),
    network: network.mode,
    ...(network.why ? { networkWhy: network.why } : {}),
    listensOn: `127.0.0.1:${port}`,
    ...pids.cgroup,
    ...SERVER_SETTINGS[kind],
  };
  return {
    url: CONTAINERS[kind].url(port),
    get pids() {
      return pids.server;
    },
    get proxyPids() {
      return pids.proxy;
    },
    details,
    diagnostics: () => `container ${container.getId().slice(0, 12)} (${image.ref}): docker logs ${container.getId().slice(0, 12)}`,
    exitedEarly: () => undefined,
    async restart(how) {
      // docker restart: SIGTERM and up to 10 s for an orderly shutdown, or (0 s) SIGKILL at once, a crash. The
      // container keeps its filesystem (the data), its command (the port it listens on) and its port binding.
      await container.restart({ timeout: how === 'kill' ? 0 : 10_000 });
      pids = await processes();
      delete details.cpuCgroupWhy;
      Object.assign(details, pids.cgroup);
    },
    async stop() {
      await container.stop({ timeout: 10_000, remove: true, removeVolumes: true });
      untrack();
    },
  };
}
