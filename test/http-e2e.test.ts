/** The http-e2e architectures as real process topologies, against real services, HTTP and sockets. */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { connectSocketIo } from '../harness/broadcast/socketio-common.ts';
import { HTTP_ARCHITECTURES, parseHttpArchitectureChoice } from '../harness/http/registry.ts';
import { open } from '../harness/load/open.ts';
import { resolveConfig } from '../harness/registry.ts';
import { httpE2ePhases, type HttpE2ePlan } from '../harness/runners/http-e2e-sample.ts';
import type { SampleProgress } from '../harness/sample.ts';
import type { Envelope } from '../harness/transports/types.ts';
import { runPlan, sampleContext, uniqueQueue } from './helpers/plan.ts';
import { nativeServicesForFile } from './helpers/services.ts';
import { pidsMentioning } from './helpers/system.ts';

const services = nativeServicesForFile();

function plan(architecture: string, overrides: Partial<HttpE2ePlan> = {}): HttpE2ePlan {
  const choice = parseHttpArchitectureChoice(architecture);
  return {
    choice,
    config: resolveConfig(choice),
    socketServers: 2,
    rooms: 2,
    clientsPerRoom: 3,
    clientProcesses: 2,
    load: open({ perSec: 50 }),
    connections: 4,
    durationSec: 2,
    warmup: 10,
    payloadBytes: 32,
    timeoutMs: 20_000,
    ...overrides,
  };
}

const run = (testPlan: HttpE2ePlan, onProgress?: (progress: SampleProgress) => void) => runPlan(httpE2ePhases, testPlan, sampleContext(services(), onProgress));

describe('each architecture delivers every posted message to every client of its room exactly once', () => {
  for (const architecture of HTTP_ARCHITECTURES) {
    it(architecture, async () => {
      const sample = await run(plan(architecture));
      assert.deepEqual(sample.errors, []);
      const accepted = sample.metrics!.httpAccepted!;
      assert.ok(accepted >= 50, `about 100 requests in 2 s at 50/s: ${accepted}`);
      assert.equal(sample.metrics!.httpFailed, 0);
      const { sent, delivered, lost, duplicates, unexpected } = sample.counts;
      assert.deepEqual({ sent, delivered, lost, duplicates, unexpected }, { sent: accepted * 3, delivered: accepted * 3, lost: 0, duplicates: 0, unexpected: 0 });
      assert.equal(sample.latencyMs.count, accepted * 3, 'one end-to-end latency per delivery');
      assert.ok(sample.metrics!.httpLatencyP50Ms! >= 0 && sample.metrics!.httpLatencyP99Ms! >= sample.metrics!.httpLatencyP50Ms!);
      if (architecture === 'queued') assert.ok(sample.metrics!['redisPerMessage.publish']! >= 1, 'the adapter publishes every message through Redis');
    });
  }
});

describe('the API', () => {
  it('answers a malformed POST with 400 and does not deliver it', async () => {
    const choice = parseHttpArchitectureChoice('direct');
    const context = { urls: { postgres: services().get('postgres').url }, channel: uniqueQueue(), config: resolveConfig(choice) as never };
    await choice.definition.setup(context);
    const api = await choice.definition.start('api', { ...context, index: 0 });
    const received: Envelope[] = [];
    const client = await connectSocketIo({ url: api.url, room: 'r0', config: {}, onMessage: (envelope) => received.push(envelope), onClose: () => {} });
    try {
      const post = (body: string) => fetch(`${api.url}/send-message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      for (const body of ['not json', '{}', JSON.stringify({ id: -1, sentAtNs: 0, room: 'r0', text: 'x' }), JSON.stringify({ id: 1, sentAtNs: 0, room: 'lobby', text: 'x' }), JSON.stringify({ id: 1, sentAtNs: 0, room: 'r0', text: '' })]) {
        const response = await post(body);
        assert.equal(response.status, 400, body);
        assert.match(((await response.json()) as { error: string }).error, /./);
      }
      assert.equal((await post(JSON.stringify({ id: 7, sentAtNs: 1, room: 'r0', text: 'hello' }))).status, 200);
      // One socket delivers in order: had a rejected message been emitted, it would have arrived before 7.
      for (const deadline = Date.now() + 60_000; received.length === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(received.map((envelope) => envelope.id), [7], 'only the valid message reached the room');
    } finally {
      client.close();
      await api.close();
      await choice.definition.teardown(context);
    }
  });
});

describe('a stopped worker', () => {
  it('is reported as lost deliveries at the deadline, not as a hang', async () => {
    const started = Date.now();
    let stopped: number[] = [];
    const sample = await run(plan('queued', { warmup: 0, durationSec: 3, timeoutMs: 4_000 }), () => {
      if (stopped.length > 0) return;
      // The first progress report comes during the load: freeze every worker/socket process (SIGSTOP keeps its sockets open).
      stopped = pidsMentioning('http-process\0socket');
      stopped.forEach((pid) => process.kill(pid, 'SIGSTOP'));
    });
    assert.equal(stopped.length, 2, 'both worker/socket processes were found');
    assert.ok(sample.counts.lost > 0, `deliveries were lost: ${JSON.stringify(sample.counts)}`);
    assert.equal(sample.counts.delivered + sample.counts.lost, sample.counts.sent);
    assert.match(sample.errors.join('\n'), /deliveries lost \(not received within 4s/);
    assert.ok(Date.now() - started < 60_000, 'ended at its deadline');
  });
});
