/**
 * The settings each server runs with, defined once and used by the native and the container provider alike, so
 * that the two differ only in packaging. Each provider adds where the server listens (an address and a port) and
 * where it keeps its data; everything that changes a measurement is here, and recorded in every result
 * (`env.services.<kind>.details`).
 */

/** Where a server accepts connections: 127.0.0.1 at a port hopbench chose, or every interface of a container. */
export interface Listen {
  readonly host: '127.0.0.1' | '0.0.0.0';
  readonly port: number;
}

/**
 * Redis: the append-only file fsynced every second (BullMQ's production guidance; a crash loses about a second), no
 * snapshots. A point may ask for another persistence for its samples (`--redis-persistence`, redis-persistence.ts).
 */
export const REDIS_SETTINGS = { save: '', appendonly: 'yes', appendfsync: 'everysec' } as const;

/** Postgres: every commit waits for its fsync, and room for every pool a sweep opens. */
export const POSTGRES_SETTINGS = { max_connections: 400, fsync: 'on', synchronous_commit: 'on', shared_buffers: '128MB' } as const;

/** RabbitMQ: its defaults, and guest may connect from anywhere (a container's clients come from the bridge). */
export const RABBITMQ_SETTINGS = { loopback_users: 'none' } as const;

/** A redis.conf: settings in a file, not arguments, so that CONFIG REWRITE (a faults run's AOF) survives a restart. */
export function redisConfig(listen: Listen, dir: string): string {
  const lines = [
    `bind ${listen.host}`,
    `port ${listen.port}`,
    // Reached through a published port, clients come from the bridge's address, which protected mode refuses.
    ...(listen.host === '0.0.0.0' ? ['protected-mode no'] : []),
    ...Object.entries(REDIS_SETTINGS).map(([key, value]) => `${key} ${value === '' ? '""' : value}`),
    `dir ${dir}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `postgres` arguments after the data directory. */
export function postgresArgs(listen: Listen): string[] {
  const settings = { listen_addresses: listen.host === '0.0.0.0' ? '*' : listen.host, port: listen.port, ...POSTGRES_SETTINGS };
  return Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
}

/** A rabbitmq.conf with one AMQP listener. */
export function rabbitmqConfig(listen: Listen): string {
  const listener = listen.host === '0.0.0.0' ? `listeners.tcp.default = ${listen.port}` : `listeners.tcp.1 = ${listen.host}:${listen.port}`;
  return `${[listener, ...Object.entries(RABBITMQ_SETTINGS).map(([key, value]) => `${key} = ${value}`)].join('\n')}\n`;
}

/**
 * The Erlang distribution of a RabbitMQ node kept on loopback: its own epmd on 127.0.0.1 at `epmdPort` (epmd adds
 * [::1] by itself), the distribution port at `distPort` on 127.0.0.1 only.
 */
export function rabbitmqLoopbackEnv(epmdPort: number, distPort: number): Record<string, string> {
  return {
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
}

/** What a result records of a kind's settings. */
export const SERVER_SETTINGS = { redis: REDIS_SETTINGS, postgres: POSTGRES_SETTINGS, rabbitmq: RABBITMQ_SETTINGS } as const;
