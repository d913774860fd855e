/**
 * One http-e2e sample: the architecture's process topology (an api process, and worker/socket processes where
 * the architecture has them), WebSocket clients in rooms, and autocannon driving `POST /send-message`. Each
 * request body carries a fresh id and its send time; each client records send → received. Every delivery of every
 * accepted (2xx) request is accounted for; HTTP latency comes from autocannon's own histogram.
 */
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startClientFleet, type ClientFleet } from '../broadcast/client-fleet.ts';
import { ARCHITECTURES } from '../broadcast/registry.ts';
import type { HttpArchitectureChoice } from '../http/registry.ts';
import type { TopologyMessage, TopologyProcessSpec } from '../http/process-entry.ts';
import type { ProcessRole } from '../http/types.ts';
import { NS_PER_S, nowNs } from '../measure/clock.ts';
import { encodeHistogram, summarizeMs } from '../measure/histogram.ts';
import { redisCommandCounts, redisCommandMetrics } from '../measure/redis-commands.ts';
import { sampleResources } from '../measure/resources.ts';
import type { SampleContext, SampleResult } from '../scenario.ts';
import { serviceResourceTargets } from '../services/provision.ts';
import { waitFor, waitUntil, within } from '../wait.ts';
import { forkChild, type Child } from '../worker/child.ts';

export interface HttpE2ePlan {
  readonly choice: HttpArchitectureChoice;
  readonly config: Readonly<Record<string, unknown>>;
  /** Worker/socket processes, for architectures that have them (1 otherwise: the api serves the clients). */
  readonly socketServers: number;
  readonly rooms: number;
  readonly clientsPerRoom: number;
  readonly clientProcesses: number;
  /** Requests per second over all connections, or undefined: as fast as `connections` allow (closed loop). */
  readonly perSec: number | undefined;
  readonly connections: number;
  readonly durationSec: number;
  readonly warmup: number;
  readonly textBytes: number;
  readonly timeoutMs: number;
}

const ENTRY = fileURLToPath(new URL('../http/process-entry.ts', import.meta.url));
/** The clients are socket.io clients whatever the architecture: they connect with the socketio architecture's client. */
const SOCKET_CLIENT_MODULE = ARCHITECTURES.socketio!.module;
const READY_TIMEOUT_MS = 60_000;
const REPORT_TIMEOUT_MS = 20_000;

interface TopologyMember {
  readonly child: Child<TopologyProcessSpec>;
  readonly label: string;
  url?: string;
  failure?: string;
}

interface LoadOutcome {
  readonly result: autocannon.Result;
  /** Ids answered 2xx. */
  readonly accepted: readonly number[];
  readonly startNs: number;
}

/** autocannon over `amount` requests or `duration` seconds; ids from `firstId`; pushes each id answered 2xx onto `accepted`. */
async function drive(url: string, plan: HttpE2ePlan, firstId: number, limit: { amount: number } | { duration: number }, accepted: number[], signal: AbortSignal): Promise<LoadOutcome> {
  let nextId = firstId;
  const text = 'x'.repeat(plan.textBytes);
  const startNs = nowNs();
  const options: autocannon.Options = {
    url: `${url}/send-message`,
    connections: plan.connections,
    ...(plan.perSec ? { overallRate: plan.perSec } : {}),
    ...limit,
    timeout: plan.timeoutMs / 1000,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request, context) => {
          const id = nextId++;
          (context as { id?: number }).id = id;
          return { ...request, body: JSON.stringify({ id, sentAtNs: nowNs(), room: `r${id % plan.rooms}`, text }) };
        },
        onResponse: (status, _body, context) => {
          if (status >= 200 && status < 300) accepted.push((context as { id: number }).id);
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, finished) => (error ? reject(error) : resolve(finished)));
    signal.addEventListener('abort', () => instance.stop(), { once: true });
  });
  return { result, accepted, startNs };
}

const ms = (value: number) => Math.round(value * 1e4) / 1e4;

export async function runHttpE2eSample(plan: HttpE2ePlan, { services, sampleId: channel, signal, onProgress }: SampleContext): Promise<SampleResult> {
  const { definition, module } = plan.choice;
  const config = plan.config as never;
  const kinds = definition.services(config);
  const urls = Object.fromEntries(kinds.map((kind) => [kind, services.get(kind).url]));
  const errors: string[] = [];
  await definition.setup({ urls, channel, config });
  const topology: TopologyMember[] = [];
  let fleet: ClientFleet | undefined;
  try {
    const fork = (role: ProcessRole, index: number) => {
      const member: TopologyMember = {
        label: role === 'api' ? 'api' : `socket ${index}`,
        child: forkChild<TopologyProcessSpec, TopologyMessage>(
          ENTRY,
          role,
          (message) => {
            if (message.type === 'ready') member.url = message.url;
            else member.failure = `${member.label}: ${message.error}`;
          },
          (description) => (member.failure ??= description),
        ),
      };
      member.child.send({ architectureModule: module, role, index, config: plan.config, urls, channel });
      topology.push(member);
      return member;
    };
    const api = fork('api', 0);
    const sockets = definition.socketProcesses ? Array.from({ length: plan.socketServers }, (_, index) => fork('socket', index)) : [api];
    const topologyFailure = () => topology.find((member) => member.failure)?.failure;
    await waitFor('the topology was not ready', () => topology.every((member) => member.url), topologyFailure, READY_TIMEOUT_MS, signal);

    const clients = await startClientFleet(
      {
        architectureModule: SOCKET_CLIENT_MODULE,
        config: {},
        urlOf: (connection) => sockets[connection % sockets.length]!.url!,
        rooms: plan.rooms,
        clientsPerRoom: plan.clientsPerRoom,
        clientProcesses: plan.clientProcesses,
        warmup: plan.warmup,
      },
      READY_TIMEOUT_MS,
      signal,
    );
    fleet = clients;

    if (plan.warmup > 0) {
      const warmup = await drive(api.url!, plan, 0, { amount: plan.warmup }, [], signal);
      const due = warmup.accepted.length * plan.clientsPerRoom;
      if (!(await waitUntil(() => clients.delivered('warmup') >= due || topologyFailure() !== undefined, Date.now() + plan.timeoutMs, signal))) {
        errors.push(`warmup: ${clients.delivered('warmup')} of ${due} deliveries within ${plan.timeoutMs / 1000}s`);
      }
    }

    const redisUrl = kinds.includes('redis') ? urls.redis : undefined;
    const redisBefore = redisUrl ? await redisCommandCounts(redisUrl) : undefined;
    const sampler = sampleResources([
      { label: 'load generator', pid: process.pid, tree: false },
      ...topology.map((member) => ({ label: member.label, pid: member.child.pid, tree: false })),
      ...clients.pids.map((pid, index) => ({ label: `clients ${index}`, pid, tree: false })),
      ...serviceResourceTargets(services, kinds),
    ]);
    const accepted: number[] = [];
    // Progress during the load too: deliveries so far against what the accepted requests owe.
    const during = setInterval(() => onProgress({ delivered: clients.delivered('measured'), expected: accepted.length * plan.clientsPerRoom }), 250);
    // At a fixed rate the request count is known: autocannon then waits for every response, so each id is either
    // accepted or not. At max rate it stops at the duration and drops the requests still in flight (at most one per
    // connection): their deliveries reach the clients' histogram but are neither expected nor counted.
    const limit = plan.perSec ? { amount: plan.perSec * plan.durationSec } : { duration: plan.durationSec };
    const load = await drive(api.url!, plan, plan.warmup, limit, accepted, signal).finally(() => clearInterval(during));
    const byRoom = Array.from({ length: plan.rooms }, (): number[] => []);
    for (const id of load.accepted) byRoom[id % plan.rooms]!.push(id);
    const dueForRoom = (room: number) => byRoom[room]!.length;
    const report = () => onProgress({ delivered: clients.delivered('measured'), expected: clients.dueToLive(dueForRoom) });
    await waitUntil(() => clients.delivered('measured') >= clients.dueToLive(dueForRoom), Date.now() + plan.timeoutMs, signal, report);
    report();
    const redisAfter = redisUrl ? await redisCommandCounts(redisUrl) : undefined;
    const resources = sampler.stop();

    const outcome = await clients.finish((room) => byRoom[room]!, REPORT_TIMEOUT_MS);
    const { counts, histogram, lastReceiveNs } = outcome;
    errors.push(...outcome.errors);
    const topologyProblem = topologyFailure();
    if (topologyProblem) errors.push(topologyProblem);
    const { result } = load;
    if (result.non2xx > 0) errors.push(`${result.non2xx} requests answered non-2xx: not delivered, not counted as sent`);
    if (result.errors > 0) errors.push(`${result.errors} request errors (${result.timeouts} timeouts)`);
    if (counts.lost > 0) errors.push(`${counts.lost} of ${counts.sent} deliveries lost (not received within ${plan.timeoutMs / 1000}s of the last request, or their connection died)`);
    const durationSec = lastReceiveNs > load.startNs ? (lastReceiveNs - load.startNs) / NS_PER_S : 0;
    return {
      counts,
      throughputPerSec: durationSec > 0 ? counts.delivered / durationSec : 0,
      durationSec,
      latencyMs: summarizeMs(histogram),
      histogram: encodeHistogram(histogram),
      resources,
      config: plan.config,
      metrics: {
        httpRequests: result.requests.total,
        httpAccepted: load.accepted.length,
        httpNon2xx: result.non2xx,
        httpRequestsPerSec: ms(result.requests.average),
        httpLatencyP50Ms: ms(result.latency.p50),
        httpLatencyP90Ms: ms(result.latency.p90),
        httpLatencyP99Ms: ms(result.latency.p99),
        httpLatencyP999Ms: ms(result.latency.p99_9),
        httpLatencyMaxMs: ms(result.latency.max),
        connections: plan.rooms * plan.clientsPerRoom,
        ...(redisBefore && redisAfter ? redisCommandMetrics(redisBefore, redisAfter, load.accepted.length, counts.delivered) : {}),
      },
      errors,
    };
  } finally {
    await fleet?.kill();
    topology.forEach((member) => member.child.kill());
    await within(Promise.all(topology.map((member) => member.child.ended)), 5_000);
    await within(definition.teardown({ urls, channel, config }).catch(() => {}), 10_000);
  }
}
