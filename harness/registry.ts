/**
 * A registry of definitions with named presets (transports, broadcast architectures): each lives in its own
 * module, is chosen on the command line as `name` or `name:preset`, and is loaded in other processes from its
 * module URL.
 */
import type { z } from 'zod';
import { UsageError } from './errors.ts';

export interface Presettable {
  readonly name: string;
  readonly config: z.ZodType<Record<string, unknown>>;
  readonly presets: Readonly<Record<string, unknown>>;
}

export interface Registered<Definition> {
  readonly definition: Definition;
  /** URL of the module whose default export is the definition. */
  readonly module: string;
}

/** A definition and one of its presets, as written on the command line. */
export interface Choice<Definition> extends Registered<Definition> {
  readonly preset: string;
  /** `name` for the default preset, `name:preset` otherwise: how results and reports name the point. */
  readonly label: string;
}

export interface Registry<Definition> {
  readonly entries: Readonly<Record<string, Registered<Definition>>>;
  /** Everything that can be chosen: `name` for each default preset, `name:preset` for the others. */
  readonly specs: readonly string[];
  /** Parses `name` or `name:preset`; anything unknown is a UsageError listing what exists. */
  choose(spec: string): Choice<Definition>;
}

/** A module's default export. */
export async function loadDefinition<Definition>(module: string): Promise<Definition> {
  return ((await import(module)) as { default: Definition }).default;
}

export async function loadRegistry<Definition extends Presettable>(kind: string, modules: readonly string[]): Promise<Registry<Definition>> {
  const entries: Record<string, Registered<Definition>> = Object.fromEntries(
    await Promise.all(
      modules.map(async (module) => {
        const definition = await loadDefinition<Definition>(module);
        return [definition.name, { definition, module }] as const;
      }),
    ),
  );
  return {
    entries,
    specs: Object.values(entries).flatMap(({ definition }) => Object.keys(definition.presets).map((preset) => (preset === 'default' ? definition.name : `${definition.name}:${preset}`))),
    choose(spec) {
      const [name = '', preset = 'default', ...rest] = spec.split(':');
      const registered = entries[name];
      if (!registered || rest.length > 0) throw new UsageError(`unknown ${kind} "${spec}": use one of ${Object.keys(entries).join(', ')} (optionally name:preset)`);
      if (!(preset in registered.definition.presets)) {
        throw new UsageError(`unknown preset "${preset}" for ${name}: use one of ${Object.keys(registered.definition.presets).join(', ')}`);
      }
      return { ...registered, preset, label: preset === 'default' ? name : `${name}:${preset}` };
    },
  };
}

/** Validated knobs for a preset (defaults filled in). */
export function resolveConfig(choice: Pick<Choice<Presettable>, 'definition' | 'preset'>): Record<string, unknown> {
  return choice.definition.config.parse(choice.definition.presets[choice.preset] ?? {});
}
