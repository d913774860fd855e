/** Builds a transport instance in any process, from plain data. */
import { loadDefinition } from '../plugins/registry.ts';
import type { ServiceKind } from '../services/types.ts';
import type { Transport, TransportDefinition } from './types.ts';

/** Everything another process needs to build the same transport instance: what the specs of roles carry. */
export interface TransportRef {
  /** URL of the transport's module (a registered transport's, or a test's own). */
  readonly module: string;
  /** The registered transport's name: how an agent on another host finds its own copy of the module. */
  readonly name?: string;
  /** The preset's knobs, before derivation (the instance derives the rest). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly urls: Readonly<Partial<Record<ServiceKind, string>>>;
  readonly queue: string;
  readonly concurrency: number;
}

export async function openTransport(ref: TransportRef): Promise<Transport> {
  const definition = await loadDefinition<TransportDefinition>(ref.module);
  return definition.create({ urls: ref.urls, queue: ref.queue, config: ref.config, concurrency: ref.concurrency });
}

export const loadTransport = (module: string): Promise<TransportDefinition> => loadDefinition<TransportDefinition>(module);
