/** Number formatting shared by the console and Markdown outputs. */
export function formatRate(perSec: number): string {
  return Math.round(perSec).toLocaleString('en-US');
}

export function formatMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A plain-text table: columns padded, numbers right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const numeric = header.map((_, column) => rows.every((row) => /^[\d,.\-+%±]*$/.test(row[column] ?? '')));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** A Markdown table cell: pipes escaped, one line, no HTML. */
export const cell = (value: unknown) => String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ').replace(/</g, '&lt;');

/** A Markdown table. */
export function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [`| ${header.map(cell).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}
