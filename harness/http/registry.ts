/** Every http-e2e architecture by name. Adding one = one file in this folder + its name in FILES. */
import { loadRegistry, type Choice } from '../plugins/registry.ts';
import type { HttpArchitecture } from './types.ts';

const FILES = ['queued', 'direct', 'inline'];

const registry = await loadRegistry<HttpArchitecture>('architecture', import.meta.url, FILES);

export const HTTP_ARCHITECTURES = registry.specs;
export const HTTP_ARCHITECTURE_PACKAGES = registry.packages;

export type HttpArchitectureChoice = Choice<HttpArchitecture>;

export const parseHttpArchitectureChoice = (spec: string): HttpArchitectureChoice => registry.choose(spec);
