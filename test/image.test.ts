/**
 * The hopbench image (docker/Dockerfile) on a real engine (skipped where none answers): built here from the Node base
 * `npm run docker:images` makes (no registry serves node:24-bookworm-slim here), then run as an agent that takes the
 * consumer side of a split-placement point whose producer is an agent process on this host.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { dockerEngineAnswers } from '../harness/services/docker.ts';
import { LOCAL_IMAGE } from '../harness/services/images.ts';
import { freePort } from '../harness/host/net.ts';
import type { ResultFile } from '../harness/results/types.ts';
import { agentHealth } from './helpers/agent.ts';
import { CLI, runCli } from './helpers/cli.ts';

const engine = await dockerEngineAnswers();
const REPO = fileURLToPath(new URL('..', import.meta.url));
const IMAGE = 'hopbench/hopbench:test';
const TOKEN = 'image-token-0123456789abcdef';
const out = mkdtempSync(join(tmpdir(), 'hopbench-test-image-'));
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
const started: { containers: string[]; agents: ChildProcess[] } = { containers: [], agents: [] };

/** Each cleanup step on its own: one that fails does not keep the others from running. */
function attempt(step: () => unknown): void {
  try {
    step();
  } catch {
    // already gone, or never made
  }
}

afterAll(() => {
  for (const agent of started.agents) agent.kill('SIGKILL');
  for (const container of started.containers) attempt(() => docker('rm', '-f', container));
  attempt(() => docker('rmi', IMAGE));
  rmSync(out, { recursive: true, force: true });
});

/** `docker build`, without blocking this process while it runs; rejects with the build's last lines. */
function build(args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['build', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`docker build exited ${code}: ${output.trim().split('\n').slice(-8).join('\n')}`));
    });
  });
}

async function answering(url: string, deadlineMs: number): Promise<void> {
  while (true) {
    if (await agentHealth(url, TOKEN)) return;
    if (Date.now() > deadlineMs) throw new Error(`no agent answered at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.runIf(engine)('the hopbench image', () => {
  it('builds from docker/Dockerfile and runs an agent that consumes a split-placement point', async () => {
    assert.ok(docker('image', 'inspect', '--format', '{{.Id}}', LOCAL_IMAGE.node), 'npm run docker:images builds the Node base');
    // Its npm ci needs the npm registry, as any build of the image does.
    await build(['-q', '--force-rm', '--build-arg', `NODE_IMAGE=${LOCAL_IMAGE.node}`, '-f', 'docker/Dockerfile', '-t', IMAGE, '.'], 480_000);
    // The agent's image runs as the unprivileged user, with no devDependencies.
    assert.equal(docker('image', 'inspect', '--format', '{{.Config.User}}', IMAGE), 'node');
    // Host networking: the services here listen on 127.0.0.1 only, as every hopbench service does.
    const [containerPort, localPort] = [await freePort(), await freePort()];
    const container = docker('run', '-d', '--network', 'host', '-e', `HOPBENCH_AGENT_TOKEN=${TOKEN}`, IMAGE, 'agent', '--listen', `127.0.0.1:${containerPort}`);
    started.containers.push(container);
    const local = spawn(process.execPath, [CLI, 'agent', '--listen', `127.0.0.1:${localPort}`], { env: { ...process.env, HOPBENCH_AGENT_TOKEN: TOKEN }, stdio: 'ignore' });
    started.agents.push(local);
    const urls = [`http://127.0.0.1:${localPort}`, `http://127.0.0.1:${containerPort}`];
    for (const url of urls) await answering(url, Date.now() + 60_000);
    const result = await runCli(
      ['bench', 'process', '--transports', 'bullmq,pg', '--workers', '1', '--rate', '100', '--messages', '300', '--warmup', '20', '--repeat', '1', '--agents', urls.join(','), '--placement', 'split', '--services', 'native', '--out', out],
      { HOPBENCH_AGENT_TOKEN: TOKEN },
      300_000,
    );
    assert.equal(result.code, 0, `${result.stderr}\n${docker('logs', container)}`);
    const file = JSON.parse(readFileSync(/result: (.+\.json)/.exec(result.stdout)![1]!, 'utf8')) as ResultFile;
    for (const run of file.runs) assert.deepEqual([run.counts.delivered, run.counts.lost, run.counts.duplicates], [300, 0, 0], `${run.label}: ${run.errors.join('; ')}`);
    assert.deepEqual(file.env.agents!.map((agent) => agent.roles), [['producer 0'], ['consumer 0']]);
    // The container's agent runs this hopbench.
    assert.equal(file.env.agents![1]!.version, file.tool.version);
  });
});
