/** Rebuilds a load model from its plain-data spec (in a producer or server process). */
import { drain } from './drain.ts';
import { rate } from './rate.ts';
import type { LoadModel, LoadSpec } from './types.ts';

export function loadModel(spec: LoadSpec): LoadModel {
  return spec.name === 'drain' ? drain(spec) : rate(spec);
}
