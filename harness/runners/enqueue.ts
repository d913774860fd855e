/**
 * The `enqueue` kind of scenario: how fast P producer processes hand messages to a broker, and how long each
 * hand-off takes (BullMQ add resolved, RabbitMQ confirm, Postgres commit, pg-boss send resolved). Nothing consumes.
 */
import { UsageError } from '../host/errors.ts';
import { closed } from '../load/closed.ts';
import { open } from '../load/open.ts';
import { capacityFlags, capacitySpec, commonFlags, flag, list, rateValue, checkLoadFlags, wholeNumber } from '../engine/options.ts';
import { resolveConfig } from '../plugins/registry.ts';
import { sweepAxes, type ScenarioKind } from '../engine/scenario.ts';
import { parseTransportChoice, transportIdentity } from '../transports/registry.ts';
import { checkPersistence, persistenceLabel, persistenceModes, persistenceParams, redisPersistenceFlag } from './persistence.ts';
import { enqueuePhases, type EnqueuePlan } from './enqueue-sample.ts';
import { pointIdentity, rateLabel, rateLoad } from './plan.ts';
import { agentsFlag, transportsFlag } from './process.ts';
import { pointServices } from './transport-roles.ts';

const flags = {
  ...commonFlags,
  transports: transportsFlag,
  producers: flag(list(wholeNumber(1, 64)), '<list>', 'producer processes per point, comma-separated'),
  batch: flag(list(wholeNumber(1, 100_000)), '<list>', 'closed loop: messages per send, sendBatch when > 1; comma-separated'),
  payload: flag(list(wholeNumber(0, 16 * 1024 * 1024)), '<list>', 'payload bytes per message, comma-separated'),
  redisPersistence: redisPersistenceFlag,
  inflight: flag(wholeNumber(1, 10_000), '<n>', 'closed loop: sends awaiting acceptance at once, per producer'),
  rate: flag(rateValue, '<max|capacity|n>', 'max: closed loop; n: open loop, n single sends per second over all producers; capacity: the highest rate accepted under --slo-p99'),
  ...capacityFlags,
  agents: agentsFlag('run the producers on these hopbench agents, round robin (token in HOPBENCH_AGENT_TOKEN); the load split evenly'),
};

function formatBytes(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

export const enqueueKind: ScenarioKind<typeof flags, EnqueuePlan, undefined> = {
  flags,
  axes: sweepAxes({ producers: 'producer processes', inflight: 'sends in flight per producer (0: open loop)' }),
  measures: { throughput: 'accepted messages/s', latency: 'send call → accepted by the broker (open loop: from the intended send time)' },
  sweep(options, given) {
    const closedLoop = checkLoadFlags(options.rate, given);
    const choices = [...new Set(options.transports)].map(parseTransportChoice);
    const brokerless = choices.find((choice) => choice.definition.inProcess);
    if (brokerless) throw new UsageError(`${brokerless.label} has no broker to enqueue into (its hand-off is the in-process call the process scenario measures): leave it out of --transports`);
    if (typeof options.rate === 'number' && options.producers.some((producers) => (options.rate as number) < producers)) {
      throw new UsageError(`--rate ${options.rate} is below one message per second per producer: lower --producers or raise --rate`);
    }
    const agents = options.agents && [...new Set(options.agents)];
    const tooFew = agents && options.producers.find((producers) => producers < agents.length);
    if (agents && tooFew !== undefined) throw new UsageError(`--producers ${tooFew} is fewer than the ${agents.length} agents: each agent needs a producer`);
    const rate = options.rate;
    const loads = closedLoop ? [...new Set(options.batch)].map((batch) => ({ load: closed({ batch, inflight: options.inflight }) })) : [rateLoad(rate, () => open({ perSec: 1 }), capacitySpec(options))];
    return choices.flatMap((choice) =>
      persistenceModes(choice, options.redisPersistence).flatMap((redisPersistence) =>
        options.producers.flatMap((producers) =>
          loads.flatMap((load) =>
            options.payload.map(
              (payloadBytes): EnqueuePlan => ({
                choice,
                config: resolveConfig(choice),
                producers,
                ...load,
                messages: options.messages,
                warmup: options.warmup,
                payloadBytes,
                timeoutMs: options.timeout * 1000,
                ...(agents ? { agents } : {}),
                ...(redisPersistence ? { redisPersistence } : {}),
              }),
            ),
          ),
        ),
      ),
    );
  },
  identity(plan) {
    const { spec } = plan.load;
    const sends = plan.capacity ? rateLabel(plan).trim() : spec.model === 'open' ? `@ ${spec.perSec}/s` : spec.batch > 1 ? `batch ${spec.batch}` : 'single';
    const axes = { producers: plan.producers, inflight: spec.model === 'closed' ? spec.inflight : 0 };
    return pointIdentity(transportIdentity(plan.choice, 1), plan, axes, `${plan.choice.label}${persistenceLabel(plan.redisPersistence)} P=${plan.producers} ${sends} ${formatBytes(plan.payloadBytes)}${plan.agents ? ` (on ${plan.agents.length} agents)` : ''}`, {
      messages: plan.messages,
      ...persistenceParams(plan.redisPersistence),
      ...(plan.agents ? { agents: plan.agents.length } : {}),
    });
  },
  // Nothing consumes: a rate is sustained when the broker accepts it (the queue grows by design).
  atRate: (plan, perSec, stepSec, timeoutMs) => ({ ...plan, capacity: undefined, load: open({ perSec: Math.max(perSec, plan.producers) }), messages: Math.max(plan.producers, Math.round(perSec * stepSec)), timeoutMs }),
  services: (plan) => pointServices(plan.choice),
  agents: (plan) => plan.agents ?? [],
  checkServices: checkPersistence,
  phases: enqueuePhases,
};
