/**
 * The `http-e2e` kind of scenario: the seeds' whole request paths as real process topologies, driven over HTTP by a
 * load generator process (open loop at a rate, or closed loop with autocannon), delivered over WebSocket to clients
 * in rooms.
 */
import { z } from 'zod';
import { HTTP_ARCHITECTURES, parseHttpArchitectureChoice } from '../http/registry.ts';
import { closed } from '../load/closed.ts';
import { open } from '../load/open.ts';
import { commonFlags, flag, list, names, wholeNumber } from '../options.ts';
import { resolveConfig } from '../registry.ts';
import type { RunPoint, ScenarioKind } from '../scenario.ts';
import { runSample } from '../sample.ts';
import { roomFlags } from './broadcast.ts';
import { httpE2ePhases, type HttpE2ePlan } from './http-e2e-sample.ts';

const { repeat, timeout, warmup } = commonFlags;

const flags = {
  repeat,
  timeout,
  warmup,
  ...roomFlags,
  architectures: flag(names, '<list>', `comma-separated http-e2e architectures, name or name:preset (${HTTP_ARCHITECTURES.join(', ')})`),
  rate: flag(
    list(z.union([z.literal('max'), wholeNumber(1, 1_000_000)], { message: 'must be "max" or a whole number of requests per second' })),
    '<list>',
    'requests per second over all connections (open loop), or max (closed loop: --connections requests in flight); comma-separated',
  ),
  connections: flag(wholeNumber(1, 10_000), '<n>', 'closed loop: HTTP connections (requests in flight); open loop: the keep-alive pool is sized from the rate'),
  duration: flag(wholeNumber(1, 3_600), '<s>', 'seconds of measured load per sample'),
  socketServers: flag(list(wholeNumber(1, 16)), '<list>', 'worker/socket processes of architectures that have them, comma-separated'),
  payload: flag(wholeNumber(1, 4_096), '<bytes>', 'message text length'),
};

function httpE2ePoint(plan: HttpE2ePlan): RunPoint {
  const { definition, label, preset } = plan.choice;
  const config = plan.config as never;
  const perSec = plan.load.params.perSec;
  const load = perSec ? `@ ${perSec} req/s` : `closed C=${plan.connections}`;
  return {
    identity: {
      transport: label,
      transportName: definition.name,
      preset,
      traits: { durable: false, acks: false },
      loadModel: plan.load.name,
      axes: { socketServers: plan.socketServers, connections: plan.connections, perSec: perSec ?? 0 },
      label: `${label}${definition.socketProcesses ? ` S=${plan.socketServers}` : ''} ${load} rooms=${plan.rooms}×${plan.clientsPerRoom}`,
      params: {
        ...plan.load.params,
        architecture: label,
        hops: definition.hops(config).join(' → '),
        hopCount: definition.hops(config).length,
        durationSec: plan.durationSec,
        rooms: plan.rooms,
        clientsPerRoom: plan.clientsPerRoom,
        clientProcesses: plan.clientProcesses,
        warmup: plan.warmup,
        payloadBytes: plan.textBytes,
        timeoutSec: plan.timeoutMs / 1000,
      },
      config: plan.config,
    },
    services: definition.services(config),
    runSample: (context) => runSample(httpE2ePhases(plan, context), context),
  };
}

export const httpE2eKind: ScenarioKind<typeof flags, HttpE2ePlan, undefined> = {
  flags,
  axes: [
    { key: 'socketServers', title: 'worker/socket processes' },
    { key: 'connections', title: 'HTTP connections (closed loop)' },
    { key: 'perSec', title: 'requests per second offered (0: closed loop)' },
  ],
  measures: { throughput: 'deliveries/s', latency: 'HTTP request (intended send time) → received by a client; HTTP response latency is in metrics' },
  sweep(options) {
    const { rooms, clientProcesses, connections, warmup } = options;
    return [...new Set(options.architectures)].map(parseHttpArchitectureChoice).flatMap((choice) =>
      (choice.definition.socketProcesses ? options.socketServers : [1]).flatMap((socketServers) =>
        options.clientsPerRoom.flatMap((clientsPerRoom) =>
          options.rate.map(
            (rate): HttpE2ePlan => ({
              choice,
              config: resolveConfig(choice),
              socketServers,
              rooms,
              clientsPerRoom,
              clientProcesses,
              load: rate === 'max' ? closed({ batch: 1, inflight: connections }) : open({ perSec: rate }),
              connections,
              durationSec: options.duration,
              warmup,
              textBytes: options.payload,
              timeoutMs: options.timeout * 1000,
            }),
          ),
        ),
      ),
    );
  },
  point: httpE2ePoint,
};
