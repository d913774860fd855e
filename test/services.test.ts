import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { CONTAINERS, IMAGE_ENV, containerFor, dockerEngineAnswers, parseImageOverrides } from '../harness/services/docker.ts';
import { UsageError } from '../harness/errors.ts';
import { provideService } from '../harness/services/provision.ts';
import { SERVICE_KINDS, type Service } from '../harness/services/types.ts';
import { runCli, startCli, waitForOutput } from './helpers/cli.ts';
import { processTree } from '../harness/measure/resources.ts';
import { hopbenchTempDirs, listeningAddresses, pidExists, pidsMentioning } from './helpers/system.ts';
import { redactSecrets } from '../harness/net.ts';
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
    it(`${kind}: a pinned registry image that docker-compose.yml uses by default, published on 127.0.0.1 only`, async () => {
      const definition = CONTAINERS[kind];
      assert.match(definition.registryImage, /^[a-z]+:\d+\.\d+(\.\d+)?(-alpine)?$/, 'tag pinned to a full version');
      assert.ok(compose.includes(`image: \${${IMAGE_ENV[kind]}:-${definition.registryImage}}`), `compose uses ${definition.registryImage} unless ${IMAGE_ENV[kind]} says otherwise`);
      assert.match(definition.url(1234), /127\.0\.0\.1:1234/);
      const container = (await containerFor(kind, definition.registryImage, 1234)) as unknown as { hostConfig: { PortBindings: Record<string, unknown> } };
      assert.deepEqual(container.hostConfig.PortBindings, { [`${definition.port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '1234' }] });
    });
  }

  it('compose publishes ports on loopback only', () => {
    const ports = [...compose.matchAll(/ports: \[(.*)\]/g)].map((match) => match[1]);
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
