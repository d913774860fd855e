import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { CONTAINERS, ENGINE_PING, IMAGE_ENV, containerFor, dockerEngine, dockerEngineAnswers, parseImageOverrides, resolveNetwork } from '../harness/services/docker.ts';
import { UsageError } from '../harness/host/errors.ts';
import { provideService } from '../harness/services/provision.ts';
import { SERVICE_KINDS, type Service } from '../harness/services/types.ts';
import { POSTGRES_SETTINGS } from '../harness/services/settings.ts';
import { runCli, startCli, waitForOutput } from './helpers/cli.ts';
import { processTree } from '../harness/measure/resources.ts';
import { hopbenchTempDirs, listeningAddresses, pidExists, pidsMentioning } from './helpers/system.ts';
import { redactSecrets } from '../harness/host/net.ts';
import { roundTrip } from './helpers/round-trip.ts';

function serverProcesses(service: Service): number[] {
  return service.pids.flatMap(processTree);
}

describe('native provider', () => {
  for (const kind of SERVICE_KINDS) {
    it(`starts ${kind} on loopback, answers a real command, and stops leaving nothing behind`, async () => {
      const dirsBefore = new Set(hopbenchTempDirs());
      const service = await provideService(kind, 'native');
      const newDirs = hopbenchTempDirs().filter((dir) => !dirsBefore.has(dir));
      const processes = serverProcesses(service);
      try {
        assert.equal(service.provider, 'native');
        assert.match(service.version, /^\d+\.\d+/);
        assert.equal(newDirs.length, 1, 'one fresh temp dir per service');
        await roundTrip[kind](service.url);
        const addresses = listeningAddresses(processes);
        assert.ok(addresses.length > 0, `${kind} listens somewhere`);
        // epmd always adds the loopback addresses to its -address list, IPv6 ::1 included: loopback all the same.
        for (const address of addresses) assert.match(address, /^(127\.0\.0\.1|\[::1\]):\d+$/, `${kind} listens only on loopback`);
      } finally {
        await service.stop();
      }
      for (const pid of processes) assert.ok(!pidExists(pid), `${kind} process ${pid} is gone`);
      assert.deepEqual(hopbenchTempDirs().filter((dir) => newDirs.includes(dir)), [], 'temp dir removed');
    });
  }
});

describe('external provider', () => {
  it('uses the URL from the environment and reports the server version', async () => {
    const native = await provideService('redis', 'native');
    const saved = process.env.REDIS_URL;
    try {
      process.env.REDIS_URL = native.url;
      const external = await provideService('redis', 'external');
      assert.equal(external.provider, 'external');
      assert.equal(external.url, native.url);
      assert.equal(external.version, native.version);
      await roundTrip.redis(external.url);
      await external.stop(); // never stops a service it does not own
      await roundTrip.redis(native.url);
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
      await native.stop();
    }
  });

  it('names the service and the redacted URL when it is unreachable', async () => {
    const result = await runCli(['services', 'up', '--services', 'external'], {
      REDIS_URL: 'redis://user:secret@127.0.0.1:1',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
      DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:1/postgres',
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unreachable/);
    assert.doesNotMatch(result.stderr, /secret|:pw@/);
  });
});

describe('secrets', () => {
  it('redacts the password of every URL in free text (errors kept in results)', () => {
    assert.equal(
      redactSecrets('connect to postgres://u:pw@10.0.0.1:5432/db failed; amqp://guest:guest@h:5672 and redis://:s3cret@h:1'),
      'connect to postgres://u:***@10.0.0.1:5432/db failed; amqp://guest:***@h:5672 and redis://:***@h:1',
    );
    assert.equal(redactSecrets('no url: a:b@c'), 'no url: a:b@c');
  });
});

describe('docker provider definitions (no engine needed)', () => {
  const compose = readFileSync(new URL('../docker/docker-compose.yml', import.meta.url), 'utf8');

  for (const kind of SERVICE_KINDS) {
    it(`${kind}: a pinned registry image that docker-compose.yml uses by default, on the host network at 127.0.0.1 or published on 127.0.0.1 only`, async () => {
      const definition = CONTAINERS[kind];
      assert.match(definition.registryImage, /^[a-z]+:\d+\.\d+(\.\d+)?(-alpine)?$/, 'tag pinned to a full version');
      assert.ok(compose.includes(`image: \${${IMAGE_ENV[kind]}:-${definition.registryImage}}`), `compose uses ${definition.registryImage} unless ${IMAGE_ENV[kind]} says otherwise`);
      assert.match(definition.url(1234), /127\.0\.0\.1:1234/);
      type Built = { networkMode?: string; hostConfig: { PortBindings?: Record<string, unknown> }; createOpts: { Cmd?: string[]; Env?: string[] }; contentsToCopy: Array<{ content: string }> };
      const host = (await containerFor(kind, definition.registryImage, 'host', 1234)) as unknown as Built;
      assert.equal(host.networkMode, 'host');
      assert.deepEqual(host.hostConfig.PortBindings ?? {}, {}, 'nothing published');
      // The server is told 127.0.0.1 and the port, in its command line or its config file.
      const told = [...(host.createOpts.Cmd ?? []), ...host.contentsToCopy.map((file) => file.content)].join('\n');
      assert.match(told, /127\.0\.0\.1/);
      assert.match(told, /\b1234\b/);
      assert.doesNotMatch(told, /0\.0\.0\.0|listen_addresses=\*|tcp\.default/, 'no wildcard listener');
      const published = (await containerFor(kind, definition.registryImage, 'published', 1234)) as unknown as Built;
      assert.deepEqual(published.hostConfig.PortBindings, { [`${definition.port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '1234' }] });
    });
  }

  it('one definition of the server settings: the native and the container servers get the same', async () => {
    const redis = (await containerFor('redis', 'x', 'host', 1)) as unknown as { contentsToCopy: Array<{ content: string }> };
    assert.match(redis.contentsToCopy[0]!.content, /^save ""$/m);
    assert.match(redis.contentsToCopy[0]!.content, /^appendonly yes$/m);
    assert.match(redis.contentsToCopy[0]!.content, /^appendfsync everysec$/m);
    const postgres = (await containerFor('postgres', 'x', 'host', 1)) as unknown as { createOpts: { Cmd: string[] } };
    for (const [key, value] of Object.entries(POSTGRES_SETTINGS)) assert.ok(postgres.createOpts.Cmd.includes(`${key}=${value}`), `${key}=${value}`);
  });

  it('compose runs every server on the host network at 127.0.0.1 with hopbench\'s settings; the published-ports file publishes on loopback only', () => {
    assert.equal([...compose.matchAll(/network_mode: host/g)].length, 3);
    assert.doesNotMatch(compose, /ports:|0\.0\.0\.0|listen_addresses=\*/);
    assert.match(compose, /"--bind", "127\.0\.0\.1", "--port", "\$\{HOPBENCH_REDIS_PORT:-6379\}"/);
    assert.match(compose, /"listen_addresses=127\.0\.0\.1", "-c", "port=\$\{HOPBENCH_POSTGRES_PORT:-5432\}"/);
    assert.match(compose, /RABBITMQ_NODE_IP_ADDRESS: 127\.0\.0\.1/);
    assert.match(compose, /ERL_EPMD_ADDRESS: 127\.0\.0\.1/);
    const published = readFileSync(new URL('../docker/docker-compose.published.yml', import.meta.url), 'utf8');
    for (const file of [compose, published]) {
      for (const [key, value] of Object.entries(POSTGRES_SETTINGS)) assert.ok(file.includes(`"${key}=${value}"`), `postgres ${key}=${value}`);
      assert.match(file, /"--save", "", "--appendonly", "yes", "--appendfsync", "everysec"/);
    }
    const ports = [...published.matchAll(/ports: \[(.*)\]/g)].map((match) => match[1]);
    assert.equal(ports.length, 3);
    for (const port of ports) assert.match(port!, /^"127\.0\.0\.1:\$\{HOPBENCH_[A-Z]+_PORT:-\d+\}:\d+"$/);
  });

  it('reports no engine when none answers', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      assert.equal(await dockerEngineAnswers(), false);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  /** An HTTP server on a unix socket of the test's own, standing in for the engine's API, with DOCKER_HOST at it. */
  async function withFakeEngine<T>(answer: (path: string, res: ServerResponse) => void, body: () => Promise<T>): Promise<T> {
    const dir = mkdtempSync(join(tmpdir(), 'hopbench-test-engine-'));
    const socket = join(dir, 'docker.sock');
    const server = createServer((req, res) => answer(req.url ?? '', res));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${socket}`;
    try {
      return await body();
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('waits for an engine that is slow to answer (busy creating containers) instead of calling it absent', async () => {
    // The old probe gave up after 1.5 s: a busy engine failed one service of three with "no Docker engine answered".
    const engine = await withFakeEngine(
      (path, res) => setTimeout(() => res.end(path === '/info' ? JSON.stringify({ OSType: 'linux', OperatingSystem: 'Docker Desktop', SecurityOptions: [] }) : 'OK'), 2_000),
      () => dockerEngine(),
    );
    assert.equal(engine.answers, true);
    assert.ok(engine.answers);
    // Docker Desktop's host network is its VM's: published ports, and the reason is recorded.
    assert.deepEqual(resolveNetwork('auto', engine), { mode: 'published', why: "Docker Desktop runs containers in a VM: its host network is the VM's" });
    assert.deepEqual(resolveNetwork('host', engine), { mode: 'host', why: '--docker-network' });
  });

  it('says what failed when the engine never answers its ping', async () => {
    let pings = 0;
    const engine = await withFakeEngine(
      (_path, res) => {
        pings++;
        res.statusCode = 500;
        res.end();
      },
      () => dockerEngine(),
    );
    assert.equal(engine.answers, false);
    assert.ok(!engine.answers);
    assert.equal(pings, ENGINE_PING.tries, 'asked again before giving up');
    assert.match(engine.why, new RegExp(`GET /_ping on unix://.+ failed ${ENGINE_PING.tries} times, each within ${ENGINE_PING.timeoutMs / 1000} s \\(last: HTTP 500\\)`));
  });

  it('takes image overrides as kind=ref, and anything else as bad input', () => {
    assert.deepEqual(parseImageOverrides(['redis=registry.local/redis:7.4', 'postgres=pg:17,rabbitmq=mq:3']), { redis: 'registry.local/redis:7.4', postgres: 'pg:17', rabbitmq: 'mq:3' });
    for (const bad of ['kafka=x:1', 'redis', 'redis=']) assert.throws(() => parseImageOverrides([bad]), UsageError);
  });
});

describe('services up', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`prints working URLs and leaves nothing behind after ${signal}`, async () => {
      const dirsBefore = new Set(hopbenchTempDirs());
      const run = startCli(['services', 'up', '--services', 'native']);
      await waitForOutput(run, (output) => /ready in/.test(output.stderr), 120_000);
      const urls = Object.fromEntries(
        run
          .output()
          .stdout.trim()
          .split('\n')
          .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
      );
      assert.deepEqual(Object.keys(urls).sort(), ['AMQP_URL', 'DATABASE_URL', 'REDIS_URL']);
      await roundTrip.redis(urls.REDIS_URL!);
      await roundTrip.postgres(urls.DATABASE_URL!);
      await roundTrip.rabbitmq(urls.AMQP_URL!);
      const newDirs = hopbenchTempDirs().filter((dir) => !dirsBefore.has(dir));
      assert.equal(newDirs.length, 3);
      run.child.kill(signal);
      const result = await run.done;
      assert.equal(result.code, signal === 'SIGINT' ? 130 : 143);
      for (const dir of newDirs) assert.deepEqual(pidsMentioning(dir), [], `no process left from ${dir}`);
      assert.deepEqual(hopbenchTempDirs().filter((dir) => newDirs.includes(dir)), []);
    });
  }

  it('gives one clear line naming the three fixes when a binary is missing', async () => {
    const result = await runCli(['services', 'up', '--services', 'native'], { HOPBENCH_REDIS_SERVER: '/nonexistent/redis-server' });
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /redis is not available/);
    assert.match(lines[0]!, /REDIS_URL=/);
    assert.match(lines[0]!, /Docker engine/);
    assert.match(lines[0]!, /apt-get install -y redis-server/);
  });
});
