/** The http-e2e architectures as real process topologies, against real services, HTTP and sockets. */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectSocketIo } from '../harness/broadcast/socketio-common.ts';
import { decodeHistogram, summarizeMs } from '../harness/measure/histogram.ts';
import { startRole } from '../harness/roles/child.ts';
import type { ProducerGo, ProducerReport, ProducerSpec } from '../harness/roles/producer.ts';
import { HTTP_ARCHITECTURES, parseHttpArchitectureChoice } from '../harness/http/registry.ts';
import { open } from '../harness/load/open.ts';
import { resolveConfig } from '../harness/plugins/registry.ts';
import { httpE2ePhases, type HttpE2ePlan } from '../harness/runners/http-e2e-sample.ts';
import type { SampleProgress } from '../harness/engine/sample.ts';
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
    // The queued architecture's other queues (queued:<transport>) hand off through one socket process and one client
    // process for 1 s: the fan-out across socket and client processes is the plain architectures' to show.
    const handOffOnly = architecture.includes(':');
    it(architecture, async () => {
      const sample = await run(plan(architecture, handOffOnly ? { socketServers: 1, clientProcesses: 1, durationSec: 1 } : {}));
      assert.deepEqual(sample.errors, []);
      const accepted = sample.metrics!.httpAccepted!;
      const expected = (handOffOnly ? 1 : 2) * 50;
      assert.ok(accepted >= expected / 2, `about ${expected} requests at 50/s: ${accepted}`);
      assert.equal(sample.metrics!.httpFailed, 0);
      const { sent, delivered, lost, duplicates, unexpected } = sample.counts;
      assert.deepEqual({ sent, delivered, lost, duplicates, unexpected }, { sent: accepted * 3, delivered: accepted * 3, lost: 0, duplicates: 0, unexpected: 0 });
      assert.equal(sample.latencyMs.count, accepted * 3, 'one end-to-end latency per delivery');
      assert.ok(sample.metrics!.httpLatencyP50Ms! >= 0 && sample.metrics!.httpLatencyP99Ms! >= sample.metrics!.httpLatencyP50Ms!);
      if (architecture === 'queued') assert.ok(sample.metrics!['redisPerMessage.publish']! >= 1, 'the adapter publishes every message through Redis');
    });
  }
});

describe('the HTTP load generator', () => {
  it('sends open loop: request i at start + i/rate, stamped with that intended time, latency recorded by hopbench', async () => {
    // A stub API that answers every POST after 7 ms and notes what arrived when.
    const arrivals: Array<{ id: number; sentAtNs: number; atMs: number }> = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const { id, sentAtNs } = JSON.parse(body) as { id: number; sentAtNs: number };
        arrivals.push({ id, sentAtNs, atMs: Date.now() });
        setTimeout(() => response.writeHead(202).end('{}'), 7);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const transport = { module: new URL('../harness/http/poster.ts', import.meta.url).href, config: { url, rooms: 2, textBytes: 8, poolSize: 100, timeoutMs: 10_000 }, urls: {}, queue: 'q', concurrency: 10 };
    const spec: ProducerSpec = { transport, producer: 0, payloadBytes: 0, warmup: { from: 0, to: 0, load: { model: 'closed', batch: 1, inflight: 1 } }, measured: { from: 0, to: 100, load: { model: 'open', perSec: 100 } } };
    const poster = startRole<ProducerSpec, unknown, unknown, ProducerGo, ProducerReport>('producer', spec, { where: 'process', label: 'load generator' });
    try {
      await poster.started;
      await poster.run({});
      poster.finish();
      await poster.ended;
    } finally {
      server.close();
    }
    const report = poster.report()!;
    assert.equal(arrivals.length, 100);
    arrivals.sort((a, b) => a.id - b.id);
    // Stamped with the schedule, not the send: exactly 10 ms apart, whatever the host did.
    for (let i = 1; i < 100; i++) assert.ok(Math.abs(arrivals[i]!.sentAtNs - arrivals[i - 1]!.sentAtNs - 10e6) < 1e3, `id ${i}`);
    // Spread over the second, not sent in a burst at its start (autocannon's overallRate sent 100 in ~80 ms).
    const spreadMs = Math.max(...arrivals.map((a) => a.atMs)) - Math.min(...arrivals.map((a) => a.atMs));
    assert.ok(spreadMs >= 500, `requests spread over ${spreadMs} ms`);
    const latency = summarizeMs(decodeHistogram(report.histogram));
    assert.equal(latency.count, 100, 'one latency per request: nothing back-filled');
    assert.ok(latency.p50 >= 7 && !Number.isInteger(latency.p50), `p50 ${latency.p50} ms: at least the server's 7 ms, not whole milliseconds`);
    assert.equal(report.stats.poolWaits, 0, 'no request waited for a connection');
  });
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
