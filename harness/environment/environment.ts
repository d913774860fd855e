/** The environment a result was measured in: enough to tell whether two results are comparable. */
import { readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { redactUrl } from '../host/net.ts';
import { ARCHITECTURE_PACKAGES } from '../broadcast/registry.ts';
import { HTTP_ARCHITECTURE_PACKAGES } from '../http/registry.ts';
import { TRANSPORT_PACKAGES } from '../transports/registry.ts';
import type { ServiceSet } from '../services/provision.ts';
import type { Agent, AgentSet } from '../agent/client.ts';
import type { AgentInfo, Environment, Fingerprint } from '../results/types.ts';

/** The harness's own measuring packages, and every registered transport's and architecture's (named in their files). */
const MEASURED_PACKAGES = [...new Set(['hdr-histogram-js', 'autocannon', ...TRANSPORT_PACKAGES, ...ARCHITECTURE_PACKAGES, ...HTTP_ARCHITECTURE_PACKAGES])];

function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
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

export function captureEnvironment(services: ServiceSet | undefined, agents: AgentSet, harness: Record<string, number>, fingerprint?: Fingerprint): Environment {
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
    coLocated: all.every((service) => service.provider !== 'external' || isLoopback(service.url)) && agents.all.every((agent) => agent.health?.host === hostname()),
    clock: 'CLOCK_MONOTONIC via process.hrtime.bigint(), one host: latencies are comparable across its processes',
    harness,
    ...(fingerprint ? { fingerprint } : {}),
    ...(agents.all.length ? { agents: agents.all.map(agentInfo) } : {}),
  };
}

function agentInfo(agent: Agent): AgentInfo {
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
