/** Every broadcast architecture by name. Adding one = one file in this folder + its name in FILES. */
import { loadRegistry, type Choice } from '../plugins/registry.ts';
import type { BroadcastArchitecture } from './types.ts';

const FILES = ['ws-direct', 'socketio', 'socketio-redis', 'socketio-redis-streams'];

const registry = await loadRegistry<BroadcastArchitecture>('architecture', import.meta.url, FILES);

export const ARCHITECTURES = registry.entries;
export const ARCHITECTURE_SPECS = registry.specs;
export const ARCHITECTURE_PACKAGES = registry.packages;

export type ArchitectureChoice = Choice<BroadcastArchitecture>;

export const parseArchitectureChoice = (spec: string): ArchitectureChoice => registry.choose(spec);
