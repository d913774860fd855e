/** One process of an http-e2e topology (the api, or a worker/socket process) as a role: starts, reports its URL, stops on finish. */
import { loadDefinition } from '../plugins/registry.ts';
import { defineRole } from '../roles/role.ts';
import type { HttpArchitecture, ProcessRole } from './types.ts';

export interface TopologyProcessSpec {
  readonly architectureModule: string;
  readonly role: ProcessRole;
  readonly index: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly urls: Readonly<Record<string, string>>;
  readonly channel: string;
}

export default defineRole({
  async start(spec: TopologyProcessSpec) {
    const architecture = await loadDefinition<HttpArchitecture>(spec.architectureModule);
    const running = await architecture.start(spec.role, { urls: spec.urls, channel: spec.channel, config: spec.config, index: spec.index });
    return {
      ready: { url: running.url },
      async finish() {
        await running.close();
        return {};
      },
    };
  },
});
