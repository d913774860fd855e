/**
 * The agent's HTTP control API, shared by the server and its client (after OpenMessaging Benchmark's worker API).
 * Role specs, states and reports travel as V8-serialised bodies: the same structured-clone types as the IPC channel
 * to a local role (Uint8Array counters, nested objects), so a role behaves the same wherever it runs. Everything
 * else is JSON. Every call carries `Authorization: Bearer <token>`.
 */
import { deserialize, serialize } from 'node:v8';

export const API = '/v1';
export const TOKEN_ENV = 'HOPBENCH_AGENT_TOKEN';
export const V8_TYPE = 'application/x-v8-serialized';

/** The roles an agent starts: producers and consumers of a registered transport, nothing else. */
export const AGENT_ROLES = ['producer', 'consumer'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export interface StartRoleRequest {
  readonly role: AgentRole;
  readonly label: string;
  readonly spec: unknown;
}

/** A role as the agent sees it, polled by the coordinator. */
export interface RoleState {
  readonly ready?: unknown;
  readonly progress?: unknown;
  readonly eventLoop?: { readonly idle: number; readonly active: number };
  readonly report?: unknown;
  readonly failure?: string;
  readonly ended: boolean;
}

export interface AgentHealth {
  readonly ok: true;
  readonly host: string;
  readonly cpuModel: string;
  readonly cpus: number;
  readonly node: string;
  readonly version: string;
  /** Roles running now. */
  readonly roles: number;
}

export const encode = (value: unknown): Buffer => serialize(value);
export const decode = <T>(body: Buffer): T => deserialize(body) as T;
