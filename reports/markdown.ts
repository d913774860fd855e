/** The report as Markdown, for a CI job summary or a pull-request comment. Same content as the HTML, no charts. */
import { servicesText } from '../harness/results/services.ts';
import { cell, formatMs, formatPercent, formatRate, table } from './format.ts';
import { unjudgedLine } from './claims.ts';
import { renderDecision, requirementText } from './decide-render.ts';
import type { ReportModel } from './model.ts';
import { capacityText, harnessLimited, intervalText, figureNotes, loadText } from './wording.ts';


export function renderMarkdown(model: ReportModel): string {
  const parts = [`# ${cell(model.title)}`];
  if (model.decision) {
    const { decision } = model.decision;
    parts.push('', `## Which architecture for ${cell(requirementText(decision))}?`, '', renderDecision(decision, 'md').replace(/^## [^\n]*\n\n/, ''));
  }
  parts.push('', '## What this means', '', ...model.summary.map((line) => `- ${cell(line)}`));
  const judged = model.claims.filter((result) => result.verdict !== 'not measured');
  const unjudged = unjudgedLine(model.claims);
  if (model.claims.length > 0) {
    parts.push(
      '',
      '## Claims',
      '',
      table(
        ['claim', 'source', 'claimed', 'measured', 'ratio', 'verdict', 'measured on'],
        judged.map((result) => [
          `${result.claim.id}: ${result.claim.claim}`,
          result.claim.source,
          `${result.claimedText} ${result.claim.unit}`,
          result.measured === undefined ? '—' : Math.round(result.measured * 1000) / 1000,
          result.ratio === undefined ? '—' : `${result.ratio.toFixed(2)}×`,
          result.verdict === 'does not hold' ? '**does not hold**' : result.verdict,
          result.setup,
        ]),
      ),
      ...(unjudged ? ['', cell(unjudged)] : []),
    );
  }
  for (const section of model.sections) {
    parts.push('', `## ${cell(section.scenario)}`, '');
    if (!section.complete) parts.push('> Interrupted: only these run points completed.', '');
    parts.push(`Latency: ${cell(section.measures.latency)}. Axes: ${cell(section.axes.map((axis) => `${axis.key} = ${axis.title}`).join(', '))}.`, '');
    parts.push(...figureNotes(section.runs).map((note) => `- ${cell(note)}`), '');
    parts.push(
      table(
        ['point', 'load', section.measures.throughput, 'interval', 'cv', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'still queued', 'dup'],
        section.runs.map((run) => [
          `${run.label}${harnessLimited(run) ? ' (limited by the harness)' : run.limited?.length ? " (this host's figure)" : ''}`,
          loadText(run),
          run.capacity ? `capacity ${capacityText(run.capacity)}` : formatRate(run.throughput.perSec),
          intervalText(run.throughput.interval),
          formatPercent(run.throughput.cv ?? 0),
          formatMs(run.latencyMs.p50),
          formatMs(run.latencyMs.p99),
          formatMs(run.latencyMs.max),
          run.counts.lost > 0 ? `**${run.counts.lost}**` : run.counts.lost,
          run.counts.undelivered ? `**${run.counts.undelivered}**` : 0,
          run.counts.duplicates > 0 ? `**${run.counts.duplicates}**` : run.counts.duplicates,
        ]),
      ),
    );
  }
  parts.push('', '## Environment', '');
  for (const { scenario, startedAt, env } of model.environments) {
    parts.push(`- ${cell(scenario)} ${cell(startedAt)}: Node ${cell(env.node)}, ${env.cpus} × ${cell(env.cpuModel)}; ${cell(servicesText(env.services))}`);
  }
  return `${parts.join('\n')}\n`;
}
