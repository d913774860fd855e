/**
 * The `broadcast` kind of scenario: fan-out of published messages to WebSocket clients in rooms, per
 * architecture (ws-direct, socketio, socketio-redis), swept over clients per room and server processes.
 */
import { z } from 'zod';
import { ARCHITECTURES, parseArchitectureChoice } from '../broadcast/registry.ts';
import { UsageError } from '../errors.ts';
import { commonFlags, list, names, parseFlags, wholeNumber } from '../options.ts';
import { resolveConfig } from '../registry.ts';
import type { RunPoint, Scenario } from '../scenario.ts';
import { BROADCAST_AXES } from './axes.ts';
import { runBroadcastSample, type BroadcastPlan } from './broadcast-sample.ts';

export const broadcastFlags = z
  .object({
    ...commonFlags,
    architectures: names,
    servers: list(wholeNumber(2, 16)),
    rooms: wholeNumber(1, 10_000),
    clientsPerRoom: list(wholeNumber(1, 10_000)),
    clientProcesses: wholeNumber(1, 64),
    rate: list(wholeNumber(1, 1_000_000)),
    payload: wholeNumber(0, 1024 * 1024),
  })
  .partial()
  .strict();

export type BroadcastOptions = {
  readonly architectures: readonly string[];
  readonly servers: readonly number[];
  readonly rooms: number;
  readonly clientsPerRoom: readonly number[];
  readonly clientProcesses: number;
  readonly rate: readonly number[];
  readonly messages: number;
  readonly warmup: number;
  readonly payload: number;
  readonly repeat: number;
  readonly timeout: number;
};

export interface BroadcastScenarioDefinition {
  readonly name: string;
  readonly description: string;
  readonly measures: string;
  readonly defaults: BroadcastOptions;
}

/** More connections than this per client process and the clients, not the server, become what is measured. */
const MAX_CONNECTIONS_PER_CLIENT_PROCESS = 2_000;

export function broadcastPoint(plan: BroadcastPlan): RunPoint {
  const { definition, label, preset } = plan.choice;
  return {
    identity: {
      transport: label,
      transportName: definition.name,
      preset,
      traits: { durable: false, acks: false, crossProcess: definition.multiServer },
      workers: plan.servers,
      concurrency: plan.clientsPerRoom,
      label: `${label} S=${plan.servers} rooms=${plan.rooms}×${plan.clientsPerRoom}`,
      params: {
        loadModel: 'rate',
        perSec: plan.perSec,
        architecture: label,
        servers: plan.servers,
        rooms: plan.rooms,
        clientsPerRoom: plan.clientsPerRoom,
        connections: plan.rooms * plan.clientsPerRoom,
        clientProcesses: plan.clientProcesses,
        messages: plan.messages,
        warmup: plan.warmup,
        payloadBytes: plan.payloadBytes,
        timeoutSec: plan.timeoutMs / 1000,
      },
      config: plan.config,
    },
    runSample: (context) => runBroadcastSample(plan, context),
  };
}

/** Typed helper, like vitest's defineConfig. */
export function defineBroadcastScenario(definition: BroadcastScenarioDefinition): Scenario {
  return {
    name: definition.name,
    description: definition.description,
    measures: definition.measures,
    axes: BROADCAST_AXES,
    plan(rawFlags) {
      if (rawFlags.rate?.split(',').includes('max')) throw new UsageError('--rate max does not apply to broadcast: give a publish rate in messages per second');
      const flags = parseFlags(broadcastFlags, rawFlags, definition.name);
      const options: BroadcastOptions = { ...definition.defaults, ...flags };
      const choices = [...new Set(options.architectures)].map(parseArchitectureChoice);
      const multiServer = choices.filter((choice) => choice.definition.multiServer);
      if (flags.servers && multiServer.length === 0) {
        throw new UsageError(`--servers applies to multi-server architectures only (${Object.values(ARCHITECTURES).filter((entry) => entry.definition.multiServer).map((entry) => entry.definition.name).join(', ')})`);
      }
      const tooMany = options.clientsPerRoom.find((perRoom) => (options.rooms * perRoom) / options.clientProcesses > MAX_CONNECTIONS_PER_CLIENT_PROCESS);
      if (tooMany !== undefined) {
        throw new UsageError(`${options.rooms} rooms × ${tooMany} clients over ${options.clientProcesses} client processes is more than ${MAX_CONNECTIONS_PER_CLIENT_PROCESS} connections per process: raise --client-processes`);
      }
      const points: RunPoint[] = [];
      for (const choice of choices) {
        const config = resolveConfig(choice);
        for (const servers of choice.definition.multiServer ? options.servers : [1]) {
          for (const clientsPerRoom of options.clientsPerRoom) {
            for (const perSec of options.rate) {
              const { rooms, clientProcesses, messages, warmup } = options;
              const timeoutMs = options.timeout * 1000;
              points.push(broadcastPoint({ choice, config, servers, rooms, clientsPerRoom, clientProcesses, perSec, messages, warmup, payloadBytes: options.payload, timeoutMs }));
            }
          }
        }
      }
      return { points, repeat: options.repeat, services: [...new Set(choices.flatMap((choice) => choice.definition.services))], options };
    },
  };
}
