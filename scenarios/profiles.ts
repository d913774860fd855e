/**
 * Named sets of scenarios and flags, for `npm run bench -- --profile <name>`. Flags given on the command line
 * override the profile's.
 */
import type { SampleOrder } from '../harness/bench.ts';

export interface Profile {
  readonly description: string;
  /** Sample order unless --order is given (default sequential). */
  readonly order?: SampleOrder;
  /** Scenario name → its flags, as they would be written on the command line. */
  readonly scenarios: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export const PROFILES: Readonly<Record<string, Profile>> = {
  ci: {
    description:
      'quick regression check for CI (about two minutes on 2 cores): process and enqueue on BullMQ, RabbitMQ and ' +
      'Postgres, 10 samples per point in interleaved rounds, so that a Mann-Whitney test can tell a change from noise ' +
      'and a slow minute on a shared runner touches a few samples of every point rather than all of one',
    order: 'interleaved',
    scenarios: {
      process: { transports: 'bullmq,rabbitmq,pg', workers: '1', concurrency: '50', messages: '20000', warmup: '2000', repeat: '10' },
      enqueue: { transports: 'bullmq,rabbitmq,pg', producers: '1', batch: '100', messages: '20000', warmup: '1000', repeat: '10' },
    },
  },
};
