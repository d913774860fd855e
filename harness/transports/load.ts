import type { TransportDefinition } from './types.ts';

/** A transport module's default export; consumers import only the transport they run. */
export async function loadTransport(module: string): Promise<TransportDefinition> {
  return ((await import(module)) as { default: TransportDefinition }).default;
}
