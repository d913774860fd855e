/**
 * hopbench agents: real agent processes on loopback ports, driven by the real CLI against real services. Counts
 * must be exact across agents; an agent that dies mid-sample ends its share with the error named; the control API
 * refuses calls without the token and specs naming anything but a registered transport.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { afterAll, describe, it } from 'vitest';
import type { ResultFile, RunResult } from '../harness/results/types.ts';
import { agentHealth, agentUrl } from './helpers/agent.ts';
import { liveProcesses } from '../harness/host/procfs.ts';
import { CLI, runCli, startCli, waitForOutput } from './helpers/cli.ts';
import { pidExists } from './helpers/system.ts';

const out = mkdtempSync(join(tmpdir(), 'hopbench-test-agents-'));
const TOKEN = 'test-token-0123456789abcdef';
const env = { HOPBENCH_AGENT_TOKEN: TOKEN };
const agents: ChildProcess[] = [];
/** Coordinators a test started and may leave running when it fails: stopped as a user would (Ctrl-C). */
const coordinators: ChildProcess[] = [];

afterAll(async () => {
  for (const coordinator of coordinators.filter((child) => child.exitCode === null && child.signalCode === null)) {
    coordinator.kill('SIGINT');
    await new Promise((resolve) => coordinator.once('exit', resolve));
  }
  for (const agent of agents) agent.kill('SIGCONT');
  for (const agent of agents) agent.kill('SIGKILL');
  rmSync(out, { recursive: true, force: true });
});

/** An agent process on a free loopback port; resolves with its URL once it listens. */
async function startAgentProcess(...args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'agent', '--listen', '127.0.0.1:0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  agents.push(child);
  return { url: await agentUrl(child), child };
}

describe('agent control API', () => {
  it('refuses calls without the right token (401), and specs that name an unregistered transport or a file', async () => {
    const { url } = await startAgentProcess();
    assert.equal((await fetch(`${url}/v1/health`)).status, 401);
    assert.equal((await fetch(`${url}/v1/health`, { headers: { authorization: 'Bearer wrong-token-0123456789ab' } })).status, 401);
    const health = await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    const start = (body: unknown) => fetch(`${url}/v1/roles`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-v8-serialized' }, body: serialize(body) });
    const transport = { module: 'file:///tmp/evil.ts', config: {}, urls: {}, queue: 'q', concurrency: 1 };
    const unregistered = await start({ role: 'consumer', label: 'c', spec: { transport: { ...transport, name: 'evil' }, job: { kind: 'noop' }, worker: 0, warmup: 0, ids: 1, epochNs: 0 } });
    assert.equal(unregistered.status, 400);
    assert.match(((await unregistered.json()) as { error: string }).error, /no transport registered here \(evil\)/);
    const withFile = await start({ role: 'consumer', label: 'c', spec: { transport: { ...transport, name: 'pg' }, job: { kind: 'noop' }, worker: 0, warmup: 0, ids: 1, epochNs: 0, deliveryLog: '/etc/passwd' } });
    assert.equal(withFile.status, 400);
    const otherRole = await start({ role: 'http-process', label: 'x', spec: {} });
    assert.equal(otherRole.status, 400);
  });
});

describe('bench --agents: bad input', () => {
  it('is one line and exit 2 before anything starts: no token, an agent that does not answer, a transport without a broker, fewer workers than agents', async () => {
    const base = ['bench', 'process', '--transports', 'pg', '--workers', '2', '--messages', '10', '--out', out, '--services', 'native'];
    for (const [args, environment, pattern] of [
      [[...base, '--agents', 'http://127.0.0.1:9'], {}, /--agents needs the agents' token in HOPBENCH_AGENT_TOKEN/],
      [[...base, '--agents', 'http://127.0.0.1:9'], env, /agent http:\/\/127\.0\.0\.1:9\/? is not usable \(.*ECONNREFUSED/],
      [[...base, '--agents', 'ftp://127.0.0.1:9'], env, /must be an http:\/\/ URL of a hopbench agent/],
      [['bench', 'process', '--transports', 'direct', '--agents', 'http://127.0.0.1:9'], env, /--agents runs transports with a broker; direct delivers inside one process/],
      [['bench', 'process', '--transports', 'pg', '--workers', '1', '--agents', 'http://127.0.0.1:9,http://127.0.0.1:10'], env, /--workers 1 is fewer than the 2 agents that run workers in swarm placement/],
      [['bench', 'process', '--transports', 'pg', '--workers', '1', '--agents', 'http://127.0.0.1:9,http://127.0.0.1:10,http://127.0.0.1:11', '--placement', 'split'], env, /--workers 1 is fewer than the 2 agents that run workers in split placement/],
      [['bench', 'process', '--transports', 'pg', '--placement', 'split'], env, /--placement places roles on agents: give --agents <urls> too/],
      [['bench', 'process', '--transports', 'pg', '--agents', 'http://127.0.0.1:9', '--placement', 'split'], env, /--placement split needs at least 2 agents/],
      [['bench', 'process', '--transports', 'pg', '--agents', 'http://127.0.0.1:9', '--placement', 'ring'], env, /--placement/],
      [['bench', 'enqueue', '--transports', 'pg', '--producers', '1', '--agents', 'http://127.0.0.1:9,http://127.0.0.1:10'], env, /--producers 1 is fewer than the 2 agents: each agent needs a producer/],
    ] as const) {
      const result = await runCli([...args], { HOPBENCH_AGENT_TOKEN: '', ...environment });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });
});

describe('bench --agents (swarm and split placement)', () => {
  it('runs a process point over bullmq, rabbitmq and pg on two agents with every id accounted for', async () => {
    const [first, second] = [await startAgentProcess(), await startAgentProcess()];
    const result = await runCli(
      ['bench', 'process', '--transports', 'bullmq,rabbitmq,pg', '--workers', '2', '--concurrency', '8', '--messages', '2000', '--warmup', '100', '--repeat', '1', '--agents', `${first.url},${second.url}`, '--services', 'native', '--out', out],
      env,
      300_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const file = JSON.parse(readFileSync(/result: (.+\.json)/.exec(result.stdout)![1]!, 'utf8')) as ResultFile;
    for (const run of file.runs) {
      const { sent, delivered, lost, undelivered, duplicates } = run.counts;
      assert.deepEqual({ sent, delivered, lost, undelivered, duplicates }, { sent: 2000, delivered: 2000, lost: 0, undelivered: 0, duplicates: 0 }, `${run.label}: ${run.errors.join('; ')}`);
      assert.equal(run.params.placement, 'swarm');
      assert.deepEqual(run.latencyClock, { method: 'origin' });
      // Each agent sampled its own roles' CPU and memory over the window.
      const onAgents = run.samples[0]!.resources.filter((usage) => / on /.test(usage.label));
      assert.deepEqual(onAgents.map((usage) => usage.label.replace(/ on .+$/, '')).sort(), ['producer 0', 'producer 1', 'worker 0', 'worker 1'], JSON.stringify(run.samples[0]!.resources));
      assert.ok(onAgents.every((usage) => usage.cpuSeconds > 0 && usage.peakMemoryMiB > 0), JSON.stringify(onAgents));
      // The histograms of the agents' consumers, merged from their encoded form: one value per measured delivery.
      assert.equal(run.samples[0]!.latencyMs.count, 2000);
    }
    assert.equal(file.env.agents?.length, 2);
    for (const agent of file.env.agents!) {
      // Swarm: each agent ran one producer and one of the two workers.
      assert.equal(agent.roles.filter((role) => role.startsWith('producer')).length, 1, JSON.stringify(agent.roles));
      assert.equal(agent.roles.filter((role) => role.startsWith('consumer')).length, 1, JSON.stringify(agent.roles));
      assert.ok(agent.clock.uncertaintyNs > 0);
    }
  });

  it('split placement: the producer on one agent, the workers on the other, latency across the two clocks with its uncertainty', async () => {
    const [first, second] = [await startAgentProcess(), await startAgentProcess()];
    const result = await runCli(
      ['bench', 'process', '--transports', 'pg', '--workers', '2', '--concurrency', '4', '--rate', '200', '--messages', '600', '--warmup', '50', '--repeat', '1', '--agents', `${first.url},${second.url}`, '--placement', 'split', '--services', 'native', '--out', out],
      env,
      300_000,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /split \(agents\): .*pg W=2 C=4 @ 200\/s \(split on 2 agents\) ± [\d.]+ ms/);
    const file = JSON.parse(readFileSync(/result: (.+\.json)/.exec(result.stdout)![1]!, 'utf8')) as ResultFile;
    const [run] = file.runs;
    assert.equal(run!.counts.delivered, 600, run!.errors.join('; '));
    assert.equal(run!.counts.lost + run!.counts.duplicates, 0);
    assert.equal(run!.params.placement, 'split');
    assert.equal(run!.latencyClock?.method, 'cristian');
    assert.ok(run!.latencyClock.method === 'cristian' && run!.latencyClock.uncertaintyMs > 0);
    assert.deepEqual(file.env.agents!.map((agent) => agent.roles), [['producer 0'], ['consumer 0', 'consumer 1']]);
  });

  it('runs an enqueue point with its producers on two agents: every accepted message in the queue', async () => {
    const [first, second] = [await startAgentProcess(), await startAgentProcess()];
    const result = await runCli(
      ['bench', 'enqueue', '--transports', 'bullmq,pg', '--producers', '2', '--batch', '1', '--payload', '100', '--messages', '1000', '--warmup', '100', '--repeat', '1', '--agents', `${first.url},${second.url}`, '--services', 'native', '--out', out],
      env,
      300_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const file = JSON.parse(readFileSync(/result: (.+\.json)/.exec(result.stdout)![1]!, 'utf8')) as ResultFile;
    for (const run of file.runs) {
      assert.deepEqual([run.counts.sent, run.counts.delivered, run.counts.lost, run.counts.duplicates], [1000, 1000, 0, 0], `${run.label}: ${run.errors.join('; ')}`);
      assert.equal(run.metrics?.queueDepthAfter, 1100);
      assert.equal(run.samples[0]!.latencyMs.count, 1000);
      assert.deepEqual(run.latencyClock, { method: 'origin' });
      assert.equal(run.params.agents, 2);
      const onAgents = run.samples[0]!.resources.filter((usage) => / on /.test(usage.label));
      assert.deepEqual(onAgents.map((usage) => usage.label.replace(/ on .+$/, '')).sort(), ['producer 0', 'producer 1'], JSON.stringify(run.samples[0]!.resources));
    }
    assert.deepEqual(file.env.agents!.map((agent) => agent.roles), [['producer 0'], ['producer 1']]);
  });
});

/** Roles the agent at `url` runs now. */
const rolesOn = async (url: string) => (await agentHealth(url, TOKEN))?.roles ?? Number.NaN;

/** The children of a process. */
const childrenOf = (pid: number) => [...liveProcesses()].flatMap(([child, stat]) => (stat.ppid === pid ? [child] : []));

/**
 * Swarm on two agents, the second gone 3 s into 10 s of load: its producer's share and its worker's deliveries died
 * with it. The first agent's queue was all delivered; of the second's, what nobody reported is of unknown fate.
 */
function assertDeadAgentAccounting(run: RunResult): void {
  const { delivered, lost, undelivered, unknown = 0 } = run.counts;
  const counts = JSON.stringify(run.counts);
  assert.equal(lost, 0, `nothing is charged to the system as lost: ${counts}`);
  assert.ok(unknown > 0, `the dead agent's share is of unknown fate: ${counts}`);
  assert.equal(delivered + undelivered + unknown, 2000, counts);
  assert.ok(delivered >= 1000, `the live agent's share was all delivered: ${counts}`);
  assert.match(run.samples[0]!.incomplete?.join('\n') ?? '', /stopped answering.*producer 1 never reported/);
}

describe('bench --agents: interrupts, and agents that die or freeze', () => {
  /** 200 messages/s for 10 s of pg on two agents; resolves once both run their roles. */
  async function openLoopRun(first: { url: string }, second: { url: string }, serviceUrls?: Record<string, string>) {
    const run = startCli(
      ['bench', 'process', '--transports', 'pg', '--workers', '2', '--rate', '200', '--messages', '2000', '--warmup', '50', '--repeat', '1', '--timeout', '20', '--agents', `${first.url},${second.url}`, '--services', serviceUrls ? 'external' : 'native', '--out', out],
      { ...env, ...serviceUrls },
    );
    coordinators.push(run.child);
    const deadline = Date.now() + 120_000;
    while ((await rolesOn(first.url)) < 2 || (await rolesOn(second.url)) < 2) {
      assert.ok(Date.now() < deadline && run.child.exitCode === null, `the roles did not start: ${JSON.stringify(run.output())}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return run;
  }

  /** Two fresh agents running the open loop above, `afterMs` into its load. */
  async function twoAgentsLoaded(afterMs: number) {
    const [first, second] = [await startAgentProcess(), await startAgentProcess()];
    const run = await openLoopRun(first, second);
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    return { first, second, run };
  }

  /** The run's one point, from the result file its output names. */
  const pointOf = (stdout: string) => (JSON.parse(readFileSync(/result: (.+\.json)/.exec(stdout)![1]!, 'utf8')) as ResultFile).runs[0]!;

  it("ends the share of an agent that dies mid-sample with the error named: what it held is of unknown fate, never lost, and the sample says it is incomplete", async () => {
    const { second, run } = await twoAgentsLoaded(3_000);
    second.child.kill('SIGKILL');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    const pg = pointOf(result.stdout);
    assert.match(pg.errors.join('\n'), /agent http:\/\/127\.0\.0\.1:\d+ stopped answering/);
    assertDeadAgentAccounting(pg);
    assert.ok(!pidExists(second.child.pid!));
  });

  it('Ctrl-C on the coordinator stops every role on every agent', async () => {
    const { first, second, run } = await twoAgentsLoaded(2_000);
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.equal(result.code, 130, result.stderr);
    for (const agent of [first, second]) {
      assert.equal(await rolesOn(agent.url), 0, 'the agent was reset');
      assert.deepEqual(childrenOf(agent.child.pid!), [], 'no role process is left on the agent');
    }
  });

  it('an agent that stops answering (frozen) ends its share with the error named; the run does not wait for it', async () => {
    const { second, run } = await twoAgentsLoaded(3_000);
    second.child.kill('SIGSTOP');
    try {
      const result = await run.done;
      assert.equal(result.code, 0, result.stderr);
      const pg = pointOf(result.stdout);
      assert.match(pg.errors.join('\n'), new RegExp(`agent ${second.url.replace(/[.]/g, '\\.')} stopped answering`));
      assertDeadAgentAccounting(pg);
    } finally {
      second.child.kill('SIGCONT');
    }
  });

  it('a coordinator killed outright (SIGKILL) leaves no role running: each agent stops the roles nobody asks about', async () => {
    // Services of their own, so that killing the coordinator leaks none of its servers.
    const services = startCli(['services', 'up', '--services', 'native']);
    try {
      await waitForOutput(services, (output) => /ready in/.test(output.stderr), 120_000);
      const serviceUrls = Object.fromEntries(services.output().stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
      // Orphans are stopped after 3 s without a coordinator's question (30 s by default).
      const [first, second] = [await startAgentProcess('--orphan-after', '3'), await startAgentProcess('--orphan-after', '3')];
      const run = await openLoopRun(first, second, serviceUrls);
      run.child.kill('SIGKILL');
      await run.done;
      const deadline = Date.now() + 180_000;
      const running = async () => (await rolesOn(first.url)) + (await rolesOn(second.url)) + childrenOf(first.child.pid!).length + childrenOf(second.child.pid!).length;
      while ((await running()) > 0) {
        assert.ok(Date.now() < deadline, 'roles of a dead coordinator still run');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      services.child.kill('SIGINT');
      await services.done;
    }
  });
});
