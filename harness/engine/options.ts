/**
 * Command-line values → typed, validated options. Each scenario kind declares its flags from the pieces here, each
 * with its help (`flag`): the command line, its help and its errors are generated from them. Each problem becomes
 * one line naming the flag, the value and what is allowed (exit 2, before anything starts).
 */
import { z } from 'zod';
import type { CapacitySpec } from './capacity.ts';
import { UsageError } from '../host/errors.ts';

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

/** `max` (closed loop), `capacity` (a search for the highest rate under --slo-p99) or an open-loop rate per second. */
export const rateValue = z.union([z.literal('max'), z.literal('capacity'), wholeNumber(1, 10_000_000)], { message: 'must be "max", "capacity" or a whole number of messages per second' });

/** The capacity model's flags, for every kind whose --rate takes `capacity`. */
export const capacityFlags = {
  sloP99: flag(wholeNumber(1, 3_600_000), '<ms>', 'capacity: the p99 (from the intended send time) a step must stay under'),
  stepSeconds: flag(wholeNumber(1, 600), '<s>', 'capacity: seconds of measured load per step'),
  nearStepSeconds: flag(wholeNumber(1, 600), '<s>', 'capacity: steps within 2× of the highest rate passed so far last at least this long (shorter steps there read 10–30% above what holds)'),
  capacityStart: flag(wholeNumber(1, 1_000_000), '<n>', 'capacity: the offered rate of the first step, per second'),
  hold: flag(wholeNumber(0, 24 * 3600), '<s>', 'capacity: seconds of open-loop load at the capacity found, on the queue the search used, in windows of about 10 s each judged like a step (the last sample of a point holds the median of its searches; 10% lower after a window fails, then 15%, 20%, 25%); 0: no hold'),
};

/** What a capacity search is judged by unless a scenario or the command line says otherwise. */
export const CAPACITY_DEFAULTS = { sloP99: 100, stepSeconds: 5, nearStepSeconds: 5, capacityStart: 100, hold: 30 } as const;

/** The lowest and highest offered rate a capacity search tries. */
const CAPACITY_RANGE = { minPerSec: 5, maxPerSec: 1_000_000 };

/** The capacity search a `--rate capacity` asks for, from the capacity flags. */
export function capacitySpec(options: { readonly sloP99: number; readonly stepSeconds: number; readonly nearStepSeconds: number; readonly capacityStart: number; readonly hold: number }): CapacitySpec {
  return { sloP99Ms: options.sloP99, stepSec: options.stepSeconds, nearStepSec: Math.max(options.stepSeconds, options.nearStepSeconds), startPerSec: options.capacityStart, holdSec: options.hold, ...CAPACITY_RANGE };
}

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
 * Checks the load flags against `--rate` and says whether it asks for a closed loop (`max`). --batch and --inflight
 * shape a closed loop, the capacity flags a search; given with another rate they would be silently ignored, so that is
 * an error.
 */
export function checkLoadFlags(rate: number | 'max' | 'capacity', given: { readonly batch?: unknown; readonly inflight?: unknown } & CapacityGiven): boolean {
  if (rate !== 'max' && (given.batch !== undefined || given.inflight !== undefined)) {
    throw new UsageError('--batch and --inflight apply to --rate max (closed loop) only; an open-loop --rate sends each message on its own schedule');
  }
  checkCapacityFlags([rate], given);
  return rate === 'max';
}

/** The capacity flags given without a `capacity` rate would be silently ignored: that is an error. */
type CapacityGiven = { readonly [K in keyof typeof capacityFlags]?: unknown };

export function checkCapacityFlags(rates: readonly unknown[], given: CapacityGiven): void {
  if (!rates.includes('capacity') && Object.keys(capacityFlags).some((name) => given[name as keyof CapacityGiven] !== undefined)) {
    throw new UsageError('--slo-p99, --step-seconds, --near-step-seconds, --capacity-start and --hold apply to --rate capacity only');
  }
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
