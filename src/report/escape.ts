// Every collected string reaches an output through one of these: HTML text/attributes, Markdown
// table cells, CSV cells. A role named `<img src=x onerror=alert(1)>` stays text everywhere.

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML text and attribute values (also valid inside SVG). */
export function h(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => HTML[c]!);
}

/** A relative link: each path segment percent-encoded, then HTML-escaped. */
export function hrefOf(relPath: string): string {
  return h(relPath.split('/').map((s) => (s === '..' || s === '.' ? s : encodeURIComponent(s))).join('/'));
}

/** A Markdown table cell: no raw HTML, no pipes or newlines breaking the table, no emphasis surprises. */
export function md(v: unknown): string {
  return String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/([*_`[\]])/g, '\\$1')
    .replace(/\r?\n|\r/g, ' ');
}

/**
 * One CSV cell (RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled). A cell
 * starting with = + - @ (or a tab/CR) would run as a formula in a spreadsheet: it gets a leading `'`.
 */
/** A text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading "'". */
export const formulaGuard = (s: string): string => (/^[=+\-@\t\r]/.test(s) ? "'" + s : s);

export function csvCell(v: unknown): string {
  const s = formulaGuard(v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(header: string[], rows: unknown[][]): string {
  // appended row by row: no second array of every row's line beside the rows (artifacts.csv of a year
  // is ~20,000 lines)
  let out = header.map(csvCell).join(',') + '\r\n';
  for (const r of rows) out += r.map(csvCell).join(',') + '\r\n';
  return out;
}
