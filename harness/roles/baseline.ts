/**
 * A process that is a consumer without a transport: the same runtime and the same harness modules loaded, nothing
 * started. Its memory is what every worker costs before its transport does anything, so a worker's own cost is its
 * memory over this (seed 001's "a Node worker is ~30-50 MB" is about the worker, not about hopbench).
 */
import './consumer.ts';
import { defineRole } from './role.ts';

export default defineRole({
  async start() {
    return { ready: {}, finish: async () => ({}) };
  },
});
