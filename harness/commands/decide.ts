/**
 * `decide --rate R --p99 L [--durable [interval|commit]] [--job kind] [--results …]`: which architectures carry R messages/s at p99 ≤ L,
 * and at what cost. From capacity results when given; otherwise it measures them now (the default profile's capacity
 * points, searched under L). Exit 0 with an answer (even "none qualifies"), 2 on bad input.
 */
import { CAPACITY_POINTS } from '../../scenarios/profiles.ts';
import { decide, decisionInputs, type Requirement } from '../../reports/decide.ts';
import { renderDecision, type DecideFormat } from '../../reports/decide-render.ts';
import { UsageError } from '../host/errors.ts';
import { readResultFiles } from '../results/schema.ts';
import type { ServicesMode } from '../services/types.ts';
import { benchCommand } from './bench.ts';

export interface DecideCommandOptions {
  readonly rate: string;
  readonly p99: string;
  /** `true`: bare `--durable` (interval). */
  readonly durable?: boolean | string;
  readonly job?: string;
  readonly results?: string[];
  readonly format: DecideFormat;
  readonly out: string;
  readonly services: ServicesMode;
}

function durableLevel(durable: boolean | string | undefined): Pick<Requirement, 'durable'> {
  if (durable === undefined || durable === false) return {};
  if (durable === true) return { durable: 'interval' };
  if (durable === 'interval' || durable === 'commit') return { durable };
  throw new UsageError(`invalid --durable "${durable}": use interval (a crash loses at most about a second) or commit (accepted means on disk), or --durable alone for interval`);
}

function positive(flag: string, text: string, unit: string): number {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) throw new UsageError(`invalid --${flag} "${text}": use a positive number of ${unit}`);
  return value;
}

export async function decideCommand(options: DecideCommandOptions): Promise<void> {
  const requirement: Requirement = { ratePerSec: positive('rate', options.rate, 'messages per second'), p99Ms: positive('p99', options.p99, 'milliseconds'), ...durableLevel(options.durable) };
  const paths = options.results?.length
    ? options.results.flatMap((entry) => entry.split(',').map((path) => path.trim()).filter(Boolean))
    : await benchCommand(CAPACITY_POINTS.scenario, {
        out: options.out,
        services: options.services,
        flags: { ...CAPACITY_POINTS.flags, sloP99: String(Math.ceil(requirement.p99Ms)), ...(options.job ? { job: options.job } : {}) },
        summaryTo: process.stderr,
      });
  if (paths.length === 0) return; // interrupted: nothing to decide on
  const inputs = decisionInputs(readResultFiles(paths).map((file) => file.result)).filter((input) => !options.job || input.job === options.job);
  if (inputs.length === 0) {
    throw new UsageError(
      `no capacity points${options.job ? ` for job ${options.job}` : ''} in ${paths.join(', ')}: measure them with \`npm run bench -- process --rate capacity\`, or run decide without --results`,
    );
  }
  process.stdout.write(renderDecision(decide(requirement, inputs), options.format));
}
