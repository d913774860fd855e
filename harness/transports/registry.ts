/**
 * Every transport by name. Adding a transport = one file in this folder + its name in FILES. Consumers in other
 * processes load a transport from its module URL, so a transport file works wherever its module can be imported.
 */
import { UsageError } from '../errors.ts';
import { loadTransport } from './load.ts';
import type { TransportDefinition } from './types.ts';

const FILES = ['direct', 'bullmq', 'rabbitmq', 'pgboss', 'pg'];

export interface RegisteredTransport {
  readonly definition: TransportDefinition;
  /** URL of the module whose default export is the definition. */
  readonly module: string;
}

export const TRANSPORTS: Readonly<Record<string, RegisteredTransport>> = Object.fromEntries(
  await Promise.all(
    FILES.map(async (file) => {
      const module = new URL(`./${file}.ts`, import.meta.url).href;
      const definition = await loadTransport(module);
      return [definition.name, { definition, module }] as const;
    }),
  ),
);

/** A transport and one of its named presets, as written on the command line: `pgboss` or `pgboss:tuned`. */
export interface TransportChoice extends RegisteredTransport {
  readonly preset: string;
  /** `name` for the default preset, `name:preset` otherwise: how results and reports name the point. */
  readonly label: string;
}

export function transportLabel(name: string, preset: string): string {
  return preset === 'default' ? name : `${name}:${preset}`;
}

export function parseTransportChoice(spec: string): TransportChoice {
  const [name = '', preset = 'default', ...rest] = spec.split(':');
  const registered = TRANSPORTS[name];
  if (!registered || rest.length > 0) {
    throw new UsageError(`unknown transport "${spec}": use one of ${Object.keys(TRANSPORTS).join(', ')} (optionally name:preset)`);
  }
  const { definition } = registered;
  if (!(preset in definition.presets)) {
    throw new UsageError(`unknown preset "${preset}" for ${name}: use one of ${Object.keys(definition.presets).join(', ')}`);
  }
  return { ...registered, preset, label: transportLabel(name, preset) };
}

/** Validated knobs for a preset (defaults filled in). */
export function resolveConfig(choice: Pick<TransportChoice, 'definition' | 'preset'>): Record<string, unknown> {
  return choice.definition.config.parse(choice.definition.presets[choice.preset] ?? {});
}
