/**
 * The broadcast server role: the architecture's server on a free loopback port and, on the publisher (server 0),
 * publishing on command with the point's load model (the publisher lives in a server, as an app server that
 * received a request would emit).
 */
import { loadModel } from '../load/spec.ts';
import { encodeHistogram } from '../measure/histogram.ts';
import { loadDefinition } from '../plugins/registry.ts';
import { defineRole } from '../roles/role.ts';
import type { Producer } from '../transports/types.ts';
import type { PublishCommand, PublishReport, ServerSpec } from './protocol.ts';
import type { BroadcastArchitecture } from './types.ts';

export default defineRole({
  async start(spec: ServerSpec) {
    const architecture = await loadDefinition<BroadcastArchitecture>(spec.architectureModule);
    const server = await architecture.startServer({ urls: spec.urls, channel: spec.channel, config: spec.config });
    const controller = new AbortController();
    return {
      ready: { url: server.url },
      async run(command: PublishCommand): Promise<PublishReport> {
        // A publish is a synchronous emit: as a Producer it is accepted at once.
        const emit = (envelope: Parameters<Producer['send']>[0]) => server.publish(`r${envelope.id % command.rooms}`, envelope);
        const producer: Producer = { send: async (envelope) => emit(envelope), sendBatch: async (envelopes) => envelopes.forEach(emit), close: async () => {} };
        let published = 0;
        const outcome = await loadModel(command.load).run({ producer, from: command.from, to: command.to, payload: 'x'.repeat(command.payloadBytes), accepted: () => published++, signal: controller.signal });
        if (outcome.firstSendError) throw new Error(outcome.firstSendError);
        return { published, startNs: outcome.startNs, endNs: outcome.endNs, senderLag: outcome.senderLag && encodeHistogram(outcome.senderLag) };
      },
      async finish() {
        controller.abort();
        await server.close();
        return {};
      },
    };
  },
});
