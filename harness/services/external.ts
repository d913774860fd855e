import { errorMessage, UsageError } from '../host/errors.ts';
import { redactUrl } from '../host/net.ts';
import { probeService } from './probe.ts';
import { ProviderUnavailable, URL_ENV, type Service, type ServiceKind } from './types.ts';

/** A service the user runs: its URL comes from the environment, and hopbench never stops it. */
export async function useExternalService(kind: ServiceKind): Promise<Service> {
  const variable = URL_ENV[kind];
  const url = process.env[variable];
  if (!url) throw new ProviderUnavailable(`${variable} is not set`);
  let version: string;
  try {
    version = await probeService(kind, url);
  } catch (error) {
    // The URL is the user's input: exit 2, like any other bad input.
    throw new UsageError(`${kind} at ${variable}=${redactUrl(url)} is unreachable (${errorMessage(error)}): start it, or fix or unset ${variable}`);
  }
  return { kind, provider: 'external', url, version, pids: [], details: { url: redactUrl(url) }, stop: async () => {} };
}
