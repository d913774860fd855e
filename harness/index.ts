/**
 * hopbench as a library: define a transport or a scenario, run what `npm run bench` runs, observe it, read results.
 * The command line (cli.ts) is one user of this face; a program imports only from here.
 *
 *   const run = new BenchRun();
 *   run.on('run-end', (point) => console.log(point.label, point.throughput.perSec));
 *   const [{ result }] = await runBench({ scenario: 'process', flags: { transports: 'bullmq' }, out: 'results', services: 'auto' }, run);
 */
export { runBench, type BenchRequest, type Written } from './commands/run-bench.ts';
export { BenchRun, type BenchEvents, type SampleRef, type SampleOrder } from './engine/bench.ts';
export { defineScenario, type Scenario, type ScenarioKind, type ScenarioFile } from './engine/scenario.ts';
export { defineTransport, type TransportDefinition, type Transport, type TransportContext, type Producer, type Consumer, type Envelope } from './transports/types.ts';
export { readResultFiles } from './results/schema.ts';
export type { ResultFile, RunResult, Sample, Capacity, CapacityStep, Environment, Fingerprint, LatencyClock } from './results/types.ts';
export type { DeliveryCounts } from './measure/accounting.ts';
export { HopbenchError, UsageError } from './host/errors.ts';
