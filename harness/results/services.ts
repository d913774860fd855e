/** How a result's services ran, in words: the provider, and for a container how its traffic went and its CPU share. */
import type { ServiceInfo } from './types.ts';

type Recorded = Pick<ServiceInfo, 'provider' | 'details'>;

/**
 * `host`: the container shared the host's network (measures like the same server natively); `published`: every
 * connection went through Docker's port proxy. Docker results from before the host network was used all published.
 */
export function dockerNetworkOf(info: Recorded): 'host' | 'published' | undefined {
  if (info.provider !== 'docker') return undefined;
  return info.details.network === 'host' ? 'host' : 'published';
}

/**
 * `shared`: the container's processes were scheduled in hopbench's CPU cgroup, as a native server's are; `own`: in
 * the container's, where they share one entity's CPU (as every Docker result from before it was joined).
 */
export function dockerCpuCgroupOf(info: Recorded): 'shared' | 'own' | undefined {
  if (info.provider !== 'docker') return undefined;
  return info.details.cpuCgroup === 'shared' ? 'shared' : 'own';
}

/** `native`, `external`, `docker, host network`, `docker, published port`, and `, own CPU cgroup` when it was. */
export function serviceRoute(info: Recorded): string {
  const network = dockerNetworkOf(info);
  if (!network) return info.provider;
  return `docker, ${network === 'host' ? 'host network' : 'published port'}${dockerCpuCgroupOf(info) === 'own' ? ', own CPU cgroup' : ''}`;
}

/** `redis 7.0.15 (docker, host network), postgres 15.18 (native)`: what every output says of a result's services. */
export function servicesText(services: Readonly<Record<string, ServiceInfo>> | undefined): string {
  return Object.entries(services ?? {})
    .map(([kind, info]) => `${kind} ${info.version} (${serviceRoute(info)})`)
    .join(', ');
}
