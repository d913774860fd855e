/**
 * A registry of definitions with named presets (transports, broadcast architectures): each lives in its own
 * module, is chosen on the command line as `name` or `name:preset`, and is loaded in other processes from its
 * module URL.
 */
import type { z } from 'zod';
import { UsageError } from '../host/errors.ts';
import type { ServiceKind } from '../services/types.ts';

/** What every plug-in (a transport, an architecture) declares: who it is, what it runs on, and its knobs. */
export interface PluginDefinition<Schema extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>> {
  /** How the command line and results name it. */
  readonly name: string;
  readonly description: string;
  /** The npm packages it runs on, named once here: every result records their versions (environment/environment.ts). */
  readonly packages: readonly string[];
  /** Knobs with defaults; validated, and recorded in every result. */
  readonly config: Schema;
  /** Named knob sets; `default` is used when none is named. Each is a first-class point in results. */
  readonly presets: Readonly<Record<string, z.input<Schema>>>;
}

export type Presettable = PluginDefinition;

/** What every plug-in instance is built from, as plain data (any process can build its own): service URLs, its knobs. */
export interface PluginContext<Config> {
  readonly urls: Readonly<Partial<Record<ServiceKind, string>>>;
  readonly config: Config;
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
  /** The npm packages of every registered definition, once each. */
  readonly packages: readonly string[];
  /** Parses `name` or `name:preset`; anything unknown is a UsageError listing what exists. */
  choose(spec: string): Choice<Definition>;
}

/** A module's default export. */
export async function loadDefinition<Definition>(module: string): Promise<Definition> {
  return ((await import(module)) as { default: Definition }).default;
}

/** The definitions of `files` (module names beside `folder`, a registry module's import.meta.url), by name. */
export async function loadRegistry<Definition extends Presettable>(kind: string, folder: string, files: readonly string[]): Promise<Registry<Definition>> {
  const entries: Record<string, Registered<Definition>> = Object.fromEntries(
    await Promise.all(
      files.map(async (file) => {
        const module = new URL(`./${file}.ts`, folder).href;
        const definition = await loadDefinition<Definition>(module);
        return [definition.name, { definition, module }] as const;
      }),
    ),
  );
  return {
    entries,
    specs: Object.values(entries).flatMap(({ definition }) => Object.keys(definition.presets).map((preset) => (preset === 'default' ? definition.name : `${definition.name}:${preset}`))),
    packages: [...new Set(Object.values(entries).flatMap(({ definition }) => definition.packages))].sort(),
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
