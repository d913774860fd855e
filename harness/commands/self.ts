import { textTable } from '../../reports/format.ts';
import { measureHarnessCost } from '../self.ts';

/** `bench self`: the harness's own cost per message, so transport figures can be read against it. */
export async function selfCommand(): Promise<void> {
  const cost = await measureHarnessCost(500);
  const rows = Object.entries(cost).map(([step, ns]) => [step, ns.toFixed(1)]);
  process.stdout.write(`${textTable(['step', 'ns per message'], rows)}\n`);
  const perMessage = cost['hot path per message']!;
  process.stdout.write(`\nAt ${perMessage.toFixed(0)} ns per message the measurement path alone caps one core at ~${Math.round(1e9 / perMessage).toLocaleString('en-US')} msg/s.\n`);
}
