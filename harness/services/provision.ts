/**
 * One service per kind, from the first provider that can supply it: external URL → Docker (testcontainers) →
 * native binaries. Started once per invocation and stopped by the lifecycle on every exit path.
 */
import type { ResourceTarget } from '../measure/resources.ts';
import { deferCleanup } from '../host/lifecycle.ts';
import { errorMessage, ServiceError } from '../host/errors.ts';
import { startDockerService, CONTAINERS, IMAGE_ENV, type DockerOptions } from './docker.ts';
import { useExternalService } from './external.ts';
import { startNativePostgres } from './native/postgres.ts';
import { startNativeRabbitmq } from './native/rabbitmq.ts';
import { startNativeRedis } from './native/redis.ts';
import { waitUntilReady } from './probe.ts';
import { ProviderUnavailable, URL_ENV, type ProviderName, type Service, type ServiceKind, type ServicesMode, type StartedServer } from './types.ts';

const NATIVE: Record<ServiceKind, () => Promise<StartedServer>> = {
  redis: startNativeRedis,
  postgres: startNativePostgres,
  rabbitmq: startNativeRabbitmq,
};

const READY_TIMEOUT_MS: Record<ServiceKind, number> = { redis: 15_000, postgres: 30_000, rabbitmq: 90_000 };

export const APT_PACKAGE: Record<ServiceKind, string> = { redis: 'redis-server', rabbitmq: 'rabbitmq-server', postgres: 'postgresql' };

const EXAMPLE_URL: Record<ServiceKind, string> = {
  redis: 'redis://127.0.0.1:6379',
  rabbitmq: 'amqp://guest:guest@127.0.0.1:5672',
  postgres: 'postgres://postgres@127.0.0.1:5432/postgres',
};

async function startAndWait(kind: ServiceKind, provider: ProviderName, start: () => Promise<StartedServer>): Promise<Service> {
  const server = await start();
  let version: string;
  try {
    version = await waitUntilReady(kind, server, READY_TIMEOUT_MS[kind]);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const restart = server.restart;
  return {
    kind,
    provider,
    version,
    url: server.url,
    // A getter: a restarted server has new pids.
    get pids() {
      return server.pids;
    },
    get proxyPids() {
      return server.proxyPids;
    },
    details: server.details,
    restart:
      restart &&
      (async (how) => {
        await restart(how);
        await waitUntilReady(kind, server, READY_TIMEOUT_MS[kind]);
      }),
    stop: () => server.stop(),
  };
}

const PROVIDERS: Record<ProviderName, (kind: ServiceKind, options: DockerOptions) => Promise<Service>> = {
  external: useExternalService,
  docker: (kind, options) => startAndWait(kind, 'docker', () => startDockerService(kind, options)),
  native: (kind) => startAndWait(kind, 'native', NATIVE[kind]),
};

function unavailableMessage(kind: ServiceKind, reasons: readonly string[]): string {
  return (
    `${kind} is not available (${reasons.join('; ')}). Fix one of: set ${URL_ENV[kind]}=${EXAMPLE_URL[kind]} and use --services external; ` +
    `start a Docker engine (npm run docker:images builds its image here, or set ${IMAGE_ENV[kind]}; else it pulls ${CONTAINERS[kind].registryImage}); ` +
    `or install it: apt-get install -y ${APT_PACKAGE[kind]}`
  );
}

export async function provideService(kind: ServiceKind, mode: ServicesMode, options: DockerOptions = {}): Promise<Service> {
  const order: readonly ProviderName[] = mode === 'auto' ? ['external', 'docker', 'native'] : [mode];
  const reasons: string[] = [];
  for (const provider of order) {
    try {
      return await PROVIDERS[provider](kind, options);
    } catch (error) {
      if (!(error instanceof ProviderUnavailable)) throw error;
      reasons.push(`${provider}: ${error.message}`);
    }
  }
  throw new ServiceError(unavailableMessage(kind, reasons));
}

export interface ServiceSet {
  get(kind: ServiceKind): Service;
  readonly all: readonly Service[];
  stop(): Promise<void>;
}

/** Resource-sampling targets for the server processes of the given kinds (each with its children, e.g. Postgres backends). */
export function serviceResourceTargets(services: ServiceSet, kinds: readonly ServiceKind[]): ResourceTarget[] {
  return services.all
    .filter((service) => kinds.includes(service.kind))
    .flatMap((service) => [
      ...service.pids.map((pid): ResourceTarget => ({ label: service.kind, role: 'broker', pid, tree: true })),
      ...(service.proxyPids ?? []).map((pid): ResourceTarget => ({ label: `${service.kind} docker-proxy`, role: 'broker', pid, tree: false })),
    ]);
}

/** Starts the requested kinds in parallel; on any failure, stops the ones that did start and rethrows. */
export async function provisionServices(kinds: readonly ServiceKind[], mode: ServicesMode, options: DockerOptions = {}): Promise<ServiceSet> {
  const unique = [...new Set(kinds)];
  const started: Service[] = [];
  const forgets: Array<() => void> = [];
  const stop = async () => {
    forgets.forEach((forget) => forget());
    await Promise.all(started.splice(0).map((service) => service.stop().catch((error) => process.stderr.write(`hopbench: stopping ${service.kind}: ${errorMessage(error)}\n`))));
  };
  const outcomes = await Promise.allSettled(
    unique.map(async (kind) => {
      const service = await provideService(kind, mode, options);
      started.push(service);
      forgets.push(deferCleanup(`${kind} (${service.provider})`, () => service.stop()));
      return service;
    }),
  );
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  const byKind = new Map(started.map((service) => [service.kind, service]));
  return {
    all: unique.map((kind) => byKind.get(kind)!),
    get(kind) {
      const service = byKind.get(kind);
      if (!service) throw new Error(`service ${kind} was not provisioned for this run`);
      return service;
    },
    stop,
  };
}
