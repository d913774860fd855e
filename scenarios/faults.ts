import { faultsKind } from '../harness/runners/faults.ts';
import { defineScenario } from '../harness/engine/scenario.ts';

/** Durability under faults: what each architecture loses, duplicates and how long it takes to recover. */
export default defineScenario(faultsKind, {
  name: 'faults',
  description: 'a steady open-loop load with one fault in the middle: a consumer SIGKILLed, or the broker restarted or killed',
  about:
    'Open loop at --rate for --duration seconds; at --fault-at the fault is injected. Every accepted message id is ' +
    'accounted for from record logs that survive the killed processes: lost, delivered twice, or delivered; refused ' +
    'sends are counted apart. Recovery = seconds from the fault to the first one-second window with ≥ 90% of the ' +
    'offered rate delivered and p99 latency back within max(2 × pre-fault p99, pre-fault p99 + 10 ms).',
  defaults: {
    transports: ['direct', 'bullmq', 'rabbitmq', 'pg', 'pgboss:resilient'],
    fault: ['worker-kill', 'broker-restart'],
    redisPersistence: ['none', 'everysec'],
    workers: 2,
    concurrency: 20,
    rate: 500,
    duration: 20,
    faultAt: 8,
    job: 'sleep:10',
    payload: 100,
    repeat: 3,
    timeout: 60,
  },
  settings: { restartDelayMs: 250 },
});
