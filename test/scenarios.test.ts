/** The enqueue and broadcast scenarios against real services, real producer processes and real sockets. */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ARCHITECTURE_SPECS, parseArchitectureChoice } from '../harness/broadcast/registry.ts';
import { closed } from '../harness/load/closed.ts';
import { open } from '../harness/load/open.ts';
import { resolveConfig } from '../harness/plugins/registry.ts';
import { broadcastPhases, type BroadcastPlan } from '../harness/runners/broadcast-sample.ts';
import { enqueuePhases, type EnqueuePlan } from '../harness/runners/enqueue-sample.ts';
import type { SampleProgress } from '../harness/engine/sample.ts';
import { TRANSPORT_SPECS, parseTransportChoice } from '../harness/transports/registry.ts';
import { runPlan, sampleContext } from './helpers/plan.ts';
import { nativeServicesForFile } from './helpers/services.ts';
import { pidsMentioning } from './helpers/system.ts';

const services = nativeServicesForFile();

const context = (onProgress?: (progress: SampleProgress) => void) => sampleContext(services(), onProgress);

/** Every transport with a broker (enqueue measures the hand-off to one). */
const BROKERS = TRANSPORT_SPECS.filter((spec) => !parseTransportChoice(spec).definition.inProcess && !spec.includes(':'));

describe('enqueue leaves exactly the accepted messages in each queue', () => {
  for (const transport of BROKERS) {
    for (const batch of [1, 25]) {
      it(`${transport}: 2 producer processes, ${batch === 1 ? 'single sends' : `batches of ${batch}`}`, async () => {
        const choice = parseTransportChoice(transport);
        const plan: EnqueuePlan = { choice, config: resolveConfig(choice), producers: 2, load: closed({ batch, inflight: 4 }), messages: 300, warmup: 50, payloadBytes: 1024, timeoutMs: 30_000 };
        const sample = await runPlan(enqueuePhases, plan, context());
        assert.deepEqual(sample.errors, []);
        const { sent, delivered, lost, duplicates } = sample.counts;
        assert.deepEqual({ sent, delivered, lost, duplicates }, { sent: 300, delivered: 300, lost: 0, duplicates: 0 });
        assert.equal(sample.metrics?.queueDepthAfter, 350, 'warmup and measured messages wait in the queue');
        assert.equal(sample.latencyMs.count, 300 / batch, 'one latency per send call');
        assert.deepEqual(sample.resources.map((usage) => usage.label).filter((label) => label.startsWith('producer')), ['producer 0', 'producer 1']);
      });
    }
  }
});

function broadcastPlan(architecture: string, overrides: Partial<BroadcastPlan> = {}): BroadcastPlan {
  const choice = parseArchitectureChoice(architecture);
  return {
    choice,
    config: resolveConfig(choice),
    servers: choice.definition.multiServer ? 2 : 1,
    rooms: 2,
    clientsPerRoom: 5,
    clientProcesses: 2,
    load: open({ perSec: 500 }),
    messages: 200,
    warmup: 20,
    payloadBytes: 64,
    timeoutMs: 20_000,
    ...overrides,
  };
}

describe('broadcast delivers every message to every member of its room exactly once (2 rooms × 5 clients)', () => {
  for (const architecture of ARCHITECTURE_SPECS) {
    it(architecture, async () => {
      const sample = await runPlan(broadcastPhases, broadcastPlan(architecture), context());
      assert.deepEqual(sample.errors, []);
      const { sent, delivered, lost, duplicates, unexpected } = sample.counts;
      // 200 messages, each to the 5 members of its room.
      assert.deepEqual({ sent, delivered, lost, duplicates, unexpected }, { sent: 1000, delivered: 1000, lost: 0, duplicates: 0, unexpected: 0 });
      assert.equal(sample.latencyMs.count, 1000, 'one latency per delivery, warmup excluded');
      assert.equal(sample.metrics?.messagesPublished, 200);
      if (architecture.startsWith('socketio-redis')) {
        assert.ok(sample.metrics!.redisCommandsPerMessage! >= 1, `every emit crosses Redis: ${JSON.stringify(sample.metrics)}`);
        assert.deepEqual(sample.resources.map((usage) => usage.label).sort(), ['clients 0', 'clients 1', 'redis', 'server 0 + publisher', 'server 1']);
        for (const usage of sample.resources.filter((item) => item.label.startsWith('clients'))) {
          assert.ok(usage.eventLoopUtilization! >= 0 && usage.eventLoopUtilization! <= 1, `clients report how busy their event loop was: ${JSON.stringify(usage)}`);
        }
      } else {
        assert.equal(sample.metrics?.redisCommands, undefined);
      }
    });
  }

  it('a client process that dies mid-run is counted as lost deliveries, and the sample does not wait for them', async () => {
    let killed: number | undefined;
    const started = Date.now();
    const plan = broadcastPlan('ws-direct', { load: open({ perSec: 100 }), messages: 400, timeoutMs: 300_000 });
    const sample = await runPlan(
      broadcastPhases,
      plan,
      context((progress) => {
        if (killed !== undefined || progress.delivered < 100) return;
        killed = pidsMentioning('broadcast-client')[0];
        if (killed) process.kill(killed, 'SIGKILL');
      }),
    );
    assert.ok(killed, 'a client process was found and killed');
    assert.ok(Date.now() - started < plan.timeoutMs / 2, 'ended when the live clients had everything, not at the deadline');
    assert.equal(sample.counts.sent, 2000);
    assert.ok(sample.counts.lost > 0 && sample.counts.lost <= 1000, `the dead process's share is lost: ${JSON.stringify(sample.counts)}`);
    assert.equal(sample.counts.delivered + sample.counts.lost, 2000);
    assert.match(sample.errors.join('\n'), /client process \d+ \(pid \d+\) exited \(SIGKILL\)/);
  });
});
