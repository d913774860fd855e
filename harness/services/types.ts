export const SERVICE_KINDS = ['redis', 'rabbitmq', 'postgres'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

export const PROVIDER_NAMES = ['external', 'docker', 'native'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
export type ServicesMode = 'auto' | ProviderName;

/** The environment variable each service's URL is read from (external) and printed as (`services up`). */
export const URL_ENV: Record<ServiceKind, string> = {
  redis: 'REDIS_URL',
  rabbitmq: 'AMQP_URL',
  postgres: 'DATABASE_URL',
};

/** How a server is taken down before it starts again: its own orderly shutdown, or SIGKILL (a crash). */
export type StopHow = 'graceful' | 'kill';
export const STOP_HOWS: readonly StopHow[] = ['graceful', 'kill'];

/** A running (or reachable) service, shared by every run of one invocation. */
export interface Service {
  readonly kind: ServiceKind;
  readonly provider: ProviderName;
  readonly url: string;
  /** The server's own version string, as it reports it. */
  readonly version: string;
  /** Server pids on this host (empty for external), for CPU and RSS sampling. */
  readonly pids: readonly number[];
  /** A published container port's `docker-proxy` pids: CPU spent on the service's traffic outside its container. */
  readonly proxyPids?: readonly number[];
  /** Provider facts worth recording in results: binary, image, config flags. */
  readonly details: Readonly<Record<string, string | number | boolean>>;
  /**
   * Stops the server and starts it again on the same port with the same data, resolving once it answers again.
   * Only servers hopbench started itself (native and Docker); undefined for external services.
   */
  readonly restart?: (how: StopHow) => Promise<void>;
  stop(): Promise<void>;
}

/** What a provider hands back before readiness has been confirmed. */
export interface StartedServer {
  readonly url: string;
  readonly pids: readonly number[];
  readonly proxyPids?: readonly number[];
  readonly details: Readonly<Record<string, string | number | boolean>>;
  /** Extra context for a readiness failure (the server's log tail). */
  diagnostics(): string;
  /** Set when the server process has already died: readiness stops waiting. */
  exitedEarly(): string | undefined;
  /** Stops the server process and spawns it again with the same arguments and data (readiness is the caller's). */
  readonly restart?: (how: StopHow) => Promise<void>;
  stop(): Promise<void>;
}

/** Thrown by a provider that cannot serve a kind here (no URL set, no engine, no binary): auto tries the next. */
export class ProviderUnavailable extends Error {}
