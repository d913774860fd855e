/** What every scenario's point plan has, and how those parts are named in results. */
import type { CapacitySpec } from '../engine/capacity.ts';
import { capacitySpec, checkCapacityFlags } from '../engine/options.ts';
import { UsageError } from '../host/errors.ts';
import { open } from '../load/open.ts';
import type { LoadModel } from '../load/types.ts';
import { resolveConfig, type Choice, type Presettable } from '../plugins/registry.ts';
import type { PointIdentity } from '../results/types.ts';

export interface PlanBase<Definition> {
  /** What is compared: a transport or an architecture, with its preset. */
  readonly choice: Choice<Definition & { readonly name: string }>;
  /** The preset's knobs (a transport derives the rest from its concurrency). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The load of one sample (a capacity search: of its first step). */
  readonly load: LoadModel;
  /** `--rate capacity`: the point is a search over offered rates, each step a sample of this plan at that rate. */
  readonly capacity?: CapacitySpec;
  /** Unmeasured messages (or requests) through the whole path first. */
  readonly warmup: number;
  readonly payloadBytes: number;
  /** How long to wait for what is owed after the load. */
  readonly timeoutMs: number;
}

/** The parameters every point records: its load's, and the common ones. */
export function commonParams(plan: PlanBase<unknown>): Record<string, number> {
  const load = plan.capacity ? { sloP99Ms: plan.capacity.sloP99Ms, stepSec: plan.capacity.stepSec, nearStepSec: plan.capacity.nearStepSec } : plan.load.params;
  return { ...load, warmup: plan.warmup, payloadBytes: plan.payloadBytes, timeoutSec: plan.timeoutMs / 1000 };
}

/** ` @ 200/s` for an open-loop point, ` capacity p99≤100ms` for a search (labels name every swept parameter), nothing for a closed loop. */
export function rateLabel(plan: Pick<PlanBase<unknown>, 'load' | 'capacity'>, unit = '/s'): string {
  if (plan.capacity) return ` capacity p99≤${plan.capacity.sloP99Ms}ms`;
  return plan.load.name === 'open' ? ` @ ${plan.load.params.perSec}${unit}` : '';
}

/** The load a kind's --rate value asks for: `max` the kind's closed loop, a number an open loop, `capacity` a search. */
export function rateLoad(rate: number | 'max' | 'capacity', closedLoop: () => LoadModel, capacity: CapacitySpec): Pick<PlanBase<unknown>, 'load' | 'capacity'> {
  if (rate === 'capacity') return { load: open({ perSec: capacity.startPerSec }), capacity };
  return { load: rate === 'max' ? closedLoop() : open({ perSec: rate }) };
}

/** A point's identity: what it compares (`base`), its load model, its place on the axes, its label and params. */
export function pointIdentity(
  base: Pick<PointIdentity, 'transport' | 'transportName' | 'preset' | 'traits' | 'config'>,
  plan: PlanBase<unknown>,
  axes: PointIdentity['axes'],
  label: string,
  params: PointIdentity['params'],
): PointIdentity {
  return { ...base, loadModel: plan.capacity ? 'capacity' : plan.load.name, axes, label, params: { ...commonParams(plan), ...params } };
}

/** An architecture point's identity (broadcast, http-e2e): nothing it delivers is durable or acknowledged. */
export function architectureIdentity({ choice, config }: PlanBase<unknown>): Pick<PointIdentity, 'transport' | 'transportName' | 'preset' | 'traits' | 'config'> {
  return { transport: choice.label, transportName: choice.definition.name, preset: choice.preset, traits: { durable: false, acks: false }, config };
}

/** Points that deliver to rooms of WebSocket clients (broadcast, http-e2e): R rooms × K clients over P processes. */
export interface RoomsPlan {
  readonly rooms: number;
  readonly clientsPerRoom: number;
  readonly clientProcesses: number;
}

/** How such a point names its rooms in its params. */
export const roomParams = (plan: RoomsPlan & { readonly choice: { readonly label: string } }) => ({
  architecture: plan.choice.label,
  rooms: plan.rooms,
  clientsPerRoom: plan.clientsPerRoom,
  connections: plan.rooms * plan.clientsPerRoom,
  clientProcesses: plan.clientProcesses,
});

/** A point that counts its load in messages, as one capacity step: open loop at `perSec` for `stepSec` seconds. */
export function messagesAtRate<Plan extends PlanBase<unknown> & { readonly messages: number }>(plan: Plan, perSec: number, stepSec: number, timeoutMs: number): Plan {
  return { ...plan, capacity: undefined, load: open({ perSec }), messages: Math.max(1, Math.round(perSec * stepSec)), timeoutMs };
}

/** The most WebSocket connections one client process opens (broadcast/client-fleet.ts). */
const MAX_CONNECTIONS_PER_CLIENT_PROCESS = 2_000;

/** The flags every rooms point takes (broadcast, http-e2e). */
export interface RoomSweepOptions {
  readonly rooms: number;
  readonly clientsPerRoom: readonly number[];
  readonly clientProcesses: number;
  readonly rate: ReadonlyArray<number | 'max' | 'capacity'>;
  readonly warmup: number;
  readonly payload: number;
  readonly timeout: number;
  readonly sloP99: number;
  readonly stepSeconds: number;
  readonly nearStepSeconds: number;
  readonly capacityStart: number;
  readonly hold: number;
}

/**
 * The sweep of points that deliver to rooms: each choice × its server counts × clients per room × rate, with what
 * they share filled in; `build` adds the kind's own fields.
 */
export function roomSweep<Definition extends Presettable, Plan>(
  choices: ReadonlyArray<Choice<Definition>>,
  servers: (choice: Choice<Definition>) => readonly number[],
  [options, given]: [RoomSweepOptions, Partial<RoomSweepOptions>],
  closedLoop: () => LoadModel,
  build: (base: PlanBase<Definition> & RoomsPlan, servers: number) => Plan,
): Plan[] {
  checkCapacityFlags(options.rate, given);
  const tooMany = options.clientsPerRoom.find((perRoom) => (options.rooms * perRoom) / options.clientProcesses > MAX_CONNECTIONS_PER_CLIENT_PROCESS);
  if (tooMany !== undefined) {
    throw new UsageError(`${options.rooms} rooms × ${tooMany} clients over ${options.clientProcesses} client processes is more than ${MAX_CONNECTIONS_PER_CLIENT_PROCESS} connections per process: raise --client-processes`);
  }
  return choices.flatMap((choice) =>
    servers(choice).flatMap((count) =>
      options.clientsPerRoom.flatMap((clientsPerRoom) =>
        options.rate.map((rate) =>
          build(
            {
              choice,
              config: resolveConfig(choice),
              rooms: options.rooms,
              clientsPerRoom,
              clientProcesses: options.clientProcesses,
              ...rateLoad(rate, closedLoop, capacitySpec(options)),
              warmup: options.warmup,
              payloadBytes: options.payload,
              timeoutMs: options.timeout * 1000,
            },
            count,
          ),
        ),
      ),
    ),
  );
}
