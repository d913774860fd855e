import { once } from 'node:events';
import { shutdownSignal } from '../host/lifecycle.ts';
import type { DockerOptions } from '../services/docker.ts';
import { provisionServices } from '../services/provision.ts';
import { SERVICE_KINDS, URL_ENV, type ServicesMode } from '../services/types.ts';
import { serviceRoute } from '../results/services.ts';

/**
 * Starts all three services, prints `NAME=url` lines on stdout (for `eval`/`.env`), and keeps them up until Ctrl-C
 * or SIGTERM (the lifecycle then stops them).
 */
export async function servicesUp(mode: ServicesMode, docker: DockerOptions = {}): Promise<void> {
  const started = Date.now();
  const services = await provisionServices(SERVICE_KINDS, mode, docker);
  for (const service of services.all) {
    process.stdout.write(`${URL_ENV[service.kind]}=${service.url}\n`);
    process.stderr.write(`# ${service.kind} ${service.version} (${serviceRoute(service)})\n`);
  }
  process.stderr.write(`# ready in ${((Date.now() - started) / 1000).toFixed(1)}s; Ctrl-C stops them and removes their data\n`);
  // Containers hold nothing open in this process (native servers' pipes do): without a handle of its own, Node would
  // find the event loop empty and exit at once, with the wait below unsettled.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    if (!shutdownSignal.aborted) await once(shutdownSignal, 'abort');
  } finally {
    clearInterval(keepAlive);
  }
}
