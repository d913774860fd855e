/**
 * The Docker path on a real engine (skipped where none answers): the images built on this host by
 * `npm run docker:images`, containers published on loopback only, whole runs, faults and interrupts that leave no
 * container, network or volume behind, and docker-compose with the same images.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { dockerEngineAnswers } from '../harness/services/docker.ts';
import { LOCAL_IMAGE } from '../harness/services/images.ts';
import { probeService } from '../harness/services/probe.ts';
import { provideService } from '../harness/services/provision.ts';
import { SERVICE_KINDS } from '../harness/services/types.ts';
import { freePort } from '../harness/host/net.ts';
import type { ResultFile } from '../harness/results/types.ts';
import { runCli, startCli, waitForOutput } from './helpers/cli.ts';
import { roundTrip } from './helpers/round-trip.ts';
import { listeningAddresses, pidExists, rolePids } from './helpers/system.ts';
import { processTree } from '../harness/measure/resources.ts';

const engine = await dockerEngineAnswers();
const out = mkdtempSync(join(tmpdir(), 'hopbench-test-docker-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
/** What exists on the engine: containers (any state), networks and volumes. */
const engineState = () => ({ containers: docker('ps', '-aq'), networks: docker('network', 'ls', '-q'), volumes: docker('volume', 'ls', '-q') });
/** A process's CPU cgroup (cgroup v1's cpu hierarchy, else v2's), as /proc says. */
const cpuCgroupOf = (pid: number | 'self') =>
  readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((line) => /^\d+:([^:]*,)?cpu(,[^:]*)?:/.test(line) || line.startsWith('0::'))
    ?.replace(/^\d+:[^:]*:/, '');
/** The CPU cgroup of every process of a service's trees that is still there when read (Postgres forks and ends backends). */
const treeCgroups = (pids: readonly number[]) =>
  pids.flatMap(processTree).flatMap((pid) => {
    try {
      return [cpuCgroupOf(pid)];
    } catch {
      return []; // ended between the listing and the read
    }
  });
const resultOf = (stdout: string) => JSON.parse(readFileSync(/result: (.+\.json)/.exec(stdout)![1]!, 'utf8')) as ResultFile;

describe.runIf(engine)('docker provider on a real engine', () => {
  for (const kind of SERVICE_KINDS) {
    it(`starts ${kind} from the image built here on the host network, listening on 127.0.0.1 only, survives a restart at the same port, and leaves nothing`, async () => {
      const before = engineState();
      const service = await provideService(kind, 'docker');
      try {
        assert.equal(service.provider, 'docker');
        assert.equal(service.details.image, LOCAL_IMAGE[kind]);
        assert.match(String(service.details.imageId), /^sha256:[0-9a-f]{64}$/);
        assert.equal(service.details.network, 'host', 'a local Linux engine gives the host network');
        assert.equal(service.details.cpuCgroup, 'shared', String(service.details.cpuCgroupWhy));
        const cgroups = treeCgroups(service.pids);
        assert.ok(cgroups.length > 0);
        assert.deepEqual(cgroups, cgroups.map(() => cpuCgroupOf('self')), 'every process scheduled in our CPU cgroup, as a native server');
        await roundTrip[kind](service.url);
        assert.equal(docker('port', String(service.details.container)), '', 'nothing published');
        assert.deepEqual(service.proxyPids ?? [], [], 'no port proxy on the path');
        const port = new URL(service.url).port;
        const addresses = listeningAddresses(service.pids.flatMap(processTree));
        assert.ok(addresses.includes(`127.0.0.1:${port}`), `${kind} listens at its URL's port (${addresses.join(', ')})`);
        // epmd always adds the loopback addresses to its -address list, IPv6 ::1 included: loopback all the same.
        for (const address of addresses) assert.match(address, /^(127\.0\.0\.1|\[::1\]):\d+$/, `${kind} listens only on loopback: ${addresses.join(', ')}`);
        await service.restart!('graceful');
        assert.equal(await probeService(kind, service.url).then(() => 'answers'), 'answers', 'the same URL after a restart');
        assert.ok(listeningAddresses(service.pids.flatMap(processTree)).includes(`127.0.0.1:${port}`), 'the restarted server is sampled');
        assert.ok(treeCgroups(service.pids).every((cgroup) => cgroup === cpuCgroupOf('self')), 'the restarted processes joined too');
      } finally {
        await service.stop();
      }
      assert.deepEqual(engineState(), before);
    });
  }

  it('falls back to a port published on 127.0.0.1 when asked, and samples the proxy that carries its traffic', async () => {
    const before = engineState();
    const service = await provideService('postgres', 'docker', { network: 'published' });
    try {
      assert.equal(service.details.network, 'published');
      await roundTrip.postgres(service.url);
      const published = docker('port', String(service.details.container)).split('\n');
      assert.equal(published.length, 1, published.join('; '));
      assert.match(published[0]!, /-> 127\.0\.0\.1:\d+$/, 'published on loopback only');
      assert.ok((service.proxyPids ?? []).length > 0 && service.proxyPids!.every(pidExists), 'the docker-proxy of its port is found');
      assert.ok(service.pids.length > 0, 'the server process is sampled on this host');
    } finally {
      await service.stop();
    }
    assert.deepEqual(engineState(), before);
  });

  it('services up on Docker stays up until SIGTERM, then removes what it started', async () => {
    const before = engineState();
    const run = startCli(['services', 'up', '--services', 'docker']);
    await waitForOutput(run, (output) => /ready in/.test(output.stderr), 180_000);
    const urls = Object.fromEntries(run.output().stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
    assert.match(run.output().stderr, /redis .*\(docker, host network\)/);
    // It used to exit at once (an empty event loop): still up after the first round trips, and after a pause.
    await roundTrip.redis(urls.REDIS_URL!);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(run.child.exitCode, null, run.output().stderr);
    await roundTrip.postgres(urls.DATABASE_URL!);
    await roundTrip.rabbitmq(urls.AMQP_URL!);
    run.child.kill('SIGTERM');
    const result = await run.done;
    assert.equal(result.code, 143, result.stderr);
    assert.doesNotMatch(result.stderr, /failed/, 'every container stopped in order');
    assert.deepEqual(engineState(), before);
  });

  it('runs a whole process sweep over bullmq, rabbitmq and pg with --services docker, records the images, and leaves nothing', async () => {
    const before = engineState();
    const result = await runCli(
      ['bench', 'process', '--transports', 'bullmq,rabbitmq,pg', '--workers', '1', '--concurrency', '8', '--messages', '1000', '--warmup', '100', '--repeat', '1', '--out', out, '--services', 'docker'],
      { HOPBENCH_REDIS_IMAGE: LOCAL_IMAGE.redis },
      300_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const file = resultOf(result.stdout);
    assert.deepEqual(
      file.runs.map((run) => [run.transport, run.counts.delivered, run.counts.lost, run.counts.duplicates]),
      [
        ['bullmq', 1000, 0, 0],
        ['rabbitmq', 1000, 0, 0],
        ['pg', 1000, 0, 0],
      ],
    );
    for (const kind of SERVICE_KINDS) {
      const info = file.env.services[kind]!;
      assert.equal(info.provider, 'docker');
      assert.equal(info.details.network, 'host');
      assert.equal(info.details.image, LOCAL_IMAGE[kind]);
      assert.match(String(info.details.imageId), /^sha256:/);
    }
    assert.equal(file.env.services.redis!.details.imageSource, 'HOPBENCH_REDIS_IMAGE', 'the override is named');
    assert.deepEqual(engineState(), before);
  });

  it('runs through a published port when told to, and says so: the result records the network and counts the proxy', async () => {
    const before = engineState();
    const result = await runCli(
      ['bench', 'process', '--transports', 'pg', '--workers', '1', '--concurrency', '8', '--messages', '500', '--warmup', '50', '--repeat', '1', '--out', out, '--services', 'docker', '--docker-network', 'published'],
      {},
      300_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const file = resultOf(result.stdout);
    assert.equal(file.env.services.postgres!.details.network, 'published');
    assert.equal(file.env.services.postgres!.details.networkWhy, '--docker-network');
    assert.equal(file.runs[0]!.counts.delivered, 500);
    assert.ok(file.runs[0]!.resources.some((usage) => usage.label === 'postgres docker-proxy'), file.runs[0]!.resources.map((usage) => usage.label).join(', '));
    assert.deepEqual(engineState(), before);
  });

  it('restarts a containerised broker for a faults run: nothing lost by the pg queue, the container reused at the same port', async () => {
    const before = engineState();
    const result = await runCli(
      ['bench', 'faults', '--transports', 'pg', '--fault', 'broker-restart', '--rate', '100', '--duration', '4', '--fault-at', '2', '--repeat', '1', '--timeout', '30', '--out', out, '--services', 'docker'],
      {},
      300_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const [run] = resultOf(result.stdout).runs;
    assert.equal(run!.params.faultTarget, 'postgres');
    assert.equal(run!.counts.lost, 0, run!.errors.join('; '));
    assert.equal(run!.counts.delivered, run!.counts.sent);
    assert.deepEqual(engineState(), before);
  });

  it('Ctrl-C mid-run leaves no container, network or volume', async () => {
    const before = engineState();
    const run = startCli(['bench', 'process', '--transports', 'pg', '--workers', '2', '--messages', '200000', '--repeat', '1', '--out', out, '--services', 'docker'], { CI: 'true' });
    await waitForOutput(run, () => rolePids('consumer').length > 0, 180_000);
    assert.notEqual(engineState().containers, before.containers, 'the run had started a container');
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.equal(result.code, 130, result.stderr);
    assert.deepEqual(engineState(), before);
  });

  it('names the image and the fixes in one line when the image is not there and cannot be pulled', async () => {
    const result = await runCli(['services', 'up', '--services', 'docker', '--image', 'redis=hopbench/no-such-image:1'], {}, 120_000);
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /redis is not available \(docker: image hopbench\/no-such-image:1 is not here and could not be pulled/);
    assert.match(lines[0]!, /npm run docker:images/);
  });
});

describe.runIf(engine)('docker-compose.yml', () => {
  const file = fileURLToPath(new URL('../docker/docker-compose.yml', import.meta.url));

  it('passes docker-compose config, alone and with the published-ports file', () => {
    execFileSync('docker-compose', ['-f', file, 'config', '--quiet']);
    execFileSync('docker-compose', ['-f', file, '-f', file.replace(/\.yml$/, '.published.yml'), 'config', '--quiet']);
  });

  it('comes up with the local images, answers, and goes down leaving nothing', async () => {
    const before = engineState();
    const ports = { redis: await freePort(), rabbitmq: await freePort(), postgres: await freePort(), epmd: await freePort(), dist: await freePort() };
    const env = {
      ...process.env,
      HOPBENCH_REDIS_IMAGE: LOCAL_IMAGE.redis,
      HOPBENCH_RABBITMQ_IMAGE: LOCAL_IMAGE.rabbitmq,
      HOPBENCH_POSTGRES_IMAGE: LOCAL_IMAGE.postgres,
      HOPBENCH_REDIS_PORT: String(ports.redis),
      HOPBENCH_RABBITMQ_PORT: String(ports.rabbitmq),
      HOPBENCH_POSTGRES_PORT: String(ports.postgres),
      HOPBENCH_RABBITMQ_EPMD_PORT: String(ports.epmd),
      HOPBENCH_RABBITMQ_DIST_PORT: String(ports.dist),
    };
    const compose = (...args: string[]) => execFileSync('docker-compose', ['-p', `hopbench-test-${process.pid}`, '-f', file, ...args], { env, stdio: 'pipe' });
    const urls = {
      redis: `redis://127.0.0.1:${ports.redis}`,
      rabbitmq: `amqp://guest:guest@127.0.0.1:${ports.rabbitmq}`,
      postgres: `postgres://hopbench:hopbench@127.0.0.1:${ports.postgres}/hopbench`,
    };
    compose('up', '-d');
    try {
      for (const kind of SERVICE_KINDS) {
        const deadline = Date.now() + 120_000;
        while (!(await probeService(kind, urls[kind]).then(() => true, () => false))) {
          assert.ok(Date.now() < deadline, `${kind} answered within 120 s`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        await roundTrip[kind](urls[kind]);
      }
      // On the host network: every port it uses is bound to loopback (epmd adds [::1]), nothing published.
      const listening = execFileSync('ss', ['-H', '-ltn'], { encoding: 'utf8' }).split('\n').map((line) => line.trim().split(/\s+/)[3] ?? '');
      for (const port of Object.values(ports)) {
        const bound = listening.filter((address) => address.endsWith(`:${port}`));
        assert.ok(bound.includes(`127.0.0.1:${port}`), `something listens on 127.0.0.1:${port}`);
        for (const address of bound) assert.match(address, /^(127\.0\.0\.1|\[::1\]):/, `port ${port} only on loopback`);
      }
    } finally {
      compose('down', '--volumes');
    }
    assert.deepEqual(engineState(), before);
  });
});
