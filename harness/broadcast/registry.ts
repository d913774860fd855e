/** Every broadcast architecture by name. Adding one = one file in this folder + its name in FILES. */
import { loadRegistry, type Choice } from '../registry.ts';
import type { BroadcastArchitecture } from './types.ts';

const FILES = ['ws-direct', 'socketio', 'socketio-redis', 'socketio-redis-streams'];

const registry = await loadRegistry<BroadcastArchitecture>(
  'architecture',
  FILES.map((file) => new URL(`./${file}.ts`, import.meta.url).href),
);

export const ARCHITECTURES = registry.entries;
export const ARCHITECTURE_SPECS = registry.specs;

export type ArchitectureChoice = Choice<BroadcastArchitecture>;

export const parseArchitectureChoice = (spec: string): ArchitectureChoice => registry.choose(spec);
