/**
 * Every transport by name. Adding a transport = one file in this folder + its name in FILES. Other processes build
 * a transport from a TransportRef (its module URL and plain data), so a transport file works wherever its module
 * can be imported.
 */
import { loadRegistry, resolveConfig, type Choice } from '../plugins/registry.ts';
import type { PointIdentity } from '../results/types.ts';
import type { TransportDefinition } from './types.ts';

const FILES = ['direct', 'bullmq', 'bullmq-pg', 'rabbitmq', 'pgboss', 'pg', 'graphile-worker', 'redis-streams', 'fixture'];

const registry = await loadRegistry<TransportDefinition>('transport', import.meta.url, FILES);

export const TRANSPORTS = registry.entries;
export const TRANSPORT_SPECS = registry.specs;
export const TRANSPORT_PACKAGES = registry.packages;

/** A transport and one of its named presets: `pgboss` or `pgboss:tuned`. */
export type TransportChoice = Choice<TransportDefinition>;

export const parseTransportChoice = (spec: string): TransportChoice => registry.choose(spec);

/**
 * How a point of this transport is named in results, and its effective knobs and traits at this concurrency:
 * an instance built from data, which connects nowhere.
 */
export function transportIdentity(choice: TransportChoice, concurrency: number): Pick<PointIdentity, 'transport' | 'transportName' | 'preset' | 'traits' | 'config'> {
  const instance = choice.definition.create({ urls: {}, queue: 'plan', config: resolveConfig(choice), concurrency });
  return { transport: choice.label, transportName: choice.definition.name, preset: choice.preset, traits: instance.traits, config: instance.config };
}
