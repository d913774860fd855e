/**
 * Command-line values → typed, validated options. Each problem becomes one line naming the flag, the value and
 * what is allowed (exit 2, before anything starts).
 */
import { z } from 'zod';
import { UsageError } from './errors.ts';

const wholeNumber = (min: number, max = 1e9) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));

const list = <T>(item: z.ZodType<T, string>) =>
  z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(z.array(item).min(1, { message: 'needs at least one value' }));

/** The flags of queue scenarios (`process` now); every one optional, defaults come from the scenario. */
export const queueFlags = z
  .object({
    transports: list(z.string().min(1, { message: 'has an empty entry' })),
    workers: list(wholeNumber(1, 64)),
    concurrency: list(wholeNumber(1, 10_000)),
    messages: wholeNumber(1, 10_000_000),
    warmup: wholeNumber(0, 10_000_000),
    rate: z.union([z.literal('max'), wholeNumber(1, 10_000_000)], { message: 'must be "max" or a whole number of messages per second' }),
    job: z.string(),
    payload: wholeNumber(0, 16 * 1024 * 1024),
    batch: wholeNumber(1, 100_000),
    inflight: wholeNumber(1, 10_000),
    repeat: wholeNumber(1, 100),
    timeout: wholeNumber(1, 24 * 3600),
  })
  .partial()
  .strict();

export type QueueFlags = z.output<typeof queueFlags>;

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

export function parseFlags<Schema extends z.ZodType>(schema: Schema, raw: Record<string, unknown>): z.output<Schema> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const flag = String(issue.path[0] ?? '');
  if (issue.code === 'unrecognized_keys') throw new UsageError(`--${kebab(issue.keys[0] ?? '')} does not apply to this scenario`);
  throw new UsageError(`invalid --${kebab(flag)} "${String(raw[flag])}": ${issue.message}`);
}
