/**
 * Agents on separate hosts: the services, a producer agent and a consumer agent each in a network namespace of their
 * own, the coordinator here, and a relay of the test's own between the agents and Redis that delays each chunk by d
 * one way (this kernel has no netem). Each agent also runs in a time namespace whose CLOCK_MONOTONIC is ahead of the
 * coordinator's, by a different amount, as another host's clock would be: split placement must estimate each offset
 * within its stated uncertainty, start the producer's schedule on its own clock, and move send times onto the
 * consumer's clock. Root only; skipped cleanly otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ResultFile } from '../harness/results/types.ts';
import { agentUrl } from './helpers/agent.ts';
import { CLI, runCli } from './helpers/cli.ts';
import { startDelayRelay, type DelayRelay } from './helpers/delay-relay.ts';
import { createTestNetwork, networkNamespacesUnavailable, timeNamespacesAvailable, type TestNetwork } from './helpers/netns.ts';
import { pidExists } from './helpers/system.ts';

const DELAY_MS = 20;
/**
 * How far each agent host's CLOCK_MONOTONIC is ahead of the coordinator's, s (0 where time namespaces are not
 * available): two different skews, so that an offset applied to the wrong agent, or with the wrong sign, shows.
 */
const SKEW_S = timeNamespacesAvailable() ? { producer: 1000, consumer: 3000 } : { producer: 0, consumer: 0 };
if (SKEW_S.producer === 0) console.info('netns: no time namespaces here (unshare --time): the agents share the coordinator\'s clock, so wrong offsets cannot show');
const TOKEN = 'netns-token-0123456789abcdef';
const AGENT_PORT = 7400;
const REDIS_PORT = 6379;
const unavailable = networkNamespacesUnavailable();

async function listening(host: string, port: number, deadlineMs: number): Promise<void> {
  while (true) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host, () => resolve(true));
      socket.once('error', () => resolve(false));
      socket.setTimeout(1000, () => socket.destroy(new Error('timeout')));
      void socket.once('close', () => resolve(false)).once('connect', () => socket.end());
    });
    if (connected) return;
    if (Date.now() > deadlineMs) throw new Error(`nothing listens on ${host}:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(unavailable !== undefined)(`agents on separate hosts (network namespaces)${unavailable ? `: skipped, ${unavailable}` : ''}`, () => {
  const out = mkdtempSync(join(tmpdir(), 'hopbench-test-netns-'));
  let network: TestNetwork;
  let relay: DelayRelay;
  let delayMs = 0;
  const started: ChildProcess[] = [];
  let agents: string[] = [];

  beforeAll(async () => {
    network = await createTestNetwork(['services', 'producer', 'consumer']);
    const { ips } = network;
    const redis = network.spawnIn('services', ['redis-server', '--bind', ips.services!, '--port', String(REDIS_PORT), '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
    started.push(redis);
    await listening(ips.services!, REDIS_PORT, Date.now() + 30_000);
    // The coordinator (here, on the bridge's address) reaches Redis undelayed: only the agents' traffic is.
    relay = await startDelayRelay({ host: network.bridgeIp }, { host: ips.services!, port: REDIS_PORT }, (client) => (client.endsWith(network.bridgeIp) ? 0 : delayMs));
    const agent = (host: string, prefix: string[] = []) => network.spawnIn(host, [...prefix, process.execPath, CLI, 'agent', '--listen', `${ips[host]}:${AGENT_PORT}`], { env: { ...process.env, HOPBENCH_AGENT_TOKEN: TOKEN } });
    const skewed = (seconds: number) => (seconds ? ['unshare', '--time', '--monotonic', String(seconds), '--fork', '--kill-child'] : []);
    const [producer, consumer] = [agent('producer', skewed(SKEW_S.producer)), agent('consumer', skewed(SKEW_S.consumer))];
    started.push(producer, consumer);
    agents = [await agentUrl(producer), await agentUrl(consumer)];
  });

  afterAll(async () => {
    await relay?.close();
    await network?.remove();
    rmSync(out, { recursive: true, force: true });
  });

  const bench = async () => {
    const result = await runCli(
      ['bench', 'process', '--transports', 'bullmq', '--workers', '2', '--concurrency', '4', '--rate', '20', '--messages', '100', '--warmup', '20', '--repeat', '1', '--agents', agents.join(','), '--placement', 'split', '--services', 'external', '--out', out],
      { HOPBENCH_AGENT_TOKEN: TOKEN, REDIS_URL: `redis://${network.bridgeIp}:${relay.port}` },
      300_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const file = JSON.parse(readFileSync(/result: (.+\.json)/.exec(result.stdout)![1]!, 'utf8')) as ResultFile;
    const [run] = file.runs;
    const { sent, delivered, lost, undelivered, duplicates } = run!.counts;
    assert.deepEqual({ sent, delivered, lost, undelivered, duplicates }, { sent: 100, delivered: 100, lost: 0, undelivered: 0, duplicates: 0 }, run!.errors.join('; '));
    assert.equal(run!.params.placement, 'split');
    return { run: run!, file };
  };

  it(`bullmq p50 rises by at least 2 × ${DELAY_MS} ms with a one-way delay of ${DELAY_MS} ms, and each clock offset is within its stated uncertainty`, async () => {
    delayMs = 0;
    const direct = await bench();
    delayMs = DELAY_MS;
    const before = relay.connections.get(DELAY_MS) ?? 0;
    const delayed = await bench();
    assert.ok((relay.connections.get(DELAY_MS) ?? 0) > before, 'the agents reached Redis through the delaying relay');
    const [p50, delayedP50] = [direct.run.latencyMs.p50, delayed.run.latencyMs.p50];
    console.info(`netns: bullmq split placement p50 ${p50} ms direct, ${delayedP50} ms with ${DELAY_MS} ms one way (rise ${(delayedP50 - p50).toFixed(2)} ms); clocks ahead by ${SKEW_S.producer} s (producer) and ${SKEW_S.consumer} s (consumer); latency ± ${direct.run.latencyClock?.method === 'cristian' ? direct.run.latencyClock.uncertaintyMs : '?'} ms`);
    assert.ok(delayedP50 - p50 >= 2 * DELAY_MS, `p50 ${p50} → ${delayedP50} ms`);
    for (const { run, file } of [direct, delayed]) {
      assert.equal(run.latencyClock?.method, 'cristian');
      // Had the send times not been moved onto the consumer's clock, every latency would be about the skews' difference.
      assert.ok(run.latencyMs.max < 1000, `latency max ${run.latencyMs.max} ms, against clocks ${SKEW_S.consumer - SKEW_S.producer} s apart`);
      const [producer, consumer] = file.env.agents!;
      assert.deepEqual([producer!.roles, consumer!.roles], [['producer 0'], ['consumer 0', 'consumer 1']]);
      // The true offsets are known: the skews.
      assert.ok(Math.abs(producer!.clock.offsetNs - SKEW_S.producer * 1e9) <= producer!.clock.uncertaintyNs, JSON.stringify(producer!.clock));
      assert.ok(Math.abs(consumer!.clock.offsetNs - SKEW_S.consumer * 1e9) <= consumer!.clock.uncertaintyNs, JSON.stringify(consumer!.clock));
    }
  });

  it('removes every namespace, link and process it made', async () => {
    await relay.close();
    await network.remove();
    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const namespace of network.namespaces) assert.ok(!namespaces.includes(namespace), namespaces);
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    assert.ok(!links.includes(network.bridge), links);
    for (const child of started) assert.ok(!pidExists(child.pid!), `pid ${child.pid} is still running`);
  });
});
