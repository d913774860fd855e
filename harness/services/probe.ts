/** Real readiness checks: a Redis PING, a Postgres query, an AMQP connection. Each returns the server version. */
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ServiceKind, StartedServer } from './types.ts';
import { errorMessage, ServiceError } from '../host/errors.ts';
import { redactUrl } from '../host/net.ts';

const CONNECT_TIMEOUT_MS = 2_000;

async function probeRedis(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: CONNECT_TIMEOUT_MS });
  client.on('error', () => {}); // surfaced through the rejected connect/ping
  try {
    await client.connect();
    await client.ping();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.disconnect();
  }
}

async function probePostgres(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end().catch(() => {});
  }
}

async function probeRabbitmq(url: string): Promise<string> {
  const connection = await amqp.connect(url, { timeout: CONNECT_TIMEOUT_MS });
  connection.on('error', () => {});
  try {
    const channel = await connection.createChannel();
    await channel.close();
    return String(connection.connection.serverProperties.version ?? 'unknown');
  } finally {
    await connection.close().catch(() => {});
  }
}

const probes: Record<ServiceKind, (url: string) => Promise<string>> = {
  redis: probeRedis,
  postgres: probePostgres,
  rabbitmq: probeRabbitmq,
};

/** One attempt: connects, runs a real command, returns the version. */
export function probeService(kind: ServiceKind, url: string): Promise<string> {
  return probes[kind](url);
}

/** Retries the probe until it answers, the server dies, or the timeout passes (error carries the log tail). */
export async function waitUntilReady(kind: ServiceKind, server: StartedServer, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt made';
  while (Date.now() < deadline) {
    const exit = server.exitedEarly();
    if (exit) throw new ServiceError(`${kind} exited during startup (${exit}). Log tail:\n${server.diagnostics()}`);
    try {
      return await probeService(kind, server.url);
    } catch (error) {
      lastError = errorMessage(error);
    }
    await sleep(100);
  }
  throw new ServiceError(
    `${kind} at ${redactUrl(server.url)} was not ready after ${timeoutMs / 1000}s (last error: ${lastError}). Log tail:\n${server.diagnostics()}`,
  );
}
