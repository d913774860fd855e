/** Plans of single points, and running one sample of them, as the bench loop would. */
import { parseJob } from '../../harness/roles/job.ts';
import { closed } from '../../harness/load/closed.ts';
import { resolveConfig } from '../../harness/plugins/registry.ts';
import { processPhases, type ProcessPlan } from '../../harness/runners/process-sample.ts';
import { runSample, type SampleContext, type SamplePhases, type SampleProgress } from '../../harness/engine/sample.ts';
import type { Sample } from '../../harness/results/types.ts';
import type { ServiceSet } from '../../harness/services/provision.ts';
import { loadTransport } from '../../harness/transports/load.ts';
import { parseTransportChoice, type TransportChoice } from '../../harness/transports/registry.ts';
import { never } from './services.ts';
import { NO_AGENTS } from '../../harness/agent/client.ts';

let counter = 0;
export const uniqueQueue = () => `hopbench_test_${process.pid}_${counter++}`;

/** A process point: W=2, C=4, 500 messages in closed loop, unless overridden. */
export function processPlan(transport: string | TransportChoice, overrides: Partial<ProcessPlan> = {}): ProcessPlan {
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
    load: closed({ batch: 50, inflight: 4 }),
    timeoutMs: 30_000,
    ...overrides,
  };
}

export const sampleContext = (services: ServiceSet, onProgress: (progress: SampleProgress) => void = () => {}): SampleContext => ({ services, agents: NO_AGENTS, sampleId: uniqueQueue(), signal: never, onProgress });

/** One sample of a plan through the lifecycle every scenario uses. */
export function runPlan<Plan, Roles, Load>(phases: (plan: Plan, context: SampleContext) => SamplePhases<Roles, Load>, plan: Plan, context: SampleContext): Promise<Sample> {
  return runSample(phases(plan, context), context);
}

export const runProcessPlan = (plan: ProcessPlan, services: ServiceSet, onProgress?: (progress: SampleProgress) => void) => runPlan(processPhases, plan, sampleContext(services, onProgress));

/** A transport from a module outside the registry (test fixtures), as the runner would load it. */
export async function fixtureChoice(relativePath: string): Promise<TransportChoice> {
  const module = new URL(relativePath, import.meta.url).href;
  const definition = await loadTransport(module);
  return { definition, module, preset: 'default', label: definition.name };
}
