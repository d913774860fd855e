import { processKind } from '../harness/runners/process.ts';
import { defineScenario } from '../harness/engine/scenario.ts';
import { CAPACITY_DEFAULTS } from '../harness/engine/options.ts';

/** The same job-processing workload across every delivery architecture. */
export default defineScenario(processKind, {
  name: 'process',
  description: 'N jobs through each transport to W consumer processes × concurrency C',
  about:
    'Closed loop (--rate max): the backlog of N messages is enqueued with consumers paused, then released; throughput is ' +
    'delivered / (last − first job completion). Open loop (--rate N): N messages at a fixed arrival rate; latency is ' +
    'intended send → job done. Every id is accounted for: delivered, duplicated or lost.',
  defaults: {
    transports: ['direct', 'bullmq', 'rabbitmq', 'pgboss', 'pgboss:tuned', 'pg'],
    workers: [1, 2],
    concurrency: [50],
    messages: 50_000,
    warmup: 2_000,
    rate: 'max',
    job: 'noop',
    payload: 0,
    batch: 100,
    inflight: 4,
    repeat: 3,
    redisPersistence: ['server'],
    ...CAPACITY_DEFAULTS,
    timeout: 60,
    producers: undefined, // one, or one per agent in swarm
    agents: undefined, // producers and consumers run here
    placement: 'swarm',
  },
  settings: {
    defaultOverrides: [
      {
        transport: 'direct',
        messages: 1_000_000,
        warmup: 50_000,
        reason: 'an in-process handoff takes well under a microsecond: 50,000 messages would be a sample of a few ms',
      },
      {
        transport: 'pgboss',
        pollingRounds: 20,
        warmup: 50,
        reason:
          'pg-boss at its defaults polls every 2 s for one job per fetch loop (W × C jobs per round): 50,000 jobs would take many minutes; 20 rounds are enough to read its rate, not its start',
      },
    ],
  },
});
