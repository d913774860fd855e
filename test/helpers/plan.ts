import { parseJob } from '../../harness/jobs.ts';
import { drain } from '../../harness/load/drain.ts';
import type { PointPlan } from '../../harness/runners/process-sample.ts';
import { parseTransportChoice, resolveConfig, type TransportChoice } from '../../harness/transports/registry.ts';
import { loadTransport } from '../../harness/transports/load.ts';

let counter = 0;
export const uniqueQueue = () => `hopbench_test_${process.pid}_${counter++}`;

export function point(transport: string | TransportChoice, overrides: Partial<PointPlan> = {}): PointPlan {
  const choice = typeof transport === 'string' ? parseTransportChoice(transport) : transport;
  return {
    choice,
    config: resolveConfig(choice),
    workers: 2,
    concurrency: 4,
    messages: 500,
    warmup: 0,
    job: parseJob('noop'),
    payloadBytes: 16,
    load: drain({ batch: 50, inflight: 4 }),
    timeoutMs: 30_000,
    ...overrides,
  };
}

/** A transport from a module outside the registry (test fixtures), as the runner would load it. */
export async function fixtureChoice(relativePath: string): Promise<TransportChoice> {
  const module = new URL(relativePath, import.meta.url).href;
  const definition = await loadTransport(module);
  return { definition, module, preset: 'default', label: definition.name };
}
