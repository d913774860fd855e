/**
 * Named sets of runs (a scenario and its flags each), for `npm run bench -- --profile <name>`. Flags given on the
 * command line override the profile's. `npm run bench` without a scenario runs `default`.
 */
import type { SampleOrder } from '../harness/engine/bench.ts';
import { loadClaimsFile } from '../reports/claims.ts';

export interface ProfileRun {
  readonly scenario: string;
  /** As they would be written on the command line (camelCase names). */
  readonly flags: Readonly<Record<string, string>>;
}

export interface Profile {
  readonly description: string;
  /** Sample order unless --order is given (default sequential). */
  readonly order?: SampleOrder;
  readonly runs: readonly ProfileRun[];
}

/**
 * Every process transport's capacity under a p99 SLO, at a realistic W and C: what `decide` reads. Two searches per
 * point (interleaved: a slow minute touches one of each), the median held for 30 s on the last.
 */
export const CAPACITY_POINTS: ProfileRun = {
  scenario: 'process',
  flags: {
    transports: 'direct,bullmq,bullmq-pg,rabbitmq,redis-streams,pg,pgboss,pgboss:tuned,graphile-worker,graphile-worker:batched',
    workers: '2',
    concurrency: '50',
    rate: 'capacity',
    stepSeconds: '2',
    hold: '30',
    repeat: '2',
  },
};

export const PROFILES: Readonly<Record<string, Profile>> = {
  default: {
    description:
      'what `npm run bench` runs (about 29 minutes on 2 cores): the capacity of every process transport under a p99 ' +
      'of 100 ms, searched twice per point in interleaved rounds, the median held for 30 s, with its rate–latency curve ' +
      '(the drain and 100/s points the throughput and latency claims need are in the `claims` profile)',
    order: 'interleaved',
    runs: [CAPACITY_POINTS],
  },
  ci: {
    description:
      'quick regression check for CI (about two minutes on 2 cores): process and enqueue on BullMQ, RabbitMQ and ' +
      'Postgres, 10 samples per point in interleaved rounds, so that a Mann-Whitney test can tell a change from noise ' +
      'and a slow minute on a shared runner touches a few samples of every point rather than all of one',
    order: 'interleaved',
    runs: [
      { scenario: 'process', flags: { transports: 'bullmq,rabbitmq,pg', workers: '1', concurrency: '50', messages: '20000', warmup: '2000', repeat: '10' } },
      { scenario: 'enqueue', flags: { transports: 'bullmq,rabbitmq,pg', producers: '1', batch: '100', messages: '20000', warmup: '1000', repeat: '10' } },
    ],
  },
  claims: {
    description: 'every run that scenarios/claims.json names as judging a claim, so that each claim gets a verdict (about 45 minutes on 2 cores)',
    runs: Object.values(loadClaimsFile().runs),
  },
};
