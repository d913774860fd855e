/** A decision as text (terminal), Markdown (job summary, PR comment) or JSON (other tools): the same rows in each. */
import type { Candidate, Decision } from './decide.ts';
import { formatMs, formatRate, table, textTable } from './format.ts';

export type DecideFormat = 'text' | 'md' | 'json';

const HEADER = ['architecture', 'qualifies', 'capacity /s', 'searches', 'held', 'limited by', 'durability', 'headroom', 'p99 at rate ms', 'p99 from', 'cores per 1k/s', 'memory MiB', 'faults'];

export const requirementText = ({ requirement }: Decision) =>
  `${formatRate(requirement.ratePerSec)} messages/s at p99 ≤ ${requirement.p99Ms} ms${requirement.durable ? `, durable (${requirement.durable} or better, as measured)` : ''}`;

function faultsText(faults: Candidate['faults']): string {
  const entries = Object.entries(faults);
  if (entries.length === 0) return '—';
  return entries.map(([fault, { lost, duplicates, recoverySec }]) => `${fault}: lost ${lost}, dup ${duplicates}${recoverySec === undefined ? '' : `, recovered in ${recoverySec} s`}`).join('; ');
}

function row(candidate: Candidate): string[] {
  return [
    candidate.label,
    candidate.qualifies ? 'yes' : 'no',
    candidate.notHeldSec !== undefined ? `not held (searched ${formatRate(candidate.capacityPerSec)})` : `${candidate.capacityAtLeast ? '≥ ' : ''}${formatRate(candidate.capacityPerSec)}${candidate.unstable ? ' (unstable)' : ''}`,
    candidate.interval ? `${formatRate(candidate.interval.low)}–${formatRate(candidate.interval.high)}` : '—',
    candidate.heldSec !== undefined ? `${candidate.heldSec} s at ${formatRate(candidate.heldPerSec!)}` : candidate.notHeldSec !== undefined ? `not held for ${candidate.notHeldSec} s` : '—',
    candidate.limitedBy ?? '—',
    candidate.durability ?? 'not measured',
    `${candidate.capacityAtLeast ? '≥ ' : ''}${candidate.headroom.toFixed(2)}×`,
    candidate.p99AtRateMs === undefined ? '—' : formatMs(candidate.p99AtRateMs),
    candidate.p99Source,
    candidate.coresPer1k === undefined ? '—' : `${candidate.coresPer1k.toFixed(3)}${candidate.partialCost ? ' (partial)' : ''}`,
    candidate.memoryMiB === undefined ? '—' : formatRate(candidate.memoryMiB),
    faultsText(candidate.faults),
  ];
}

/** Pairs of qualifying rows whose capacity intervals overlap, once each. */
function ties(decision: Decision): string[] {
  const qualifying = decision.candidates.filter((candidate) => candidate.qualifies);
  const lines: string[] = [];
  qualifying.forEach((candidate, index) => {
    for (const other of qualifying.slice(index + 1)) if (candidate.indistinguishableFrom.includes(other.label)) lines.push(`${candidate.label} and ${other.label}: capacities indistinguishable here (their intervals overlap)`);
  });
  return lines;
}

const NOTES = [
  'capacity: held for the seconds shown where a hold ran, else the median of the searches (searches: the interval of their median); ranking reads the lower of the two',
  'cost: the whole system over the send window of the sustained step nearest the rate; "(partial)": services not measured, ranked after full costs',
];

const whyNot = (decision: Decision) => decision.candidates.filter((candidate) => !candidate.qualifies).map((candidate) => `${candidate.label}: ${candidate.reasons.join('; ')}`);

export function renderDecision(decision: Decision, format: DecideFormat): string {
  if (format === 'json') return `${JSON.stringify(decision, null, 2)}\n`;
  const qualifying = decision.candidates.filter((candidate) => candidate.qualifies).length;
  const headline = `${qualifying} of ${decision.candidates.length} qualify for ${requirementText(decision)} (qualifying first, cheapest first)`;
  const rows = decision.candidates.map(row);
  const notes = [...ties(decision), ...NOTES];
  if (format === 'md') return [`## hopbench decide: ${headline}`, '', table(HEADER, rows), '', ...notes.map((line) => `- ${line}`), ...whyNot(decision).map((line) => `- ${line}`), ''].join('\n');
  return [headline, textTable(HEADER, rows), ...notes, ...(whyNot(decision).length ? ['why not:', ...whyNot(decision).map((line) => `  ${line}`)] : []), ''].join('\n');
}
