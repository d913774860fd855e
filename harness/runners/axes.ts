/** What the two sweep axes, throughput and latency mean in each kind of scenario (recorded in every result file). */
import type { Axes } from '../scenario.ts';

export const PROCESS_AXES: Axes = { workers: 'consumer processes', concurrency: 'jobs in flight per consumer', throughput: 'messages/s', latency: 'sent → job done (closed loop: includes the wait in the backlog)' };

export const ENQUEUE_AXES: Axes = {
  workers: 'producer processes',
  concurrency: 'sends in flight per producer (0: open loop)',
  throughput: 'accepted messages/s',
  latency: 'send call → accepted by the broker',
};

export const BROADCAST_AXES: Axes = { workers: 'server processes', concurrency: 'clients per room', throughput: 'deliveries/s', latency: 'publish → received by a client' };

export const HTTP_E2E_AXES: Axes = {
  workers: 'worker/socket processes',
  concurrency: 'HTTP connections',
  throughput: 'deliveries/s',
  latency: 'HTTP request sent → received by a client (end to end); HTTP response latency is in metrics',
};
