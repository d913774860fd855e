import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir, removeTempDir } from '../../host/lifecycle.ts';
import { freePort } from '../../host/net.ts';
import { logTail, spawnServer, type ServerProcess } from '../../host/processes.ts';
import { nativeServer } from './server.ts';
import type { StartedServer } from '../types.ts';
import { rabbitmqBinaries } from './binaries.ts';
import { RABBITMQ_SETTINGS, rabbitmqConfig, rabbitmqLoopbackEnv } from '../settings.ts';
import { ServiceError } from '../../host/errors.ts';

function tcpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(process: ServerProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await tcpAnswers(port)) return;
    if (process.exitReason()) break;
    await sleep(20);
  }
  throw new ServiceError(`epmd did not listen on 127.0.0.1:${port} (${process.exitReason() ?? 'timeout'}): ${logTail(process.logFile, 3)}`);
}

let nodeCounter = 0;

/**
 * rabbitmq-server with every path inside a temp dir and every listener on loopback: AMQP and distribution ports
 * are free ports, and a private epmd runs on its own port (the package's global epmd would listen on 0.0.0.0).
 */
export async function startNativeRabbitmq(): Promise<StartedServer> {
  const binaries = rabbitmqBinaries();
  const dir = makeTempDir('rabbitmq');
  for (const sub of ['home', 'log', 'mnesia']) mkdirSync(join(dir, sub));
  const [epmdPort, amqpPort, distPort] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(join(dir, 'rabbitmq.conf'), rabbitmqConfig({ host: '127.0.0.1', port: amqpPort }));
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const nodeName = `hopbench${process.pid}n${nodeCounter++}@localhost`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(dir, 'home'),
    ...rabbitmqLoopbackEnv(epmdPort, distPort),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
  };
  const epmd = spawnServer(binaries.epmd, ['-address', '127.0.0.1', '-port', String(epmdPort)], { env, cwd: dir, logFile: join(dir, 'epmd.log') });
  const stopEpmd = async () => {
    await epmd.stop({ signal: 'SIGTERM', graceMs: 2_000 });
    removeTempDir(dir);
  };
  try {
    await waitForPort(epmd, epmdPort, 5_000);
  } catch (error) {
    await stopEpmd();
    throw error;
  }
  const spawn = () => spawnServer(binaries.server, [], { env, cwd: dir, logFile: join(dir, 'log', 'startup.log') });
  // SIGTERM makes the Erlang VM stop RabbitMQ gracefully (init:stop). A restart keeps the node's name and mnesia dir,
  // so durable queues and persistent messages come back.
  return nativeServer(spawn, {
    url: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
    details: { binary: binaries.server, nodeName, ...RABBITMQ_SETTINGS },
    shutdown: { signal: 'SIGTERM', graceMs: 15_000 },
    cleanup: () => stopEpmd(),
    diagnostics: (server) => `${logTail(server.logFile, 10)}\n${logTail(join(dir, 'log', `${nodeName}.log`), 10)}`,
    exitedEarly: (server) => server.exitReason() ?? (epmd.exitReason() && `epmd: ${epmd.exitReason()}`),
  });
}
