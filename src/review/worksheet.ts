// The review worksheet: a CSV the reviewer fills in (decision and justification only) and a
// self-contained HTML page to read it, grouped by owner. Every row names the bundle it came from and
// that bundle's manifest SHA-256, so `review submit` can rebuild the rows and refuse any other edit.
import { parse } from 'csv-parse/sync';
import { UsageError } from '../core/errors.js';
import { csv, formulaGuard, h } from '../report/escape.js';
import type { PrincipalRow } from './principals.js';

export const DECISIONS = ['keep', 'revoke', 'modify'] as const;
export type Decision = (typeof DECISIONS)[number];

export const COLUMNS = ['row_id', 'control', 'test', 'systems', 'bundle', 'bundle_manifest_sha256', 'system', 'source', 'principal', 'type', 'owner', 'owner_from', 'access', 'reasons', 'decision', 'justification'] as const;
/** the only columns a reviewer may change */
export const EDITABLE = new Set(['decision', 'justification']);

export interface WorksheetHead {
  control: string;
  test: string;
  /** the systems chosen for the review, comma-separated (a removed system's rows would otherwise go unnoticed) */
  systems: string;
  bundle: string;
  manifestSha256: string;
}

export type WorksheetRow = Record<(typeof COLUMNS)[number], string>;

export function worksheetRows(head: WorksheetHead, rows: PrincipalRow[]): WorksheetRow[] {
  return rows.map((r) => ({
    row_id: r.rowId,
    control: head.control,
    test: head.test,
    systems: head.systems,
    bundle: head.bundle,
    bundle_manifest_sha256: head.manifestSha256,
    system: r.system,
    source: r.source,
    principal: r.principal,
    type: r.type,
    owner: r.owner,
    owner_from: r.ownerFrom,
    access: r.access,
    reasons: r.reasons,
    decision: '',
    justification: '',
  }));
}

export const renderWorksheetCsv = (rows: WorksheetRow[]): string => csv([...COLUMNS], rows.map((r) => COLUMNS.map((c) => r[c])));

/** A cell as csvCell writes it before quoting: a formula-like start gets a leading "'" (what a reader of the file sees). */
export const shownCell = formulaGuard;

/** RFC 4180 CSV (csv-parse: quotes, doubled quotes, CRLF or LF, an optional BOM); a malformed file is a one-line error. */
export function parseCsv(text: string, file: string): string[][] {
  try {
    return (parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][]).filter((r) => !(r.length === 1 && r[0] === ''));
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message.split('\n')[0]}; expected CSV as review start wrote it`);
  }
}

/** The worksheet's rows by column; the header must be the worksheet's own. */
export function readWorksheet(text: string, file: string): WorksheetRow[] {
  const [header, ...lines] = parseCsv(text, file);
  if (!header || header.join(',') !== COLUMNS.join(',')) throw new UsageError(`${file}: the header is not a review worksheet's (expected ${COLUMNS.join(',')}); columns may not be added, removed, renamed or reordered`);
  if (!lines.length) throw new UsageError(`${file}: the worksheet has no rows`);
  return lines.map((cells, i) => {
    if (cells.length !== COLUMNS.length) throw new UsageError(`${file}: row ${i + 2}: ${cells.length} cells; expected ${COLUMNS.length}`);
    return Object.fromEntries(COLUMNS.map((c, j) => [c, cells[j]!])) as WorksheetRow;
  });
}

/** The page to read a worksheet: one table per owner, no script, no external asset. */
export function renderWorksheetHtml(head: WorksheetHead & { organization: string | null; date: string; notes: string[]; csvName: string }, rows: WorksheetRow[]): string {
  const byOwner = new Map<string, WorksheetRow[]>();
  for (const r of rows) byOwner.set(r.owner, [...(byOwner.get(r.owner) ?? []), r]);
  const cols = ['row_id', 'principal', 'type', 'system', 'source', 'access', 'reasons', 'owner_from'] as const;
  const tables = [...byOwner]
    .map(([owner, list]) => `<h2>${h(owner)} <small>(${list.length} principal${list.length === 1 ? '' : 's'})</small></h2>
<table><thead><tr>${cols.map((c) => `<th>${h(c)}</th>`).join('')}<th>decision</th><th>justification</th></tr></thead><tbody>
${list.map((r) => `<tr>${cols.map((c) => `<td${c === 'row_id' ? ' class="id"' : ''}>${h(r[c])}</td>`).join('')}<td></td><td></td></tr>`).join('\n')}
</tbody></table>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Access review worksheet ${h(head.control)} ${h(head.date)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:2em}th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3}td.id{font-family:monospace}small{color:#666;font-weight:normal}code{font-size:90%}</style>
</head><body>
<h1>Access review worksheet: ${h(head.control)}/${h(head.test)}</h1>
<p>${head.organization ? `${h(head.organization)}. ` : ''}${rows.length} principals of bundle <code>${h(head.bundle)}</code> (${h(head.date)}; manifest SHA-256 <code>${h(head.manifestSha256)}</code>), systems: ${h(head.systems)}.</p>
<p>Decide every row in <code>${h(head.csvName)}</code>: <b>decision</b> is <code>keep</code>, <code>revoke</code> or <code>modify</code> (modify needs a justification saying what changes); change no other column. Then run <code>soc2 review submit ${h(head.csvName)} --reviewer NAME</code>. Revocations and modifications are verified against later bundles.</p>
${head.notes.length ? `<ul>${head.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : ''}
${tables}
</body></html>
`;
}
