/**
 * The coordinator's side of an agent: its HTTP calls, an estimate of its clock, and roles on it behind the same
 * RoleHandle as a local child, so that scenarios place a role on an agent without knowing it is remote.
 */
import { request as httpRequest } from 'node:http';
import { errorMessage, UsageError } from '../host/errors.ts';
import { deferCleanup } from '../host/lifecycle.ts';
import { nowNs } from '../measure/clock.ts';
import { redactUrl } from '../host/net.ts';
import type { ResourceUsage } from '../measure/resources.ts';
import type { RoleHandle, RoleLauncher } from '../roles/child.ts';
import { API, TOKEN_ENV, V8_TYPE, decode, encode, type AgentHealth, type AgentRole, type RoleState } from './wire.ts';

/** How long an agent may go unanswering before its roles count as failed. */
const SILENCE_LIMIT_MS = 3_000;
const POLL_MS = 100;
const CALL_TIMEOUT_MS = 2_000;

export interface AgentClock {
  /** How the offset was found: Cristian's method, from round trips. */
  readonly method: 'cristian';
  /** The agent's CLOCK_MONOTONIC minus the coordinator's, ns. */
  readonly offsetNs: number;
  /** Half the fastest round trip: the offset is right to within this, ns. */
  readonly uncertaintyNs: number;
}

export class Agent {
  readonly url: string;
  readonly #token: string;
  health?: AgentHealth;
  clock?: AgentClock;
  /** Why it is gone (it stopped answering a role's polls): what its roles held is unknown. */
  gone?: string;
  /** Labels of the roles it ran, for results. */
  readonly roles: string[] = [];

  constructor(url: string, token: string) {
    this.url = url.replace(/\/$/, '');
    this.#token = token;
  }

  /**
   * One call; rejects on a status other than 2xx with the agent's own error. No timeout when `timeoutMs` is 0: then
   * `signal` ends it (an open request to an agent that stopped answering would keep this process alive).
   */
  call<T>(method: string, path: string, body?: unknown, timeoutMs = CALL_TIMEOUT_MS, signal?: AbortSignal): Promise<T> {
    const payload = body === undefined ? undefined : encode(body);
    return new Promise<T>((resolve, reject) => {
      const request = httpRequest(
        `${this.url}${API}${path}`,
        { method, headers: { authorization: `Bearer ${this.#token}`, ...(payload ? { 'content-type': V8_TYPE, 'content-length': payload.length } : {}) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const data = Buffer.concat(chunks);
            const value = response.headers['content-type'] === V8_TYPE ? decode<unknown>(data) : (JSON.parse(data.toString() || '{}') as unknown);
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(value as T);
            else reject(new Error(`agent ${this.url} answered ${status}: ${(value as { error?: string }).error ?? ''}`));
          });
        },
      );
      // 0: no limit (Node's default agent would end an idle socket after 5 s, in the middle of a long load).
      request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
      request.on('error', (error) => reject(new Error(`agent ${this.url}: ${errorMessage(error)}`)));
      signal?.addEventListener('abort', () => request.destroy(new Error('abandoned')), { once: true });
      request.end(payload);
    });
  }

  /**
   * Cristian's method: the agent's clock read between a send and a receive is taken to be read at the middle; of
   * many round trips, the fastest bounds the error best (± half of it).
   */
  async estimateClock(pings = 30): Promise<AgentClock> {
    let best: { rttNs: number; offsetNs: number } | undefined;
    for (let i = 0; i < pings; i++) {
      const sent = nowNs();
      const { nowNs: agentNs } = await this.call<{ nowNs: number }>('GET', '/clock');
      const received = nowNs();
      const rttNs = received - sent;
      if (!best || rttNs < best.rttNs) best = { rttNs, offsetNs: agentNs - (sent + received) / 2 };
    }
    this.clock = { method: 'cristian', offsetNs: Math.round(best!.offsetNs), uncertaintyNs: Math.round(best!.rttNs / 2) };
    return this.clock;
  }
}

/** The agents an invocation connected, in the order given: plans name them by URL, samples get them in their context. */
export interface AgentSet {
  readonly all: readonly Agent[];
  /** A connected agent by the URL a plan names. */
  get(url: string): Agent;
  /** Stops every role on every agent (once the run is over, and on every exit path). */
  reset(): Promise<void>;
}

function agentSet(agents: readonly Agent[]): AgentSet {
  const byUrl = new Map(agents.map((agent) => [agent.url, agent]));
  const reset = async () => void (await Promise.all(agents.map((agent) => agent.call('POST', '/reset').catch(() => {}))));
  // Whatever way the invocation ends, Ctrl-C included: no role of the run keeps sending.
  const forget = agents.length ? deferCleanup('agents', reset) : () => {};
  return {
    all: agents,
    get(url) {
      const agent = byUrl.get(url.replace(/\/$/, ''));
      if (!agent) throw new Error(`agent ${redactUrl(url)} was not connected before the run`);
      return agent;
    },
    async reset() {
      forget();
      await reset();
    },
  };
}

/** No agents: every role runs here. */
export const NO_AGENTS: AgentSet = agentSet([]);

/** How a role is started on this agent, for a group that puts members there (roles/group.ts). */
export const launcherOn =
  (agent: Agent): RoleLauncher =>
  (name, spec, label) =>
    startRemoteRole(agent, name as AgentRole, spec, label);

/** The agents a command line names, checked (health and clock) before anything starts. */
export async function connectAgents(urls: readonly string[]): Promise<AgentSet> {
  if (urls.length === 0) return NO_AGENTS;
  const token = process.env[TOKEN_ENV];
  if (!token) throw new UsageError(`--agents needs the agents' token in ${TOKEN_ENV}: set it to the token each agent was started with`);
  const agents = await Promise.all(
    [...new Set(urls)].map(async (url) => {
      const agent = new Agent(url, token);
      try {
        agent.health = await agent.call<AgentHealth>('GET', '/health');
        await agent.estimateClock();
      } catch (error) {
        throw new UsageError(`agent ${redactUrl(url)} is not usable (${errorMessage(error)}): start it with npm run agent -- --listen <host:port>, and check the URL and ${TOKEN_ENV}`);
      }
      return [url, agent] as const;
    }),
  );
  return agentSet(agents.map(([, agent]) => agent));
}

/**
 * A role started on an agent, as a RoleHandle: its state is polled; an agent silent for SILENCE_LIMIT_MS (dead, or
 * cut off) fails the role with that named, so nothing waits for it for ever.
 */
export function startRemoteRole<Spec, Ready, Progress, Command, Report>(agent: Agent, name: AgentRole, spec: Spec, label: string): RoleHandle<Ready, Progress, Command, Report> {
  const where = `${label} on agent ${agent.health?.host ?? agent.url}`;
  agent.roles.push(label);
  let state: RoleState = { ended: false };
  let failure: string | undefined;
  let id: string | undefined;
  let endedResolve: () => void = () => {};
  const ended = new Promise<void>((resolve) => (endedResolve = resolve));
  let markStarted: { resolve: (ready: Ready) => void; reject: (error: Error) => void } | undefined;
  const started = new Promise<Ready>((resolve, reject) => (markStarted = { resolve, reject }));
  started.catch(() => {});
  const fail = (reason: string) => {
    failure ??= reason;
    markStarted?.reject(new Error(failure));
  };
  const end = () => {
    if (state.report === undefined) fail(state.failure ? `${where}: ${state.failure}` : `${where} ended without a report`);
    endedResolve();
  };
  let lastAnswer = Date.now();
  const poll = async () => {
    while (!state.ended) {
      try {
        state = await agent.call<RoleState>('GET', `/roles/${id}`);
        lastAnswer = Date.now();
        if (state.ready !== undefined) markStarted?.resolve(state.ready as Ready);
        if (state.failure) fail(`${where}: ${state.failure}`);
      } catch (error) {
        if (Date.now() - lastAnswer > SILENCE_LIMIT_MS) {
          agent.gone ??= `agent ${agent.url} stopped answering (${errorMessage(error)})`;
          fail(`${agent.gone}: ${label} and its share are gone`);
          break;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    end();
  };
  void agent
    .call<{ id: string }>('POST', '/roles', { role: name, label, spec })
    .then((created) => {
      id = created.id;
      return poll();
    })
    .catch((error: unknown) => {
      fail(`${where}: ${errorMessage(error)}`);
      endedResolve();
    });
  return {
    pid: -1,
    label: where,
    ended,
    started,
    ready: () => state.ready as Ready | undefined,
    progress: () => state.progress as Progress | undefined,
    eventLoop: () => state.eventLoop,
    failure: () => failure,
    report: () => state.report as Report | undefined,
    async run(command) {
      if (failure) throw new Error(failure);
      // No timeout: a producer's `go` lasts its whole load. An agent that dies ends the wait through the poll, and
      // the request with it.
      const abandon = new AbortController();
      const answer = agent.call<{ result: unknown }>('POST', `/roles/${id}/command`, { command }, 0, abandon.signal);
      const gone = ended.then(() => Promise.reject(new Error(failure ?? `${where} ended before it ran the command`)));
      try {
        return (await Promise.race([answer, gone])).result;
      } finally {
        abandon.abort();
      }
    },
    finish: () => void (id && agent.call('POST', `/roles/${id}/finish`).catch(() => {})),
    kill(reason) {
      if (reason) fail(reason);
      if (id) void agent.call('POST', `/roles/${id}/kill`).catch(() => {});
    },
  };
}

/**
 * CPU and memory of the roles on these agents over a measured window, read by each agent from its own /proc, each
 * usage labelled with its role and host (`worker 0 on host-b`). An agent that cannot answer is named in `errors`:
 * its roles' figures are missing, never zero.
 */
export function sampleAgentResources(agents: readonly Agent[]): { start(): Promise<void>; stop(errors: string[]): Promise<ResourceUsage[]> } {
  const notStarted = new Map<Agent, string>();
  return {
    async start() {
      await Promise.all(agents.map((agent) => agent.call('POST', '/resources/start').catch((error: unknown) => void notStarted.set(agent, errorMessage(error)))));
    },
    async stop(errors) {
      const usages = await Promise.all(
        agents.map(async (agent) => {
          const why = notStarted.get(agent);
          if (why !== undefined) return void errors.push(`resources: agent ${agent.url} did not start sampling (${why}): its roles have no CPU or memory figures`);
          try {
            const { usage } = await agent.call<{ usage: ResourceUsage[] }>('POST', '/resources/stop');
            const host = agent.health?.host ?? agent.url;
            return usage.map((item) => ({ ...item, label: `${item.label.replace(/^consumer /, 'worker ')} on ${host}` }));
          } catch (error) {
            errors.push(`resources: agent ${agent.url} (${errorMessage(error)}): its roles have no CPU or memory figures`);
          }
        }),
      );
      return usages.flatMap((usage) => usage ?? []);
    },
  };
}
