/**
 * Named sets of scenarios and flags, for `npm run bench -- --profile <name>`. Flags given on the command line
 * override the profile's.
 */
export interface Profile {
  readonly description: string;
  /** Scenario name → its flags, as they would be written on the command line. */
  readonly scenarios: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export const PROFILES: Readonly<Record<string, Profile>> = {
  ci: {
    description:
      'quick regression check for CI (a few minutes on 2 cores): process on four transports and enqueue on three, ' +
      'one worker or producer, 5 samples per point so that a Mann-Whitney test can tell a change from noise',
    scenarios: {
      process: { transports: 'direct,bullmq,rabbitmq,pg', workers: '1', concurrency: '50', messages: '20000', warmup: '2000', repeat: '5' },
      enqueue: { transports: 'bullmq,rabbitmq,pg', producers: '1', batch: '100', messages: '20000', warmup: '1000', repeat: '5' },
    },
  },
};
