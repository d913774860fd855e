/** The environment a result was measured in: enough to tell whether two results are comparable. */
import { readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { redactUrl } from './net.ts';
import type { ServiceSet } from './services/provision.ts';
import { connectedAgents } from './agent/client.ts';
import type { AgentInfo, Environment, Fingerprint } from './results/types.ts';

const MEASURED_PACKAGES = ['bullmq', 'ioredis', 'amqplib', 'pg-boss', 'pg', 'hdr-histogram-js'];

function packageVersion(name: string): string {
  try {
    const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function isLoopback(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

export function captureEnvironment(services: ServiceSet | undefined, harness: Record<string, number>, fingerprint?: Fingerprint): Environment {
  const all = services?.all ?? [];
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryBytes: totalmem(),
    hostname: hostname(),
    packages: Object.fromEntries(MEASURED_PACKAGES.map((name) => [name, packageVersion(name)])),
    services: Object.fromEntries(all.map((service) => [service.kind, { provider: service.provider, version: service.version, url: redactUrl(service.url), details: service.details }])),
    coLocated: all.every((service) => service.provider !== 'external' || isLoopback(service.url)) && connectedAgents().every((agent) => agent.health?.host === hostname()),
    clock: 'CLOCK_MONOTONIC via process.hrtime.bigint(), one host: latencies are comparable across its processes',
    harness,
    ...(fingerprint ? { fingerprint } : {}),
    ...(connectedAgents().length ? { agents: connectedAgents().map(agentInfo) } : {}),
  };
}

function agentInfo(agent: ReturnType<typeof connectedAgents>[number]): AgentInfo {
  const health = agent.health;
  return {
    url: redactUrl(agent.url),
    host: health?.host ?? 'unknown',
    cpuModel: health?.cpuModel ?? 'unknown',
    cpus: health?.cpus ?? 0,
    version: health?.version ?? 'unknown',
    clock: { offsetMethod: 'cristian', offsetNs: agent.clock?.offsetNs ?? 0, uncertaintyNs: agent.clock?.uncertaintyNs ?? 0 },
    roles: [...new Set(agent.roles)],
  };
}
