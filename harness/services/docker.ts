/**
 * Services as containers through testcontainers, used when a Docker engine answers. Image tags are pinned and
 * must match docker/docker-compose.yml (a test checks that).
 */
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import type { GenericContainer } from 'testcontainers';
import { ProviderUnavailable, type ServiceKind, type StartedServer } from './types.ts';

export type ContainerWait = { readonly log: RegExp; readonly times: number } | { readonly healthcheck: readonly string[] };

export interface ContainerDefinition {
  readonly image: string;
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  readonly command?: readonly string[];
  readonly wait: ContainerWait;
  url(host: string, port: number): string;
}

export const CONTAINERS: Record<ServiceKind, ContainerDefinition> = {
  redis: {
    image: 'redis:7.4.2-alpine',
    port: 6379,
    env: {},
    command: ['redis-server', '--save', '', '--appendonly', 'no'],
    wait: { log: /Ready to accept connections/, times: 1 },
    url: (host, port) => `redis://${host}:${port}`,
  },
  postgres: {
    image: 'postgres:17.2-alpine',
    port: 5432,
    env: { POSTGRES_USER: 'hopbench', POSTGRES_PASSWORD: 'hopbench', POSTGRES_DB: 'hopbench' },
    command: ['postgres', '-c', 'max_connections=400'],
    // The entrypoint starts a temporary server for init scripts first: the second "ready" is the real one.
    wait: { log: /database system is ready to accept connections/, times: 2 },
    url: (host, port) => `postgres://hopbench:hopbench@${host}:${port}/hopbench`,
  },
  rabbitmq: {
    image: 'rabbitmq:3.13.7-alpine',
    port: 5672,
    env: {},
    wait: { healthcheck: ['CMD', 'rabbitmq-diagnostics', '-q', 'check_port_connectivity'] },
    url: (host, port) => `amqp://guest:guest@${host}:${port}`,
  },
};

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

/** Builds (does not start) the container for a definition; needs no engine. */
export async function containerFor(definition: ContainerDefinition): Promise<GenericContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  let container = new GenericContainer(definition.image).withExposedPorts(definition.port).withEnvironment({ ...definition.env });
  if (definition.command) container = container.withCommand([...definition.command]);
  if ('log' in definition.wait) return container.withWaitStrategy(Wait.forLogMessage(definition.wait.log, definition.wait.times));
  const [first, ...rest] = definition.wait.healthcheck;
  if (first !== 'CMD') throw new Error('container healthchecks are written as exec form: ["CMD", ...]');
  return container
    .withHealthCheck({ test: ['CMD', ...rest], interval: 1_000, timeout: 5_000, retries: 60, startPeriod: 2_000 })
    .withWaitStrategy(Wait.forHealthCheck());
}

export async function startDockerService(kind: ServiceKind): Promise<StartedServer> {
  if (!(await dockerEngineAnswers())) throw new ProviderUnavailable('no Docker engine answered');
  const definition = CONTAINERS[kind];
  const started = await (await containerFor(definition)).withStartupTimeout(120_000).start();
  return {
    url: definition.url(started.getHost(), started.getMappedPort(definition.port)),
    pids: [],
    details: { image: definition.image },
    diagnostics: () => `container ${started.getId().slice(0, 12)} (${definition.image})`,
    exitedEarly: () => undefined,
    async stop() {
      await started.stop({ timeout: 10_000 });
    },
  };
}
