/**
 * One http-e2e sample: the architecture's process topology (an api process, and worker/socket processes where the
 * architecture has them), WebSocket clients in rooms, and a load generator process posting `POST /send-message`
 * with the point's load model. Each request body carries a fresh id and its intended send time; each client records
 * that time → received. Every delivery of every accepted (2xx) request is accounted for; HTTP latency is the load
 * generator's own hrtime histogram.
 */
import { fleetSample, startClientFleet, type ClientFleet } from '../broadcast/client-fleet.ts';
import { ARCHITECTURES } from '../broadcast/registry.ts';
import type { TopologyProcessSpec } from '../http/process-role.ts';
import type { HttpArchitectureChoice } from '../http/registry.ts';
import type { HttpArchitecture, ProcessRole } from '../http/types.ts';
import type { PlanBase, RoomsPlan } from './plan.ts';
import { NS_PER_S } from '../measure/clock.ts';
import { mergeEncoded, summarizeMs } from '../measure/histogram.ts';
import { deliveredPerSec } from '../measure/stats.ts';
import { startGroup, type RoleGroup } from '../roles/group.ts';
import type { ProducerGo, ProducerOutcome, ProducerProgress, ProducerReport, ProducerSpec } from '../roles/producer.ts';
import { redisMetrics, type SampleContext, type SamplePhases } from '../engine/sample.ts';
import { serviceResourceTargets } from '../services/provision.ts';
import { waitUntil, within } from '../host/wait.ts';

/** `load`: open loop at a rate, or closed loop with `connections` requests in flight; `payloadBytes`: the text's length. */
export interface HttpE2ePlan extends PlanBase<HttpArchitecture>, RoomsPlan {
  readonly choice: HttpArchitectureChoice;
  /** Worker/socket processes, for architectures that have them (1 otherwise: the api serves the clients). */
  readonly socketServers: number;
  readonly connections: number;
  readonly durationSec: number;
}

const POSTER_MODULE = new URL('../http/poster.ts', import.meta.url).href;
/** The clients are socket.io clients whatever the architecture: they connect with the socketio architecture's client. */
const SOCKET_CLIENT_MODULE = ARCHITECTURES.socketio!.module;
const READY_TIMEOUT_MS = 60_000;
const REPORT_TIMEOUT_MS = 20_000;
/** Ids a closed-loop sample may use at most per second of load (far above what any architecture answers). */
const MAX_CLOSED_IDS_PER_SEC = 200_000;

interface Roles {
  readonly topology: RoleGroup<{ url: string }, never, never, unknown>;
  readonly clients: ClientFleet;
  readonly poster: RoleGroup<unknown, ProducerProgress, ProducerGo, ProducerReport>;
}

interface Loaded {
  readonly outcome: ProducerOutcome;
  /** Accepted ids by room. */
  readonly byRoom: readonly number[][];
}

/** The topology: the api, and the worker/socket processes when the architecture has them. */
async function startTopology(plan: HttpE2ePlan, urls: Record<string, string>, channel: string, signal: AbortSignal) {
  const { definition, module } = plan.choice;
  const roles: Array<[ProcessRole, number]> = [['api', 0], ...(definition.socketProcesses ? Array.from({ length: plan.socketServers }, (_, index): [ProcessRole, number] => ['socket', index]) : [])];
  return startGroup<TopologyProcessSpec, { url: string }, never, never, unknown>(
    'http-process',
    roles.map(([role, index]) => ({ architectureModule: module, role, index, config: plan.config, urls, channel })),
    { where: 'process', label: (index) => (index === 0 ? 'api' : `socket ${index - 1}`), readyTimeoutMs: READY_TIMEOUT_MS, signal },
  );
}

function posterSpec(plan: HttpE2ePlan, apiUrl: string, channel: string): ProducerSpec {
  const perSec = plan.load.params.perSec;
  const measuredIds = perSec ? perSec * plan.durationSec : MAX_CLOSED_IDS_PER_SEC * plan.durationSec;
  // Open loop: enough sockets for every request in flight at a second's latency, so a request never waits for one.
  const poolSize = perSec ? Math.max(plan.connections, Math.ceil(perSec)) : plan.connections;
  return {
    transport: { module: POSTER_MODULE, config: { url: apiUrl, rooms: plan.rooms, textBytes: plan.payloadBytes, poolSize, timeoutMs: plan.timeoutMs }, urls: {}, queue: channel, concurrency: plan.connections },
    producer: 0,
    payloadBytes: 0,
    // autocannon refuses more connections than requests.
    warmup: { from: 0, to: plan.warmup, load: { model: 'closed', batch: 1, inflight: Math.max(1, Math.min(plan.connections, plan.warmup)) } },
    measured: { from: plan.warmup, to: plan.warmup + measuredIds, load: plan.load.spec },
    ...(perSec ? {} : { durationSec: plan.durationSec }),
  };
}

const ms = (value: number) => Math.round(value * 1e4) / 1e4;

/** The topology, then the clients connected to it, then the load generator (which sends the warmup as it starts). */
async function startRoles(plan: HttpE2ePlan, urls: Record<string, string>, channel: string, signal: AbortSignal): Promise<Roles> {
  const topology = await startTopology(plan, urls, channel, signal);
  const stopAll: Array<() => Promise<void>> = [() => topology.kill()];
  try {
    const sockets = plan.choice.definition.socketProcesses ? topology.members.slice(1) : topology.members;
    const urlOf = (connection: number) => sockets[connection % sockets.length]!.ready()!.url;
    const clients = await startClientFleet({ architectureModule: SOCKET_CLIENT_MODULE, config: {}, urlOf, rooms: plan.rooms, clientsPerRoom: plan.clientsPerRoom, clientProcesses: plan.clientProcesses, warmup: plan.warmup }, READY_TIMEOUT_MS, signal);
    stopAll.push(() => clients.kill());
    const poster = await startGroup<ProducerSpec, unknown, ProducerProgress, ProducerGo, ProducerReport>('producer', [posterSpec(plan, topology.members[0]!.ready()!.url, channel)], {
      where: 'process',
      label: () => 'load generator',
      readyTimeoutMs: READY_TIMEOUT_MS + plan.timeoutMs,
      signal,
    });
    return { topology, clients, poster };
  } catch (error) {
    await Promise.all(stopAll.map((stop) => stop()));
    throw error;
  }
}

export function httpE2ePhases(plan: HttpE2ePlan, { services, sampleId: channel, signal }: SampleContext): SamplePhases<Roles, Loaded> {
  const { definition } = plan.choice;
  const config = plan.config as never;
  const kinds = definition.services(config);
  const urls = Object.fromEntries(kinds.map((kind) => [kind, services.get(kind).url]));
  const loadDeadlineMs = plan.durationSec * 1000 + plan.timeoutMs;
  return {
    setup: () => definition.setup({ urls, channel, config }),
    start: () => startRoles(plan, urls, channel, signal),
    async warmup(roles, errors) {
      if (plan.warmup === 0) return;
      const due = plan.warmup * plan.clientsPerRoom;
      const arrived = () => roles.clients.delivered('warmup') >= due || roles.topology.failures().length > 0;
      if (!(await waitUntil(arrived, Date.now() + plan.timeoutMs, signal))) errors.push(`warmup: ${roles.clients.delivered('warmup')} of ${due} deliveries within ${plan.timeoutMs / 1000}s`);
    },
    resources: (roles) => [
      ...roles.poster.resourceTargets(() => 'load generator').map((target) => ({ ...target, role: 'harness' as const, harness: 'sender' as const })),
      ...roles.topology.resourceTargets((index) => roles.topology.members[index]!.label).map((target) => ({ ...target, role: 'servers' as const })),
      ...roles.clients.resourceTargets,
      ...serviceResourceTargets(services, kinds),
    ],
    redisUrl: urls.redis,
    async load(roles) {
      const done = await within(roles.poster.run({}), loadDeadlineMs);
      if (!done) throw new Error(`the load generator did not finish within ${loadDeadlineMs / 1000}s`);
      const outcome = done[0] as ProducerOutcome;
      const byRoom = Array.from({ length: plan.rooms }, (): number[] => []);
      outcome.acceptedIds.forEach((accepted, offset) => accepted && byRoom[(plan.warmup + offset) % plan.rooms]!.push(plan.warmup + offset));
      return { outcome, byRoom };
    },
    progress(roles, loaded) {
      const delivered = roles.clients.delivered('measured');
      const accepted = loaded?.outcome.accepted ?? roles.poster.progress()[0]?.accepted ?? 0;
      const expected = loaded ? roles.clients.dueToLive((room) => loaded.byRoom[room]!.length) : accepted * plan.clientsPerRoom;
      return { delivered, expected, settled: loaded !== undefined && delivered >= expected };
    },
    timeoutMs: plan.timeoutMs,
    async account(roles, loaded, measured, errors) {
      const outcome = await roles.clients.finish((room) => loaded.byRoom[room]!, REPORT_TIMEOUT_MS);
      const [poster] = await roles.poster.finish(REPORT_TIMEOUT_MS);
      errors.push(...roles.topology.failures(), ...roles.poster.failures());
      const { sent, accepted, sendErrors, firstSendError } = loaded.outcome;
      if (sendErrors > 0) errors.push(`${sendErrors} requests not answered 2xx (${firstSendError}): not delivered, not counted as sent`);
      const deliveries = fleetSample(outcome, poster?.startNs ?? 0, poster?.senderLag, plan.timeoutMs, 'the last request');
      const http = summarizeMs(mergeEncoded(poster?.histogram ? [poster.histogram] : []));
      const loadSec = poster ? (poster.endNs - poster.startNs) / NS_PER_S : 0;
      return {
        ...deliveries,
        // Requests delivered per second (open loop: what the capacity model judges): each goes to the clients of one room.
        ...(plan.load.params.perSec ? { achievedPerSec: deliveredPerSec(outcome.counts.delivered / plan.clientsPerRoom, sent / plan.load.params.perSec, outcome.firstReceiveNs, outcome.lastReceiveNs) } : {}),
        resources: measured.resources,
        metrics: {
          httpRequests: sent,
          httpAccepted: accepted,
          httpFailed: sendErrors,
          httpPoolWaits: poster?.stats.poolWaits ?? 0,
          httpRequestsPerSec: loadSec > 0 ? ms(accepted / loadSec) : 0,
          httpLatencyP50Ms: http.p50,
          httpLatencyP90Ms: http.p90,
          httpLatencyP99Ms: http.p99,
          httpLatencyP999Ms: http.p999,
          httpLatencyMaxMs: http.max,
          connections: plan.rooms * plan.clientsPerRoom,
          ...redisMetrics(measured, accepted, outcome.counts.delivered),
        },
        errors: [...errors, ...deliveries.errors],
      };
    },
    async stop(roles) {
      await Promise.all([roles.poster.kill(), roles.clients.kill(), roles.topology.finish(5_000)]);
    },
    teardown: () => definition.teardown({ urls, channel, config }),
  };
}
