/** Rebuilds a load model from its plain-data spec (in the process that runs it). */
import { closed } from './closed.ts';
import { open } from './open.ts';
import type { LoadModel, LoadSpec } from './types.ts';

export function loadModel(spec: LoadSpec): LoadModel {
  return spec.model === 'closed' ? closed(spec) : open(spec);
}
