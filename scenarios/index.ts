/** Every scenario by name. Adding a scenario = one file in this folder + one line here. */
import type { QueueScenario } from '../harness/scenario.ts';
import processScenario from './process.ts';

export const SCENARIOS: Readonly<Record<string, QueueScenario>> = { process: processScenario };

/** What `npm run bench` runs without a scenario name. */
export const DEFAULT_SCENARIOS: readonly string[] = ['process'];
