import { textTable } from '../../reports/format.ts';
import { measureHarnessCost, measurePacer } from '../environment/harness-cost.ts';

/** `bench self`: the harness's own cost per message and its open-loop sender's, so transport figures can be read against them. */
export async function selfCommand(): Promise<void> {
  // The pacer first, on a fresh heap: after the cost loops below, garbage collection would show up as its lag.
  const pacers = [];
  for (const perSec of [2_000, 10_000]) pacers.push(await measurePacer(perSec, 3));
  const cost = await measureHarnessCost(500);
  const rows = Object.entries(cost).map(([step, ns]) => [step, ns.toFixed(1)]);
  process.stdout.write(`${textTable(['step', 'ns per message'], rows)}\n`);
  const perMessage = cost['hot path per message']!;
  process.stdout.write(`\nAt ${perMessage.toFixed(0)} ns per message the measurement path alone caps one core at ~${Math.round(1e9 / perMessage).toLocaleString('en-US')} msg/s.\n\n`);
  process.stdout.write(`${textTable(['open loop, msg/s', 'sender cores', 'lag p50 ms', 'lag p99 ms'], pacers.map((pacer) => [pacer.perSec.toLocaleString('en-US'), pacer.cores.toFixed(3), pacer.lagP50Ms.toFixed(3), pacer.lagP99Ms.toFixed(3)]))}\n`);
  process.stdout.write(`\nThe open-loop sender alone (3 s into a producer that accepts at once, after 1 s of warm-up): a point whose sender lag p99 exceeds 1 ms and a quarter of its latency p99, or whose sender uses 80% of a core, is marked harness-limited.\n`);
}
