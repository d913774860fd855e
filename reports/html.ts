/**
 * One self-contained HTML file: chart.js and every number inlined, no network access, opens from file://.
 * Every string that came from a result is escaped; data goes in as JSON inside a non-executable script tag.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RunResult } from '../harness/results/types.ts';
import { formatMs, formatPercent, formatRate } from './format.ts';
import type { ChartSpec, ReportModel } from './model.ts';

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
`;

const CLIENT = `
const specs = JSON.parse(document.getElementById('hopbench-charts').textContent);
const percentileLabel = (v) => { const p = 100 * (1 - 1 / v); return (p >= 99.99 ? p.toFixed(3) : p >= 99 ? p.toFixed(1) : p.toFixed(0)) + '%'; };
for (const spec of specs) {
  const canvas = document.getElementById(spec.id);
  const config = spec.config;
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { labels: { filter: (item) => !String(item.text).endsWith('(min–max of samples)') } } } }, config.options);
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

function runRow(run: RunResult, colors: Readonly<Record<string, string>>): string {
  const cell = (value: string, alert = false) => `<td class="num${alert ? ' alert' : ''}">${escapeHtml(value)}</td>`;
  const params = Object.entries(run.params).map(([key, value]) => `${key}=${value}`).join(', ');
  return `<tr>
<td><span class="swatch" style="background:${escapeHtml(colors[run.transport] ?? '#999')}"></span>${escapeHtml(run.label)}${
    run.limited?.length ? `<div class="errors">limited by the harness, not ranked: ${run.limited.map(escapeHtml).join('; ')}</div>` : ''
  }</td>
${cell(formatRate(run.throughput.perSec))}${cell(run.throughput.samples.map(formatRate).join(' / '))}${cell(formatPercent(run.throughput.cv ?? 0))}
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
  const claims = model.claims
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
<table><thead><tr><th>point</th><th>${escapeHtml(section.measures.throughput)} (median)</th><th>samples</th><th>cv</th><th>p50 ms</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>sent (all samples)</th><th>delivered</th><th>lost</th><th>still queued</th><th>dup</th><th>setup</th></tr></thead>
<tbody>${section.runs.map((run) => runRow(run, model.colors)).join('\n')}</tbody></table>
</section>`,
    )
    .join('\n');
  const environments = model.environments
    .map(({ scenario, startedAt, env, options }) => {
      const services = Object.entries(env.services ?? {})
        .map(([kind, info]) => `${kind} ${info.version} (${info.provider})`)
        .join(', ');
      const packages = Object.entries(env.packages ?? {})
        .map(([name, version]) => `${name} ${version}`)
        .join(', ');
      return `<tr><td>${escapeHtml(scenario)}<br><small>${escapeHtml(startedAt)}</small></td><td>${escapeHtml(env.node)} · ${escapeHtml(env.platform ?? '')} · ${escapeHtml(env.cpus)} × ${escapeHtml(env.cpuModel)} · ${escapeHtml(Math.round((env.memoryBytes ?? 0) / 2 ** 30))} GiB</td>
<td>${escapeHtml(services)}</td><td>${escapeHtml(packages)}</td><td>${escapeHtml(env.coLocated ? 'clients and servers on one host' : 'services on another host')}; harness ${escapeHtml(env.harness?.['hot path per message'] ?? '?')} ns/msg</td>
<td><details><summary>options</summary><pre>${escapeHtml(JSON.stringify(options, null, 1))}</pre></details></td></tr>`;
    })
    .join('\n');
  const charts = [...model.sections.flatMap((section) => section.charts), ...model.trends];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(model.title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(model.title)}</h1>
<p class="sub">Generated ${escapeHtml(model.generatedAt)} from ${model.environments.length} result file(s). Medians of repeated samples; every figure below was measured by hopbench on the machine described at the bottom.</p>
<h2>What this means</h2>
<ul class="summary">${model.summary.map((line) => `<li>${escapeHtml(line)}</li>`).join('\n')}</ul>
${
  model.claims.length === 0
    ? ''
    : `<h2>Claims</h2>
<p class="sub">Published figures next to measured ones. "not measured": these results contain no run that answers the claim.</p>
<table class="claims"><thead><tr><th>claim</th><th>what it says</th><th>claimed</th><th>measured</th><th>ratio</th><th>verdict</th><th>measured on</th></tr></thead><tbody>
${claims}
</tbody></table>`
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
<script>${chartJsSource()}</script>
<script>${CLIENT}</script>
</body></html>
`;
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 100 ? formatRate(value) : String(Math.round(value * 1000) / 1000);
}
