/**
 * Progress of a long run on stderr: a live bar on a terminal, one line per sample elsewhere (CI logs).
 * Listens to BenchRun events; knows nothing about how samples run.
 */
import { SingleBar, Presets } from 'cli-progress';
import type { BenchRun, SampleRef } from '../engine/bench.ts';
import { formatMs, formatRate } from '../../reports/format.ts';
import { capacityRateText } from '../../reports/wording.ts';

function describe(ref: SampleRef): string {
  return `${ref.point.identity.label} #${ref.repeatIndex + 1}`;
}

export function showProgress(run: BenchRun, stream: NodeJS.WriteStream = process.stderr): () => void {
  const interactive = stream.isTTY && !process.env.CI;
  if (!interactive) {
    run.on('sample-end', (ref, sample) =>
      stream.write(
        sample.capacity
          ? `[${ref.position}/${ref.total}] ${describe(ref)}: capacity ${capacityRateText(sample.capacity)} at p99 ≤ ${sample.capacity.sloP99Ms} ms, limited by ${sample.capacity.limitedBy}${sample.capacity.unstable ? ' (unstable: a higher rate sustained too)' : ''}\n`
          : `[${ref.position}/${ref.total}] ${describe(ref)}: ${formatRate(sample.throughputPerSec)}/s, p99 ${formatMs(sample.latencyMs.p99)} ms, lost ${sample.counts.lost}, dup ${sample.counts.duplicates}\n`,
      ),
    );
    run.on('sample-error', (ref, error) => stream.write(`[${ref.position}/${ref.total}] ${describe(ref)}: FAILED ${error}\n`));
    run.on('sample-note', (ref, note) => {
      // A step beginning is news on a terminal; in a log its end says it all.
      if (!note.startsWith('step ')) stream.write(`[${ref.position}/${ref.total}] ${describe(ref)}: ${note}\n`);
    });
    return () => {};
  }
  const bar = new SingleBar(
    { stream, format: '{bar} {value}/{total} samples | {sample} | {delivered}/{expected} delivered', hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  let started = false;
  run.on('sample-start', (ref) => {
    // A profile run sequentially counts each scenario's samples from 1 again.
    if (!started || ref.position === 1) bar.start(ref.total, 0, { sample: describe(ref), delivered: 0, expected: 0 });
    started = true;
    bar.update(ref.position - 1, { sample: describe(ref), delivered: 0, expected: 0 });
  });
  run.on('sample-progress', (_ref, progress) => bar.update({ delivered: progress.delivered, expected: progress.expected }));
  run.on('sample-note', (ref, note) => bar.update({ sample: `${describe(ref)}: ${note}` }));
  run.on('sample-end', (ref) => bar.update(ref.position));
  run.on('sample-error', (ref, error) => {
    bar.update(ref.position);
    stream.write(`\n${describe(ref)}: FAILED ${error}\n`);
  });
  return () => started && bar.stop();
}
