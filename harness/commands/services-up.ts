import { once } from 'node:events';
import { shutdownSignal } from '../lifecycle.ts';
import type { ImageOverrides } from '../services/docker.ts';
import { provisionServices } from '../services/provision.ts';
import { SERVICE_KINDS, URL_ENV, type ServicesMode } from '../services/types.ts';

/** Starts all three services, prints `NAME=url` lines on stdout (for `eval`/`.env`), waits for Ctrl-C. */
export async function servicesUp(mode: ServicesMode, images: ImageOverrides = {}): Promise<void> {
  const started = Date.now();
  const services = await provisionServices(SERVICE_KINDS, mode, { images });
  for (const service of services.all) {
    process.stdout.write(`${URL_ENV[service.kind]}=${service.url}\n`);
    process.stderr.write(`# ${service.kind} ${service.version} (${service.provider})\n`);
  }
  process.stderr.write(`# ready in ${((Date.now() - started) / 1000).toFixed(1)}s; Ctrl-C stops them and removes their data\n`);
  if (!shutdownSignal.aborted) await once(shutdownSignal, 'abort');
}
