/**
 * Command-line values → typed, validated options. Each scenario kind declares its flags as a zod object from the
 * pieces here; each problem becomes one line naming the flag, the value and what is allowed (exit 2, before
 * anything starts).
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
export const rateFlag = z.union([z.literal('max'), wholeNumber(1, 10_000_000)], { message: 'must be "max" or a whole number of messages per second' });

/** Flags every scenario has. */
export const commonFlags = {
  messages: wholeNumber(1, 10_000_000),
  warmup: wholeNumber(0, 10_000_000),
  repeat: wholeNumber(1, 100),
  timeout: wholeNumber(1, 24 * 3600),
};

/** --batch and --inflight shape a closed loop; with an open-loop --rate they would be silently ignored. */
export function requireClosedLoopFor(flags: { readonly batch?: unknown; readonly inflight?: unknown }, closedLoop: boolean): void {
  if (!closedLoop && (flags.batch !== undefined || flags.inflight !== undefined)) {
    throw new UsageError('--batch and --inflight apply to --rate max (closed loop) only; an open-loop --rate sends each message on its own schedule');
  }
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** Validates raw flag strings against a scenario's (strict) schema; a flag the scenario does not know is an error. */
export function parseFlags<Schema extends z.ZodType>(schema: Schema, raw: Readonly<Record<string, unknown>>, scenario: string): z.output<Schema> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const flag = String(issue.path[0] ?? '');
  if (issue.code === 'unrecognized_keys') throw new UsageError(`--${kebab(issue.keys[0] ?? '')} does not apply to the ${scenario} scenario (see README: Scenarios)`);
  throw new UsageError(`invalid --${kebab(flag)} "${String(raw[flag])}": ${issue.message}`);
}
