/** Every scenario by name. Adding a scenario = one file in this folder + one line here. */
import type { Scenario } from '../harness/engine/scenario.ts';
import broadcastScenario from './broadcast.ts';
import enqueueScenario from './enqueue.ts';
import faultsScenario from './faults.ts';
import httpE2eScenario from './http-e2e.ts';
import processScenario from './process.ts';

export const SCENARIOS: Readonly<Record<string, Scenario>> = { process: processScenario, enqueue: enqueueScenario, broadcast: broadcastScenario, 'http-e2e': httpE2eScenario, faults: faultsScenario };
