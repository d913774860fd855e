/**
 * One self-contained HTML file: chart.js and every number inlined, no network access, opens from file://.
 * Every string that came from a result is escaped; data goes in as JSON inside a non-executable script tag.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RunResult } from '../harness/results/types.ts';
import { servicesText } from '../harness/results/services.ts';
import { formatMs, formatPercent, formatRate } from './format.ts';
import { unjudgedLine } from './claims.ts';
import { decide } from './decide.ts';
import type { ChartSpec, DecisionSection, ReportModel } from './model.ts';
import { capacityText, intervalText, latencyIsBacklogWait, figureNotes, limitedText, loadText } from './wording.ts';

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

/** JSON that cannot close its <script> element or start an HTML comment. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function chartJsSource(): string {
  // The UMD build is not in chart.js's exports map: find it beside the CommonJS entry.
  const path = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
  return readFileSync(path, 'utf8').replace(/<\/script/gi, '<\\/script');
}

const STYLE = `
:root { --fg:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f9fafb; --ok:#15803d; --bad:#b91c1c; --none:#6b7280; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 32px 0 12px; } h3 { font-size: 16px; margin: 0 0 4px; }
.sub { color: var(--muted); margin: 0 0 20px; }
.summary { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 20px; }
.summary li { margin: 6px 0; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); font-size: 13px; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.claims td:nth-child(2) { min-width: 260px; } .claims td:nth-child(7) { max-width: 280px; color: var(--muted); overflow-wrap: anywhere; }
.verdict { font-weight: 600; white-space: nowrap; } .holds { color: var(--ok); } .fails { color: var(--bad); } .unmeasured { color: var(--none); }
.alert { background: #fee2e2; color: var(--bad); font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.card p { color: var(--muted); font-size: 13px; margin: 0 0 8px; } .plot { position: relative; height: 320px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
details { font-size: 12px; } pre { white-space: pre-wrap; margin: 4px 0; }
.errors { color: var(--bad); font-size: 12px; } .banner { background: #fef3c7; border: 1px solid #f59e0b; padding: 8px 12px; border-radius: 6px; }
footer { color: var(--muted); font-size: 12px; margin: 32px 0; }
.muted { color: var(--muted); font-size: 12px; } .notes { color: var(--muted); font-size: 13px; margin: 4px 0 8px; } .unjudged { color: var(--muted); font-size: 13px; }
.decision-form { display: flex; gap: 24px; flex-wrap: wrap; align-items: center; } .decision-form input[type=number] { width: 110px; margin-left: 6px; }
tr.qualifies td:nth-child(2) { color: var(--ok); font-weight: 600; } tr.rejected td { color: var(--muted); } tr.rejected td:nth-child(2) { color: var(--bad); font-weight: 600; }
`;

const CLIENT = `
const specs = JSON.parse(document.getElementById('hopbench-charts').textContent);
const percentileLabel = (v) => { const p = 100 * (1 - 1 / v); return (p >= 99.99 ? p.toFixed(3) : p >= 99 ? p.toFixed(1) : p.toFixed(0)) + '%'; };
for (const spec of specs) {
  const canvas = document.getElementById(spec.id);
  const config = spec.config;
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { labels: { filter: (item) => !String(item.text).endsWith('(min–max of samples)') } } } }, config.options);
  if (config.options.pointLabels) {
    // Points that carry their own words (a curve's p50 beside its p99) say them in the tooltip.
    delete config.options.pointLabels;
    config.options.plugins = Object.assign({}, config.options.plugins, { tooltip: { callbacks: { label: (item) => item.dataset.label + ': ' + (item.raw.label || item.formattedValue) } } });
  }
  const x = config.options.scales && config.options.scales.x;
  if (x && x.percentileTicks) {
    delete x.percentileTicks;
    x.afterBuildTicks = (axis) => { axis.ticks = [1, 2, 10, 100, 1000, 10000, 100000].filter((v) => v >= axis.min && v <= axis.max).map((value) => ({ value })); };
    x.ticks = { callback: (value) => percentileLabel(value) };
  }
  new Chart(canvas, config);
  canvas.dataset.rendered = 'true';
}
`;

/** The page's copy of `decide`: the same function, so the table the page recomputes is the one `npm run decide` prints. */
function decideSource(): string {
  return decide.toString().replace(/<\/script/gi, '<\\/script');
}

/** Recomputes the decision table whenever the requirement changes; builds rows with textContent only. */
const DECISION_CLIENT = `
const decisionData = JSON.parse(document.getElementById('hopbench-decision').textContent);
const form = document.getElementById('decision-form');
const body = document.getElementById('decision-rows');
const headline = document.getElementById('decision-headline');
const rate = (value) => Math.round(value).toLocaleString('en-US');
const ms = (value) => value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toFixed(3);
function cells(candidate) {
  const faults = Object.entries(candidate.faults).map(([fault, f]) => fault + ': lost ' + f.lost + ', dup ' + f.duplicates + (f.recoverySec === undefined ? '' : ', recovered in ' + f.recoverySec + ' s')).join('; ') || '—';
  const tied = candidate.indistinguishableFrom.length ? ' (indistinguishable here from ' + candidate.indistinguishableFrom.join(', ') + ')' : '';
  const capacity = candidate.notHeldSec !== undefined ? 'not held (searched ' + rate(candidate.capacityPerSec) + ')' : (candidate.capacityAtLeast ? '≥ ' : '') + rate(candidate.capacityPerSec) + (candidate.unstable ? ' (unstable)' : '');
  const held = candidate.heldSec !== undefined ? candidate.heldSec + ' s at ' + rate(candidate.heldPerSec) : candidate.notHeldSec !== undefined ? 'not held for ' + candidate.notHeldSec + ' s' : '—';
  return [candidate.label, candidate.qualifies ? 'yes' : 'no', capacity + tied,
    candidate.interval ? rate(candidate.interval.low) + '–' + rate(candidate.interval.high) : '—', held,
    candidate.limitedBy || '—', candidate.durability || 'not measured', (candidate.capacityAtLeast ? '≥ ' : '') + candidate.headroom.toFixed(2) + '×',
    candidate.p99AtRateMs === undefined ? '—' : ms(candidate.p99AtRateMs), candidate.p99Source, candidate.coresPer1k === undefined ? '—' : candidate.coresPer1k.toFixed(3) + (candidate.partialCost ? ' (partial)' : ''),
    candidate.memoryMiB === undefined ? '—' : rate(candidate.memoryMiB), faults, candidate.reasons.join('; ') || '—'];
}
function recompute() {
  const durable = form.elements.durable.value;
  const requirement = { ratePerSec: Number(form.elements.rate.value), p99Ms: Number(form.elements.p99.value), ...(durable ? { durable } : {}) };
  if (!(requirement.ratePerSec > 0 && requirement.p99Ms > 0)) { headline.textContent = 'Give a rate and a p99 above 0.'; return; }
  const { candidates } = decide(requirement, decisionData.inputs);
  body.replaceChildren(...candidates.map((candidate) => {
    const row = document.createElement('tr');
    row.className = candidate.qualifies ? 'qualifies' : 'rejected';
    for (const [index, text] of cells(candidate).entries()) {
      const cell = document.createElement('td');
      cell.textContent = text;
      if (index >= 2 && index <= 12 && index !== 5 && index !== 6 && index !== 9) cell.className = 'num';
      row.append(cell);
    }
    return row;
  }));
  const count = candidates.filter((candidate) => candidate.qualifies).length;
  headline.textContent = count + ' of ' + candidates.length + ' qualify for ' + rate(requirement.ratePerSec) + ' messages/s at p99 ≤ ' + requirement.p99Ms + ' ms' + (requirement.durable ? ', durable (' + requirement.durable + ' or better, as measured)' : '') + ' (qualifying first, cheapest first).';
  document.body.dataset.decision = JSON.stringify(candidates.map((candidate) => [candidate.label, candidate.qualifies]));
}
form.addEventListener('input', recompute);
recompute();
`;

function decisionHtml(section: DecisionSection): string {
  const { requirement } = section.decision;
  return `<h2>Which architecture for your load?</h2>
<form id="decision-form" class="card decision-form" onsubmit="return false">
<label>rate, messages/s <input name="rate" type="number" min="1" step="any" value="${escapeHtml(requirement.ratePerSec)}"></label>
<label>p99 at most, ms <input name="p99" type="number" min="0.001" step="any" value="${escapeHtml(requirement.p99Ms)}"></label>
<label>durable <select name="durable"><option value=""${requirement.durable ? '' : ' selected'}>any</option><option value="interval"${requirement.durable === 'interval' ? ' selected' : ''}>interval: a crash loses at most about a second</option><option value="commit"${requirement.durable === 'commit' ? ' selected' : ''}>commit: accepted means on disk</option></select></label>
</form>
<p id="decision-headline" class="sub"></p>
<table class="decision"><thead><tr><th>architecture</th><th>qualifies</th><th>capacity /s at that p99</th><th>searches</th><th>held</th><th>limited by</th><th>durability (measured)</th><th>headroom</th><th>p99 at the rate, ms</th><th>p99 from</th><th>cores per 1k/s</th><th>memory MiB</th><th>faults</th><th>why not</th></tr></thead>
<tbody id="decision-rows"></tbody></table>
<p class="sub">Capacity: the highest offered rate a point sustained in open-loop steps (delivered ≥ 98% of offered by the slope of completions, p99 from the intended send time within the SLO with messages not delivered counted as slower than any, nothing lost, no growing backlog), a failure above it confirmed by a rerun; held for the seconds shown at the median of its searches, 10% lower after a failed hold. "≥" where the harness, not the system, stopped the search; "limited by producer" or "cpu": this host's figure. Ranking reads the lower end of the interval; overlapping intervals are indistinguishable here. Durability is read from the servers measured. A p99 other than the one searched is read from the steps measured. Cost: every process of the system (workers, services, the producer) over the send window of the sustained step nearest the rate; "(partial)": services not measured. Recomputed here, offline, by the same function as <code>npm run decide</code>.</p>
<p class="sub">Measured on ${escapeHtml(section.measuredOn)}: compare like with like (a service through Docker's published ports pays its proxy on every round trip).</p>
<div class="grid">${section.charts.map(chartCard).join('\n')}</div>`;
}

function runRow(run: RunResult, colors: Readonly<Record<string, string>>): string {
  const cell = (value: string, alert = false) => `<td class="num${alert ? ' alert' : ''}">${escapeHtml(value)}</td>`;
  const params = Object.entries(run.params).map(([key, value]) => `${key}=${value}`).join(', ');
  return `<tr>
<td><span class="swatch" style="background:${escapeHtml(colors[run.transport] ?? '#999')}"></span>${escapeHtml(run.label)}<div class="muted">${escapeHtml(loadText(run))}${latencyIsBacklogWait(run) ? ': latency is time in the backlog' : ''}</div>${
    run.limited?.length ? `<div class="errors">${escapeHtml(limitedText(run))}</div>` : ''
  }</td>
${cell(run.capacity ? `capacity ${capacityText(run.capacity)}` : formatRate(run.throughput.perSec))}${cell(intervalText(run.throughput.interval))}${cell(run.throughput.samples.map(formatRate).join(' / '))}${cell(formatPercent(run.throughput.cv ?? 0))}
${cell(formatMs(run.latencyMs.p50))}${cell(formatMs(run.latencyMs.p90))}${cell(formatMs(run.latencyMs.p99))}${cell(formatMs(run.latencyMs.p999))}${cell(formatMs(run.latencyMs.max))}
${cell(String(run.counts.sent))}${cell(String(run.counts.delivered))}${cell(String(run.counts.lost), run.counts.lost > 0)}${cell(String(run.counts.undelivered ?? 0), (run.counts.undelivered ?? 0) > 0)}${cell(String(run.counts.duplicates), run.counts.duplicates > 0)}
<td><details><summary>params, config</summary><pre>${escapeHtml(params)}</pre><pre>${escapeHtml(JSON.stringify(run.config, null, 1))}</pre></details>${
    run.errors?.length ? `<div class="errors">${run.errors.map(escapeHtml).join('<br>')}</div>` : ''
  }</td>
</tr>`;
}

function chartCard(chart: ChartSpec): string {
  return `<div class="card"><h3>${escapeHtml(chart.title)}</h3><p>${escapeHtml(chart.note)}</p><div class="plot"><canvas id="${escapeHtml(chart.id)}"></canvas></div></div>`;
}

export function renderHtml(model: ReportModel): string {
  const verdictClass = { holds: 'holds', 'does not hold': 'fails', 'not measured': 'unmeasured' } as const;
  const unjudged = unjudgedLine(model.claims);
  const claims = model.claims
    .filter((result) => result.verdict !== 'not measured')
    .map(
      (result) => `<tr><td>${escapeHtml(result.claim.id)}<br><small>${escapeHtml(result.claim.source)}</small></td><td>${escapeHtml(result.claim.claim)}</td>
<td class="num">${escapeHtml(result.claimedText)} ${escapeHtml(result.claim.unit)}</td><td class="num">${result.measured === undefined ? '—' : escapeHtml(formatNumber(result.measured))}</td>
<td class="num">${result.ratio === undefined ? '—' : `${escapeHtml(result.ratio.toFixed(2))}×`}</td><td class="verdict ${verdictClass[result.verdict]}">${escapeHtml(result.verdict)}</td><td><small>${escapeHtml(result.setup)}</small></td></tr>`,
    )
    .join('\n');
  const sections = model.sections
    .map(
      (section) => `<section>
<h2>${escapeHtml(section.scenario)}</h2>
${section.complete ? '' : '<p class="banner">This result was interrupted: only the run points below completed.</p>'}
<div class="grid">${section.charts.map(chartCard).join('\n')}</div>
<h3 style="margin-top:16px">Every run point</h3>
<p>${escapeHtml(`${section.measures.throughput}; latency: ${section.measures.latency}; axes: ${section.axes.map((axis) => `${axis.key} = ${axis.title}`).join(', ')}.`)}</p>
<ul class="notes">${figureNotes(section.runs).map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>
<table><thead><tr><th>point</th><th>${escapeHtml(section.measures.throughput)} (median)</th><th>interval of the median</th><th>samples</th><th>cv</th><th>p50 ms</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>sent (all samples)</th><th>delivered</th><th>lost</th><th>still queued</th><th>dup</th><th>setup</th></tr></thead>
<tbody>${section.runs.map((run) => runRow(run, model.colors)).join('\n')}</tbody></table>
</section>`,
    )
    .join('\n');
  const environments = model.environments
    .map(({ scenario, startedAt, env, options }) => {
      const services = servicesText(env.services);
      const packages = Object.entries(env.packages ?? {})
        .map(([name, version]) => `${name} ${version}`)
        .join(', ');
      return `<tr><td>${escapeHtml(scenario)}<br><small>${escapeHtml(startedAt)}</small></td><td>${escapeHtml(env.node)} · ${escapeHtml(env.platform ?? '')} · ${escapeHtml(env.cpus)} × ${escapeHtml(env.cpuModel)} · ${escapeHtml(Math.round((env.memoryBytes ?? 0) / 2 ** 30))} GiB</td>
<td>${escapeHtml(services)}</td><td>${escapeHtml(packages)}</td><td>${escapeHtml(env.coLocated ? 'clients and servers on one host' : 'services on another host')}; harness ${escapeHtml(env.harness?.['hot path per message'] ?? '?')} ns/msg</td>
<td><details><summary>options</summary><pre>${escapeHtml(JSON.stringify(options, null, 1))}</pre></details></td></tr>`;
    })
    .join('\n');
  const charts = [...(model.decision?.charts ?? []), ...model.sections.flatMap((section) => section.charts), ...model.trends];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(model.title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(model.title)}</h1>
<p class="sub">Generated ${escapeHtml(model.generatedAt)} from ${model.environments.length} result file(s). Medians of repeated samples; every figure below was measured by hopbench on the machine described at the bottom.</p>
${model.decision ? decisionHtml(model.decision) : ''}
<h2>What this means</h2>
<ul class="summary">${model.summary.map((line) => `<li>${escapeHtml(line)}</li>`).join('\n')}</ul>
${
  model.claims.length === 0
    ? ''
    : `<h2>Claims</h2>
<p class="sub">Published figures next to measured ones.</p>
${claims ? `<table class="claims"><thead><tr><th>claim</th><th>what it says</th><th>claimed</th><th>measured</th><th>ratio</th><th>verdict</th><th>measured on</th></tr></thead><tbody>
${claims}
</tbody></table>` : ''}
${unjudged ? `<p class="unjudged">${escapeHtml(unjudged)}</p>` : ''}`
}
${sections}
${
  model.trends.length === 0
    ? ''
    : `<h2>Trend</h2>
<p class="sub">Each point's figures across the runs recorded in the history file (\`npm run history -- append\` after each CI run).</p>
<div class="grid">${model.trends.map(chartCard).join('\n')}</div>`
}
<h2>Environment</h2>
<table><thead><tr><th>result</th><th>machine</th><th>services</th><th>packages</th><th>notes</th><th></th></tr></thead><tbody>${environments}</tbody></table>
<footer>hopbench report · chart.js inlined · no network access needed</footer>
</main>
<script type="application/json" id="hopbench-charts">${scriptJson(charts)}</script>
${model.decision ? `<script type="application/json" id="hopbench-decision">${scriptJson({ inputs: model.decision.inputs, requirement: model.decision.decision.requirement })}</script>
<script>const decide = ${decideSource()};
${DECISION_CLIENT}</script>` : ''}
<script>${chartJsSource()}</script>
<script>${CLIENT}</script>
</body></html>
`;
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 100 ? formatRate(value) : String(Math.round(value * 1000) / 1000);
}
