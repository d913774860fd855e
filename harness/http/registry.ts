/** Every http-e2e architecture by name. Adding one = one file in this folder + its name in FILES. */
import { loadRegistry, type Choice } from '../registry.ts';
import type { HttpArchitecture } from './types.ts';

const FILES = ['queued', 'direct', 'inline'];

const registry = await loadRegistry<HttpArchitecture>(
  'architecture',
  FILES.map((file) => new URL(`./${file}.ts`, import.meta.url).href),
);

export const HTTP_ARCHITECTURES = registry.specs;

export type HttpArchitectureChoice = Choice<HttpArchitecture>;

export const parseHttpArchitectureChoice = (spec: string): HttpArchitectureChoice => registry.choose(spec);
