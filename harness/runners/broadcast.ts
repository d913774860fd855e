/**
 * The `broadcast` kind of scenario: fan-out of published messages to WebSocket clients in rooms, per architecture
 * (ws-direct, socketio, socketio-redis, …), swept over server processes, clients per room and publish rate.
 */
import { z } from 'zod';
import { ARCHITECTURES, ARCHITECTURE_SPECS, parseArchitectureChoice } from '../broadcast/registry.ts';
import { UsageError } from '../host/errors.ts';
import { open } from '../load/open.ts';
import { capacityFlags, commonFlags, flag, list, names, wholeNumber } from '../engine/options.ts';
import { sweepAxes, type ScenarioKind } from '../engine/scenario.ts';
import { broadcastPhases, type BroadcastPlan } from './broadcast-sample.ts';
import { architectureIdentity, messagesAtRate, pointIdentity, rateLabel, roomParams, roomSweep } from './plan.ts';

export const roomFlags = {
  rooms: flag(wholeNumber(1, 10_000), '<n>', 'rooms; message i goes to room i mod rooms'),
  clientsPerRoom: flag(list(wholeNumber(1, 10_000)), '<list>', 'WebSocket clients in each room, comma-separated'),
  clientProcesses: flag(wholeNumber(1, 64), '<n>', 'OS processes the clients are spread over'),
};

const flags = {
  ...commonFlags,
  ...roomFlags,
  architectures: flag(names, '<list>', `comma-separated broadcast architectures (${ARCHITECTURE_SPECS.join(', ')})`),
  servers: flag(list(wholeNumber(2, 16)), '<list>', 'server processes of multi-server architectures, comma-separated (≥ 2)'),
  rate: flag(
    list(z.union([z.literal('capacity'), wholeNumber(1, 1_000_000)], { message: 'must be "capacity" or a whole number of messages per second' })),
    '<list>',
    'messages published per second, comma-separated (open loop; no max), or capacity: the highest publish rate delivered under --slo-p99',
  ),
  ...capacityFlags,
  payload: flag(wholeNumber(0, 1024 * 1024), '<bytes>', 'payload bytes per message'),
};

/** More connections than this per client process and the clients, not the server, become what is measured. */
export const broadcastKind: ScenarioKind<typeof flags, BroadcastPlan, undefined> = {
  flags,
  axes: sweepAxes({ servers: 'server processes', clientsPerRoom: 'clients per room', perSec: 'messages published per second (0: capacity search)' }),
  measures: { throughput: 'deliveries/s', latency: 'intended publish time → received by a client' },
  sweep(options, given) {
    const choices = [...new Set(options.architectures)].map(parseArchitectureChoice);
    if (given.servers && !choices.some((choice) => choice.definition.multiServer)) {
      throw new UsageError(`--servers applies to multi-server architectures only (${Object.values(ARCHITECTURES).filter((entry) => entry.definition.multiServer).map((entry) => entry.definition.name).join(', ')})`);
    }
    return roomSweep(choices, (choice) => (choice.definition.multiServer ? options.servers : [1]), [options, given], () => open({ perSec: 1 }), (base, servers): BroadcastPlan => ({ ...base, servers, messages: options.messages }));
  },
  identity: (plan) =>
    pointIdentity(architectureIdentity(plan), plan, { servers: plan.servers, clientsPerRoom: plan.clientsPerRoom, perSec: plan.capacity ? 0 : plan.load.params.perSec! }, `${plan.choice.label} S=${plan.servers} rooms=${plan.rooms}×${plan.clientsPerRoom}${rateLabel(plan)}`, {
      ...roomParams(plan),
      messages: plan.messages,
    }),
  atRate: messagesAtRate,
  services: (plan) => plan.choice.definition.services,
  phases: broadcastPhases,
};
