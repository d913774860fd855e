/**
 * Every transport by name. Adding a transport = one file in this folder + its name in FILES. Consumers in other
 * processes load a transport from its module URL, so a transport file works wherever its module can be imported.
 */
import { loadRegistry, type Choice } from '../registry.ts';
import type { PointIdentity } from '../scenario.ts';
import type { TransportDefinition } from './types.ts';

export { resolveConfig } from '../registry.ts';

const FILES = ['direct', 'bullmq', 'rabbitmq', 'pgboss', 'pg'];

const registry = await loadRegistry<TransportDefinition>(
  'transport',
  FILES.map((file) => new URL(`./${file}.ts`, import.meta.url).href),
);

export const TRANSPORTS = registry.entries;

/** A transport and one of its named presets: `pgboss` or `pgboss:tuned`. */
export type TransportChoice = Choice<TransportDefinition>;

export const parseTransportChoice = (spec: string): TransportChoice => registry.choose(spec);

/** How a run point of this transport choice names what it compared (see PointIdentity). */
export function transportIdentity(choice: TransportChoice): Pick<PointIdentity, 'transport' | 'transportName' | 'preset' | 'traits'> {
  return { transport: choice.label, transportName: choice.definition.name, preset: choice.preset, traits: choice.definition.traits };
}
