/**
 * One round of one side: that checkout's own `npm run bench` (the README's contract, so an old base runs as it
 * did), one sample per point, against the services the A/B run shares, into the side's results directory.
 */
import { HopbenchError, UsageError } from '../host/errors.ts';
import { deferCleanup } from '../host/lifecycle.ts';
import { logTail, spawnServer } from '../host/processes.ts';
import type { Checkout } from './checkout.ts';

export interface SideRun {
  readonly checkout: Checkout;
  /** `bench` arguments shared by both sides (scenario, profile, flags). */
  readonly benchArgs: readonly string[];
  readonly out: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
}

/** The last line the side's bench printed as an error (its one-line message), else its log's tail. */
function failureOf(logFile: string): string {
  const lines = logTail(logFile, 40).split('\n');
  return [...lines].reverse().find((line) => line.startsWith('hopbench: ')) ?? lines.slice(-5).join(' / ');
}

/** Runs one round; resolves with its duration in seconds. A side that cannot run the profile is bad input (exit 2). */
export async function runSideRound(run: SideRun, signal: AbortSignal): Promise<number> {
  const started = Date.now();
  const args = ['run', '--silent', 'bench', '--', ...run.benchArgs, '--repeat', '1', '--services', 'external', '--out', run.out];
  const bench = spawnServer('npm', args, { cwd: run.checkout.dir, env: run.env, logFile: run.logFile });
  // Ctrl-C reaches only hopbench (the side runs in a group of its own): the first cleanup passes it on, so that the
  // side stops its own processes before the services it uses go away.
  const forget = deferCleanup(`${run.checkout.side} bench`, () => bench.stop({ signal: 'SIGINT', graceMs: 20_000 }));
  const status = await bench.exited;
  forget();
  await bench.stop();
  if (signal.aborted) throw new HopbenchError('interrupted', 130);
  const where = `${run.checkout.side} (${run.checkout.ref}, ${run.checkout.sha.slice(0, 7)})`;
  if (status.code === 2) throw new UsageError(`the ${where} cannot run this: ${failureOf(run.logFile).replace(/^hopbench: /, '')}`);
  if (status.code !== 0) throw new HopbenchError(`the ${where} bench failed (${status.error?.message ?? `exit ${status.code ?? status.signal}`}): ${failureOf(run.logFile)}; log: ${run.logFile}`, 1);
  return (Date.now() - started) / 1000;
}
