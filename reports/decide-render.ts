/** A decision as text (terminal), Markdown (job summary, PR comment) or JSON (other tools): the same rows in each. */
import type { Candidate, Decision } from './decide.ts';
import { formatMs, formatRate, table, textTable } from './format.ts';

export type DecideFormat = 'text' | 'md' | 'json';

const HEADER = ['architecture', 'qualifies', 'capacity /s', 'headroom', 'p99 at rate ms', 'p99 from', 'cores per 1k/s', 'memory MiB', 'durable', 'faults'];

export const requirementText = ({ requirement }: Decision) =>
  `${formatRate(requirement.ratePerSec)} messages/s at p99 ≤ ${requirement.p99Ms} ms${requirement.durable ? ', durable' : ''}`;

function faultsText(faults: Candidate['faults']): string {
  const entries = Object.entries(faults);
  if (entries.length === 0) return '—';
  return entries.map(([fault, { lost, duplicates, recoverySec }]) => `${fault}: lost ${lost}, dup ${duplicates}${recoverySec === undefined ? '' : `, recovered in ${recoverySec} s`}`).join('; ');
}

function row(candidate: Candidate): string[] {
  return [
    candidate.label,
    candidate.qualifies ? 'yes' : 'no',
    `${candidate.capacityAtLeast ? '≥ ' : ''}${formatRate(candidate.capacityPerSec)}`,
    `${candidate.headroom.toFixed(2)}×`,
    candidate.p99AtRateMs === undefined ? '—' : formatMs(candidate.p99AtRateMs),
    candidate.p99Source,
    candidate.coresPer1k === undefined ? '—' : candidate.coresPer1k.toFixed(3),
    candidate.memoryMiB === undefined ? '—' : formatRate(candidate.memoryMiB),
    candidate.durable ? 'yes' : 'no',
    faultsText(candidate.faults),
  ];
}

const whyNot = (decision: Decision) => decision.candidates.filter((candidate) => !candidate.qualifies).map((candidate) => `${candidate.label}: ${candidate.reasons.join('; ')}`);

export function renderDecision(decision: Decision, format: DecideFormat): string {
  if (format === 'json') return `${JSON.stringify(decision, null, 2)}\n`;
  const qualifying = decision.candidates.filter((candidate) => candidate.qualifies).length;
  const headline = `${qualifying} of ${decision.candidates.length} qualify for ${requirementText(decision)} (qualifying first, cheapest first; cost: the whole system at the measured step nearest the rate)`;
  const rows = decision.candidates.map(row);
  if (format === 'md') return [`## hopbench decide: ${headline}`, '', table(HEADER, rows), '', ...whyNot(decision).map((line) => `- ${line}`), ''].join('\n');
  return [headline, textTable(HEADER, rows), ...(whyNot(decision).length ? ['why not:', ...whyNot(decision).map((line) => `  ${line}`)] : []), ''].join('\n');
}
