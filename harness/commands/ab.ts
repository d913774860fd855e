/**
 * `ab --base <ref> [--head <ref>] [scenario] [--profile p] [--rounds n]`: a regression check that survives a change
 * of runner. Both sides run on this host in one job against the same services, one sample per point per round, in
 * alternating order (base head, head base, …), so that the host's speed and its slow minutes fall on both alike;
 * then each side's samples are pooled and compared (threshold AND significance). Exit 0: no regression, 1: a
 * regression, 2: bad input (unknown ref, a state it cannot measure, a run a side does not know).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareResults } from '../../reports/compare.ts';
import { renderComparison, type CompareFormat } from '../../reports/compare-render.ts';
import { addWorktree, checkWorkingTree, describeCheckout, repositoryRoot, resolveCommit, workingTree, type Checkout } from '../ab/checkout.ts';
import { provideDependencies } from '../ab/dependencies.ts';
import { runSideRound } from '../ab/side.ts';
import { UsageError } from '../host/errors.ts';
import { makeTempDir, shutdownSignal } from '../host/lifecycle.ts';
import { kebab } from '../engine/options.ts';
import { readResultFiles } from '../results/schema.ts';
import { ensureWritableDir } from '../results/write.ts';
import { provisionServices } from '../services/provision.ts';
import { URL_ENV, type ServicesMode } from '../services/types.ts';
import { planBench } from './run-bench.ts';
import { parseAlpha, parsePercent } from './compare.ts';

export interface AbCommandOptions {
  readonly base: string;
  readonly head?: string;
  readonly profile?: string;
  readonly rounds: string;
  readonly threshold: string;
  readonly alpha: string;
  readonly format: CompareFormat;
  readonly out: string;
  readonly services: ServicesMode;
  /** Scenario flags, as `bench` takes them. */
  readonly flags: Record<string, string | undefined>;
}

function parseRounds(text: string): number {
  const rounds = Number(text);
  if (!Number.isInteger(rounds) || rounds < 4 || rounds > 100) throw new UsageError(`invalid --rounds "${text}": use a whole number from 4 (the fewest samples a side that can show a significant difference) to 100`);
  return rounds;
}

/** The `bench` arguments both sides get, as a command line. */
function benchArgs(scenario: string | undefined, profile: string | undefined, flags: Readonly<Record<string, string | undefined>>): string[] {
  const given = Object.entries(flags).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return [...(scenario ? [scenario] : []), ...(profile ? ['--profile', profile] : []), ...given.flatMap(([key, value]) => [`--${kebab(key)}`, value])];
}

const log = (line: string) => process.stderr.write(`ab: ${line}\n`);

/** Returns the exit code. */
export async function abCommand(scenario: string | undefined, options: AbCommandOptions): Promise<number> {
  const rounds = parseRounds(options.rounds);
  const threshold = parsePercent('--threshold', options.threshold, '10%');
  const alpha = parseAlpha(options.alpha);
  if (options.flags.repeat !== undefined) throw new UsageError('--repeat does not apply to ab: each side runs one sample per point per round; use --rounds');
  // Without a scenario, the CI profile; the run is planned here too, so that bad flags fail before anything starts.
  const profile = options.profile ?? (scenario ? undefined : 'ci');
  const { plans } = planBench(scenario, profile, options.flags);
  const repo = repositoryRoot(process.cwd());
  const baseSha = resolveCommit(repo, options.base);
  const headSha = options.head === undefined ? undefined : resolveCommit(repo, options.head);
  if (headSha === undefined) checkWorkingTree(repo);
  // Absolute: each side runs from its own checkout.
  const out = resolve(options.out, `ab-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  ensureWritableDir(out);

  const started = Date.now();
  const work = makeTempDir('ab');
  const base = addWorktree(repo, 'base', options.base, baseSha, work);
  const head = headSha === undefined ? workingTree(repo) : addWorktree(repo, 'head', options.head!, headSha, work);
  log(`base ${describeCheckout(base)}, head ${describeCheckout(head)}; logs and each side's results in ${out}`);
  for (const checkout of [base, head].filter((side) => side.dir !== repo)) {
    const source = await provideDependencies(checkout.dir, join(out, `npm-ci-${checkout.side}.log`), shutdownSignal);
    log(`${checkout.side} dependencies: ${source}`);
  }
  if (shutdownSignal.aborted) return 130;

  const services = await provisionServices([...new Set(plans.flatMap(({ plan }) => plan.services))], options.services);
  const env = { ...process.env, ...Object.fromEntries(services.all.map((service) => [URL_ENV[service.kind], service.url])) };
  const args = benchArgs(scenario, profile, options.flags);
  const sides = [base, head].map((checkout) => ({ checkout, out: join(out, checkout.side), logFile: join(out, `bench-${checkout.side}.log`) }));
  for (const side of sides) mkdirSync(side.out, { recursive: true });
  for (let round = 0; round < rounds; round++) {
    // base head, head base, …: a host that speeds up or slows down during the run favours neither side.
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    const times: string[] = [];
    for (const side of order) {
      const seconds = await runSideRound({ ...side, benchArgs: args, env }, shutdownSignal);
      times.push(`${side.checkout.side} ${seconds.toFixed(1)} s`);
    }
    log(`round ${round + 1}/${rounds}: ${times.join(', ')}`);
  }

  const [before, after] = sides.map((side) => readResultFiles([side.out]).map((file) => file.result));
  const comparison = compareResults(before!, after!, { threshold, alpha, pooled: true });
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const header = `A/B on one host: base ${describeCheckout(base)} vs head ${describeCheckout(head)}, ${rounds} rounds in alternating order, ${minutes} min`;
  const rendered =
    options.format === 'json'
      ? `${JSON.stringify({ base: checkoutInfo(base), head: checkoutInfo(head), rounds, minutes: Number(minutes), benchArgs: args, comparison }, null, 2)}\n`
      : `${options.format === 'md' ? `**${header}**` : header}\n\n${renderComparison(comparison, options.format)}`;
  writeFileSync(join(out, `comparison.${options.format === 'text' ? 'txt' : options.format}`), rendered);
  process.stdout.write(rendered);
  return comparison.regressions > 0 ? 1 : 0;
}

const checkoutInfo = (checkout: Checkout) => ({ ref: checkout.ref, sha: checkout.sha, uncommitted: checkout.uncommitted });
