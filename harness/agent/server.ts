/**
 * `hopbench agent`: a long-lived process that runs producer and consumer roles for a coordinator on another host,
 * behind an HTTP control API (after OpenMessaging Benchmark's worker): health, clock, start a role from a spec,
 * poll its state (ready, progress, report), run a command in it (the producer's `go` starts its share of the load),
 * finish, kill, reset, and sample its roles' CPU and memory over a measured window. Roles run as local child
 * processes exactly as they would on the coordinator's host; one its coordinator stops asking about is stopped.
 *
 * What it will run is fixed here: only the producer and consumer roles, only of transports registered in this
 * hopbench (a spec names a transport by name; the module path a spec carries is replaced, never loaded), and no spec
 * that names a file. Every call needs the bearer token; everything returned has secrets redacted.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { cpus, hostname } from 'node:os';
import { errorMessage } from '../host/errors.ts';
import { nowNs } from '../measure/clock.ts';
import { sampleResources, type ResourceSampler } from '../measure/resources.ts';
import { redactSecrets } from '../host/net.ts';
import { startRole, type RoleHandle } from '../roles/child.ts';
import type { ConsumerSpec } from '../roles/consumer.ts';
import type { ProducerSpec } from '../roles/producer.ts';
import type { TransportRef } from '../transports/load.ts';
import { TRANSPORTS } from '../transports/registry.ts';
import { TOOL_VERSION } from '../host/version.ts';
import { AGENT_ROLES, API, V8_TYPE, decode, encode, type AgentHealth, type RoleState, type StartRoleRequest } from './wire.ts';

/** How long a role may go without its coordinator asking about it before it is stopped as orphaned (default). */
export const ORPHAN_MS = 30_000;

export interface AgentOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** How long a role may go without its coordinator asking about it before it is stopped as orphaned. */
  readonly orphanMs?: number;
}

export interface RunningAgent {
  readonly url: string;
  close(): Promise<void>;
}

/** A request the agent refuses: the status and why. */
class Refused extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The spec's transport, pointed at this agent's own module for that registered name. */
function registeredTransport(ref: TransportRef | undefined): TransportRef {
  const registered = ref?.name === undefined ? undefined : TRANSPORTS[ref.name];
  if (!ref || !registered) throw new Refused(400, `the spec names no transport registered here (${ref?.name ?? 'none'}): use one of ${Object.keys(TRANSPORTS).join(', ')}`);
  return { ...ref, module: registered.module };
}

function consumerSpec(spec: ConsumerSpec): ConsumerSpec {
  if (spec.deliveryLog !== undefined) throw new Refused(400, 'the spec names a file (deliveryLog): an agent writes no file a coordinator names');
  return { ...spec, transport: registeredTransport(spec.transport) };
}

/** Checks a start request and returns the spec the role will get. */
function checkedSpec(request: StartRoleRequest): ConsumerSpec | ProducerSpec {
  if (!AGENT_ROLES.includes(request.role)) throw new Refused(400, `an agent runs ${AGENT_ROLES.join(' and ')} roles only, not "${String(request.role)}"`);
  if (request.role === 'consumer') return consumerSpec(request.spec as ConsumerSpec);
  const spec = request.spec as ProducerSpec;
  if (spec.acceptedLog !== undefined) throw new Refused(400, 'the spec names a file (acceptedLog): an agent writes no file a coordinator names');
  return { ...spec, transport: registeredTransport(spec.transport), ...(spec.consumers ? { consumers: spec.consumers.map(consumerSpec) } : {}) };
}

/** Every string in a value with secrets redacted (typed arrays and numbers pass through). */
function redacted<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map(redacted) as T;
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redacted(item)])) as T;
  return value;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, value: unknown, v8 = false): void {
  const payload = v8 ? encode(redacted(value)) : Buffer.from(JSON.stringify(redacted(value)));
  response.writeHead(status, { 'content-type': v8 ? V8_TYPE : 'application/json', 'content-length': payload.length });
  response.end(payload);
}

type Handle = RoleHandle<unknown, unknown, unknown, unknown>;
interface RoleEntry {
  readonly handle: Handle;
  ended: boolean;
  readonly role: string;
  readonly label: string;
  askedAt: number;
}

/**
 * The roles this agent runs, by id. A coordinator polls each of its roles every 100 ms; one that has not asked for
 * `orphanMs` is gone (killed outright, or cut off), and its roles would otherwise send and consume for ever: the
 * watchdog stops them.
 */
function roleTable(orphanMs: number) {
  const roles = new Map<string, RoleEntry>();
  let next = 0;
  const watchdog = setInterval(() => {
    for (const entry of roles.values()) {
      if (!entry.ended && Date.now() - entry.askedAt > orphanMs) entry.handle.kill(`stopped as orphaned: no coordinator asked about it for ${orphanMs / 1000}s`);
    }
  }, Math.min(5_000, orphanMs / 2));
  watchdog.unref();
  return {
    start(request: StartRoleRequest): string {
      const spec = checkedSpec(request);
      const id = String(++next);
      const handle = startRole<unknown, unknown, unknown, unknown, unknown>(request.role, spec, { where: 'process', label: String(request.label) });
      const entry: RoleEntry = { handle, ended: false, role: request.role, label: String(request.label), askedAt: Date.now() };
      void handle.ended.then(() => (entry.ended = true));
      roles.set(id, entry);
      return id;
    },
    /** A role by id; asking about it keeps it from the watchdog. */
    get(id: string): RoleEntry {
      const entry = roles.get(id);
      if (!entry) throw new Refused(404, `no role ${id} on this agent (reset, or never started)`);
      entry.askedAt = Date.now();
      return entry;
    },
    running: () => [...roles.values()].filter((entry) => !entry.ended),
    /** Kills every role and forgets them; resolves once all have ended. */
    async stopAll(reason: string): Promise<number> {
      const all = [...roles.values()];
      all.forEach(({ handle }) => handle.kill(reason));
      await Promise.all(all.map(({ handle }) => handle.ended));
      roles.clear();
      return all.length;
    },
    close: () => clearInterval(watchdog),
  };
}

type RoleTable = ReturnType<typeof roleTable>;

const stateOf = ({ handle, ended }: RoleEntry): RoleState => ({
  ready: handle.ready(),
  progress: handle.progress(),
  eventLoop: handle.eventLoop(),
  report: handle.report(),
  failure: handle.failure(),
  ended,
});

/** The control API's calls. Resources: the CPU and memory of the roles running here over a coordinator's measured window (one at a time). */
function agentRoutes(roles: RoleTable): Record<string, (request: IncomingMessage, response: ServerResponse, id?: string) => Promise<void>> {
  let sampler: ResourceSampler | undefined;
  const stopSampling = () => {
    const usage = sampler?.stop() ?? [];
    sampler = undefined;
    return usage;
  };
  return {
    'GET health': async (_request, response) =>
      send(response, 200, { ok: true, host: hostname(), cpuModel: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, node: process.version, version: TOOL_VERSION, roles: roles.running().length } satisfies AgentHealth),
    'GET clock': async (_request, response) => send(response, 200, { nowNs: nowNs() }),
    'POST roles': async (request, response) => send(response, 201, { id: roles.start(decode<StartRoleRequest>(await body(request))) }),
    'GET role': async (_request, response, id) => send(response, 200, stateOf(roles.get(id!)), true),
    'POST command': async (request, response, id) => {
      const { command } = decode<{ command: unknown }>(await body(request));
      try {
        send(response, 200, { result: await roles.get(id!).handle.run(command) }, true);
      } catch (error) {
        send(response, 409, { error: errorMessage(error) });
      }
    },
    'POST finish': async (_request, response, id) => {
      roles.get(id!).handle.finish();
      send(response, 202, {});
    },
    'POST kill': async (_request, response, id) => {
      roles.get(id!).handle.kill('killed by the coordinator');
      send(response, 202, {});
    },
    'POST resources/start': async (_request, response) => {
      stopSampling();
      const running = roles.running();
      sampler = sampleResources(running.map(({ handle, role, label }) => ({ label, pid: handle.pid, tree: false, eventLoop: handle.eventLoop, ...(role === 'producer' ? { role: 'producer' as const, harness: 'sender' as const } : { role: 'workers' as const }) })));
      send(response, 200, { roles: running.length });
    },
    'POST resources/stop': async (_request, response) => send(response, 200, { usage: stopSampling() }, true),
    'POST reset': async (_request, response) => {
      stopSampling();
      send(response, 200, { killed: await roles.stopAll('reset by the coordinator') });
    },
  };
}

const CALL = new RegExp(`^${API}/(?:(health|clock|roles|reset|resources/start|resources/stop)|roles/(\\d+)(?:/(command|finish|kill))?)$`);

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  if (options.token.length < 16) throw new Error('the agent token must be at least 16 characters');
  const roles = roleTable(options.orphanMs ?? ORPHAN_MS);
  const routes = agentRoutes(roles);
  const server = createServer((request, response) => {
    void (async () => {
      if (!tokenMatches(request.headers.authorization, options.token)) return send(response, 401, { error: 'missing or wrong bearer token' });
      const path = new URL(request.url ?? '/', 'http://agent').pathname;
      const match = CALL.exec(path);
      const name = match?.[1] ?? (match?.[2] ? (match[3] ?? 'role') : undefined);
      const route = name && routes[`${request.method} ${name}`];
      if (!route) return send(response, 404, { error: `no such call: ${request.method} ${path}` });
      await route(request, response, match?.[2]);
    })().catch((error: unknown) => send(response, error instanceof Refused ? error.status : 500, { error: errorMessage(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    async close() {
      roles.close();
      await roles.stopAll('agent stopping');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
