/**
 * The `http-e2e` kind of scenario: the seeds' whole request paths as real process topologies, driven over HTTP by
 * autocannon, delivered over WebSocket to clients in rooms.
 */
import { z } from 'zod';
import { parseHttpArchitectureChoice } from '../http/registry.ts';
import { commonFlags, list, names, parseFlags, wholeNumber } from '../options.ts';
import { resolveConfig } from '../registry.ts';
import type { RunPoint, Scenario } from '../scenario.ts';
import { HTTP_E2E_AXES } from './axes.ts';
import { runHttpE2eSample, type HttpE2ePlan } from './http-e2e-sample.ts';

const { repeat, timeout, warmup } = commonFlags;

export const httpE2eFlags = z
  .object({
    repeat,
    timeout,
    warmup,
    architectures: names,
    rate: list(z.union([z.literal('max'), wholeNumber(1, 1_000_000)], { message: 'must be "max" or a whole number of requests per second' })),
    connections: wholeNumber(1, 10_000),
    duration: wholeNumber(1, 3_600),
    rooms: wholeNumber(1, 10_000),
    clientsPerRoom: list(wholeNumber(1, 10_000)),
    clientProcesses: wholeNumber(1, 64),
    socketServers: list(wholeNumber(1, 16)),
    payload: wholeNumber(1, 4_096),
  })
  .partial()
  .strict();

export type HttpE2eOptions = {
  readonly architectures: readonly string[];
  readonly rate: ReadonlyArray<number | 'max'>;
  readonly connections: number;
  readonly duration: number;
  readonly rooms: number;
  readonly clientsPerRoom: readonly number[];
  readonly clientProcesses: number;
  readonly socketServers: readonly number[];
  readonly payload: number;
  readonly warmup: number;
  readonly repeat: number;
  readonly timeout: number;
};

export interface HttpE2eScenarioDefinition {
  readonly name: string;
  readonly description: string;
  readonly measures: string;
  readonly defaults: HttpE2eOptions;
}

export function httpE2ePoint(plan: HttpE2ePlan): RunPoint {
  const { definition, label, preset } = plan.choice;
  const config = plan.config as never;
  const load = plan.perSec ? `${plan.perSec} req/s` : 'max';
  return {
    identity: {
      transport: label,
      transportName: definition.name,
      preset,
      traits: { durable: false, acks: false, crossProcess: definition.socketProcesses },
      workers: plan.socketServers,
      concurrency: plan.connections,
      label: `${label}${definition.socketProcesses ? ` S=${plan.socketServers}` : ''} ${load} rooms=${plan.rooms}×${plan.clientsPerRoom}`,
      params: {
        loadModel: plan.perSec ? 'rate' : 'max',
        ...(plan.perSec ? { perSec: plan.perSec } : {}),
        architecture: label,
        hops: definition.hops(config).join(' → '),
        hopCount: definition.hops(config).length,
        connections: plan.connections,
        durationSec: plan.durationSec,
        socketServers: plan.socketServers,
        rooms: plan.rooms,
        clientsPerRoom: plan.clientsPerRoom,
        clientProcesses: plan.clientProcesses,
        warmup: plan.warmup,
        payloadBytes: plan.textBytes,
        timeoutSec: plan.timeoutMs / 1000,
      },
      config: plan.config,
    },
    runSample: (context) => runHttpE2eSample(plan, context),
  };
}

/** Typed helper, like vitest's defineConfig. */
export function defineHttpE2eScenario(definition: HttpE2eScenarioDefinition): Scenario {
  return {
    name: definition.name,
    description: definition.description,
    measures: definition.measures,
    axes: HTTP_E2E_AXES,
    plan(rawFlags) {
      const flags = parseFlags(httpE2eFlags, rawFlags, definition.name);
      const options: HttpE2eOptions = { ...definition.defaults, ...flags };
      const choices = [...new Set(options.architectures)].map(parseHttpArchitectureChoice);
      const points: RunPoint[] = [];
      const services = new Set<string>();
      for (const choice of choices) {
        const config = resolveConfig(choice);
        choice.definition.services(config as never).forEach((kind) => services.add(kind));
        for (const socketServers of choice.definition.socketProcesses ? options.socketServers : [1]) {
          for (const clientsPerRoom of options.clientsPerRoom) {
            for (const rate of options.rate) {
              const { rooms, clientProcesses, connections, warmup } = options;
              points.push(
                httpE2ePoint({
                  choice,
                  config,
                  socketServers,
                  rooms,
                  clientsPerRoom,
                  clientProcesses,
                  perSec: rate === 'max' ? undefined : rate,
                  connections,
                  durationSec: options.duration,
                  warmup,
                  textBytes: options.payload,
                  timeoutMs: options.timeout * 1000,
                }),
              );
            }
          }
        }
      }
      return { points, repeat: options.repeat, services: [...services] as never, options };
    },
  };
}
