/** Small helpers for writing Markdown tables. */

/** Text for a table cell: `|` escaped, on one line. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** Inline code for a table cell, with enough backticks around it for the backticks inside. */
export function code(text: string): string {
  const ticks = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) + 1;
  const fence = '`'.repeat(ticks);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return cell(`${fence}${pad}${text}${pad}${fence}`);
}
