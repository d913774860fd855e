/**
 * `--redis-persistence` for the kinds that send through a transport (process, enqueue): a point per mode for each
 * Redis-backed transport, the mode set on the server for each of its samples (redis-persistence.ts), and named in
 * the point's label and params. `server` leaves the server as it runs: `everysec` on the Redis hopbench starts, the
 * server's own on an external one. Whatever the mode, the durability a run records is read from the server.
 */
import { z } from 'zod';
import { flag, list } from '../engine/options.ts';
import { UsageError } from '../host/errors.ts';
import { REDIS_PERSISTENCE, type RedisPersistence } from '../services/redis-persistence.ts';
import type { ServiceSet } from '../services/provision.ts';
import type { TransportChoice } from '../transports/registry.ts';

const MODES = ['server', ...REDIS_PERSISTENCE] as const;

export const redisPersistenceFlag = flag(
  list(z.enum(MODES, { message: `must be one of ${MODES.join(', ')}` })),
  '<list>',
  `Redis-backed transports, one point per mode: the Redis persistence of the point's samples: ${MODES.join(', ')} (server: as the server runs, everysec on a Redis hopbench starts)`,
);

/** The persistence of each point of a transport: the modes asked for when it is Redis-backed, else the server's. */
export function persistenceModes(choice: TransportChoice, modes: readonly (typeof MODES)[number][]): Array<RedisPersistence | undefined> {
  if (!choice.definition.services.includes('redis')) return [undefined];
  return [...new Set(modes)].map((mode) => (mode === 'server' ? undefined : mode));
}

/** The label's ` redis always` and the params' `redisPersistence`, when a point asked for one. */
export const persistenceLabel = (mode: RedisPersistence | undefined) => (mode ? ` redis ${mode}` : '');
export const persistenceParams = (mode: RedisPersistence | undefined): Record<string, string> => (mode ? { redisPersistence: mode } : {});

/** hopbench sets persistence only on a Redis it started: an external server is measured as it runs. */
export function checkPersistence(plans: ReadonlyArray<{ readonly redisPersistence?: RedisPersistence }>, services: ServiceSet): void {
  const asked = plans.find((plan) => plan.redisPersistence);
  if (asked && services.get('redis').provider === 'external') {
    throw new UsageError(`--redis-persistence ${asked.redisPersistence} sets persistence on a Redis hopbench started; the Redis at REDIS_URL is measured as it runs: leave --redis-persistence out (its durability is read from the server), or use --services native or docker`);
  }
}
