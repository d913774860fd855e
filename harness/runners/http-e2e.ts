/**
 * The `http-e2e` kind of scenario: the seeds' whole request paths as real process topologies, driven over HTTP by a
 * load generator process (open loop at a rate, or closed loop with autocannon), delivered over WebSocket to clients
 * in rooms.
 */
import { z } from 'zod';
import { HTTP_ARCHITECTURES, parseHttpArchitectureChoice } from '../http/registry.ts';
import { closed } from '../load/closed.ts';
import { open } from '../load/open.ts';
import { capacityFlags, commonFlags, flag, list, names, wholeNumber } from '../engine/options.ts';
import { sweepAxes, type ScenarioKind } from '../engine/scenario.ts';
import { roomFlags } from './broadcast.ts';
import { architectureIdentity, pointIdentity, rateLabel, roomParams, roomSweep } from './plan.ts';
import { httpE2ePhases, type HttpE2ePlan } from './http-e2e-sample.ts';

const { repeat, timeout, warmup } = commonFlags;

const flags = {
  repeat,
  timeout,
  warmup,
  ...roomFlags,
  architectures: flag(names, '<list>', `comma-separated http-e2e architectures, name or name:preset (${HTTP_ARCHITECTURES.join(', ')})`),
  rate: flag(
    list(z.union([z.literal('max'), z.literal('capacity'), wholeNumber(1, 1_000_000)], { message: 'must be "max", "capacity" or a whole number of requests per second' })),
    '<list>',
    'requests per second over all connections (open loop), max (closed loop: --connections requests in flight), or capacity (the highest request rate delivered under --slo-p99); comma-separated',
  ),
  ...capacityFlags,
  connections: flag(wholeNumber(1, 10_000), '<n>', 'closed loop: HTTP connections (requests in flight); open loop: the keep-alive pool is sized from the rate'),
  duration: flag(wholeNumber(1, 3_600), '<s>', 'seconds of measured load per sample'),
  socketServers: flag(list(wholeNumber(1, 16)), '<list>', 'worker/socket processes of architectures that have them, comma-separated'),
  payload: flag(wholeNumber(1, 4_096), '<bytes>', 'message text length'),
};

export const httpE2eKind: ScenarioKind<typeof flags, HttpE2ePlan, undefined> = {
  flags,
  axes: sweepAxes({ socketServers: 'worker/socket processes', connections: 'HTTP connections (closed loop)', perSec: 'requests per second offered (0: closed loop or capacity search)' }),
  measures: { throughput: 'deliveries/s', latency: 'HTTP request (intended send time) → received by a client; HTTP response latency is in metrics' },
  sweep(options, given) {
    const choices = [...new Set(options.architectures)].map(parseHttpArchitectureChoice);
    return roomSweep(
      choices,
      (choice) => (choice.definition.socketProcesses ? options.socketServers : [1]),
      [options, given],
      () => closed({ batch: 1, inflight: options.connections }),
      (base, socketServers): HttpE2ePlan => ({ ...base, socketServers, connections: options.connections, durationSec: options.duration }),
    );
  },
  identity(plan) {
    const { definition, label } = plan.choice;
    const hops = definition.hops(plan.config as never);
    const load = rateLabel(plan, ' req/s') || ` closed C=${plan.connections}`;
    const axes = { socketServers: plan.socketServers, connections: plan.connections, perSec: plan.capacity ? 0 : (plan.load.params.perSec ?? 0) };
    const params = { ...roomParams(plan), hops: hops.join(' → '), hopCount: hops.length, durationSec: plan.durationSec };
    return pointIdentity(architectureIdentity(plan), plan, axes, `${label}${definition.socketProcesses ? ` S=${plan.socketServers}` : ''}${load} rooms=${plan.rooms}×${plan.clientsPerRoom}`, params);
  },
  atRate: (plan, perSec, stepSec, timeoutMs) => ({ ...plan, capacity: undefined, load: open({ perSec }), durationSec: stepSec, timeoutMs }),
  services: (plan) => plan.choice.definition.services(plan.config as never),
  phases: httpE2ePhases,
};
