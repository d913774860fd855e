/**
 * Command-line values → typed, validated options. Each scenario kind declares its flags from the pieces here, each
 * with its help (`flag`): the command line, its help and its errors are generated from them. Each problem becomes
 * one line naming the flag, the value and what is allowed (exit 2, before anything starts).
 */
import { z } from 'zod';
import { UsageError } from './errors.ts';

export const wholeNumber = (min: number, max = 1e9) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));

export const list = <T>(item: z.ZodType<T, string>) =>
  z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(z.array(item).min(1, { message: 'needs at least one value' }));

export const names = list(z.string().min(1, { message: 'has an empty entry' }));

/** `max` (closed loop) or an open-loop rate in messages per second. */
export const rateValue = z.union([z.literal('max'), wholeNumber(1, 10_000_000)], { message: 'must be "max" or a whole number of messages per second' });

/** How a flag shows in `--help`: its value's shape and what it does. */
export interface FlagMeta {
  readonly value: string;
  readonly help: string;
}

/** A flag's schema with its help attached (read back by the command line). */
export function flag<Schema extends z.ZodType>(schema: Schema, value: string, help: string): Schema {
  return schema.meta({ value, help } satisfies FlagMeta) as Schema;
}

export function flagMeta(schema: z.core.$ZodType): FlagMeta {
  const meta = z.globalRegistry.get(schema) as Partial<FlagMeta> | undefined;
  return { value: meta?.value ?? '<value>', help: meta?.help ?? '' };
}

/** Flags most scenarios have. */
export const commonFlags = {
  messages: flag(wholeNumber(1, 10_000_000), '<n>', 'measured messages per sample'),
  warmup: flag(wholeNumber(0, 10_000_000), '<n>', 'unmeasured messages sent through the full path first'),
  repeat: flag(wholeNumber(1, 100), '<n>', 'samples per point; the median is reported, every sample kept'),
  timeout: flag(wholeNumber(1, 24 * 3600), '<s>', 'seconds to wait for deliveries after the last send before counting the rest as not delivered'),
};

/**
 * Whether `--rate` asks for a closed loop (`max`). --batch and --inflight shape a closed loop; given with an
 * open-loop rate they would be silently ignored, so that is an error.
 */
export function isClosedLoop(rate: number | 'max', given: { readonly batch?: unknown; readonly inflight?: unknown }): boolean {
  if (rate !== 'max' && (given.batch !== undefined || given.inflight !== undefined)) {
    throw new UsageError('--batch and --inflight apply to --rate max (closed loop) only; an open-loop --rate sends each message on its own schedule');
  }
  return rate === 'max';
}

export const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** Validates raw flag strings against a scenario's (strict) schema; a flag the scenario does not know is an error. */
export function parseFlags<Schema extends z.ZodType>(schema: Schema, raw: Readonly<Record<string, unknown>>, scenario: string): z.output<Schema> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0] ?? '');
  if (issue.code === 'unrecognized_keys') throw new UsageError(`--${kebab(issue.keys[0] ?? '')} does not apply to the ${scenario} scenario (see README: Scenarios)`);
  throw new UsageError(`invalid --${kebab(name)} "${String(raw[name])}": ${issue.message}`);
}
