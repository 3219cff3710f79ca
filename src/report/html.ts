// index.html: one self-contained page rendered from the report model. Inline CSS and SVG only: no
// scripts, fonts, images or requests (a Content-Security-Policy forbids them too), readable printed.
// Every collected string goes through h().
import type { ControlReport, CriterionReport, DayStatus, EvidenceStatus, ExceptionRow, FileRef, Population, ReportModel } from './model.js';
import path from 'node:path';
import { scopeLabel } from './aggregate.js';
import { h, hrefOf } from './escape.js';
import { filesCheckedLine, integrityLine, keyCounts, REMOTE_FILES_CELL, writeOnceLine } from './integrity.js';
import { vendorsHtml } from './vendors-render.js';

export interface HtmlOptions {
  /** relative path from the report directory to the directory that holds the evidence dir ('' or ending in '/') */
  linkBase: string;
  /** most rows a table shows before pointing to the CSV/JSON (those are always complete) */
  maxRows?: number;
}

const STATUS_LABEL: Record<EvidenceStatus, string> = {
  pass: 'Pass',
  'not-tested': 'Not tested every day',
  fail: 'Fail',
  error: 'Error',
  collected: 'Collected',
  'no-evidence': 'No evidence',
  due: 'Due',
  manual: 'Manual',
};
const STATUS_FILL: Record<EvidenceStatus, string> = {
  pass: '#2e7d32',
  'not-tested': '#f6c26b',
  fail: '#c62828',
  error: '#ef8f00',
  collected: '#6d9eeb',
  'no-evidence': '#dadce0',
  due: '#e8eaed',
  manual: '#f4f4f4',
};
const DAY_FILL: Record<DayStatus, string> = { pass: '#2e7d32', fail: '#c62828', error: '#ef8f00', missing: '#ffffff', 'not-applicable': '#f4f4f4', manual: '#f4f4f4' };
const DAY_LABEL: Record<DayStatus, string> = { pass: 'operated effectively', fail: 'deviation', error: 'not tested (could not evaluate)', missing: 'not tested (expected test missing)', 'not-applicable': 'nothing expected', manual: 'manual' };
const CONCLUSION: Record<ControlReport['period']['conclusion'], EvidenceStatus | 'not-applicable'> = { effective: 'pass', deviations: 'fail', 'not-tested': 'not-tested', 'not-applicable': 'not-applicable', manual: 'manual', due: 'due' };
const RUN_FILL = { complete: '#2e7d32', partial: '#ef8f00', failed: '#c62828', none: '#ffffff' } as const;

const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(r === 1 || r === 0 ? 0 : 1)}%`);
// one formatter: Number#toLocaleString builds a new one on every call (a year's report calls it ~10⁵ times)
const EN = new Intl.NumberFormat('en-US');
const num = (n: number) => EN.format(n);
const plural = (n: number, one: string, many = one + 's') => `${num(n)} ${n === 1 ? one : many}`;
/** 2026-03-02T12:00:00.000Z → 2026-03-02 12:00:00Z, kept on one line */
const ts = (v: string | null) => (v ? `<span class="nw">${h(v.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z'))}</span>` : '—');
const day = (v: string) => `<span class="nw">${h(v)}</span>`;

function badge(s: EvidenceStatus | 'missing' | 'not-applicable' | 'open' | 'resolved' | 'complete' | 'partial' | 'failed' | 'gained' | 'lost' | 'approved' | 'unapproved'): string {
  const label = (STATUS_LABEL as Record<string, string>)[s] ?? s.charAt(0).toUpperCase() + s.slice(1);
  return `<span class="badge b-${h(s)}">${h(label)}</span>`;
}

function ref(r: FileRef, o: HtmlOptions, text?: string): string {
  return `<a class="path" href="${hrefOf(o.linkBase + r.href)}">${h(text ?? r.href)}</a>`;
}
const sha = (s: string) => `<code class="hash" title="SHA-256">${h(s)}</code>`;

/** A criteria × days grid (or any labelled rows × days), split in chunks of at most ~3 months. */
function grid(days: string[], rows: { label: string; href?: string; cells: { fill: string; title: string; stroke?: string }[] }[], o: { titles: boolean; caption: string }): string {
  if (!days.length) return '<p class="muted">The window has no elapsed days.</p>';
  const chunks: [number, number][] = [];
  if (days.length <= 100) chunks.push([0, days.length]);
  else {
    let start = 0;
    for (let i = 1; i <= days.length; i++) {
      const monthsIn = new Set(days.slice(start, i).map((d) => d.slice(0, 7))).size;
      if (i === days.length || (monthsIn === 3 && days[i]!.slice(0, 7) !== days[i - 1]!.slice(0, 7))) {
        chunks.push([start, i]);
        start = i;
      }
    }
  }
  const labelW = 58;
  const rowH = 15;
  const headH = 30;
  const out: string[] = [];
  for (const [a, b] of chunks) {
    const n = b - a;
    const cw = Math.max(5, Math.min(36, Math.floor((980 - labelW) / n)));
    const width = labelW + n * cw + 2;
    const height = headH + rows.length * rowH + 2;
    const parts: string[] = [];
    parts.push(`<svg class="grid" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${h(`${o.caption}, ${days[a]} to ${days[b - 1]}`)}">`);
    parts.push(`<title>${h(`${o.caption}, ${days[a]} to ${days[b - 1]}`)}</title>`);
    // month labels and day ticks
    for (let i = a; i < b; i++) {
      const x = labelW + (i - a) * cw;
      const d = days[i]!;
      const dom = Number(d.slice(8, 10));
      if (i === a || dom === 1) parts.push(`<text x="${x}" y="11" class="g-month">${h(d.slice(0, 7))}</text>`);
      if (cw >= 14 || dom === 1 || dom % 7 === 1) parts.push(`<text x="${x + cw / 2}" y="${headH - 5}" class="g-day" text-anchor="middle">${dom}</text>`);
    }
    rows.forEach((r, ri) => {
      const y = headH + ri * rowH;
      parts.push(`<text x="0" y="${y + rowH - 3}" class="g-label">${h(r.label)}</text>`);
      for (let i = a; i < b; i++) {
        const c = r.cells[i]!;
        const x = labelW + (i - a) * cw;
        const rect = `<rect x="${x + 0.5}" y="${y + 0.5}" width="${cw - 1}" height="${rowH - 1}" fill="${c.fill}" stroke="${c.stroke ?? '#bdc1c6'}" stroke-width="${c.stroke ? 1.5 : 0.5}"`;
        parts.push(o.titles ? `${rect}><title>${h(c.title)}</title></rect>` : `${rect}/>`);
      }
    });
    parts.push('</svg>');
    out.push(`<div class="grid-wrap">${parts.join('')}</div>`);
  }
  return out.join('\n');
}

function legend(items: [string, string, string?][]): string {
  return `<ul class="legend">${items.map(([fill, label, stroke]) => `<li><svg width="12" height="12" aria-hidden="true"><rect x="0.5" y="0.5" width="11" height="11" fill="${fill}" stroke="${stroke ?? '#9aa0a6'}"/></svg>${h(label)}</li>`).join('')}</ul>`;
}

function passRateBars(c: CriterionReport, days: string[]): string {
  if (!c.passRate.days.length || !days.length) return '';
  const by = new Map(c.passRate.days.map((d) => [d.date, d]));
  const w = Math.max(2, Math.min(28, Math.floor(720 / days.length)));
  const H = 26;
  const bars: string[] = [];
  days.forEach((d, i) => {
    const x = by.get(d);
    if (!x) return;
    const t = x.pass + x.fail + x.error;
    const ph = Math.round((x.pass / t) * H);
    const title = `${d}: ${x.pass} pass, ${x.fail} fail, ${x.error} error`;
    bars.push(`<g><title>${h(title)}</title><rect x="${i * w}" y="${H - ph}" width="${Math.max(1, w - 1)}" height="${ph}" fill="${STATUS_FILL.pass}"/><rect x="${i * w}" y="0" width="${Math.max(1, w - 1)}" height="${H - ph}" fill="${x.fail ? STATUS_FILL.fail : STATUS_FILL.error}"/></g>`);
  });
  return `<p class="kv">Check results per day (green: passed share of runs; red: failed; orange: could not evaluate; blank: no run)</p><svg class="bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${days.length * w} ${H}" width="${days.length * w}" height="${H}" role="img" aria-label="${h(`Pass rate per day for ${c.id}`)}">${bars.join('')}</svg>`;
}

/** `total`: the length of the list when only its first `max` rows were formatted (a year holds ~10⁴ of some). */
function table(head: string[], rows: string[][], o: { cls?: string; empty?: string; max?: number; more?: string; num?: number[]; total?: number } = {}): string {
  if (!rows.length) return `<p class="muted">${h(o.empty ?? 'None.')}</p>`;
  const cl = (i: number) => (o.num?.includes(i) ? ' class="num"' : '');
  const shown = o.max && rows.length > o.max ? rows.slice(0, o.max) : rows;
  const total = o.total ?? rows.length;
  const more = shown.length < total ? `<p class="muted">Showing ${num(shown.length)} of ${num(total)} rows; ${h(o.more ?? 'the CSV and report.json hold all of them')}.</p>` : '';
  return `<table${o.cls ? ` class="${o.cls}"` : ''}><thead><tr>${head.map((x, i) => `<th${cl(i)}>${x}</th>`).join('')}</tr></thead><tbody>${shown.map((r) => `<tr>${r.map((c, i) => `<td${cl(i)}>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>${more}`;
}

const CSS = `
@page { size: A4; margin: 16mm 14mm; }
:root { --ink:#1f2328; --muted:#5f6368; --rule:#d0d7de; --soft:#f6f8fa; --accent:#0b3d91; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin:0; color:var(--ink); font: 14px/1.5 "Source Serif Pro", Georgia, "Times New Roman", serif; background:#fff; }
main { max-width: 1080px; margin: 0 auto; padding: 32px 40px 64px; }
h1,h2,h3,h4,.eyebrow,.stat,.badge,table,.legend,nav,.meta,.banner,.stamp { font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif; }
h1 { font-size: 30px; margin: 4px 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 20px; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 16px; margin: 22px 0 8px; }
h4 { font-size: 13px; margin: 14px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
h4 code, h4 .nc { text-transform: none; letter-spacing: 0; }
p { margin: 6px 0 10px; }
a { color: var(--accent); }
code, .hash, .path { font-family: "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 11.5px; }
.hash { word-break: break-all; color: var(--muted); }
.path { word-break: break-all; }
.muted { color: var(--muted); }
header.doc { border-bottom: 1px solid var(--rule); padding-bottom: 18px; margin-bottom: 20px; }
.eyebrow { text-transform: uppercase; letter-spacing: .12em; font-size: 11px; color: var(--muted); font-weight: 600; }
.meta { color: var(--muted); font-size: 13px; margin: 0; }
.meta b { color: var(--ink); font-weight: 600; }
section { margin: 34px 0; }
.banner { border: 1px solid; border-left-width: 6px; padding: 12px 16px; border-radius: 3px; margin: 0 0 8px; }
.banner.ok { border-color: #2e7d32; background: #eef7ef; }
.banner.bad { border-color: #b3261e; background: #fdecea; }
.banner strong { display:block; font-size: 15px; }
.stamp { font-family: "Helvetica Neue", Arial, sans-serif; border: 2px solid #b3261e; color: #b3261e; background: #fff5f4; font-weight: 700; padding: 6px 10px; margin: 0 0 12px; font-size: 12.5px; }
.stats { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 14px 0; }
.stat { border: 1px solid var(--rule); border-radius: 4px; padding: 10px 12px; background: #fff; }
.stat .v { font-size: 24px; font-weight: 700; line-height: 1.2; }
.stat .k { font-size: 11.5px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.stat .s { font-size: 12px; color: var(--muted); }
.stat.warn .v { color: #b3261e; }
dl.facts { display: grid; grid-template-columns: 220px 1fr; gap: 4px 16px; margin: 12px 0; font-size: 13.5px; }
dl.facts dt { color: var(--muted); font-family: "Helvetica Neue", Arial, sans-serif; font-size: 12.5px; }
dl.facts dd { margin: 0; }
nav.toc { border: 1px solid var(--rule); background: var(--soft); padding: 10px 16px; font-size: 13px; }
nav.toc ol { margin: 4px 0; padding-left: 20px; columns: 2; }
table { width: 100%; border-collapse: collapse; font-size: 12.5px; margin: 6px 0 12px; }
thead { display: table-header-group; }
th { text-align: left; font-weight: 600; background: var(--soft); border-bottom: 1px solid #8c959f; padding: 5px 7px; vertical-align: bottom; }
td { border-bottom: 1px solid #e4e7eb; padding: 4px 7px; vertical-align: top; overflow-wrap: break-word; }
td code, td .path { overflow-wrap: anywhere; }
td.num, .nw { white-space: nowrap; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; font-size: 11px; font-weight: 700; padding: 1px 7px; border-radius: 10px; border: 1px solid; white-space: nowrap; }
.b-pass, .b-complete, .b-resolved, .b-approved { color: #1b5e20; background: #e6f4ea; border-color: #8bc59a; }
.b-fail, .b-failed, .b-open, .b-gained, .b-unapproved { color: #9f1c14; background: #fce8e6; border-color: #eea49d; }
.b-not-tested { color: #6b4a00; background: #fff6dc; border-color: #f6c26b; }
.b-error, .b-partial { color: #8a4b00; background: #fef3e0; border-color: #f3c16f; }
.b-collected, .b-lost { color: #174ea6; background: #e8f0fe; border-color: #a5c1f3; }
.b-no-evidence { color: #3c4043; background: #f1f3f4; border-color: #c4c7c5; }
.b-due { color: #3c4043; background: #f1f3f4; border-color: #9aa0a6; }
.b-manual { color: #3c4043; background: #fff; border-color: #9aa0a6; border-style: dashed; }
.grid-wrap { overflow-x: auto; margin: 8px 0 4px; }
svg.grid { display: block; max-width: 100%; height: auto; }
svg.grid text { font-family: "Helvetica Neue", Arial, sans-serif; fill: #3c4043; }
svg.grid .g-month { font-size: 10px; font-weight: 700; }
svg.grid .g-day { font-size: 8px; fill: #5f6368; }
svg.grid .g-label { font-size: 9.5px; font-weight: 600; }
svg.bars { display: block; max-width: 100%; height: auto; margin: 2px 0 8px; border-bottom: 1px solid #9aa0a6; }
ul.legend { list-style: none; padding: 0; margin: 6px 0 12px; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; }
ul.legend li { display: flex; align-items: center; gap: 5px; }
article.criterion { border-top: 1px solid var(--rule); padding-top: 4px; margin-top: 18px; break-inside: avoid-page; }
article.criterion h3 { display: flex; gap: 10px; align-items: baseline; margin-top: 10px; }
article.criterion h3 .id { font-family: "SFMono-Regular", Menlo, monospace; }
.kv { font-size: 12.5px; color: var(--muted); margin: 2px 0 8px; font-family: "Helvetica Neue", Arial, sans-serif; }
.kv b { color: var(--ink); font-weight: 600; }
ul.notes { margin: 4px 0 10px; padding-left: 18px; font-size: 13px; }
footer { margin-top: 48px; border-top: 1px solid var(--rule); padding-top: 10px; font-size: 12px; color: var(--muted); }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  section { margin: 18pt 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3, h4 { break-after: avoid; }
  section.breakable { break-before: page; }
  .stats { grid-template-columns: repeat(4, 1fr); }
  a { color: inherit; text-decoration: none; }
  .grid-wrap { overflow: visible; }
  table { font-size: 8.5pt; }
}
@media (max-width: 760px) { .stats { grid-template-columns: repeat(2, 1fr); } dl.facts { grid-template-columns: 1fr; } main { padding: 16px; } }
`;

/** A control's manual tests: each required period, the evidence covering it (file, SHA-256, bundle, who, when) or its deviation / due date. */
function manualEvidenceHtml(c: ControlReport, o: HtmlOptions): string {
  const status = { covered: badge('pass').replace('>Pass<', '>Covered<'), deviation: badge('fail').replace('>Fail<', '>Deviation<'), due: badge('due') } as const;
  return (c.manualEvidence ?? [])
    .map((t) => {
      const rows = t.periods.map((p) => [
        day(`${p.from}..${p.to}`),
        status[p.status],
        p.evidence.length
          ? p.evidence.map((e) => `${e.file ? ref(e.file, o, e.fileName) : h(e.fileName)} ${sha(e.sha256.slice(0, 16))}<br><span class="muted">${h(e.title)} · covers ${h(e.covers.from)}..${h(e.covers.to)} · added by ${h(e.addedBy)} ${ts(e.addedAt)} · bundle ${h(e.bundle ?? 'pending')}${e.note ? ` · ${h(e.note)}` : ''}</span>`).join('<br>')
          : p.status === 'deviation'
            ? 'No evidence for this elapsed period'
            : `Needed by ${h(p.to)}`,
      ]);
      return `<h4>Manual test <code>${h(t.id)}</code> (${h(t.every)}${t.per ? ` per ${h(t.per)}` : ''})</h4><p class="kv">${h(t.request)}</p>${table(['Required period', 'Status', 'Evidence'], rows, { empty: 'No required period in the window.' })}`;
    })
    .join('\n');
}

/** The controls section: one row per control, its days on a grid, then deviations and days not tested. */
function controlsHtml(m: ReportModel, o: HtmlOptions, max: number): string {
  const scopeOf = (i: { source: string; scope: Record<string, string> }) => h(`${i.source} ${scopeLabel(i.scope)}`.trim());
  const overview = table(
    ['Control', 'Title', 'Owner', 'Frequency', 'Addresses', 'Conclusion', 'Over the period'],
    m.controls.map((c) => [`<a href="#ctl-${h(c.id)}"><b>${h(c.id)}</b></a>`, h(c.title), h(c.owner), h(c.frequency), h(c.criteria.join(', ')), badge(CONCLUSION[c.period.conclusion]), h(c.period.text)]),
    { empty: 'No control of the register addresses a criterion in scope.' },
  );
  const rows = m.controls.map((c) => ({ label: c.id, cells: c.cells.map((st, i) => ({ fill: DAY_FILL[st], ...(st === 'missing' ? { stroke: '#c62828' } : {}), title: `${c.id} ${m.calendar.days[i]}: ${DAY_LABEL[st]}` })) }));
  const details = m.controls
    .map((c) => {
      const dev = table(
        ['Day', 'Check', 'Source / scope', 'Summary', 'Findings'],
        c.period.deviations.slice(0, Math.min(max, 100)).map((d) => [day(d.date), `<code>${h(d.check)}</code>`, scopeOf(d), h(d.summary), d.findingsFile ? ref(d.findingsFile, o, 'findings') : '—']),
        { empty: 'No deviation in the period.', max: Math.min(max, 100), more: 'control-results.csv and report.json hold all of them', total: c.period.deviations.length },
      );
      const untested = table(
        ['Day', 'Check', 'Source / scope', 'Status', 'Why'],
        c.notTested.slice(0, Math.min(max, 50)).map((d) => [day(d.date), `<code>${h(d.check)}</code>`, scopeOf(d), badge(d.status === 'missing' ? 'missing' : 'error'), h(d.summary)]),
        { empty: 'Every expected test instance ran.', max: Math.min(max, 50), more: 'control-results.csv and report.json hold all of them', total: c.notTested.length },
      );
      const latest = c.latest ? `<p class="kv">Latest state only (${h(c.latest.date)}, not the period conclusion): ${h(DAY_LABEL[c.latest.status])}</p>` : '';
      const manual = manualEvidenceHtml(c, o);
      return `<article class="criterion" id="ctl-${h(c.id)}"><h3><span class="id">${h(c.id)}</span> ${h(c.title)} ${badge(CONCLUSION[c.period.conclusion])}</h3>
<p>${h(c.description)}</p>
<p class="kv">Owner ${h(c.owner)} · ${h(c.frequency)} · addresses ${h(c.criteria.join(', '))}${c.supports.length ? ` · supports ${h(c.supports.join(', '))}` : ''} · checks ${c.checks.map((k) => `<code>${h(k)}</code>`).join(', ') || '—'} · from <code>${h(c.file)}</code></p>
<p><b>Over the period:</b> ${h(c.period.text)}. ${num(c.period.occurrences.tested)} of ${num(c.period.occurrences.expected)} expected test instances ran (${num(c.period.occurrences.fail)} failed, ${num(c.period.occurrences.error)} could not be evaluated, ${num(c.period.occurrences.missing)} missing).</p>
${manual}${latest}<h4>Deviations</h4>${dev}<h4>Instances not tested</h4>${untested}</article>`;
    })
    .join('\n');
  return `<p>Every day of the window, every expected test instance of a control (check × source × scope, expected from the config in force that day) is pass, fail, error or missing. A day is effective when all passed; one failure makes it a deviation; an error or a missing instance leaves it not tested. A criterion concludes from the controls that address it over the whole period, never from the newest bundle.</p>
${legend([[DAY_FILL.pass, DAY_LABEL.pass], [DAY_FILL.fail, DAY_LABEL.fail], [DAY_FILL.error, DAY_LABEL.error], [DAY_FILL.missing, DAY_LABEL.missing, '#c62828'], [DAY_FILL['not-applicable'], 'nothing expected / manual']])}
${grid(m.calendar.days, rows, { titles: m.calendar.days.length * rows.length <= 6000, caption: 'Controls by day' })}
${overview}
${details}`;
}

export function renderHtml(m: ReportModel, o: HtmlOptions): string {
  const max = o.maxRows ?? 1000;
  const stamp = m.integrity.stamp ? `<div class="stamp" role="alert">${h(m.integrity.stamp)}</div>` : '';
  const section = (id: string, title: string, body: string, cls = '') => `<section id="${id}"${cls ? ` class="${cls}"` : ''}><h2>${h(title)}</h2>${stamp}${body}</section>`;
  const s = m.summary;
  const org = m.organization ?? 'Organization not named';
  const exById = new Map(m.exceptions.map((e) => [e.id, e]));

  // header + integrity
  const header = `<header class="doc">${stamp}<div class="eyebrow">SOC 2 Type II · Evidence report</div><h1>${h(org)}</h1>
<p class="meta">Observation window <b>${h(m.window.from)}</b> to <b>${h(m.window.to)}</b> (${plural(m.window.days, 'day')}${m.window.through !== m.window.to ? `, counted through ${h(m.window.through)}` : ''}; ${h(m.window.basis === 'flags' ? 'set on the command line' : m.window.basis === 'config' ? 'the configured observation period' : 'first to last bundle')}) · Scope: <b>${h(m.scope.join(', '))}</b></p>
<p class="meta">Generated ${h(m.generatedAt)} by soc2 ${h(m.tool.version)} from ${plural(s.bundles, 'evidence bundle')} in <code>${h(m.evidence.name)}/</code></p></header>`;
  const ig = m.integrity;
  const intact = `every file’s size and SHA-256 matched its manifest, no file was missing or added, and each manifest links to the one before it.${ig.outsideWindow.length ? ` ${plural(ig.outsideWindow.length, 'problem')} in bundles outside the window (see the appendix).` : ''} Storage: ${h(writeOnceLine(ig))}.`;
  const integrity = ig.ok
    ? ig.trust.mode === 'trusted'
      ? `<div class="banner ok" id="integrity"><strong>Integrity verified against trusted keys</strong>${plural(ig.bundlesChecked, 'bundle')} in the window checked, every one signed by a trusted key (${h(keyCounts(ig))}): ${intact}</div>`
      : `<div class="banner bad" id="integrity"><strong>Integrity NOT established — self-consistent, not signed</strong>${plural(ig.bundlesChecked, 'bundle')} in the window checked, none signed: ${intact} Without signatures nothing shows who wrote the bundles.</div>`
    : `<div class="banner bad" id="integrity"><strong>Integrity NOT verified — ${h(integrityLine(ig))}</strong>This report was produced with --allow-unverified. Rows from unverified bundles are marked.${table(
        ['Bundle', 'File', 'Problem'],
        ig.problems.map((p) => [`<code>${h(p.bundle)}</code>`, p.file ? `<code>${h(p.file)}</code>` : '', h(p.message)]),
        { max: 50 },
      )}</div>`;

  // summary
  const stat = (k: string, v: string, sub: string, warn = false) => `<div class="stat${warn ? ' warn' : ''}"><div class="k">${h(k)}</div><div class="v">${v}</div><div class="s">${sub}</div></div>`;
  const summary = section(
    'summary',
    'Summary',
    `<div class="stats">
${stat('Evidence bundles', num(s.bundles), `${num(s.complete)} complete · ${num(s.partial)} partial · ${num(s.failed)} failed`)}
${stat('Days with a complete bundle', `${num(s.daysWithCompleteBundle)}/${num(s.days)}`, s.daysWithoutCompleteBundle ? `${plural(s.daysWithoutCompleteBundle, 'day')} without` : 'collection never stopped', s.daysWithoutCompleteBundle > 0)}
${stat('Criteria covered', `${num(s.criteria.covered)}/${num(s.criteria.inScope)}`, `${num(s.criteria.manual)} need manual evidence`)}
${stat('Criteria failing', num(s.criteria.fail), `${num(s.criteria.error)} with errors · ${num(s.criteria.pass)} passing`, s.criteria.fail > 0)}
${stat('Exceptions', num(s.exceptions.total), `${num(s.exceptions.open)} open · ${num(s.exceptions.resolved)} resolved`, s.exceptions.open > 0)}
${stat('Model promotions', num(s.populations.promotions), m.populations.promotions.collected ? (m.populations.promotions.complete ? 'complete population' : 'see completeness notes') : 'not collected')}
${stat('Privileged-access changes', num(s.populations.privilegedAccess), m.populations.privilegedAccess.collected ? (m.populations.privilegedAccess.complete ? 'complete population' : 'see completeness notes') : 'not collected')}
${stat('Secret rotations', num(s.populations.secretRotations), m.populations.secretRotations.collected ? (m.populations.secretRotations.complete ? 'complete population' : 'see completeness notes') : 'not collected')}
</div>
<dl class="facts">
<dt>Organization</dt><dd>${h(org)}</dd>
<dt>Observation window</dt><dd>${h(m.window.from)} to ${h(m.window.to)} (${plural(m.window.days, 'day')} counted)</dd>
<dt>Trust services categories</dt><dd>${h(m.scope.join(', '))}</dd>
<dt>Integrity</dt><dd>${ig.ok && ig.trust.mode === 'trusted' ? badge('pass') : badge('fail')} ${h(integrityLine(ig))}</dd>
<dt>Write-once storage</dt><dd>${h(writeOnceLine(ig))}</dd>
<dt>Files checked</dt><dd>${h(filesCheckedLine(ig))}</dd>
<dt>Controls</dt><dd>${num(s.controls.total)} (register <code>${h(s.register)}</code>), judged over the whole period: ${num(s.controls.effective)} operated effectively every day, ${num(s.controls.deviations)} with deviations, ${num(s.controls.notTested)} not tested on some days, ${num(s.controls.notApplicable)} with nothing expected, ${num(s.controls.due)} with manual evidence not yet due, ${num(s.controls.manual)} manual only</dd>
<dt>Criteria in scope</dt><dd>${num(s.criteria.inScope)}, concluded over the period from their controls: ${num(s.criteria.pass)} effective every day, ${num(s.criteria.fail)} with deviations, ${num(s.criteria.notTested)} not tested on some days, ${num(s.criteria.collected)} with evidence but no control testing it, ${num(s.criteria.noEvidence)} mapped but without evidence, ${num(s.criteria.due)} tested by manual evidence not yet due, ${num(s.criteria.manual)} needing manual evidence</dd>
<dt>Collected by</dt><dd>soc2 ${h(s.toolVersions.join(', ') || '—')}</dd>
<dt>Report generated by</dt><dd>soc2 ${h(m.tool.version)} at ${h(m.generatedAt)}</dd>
</dl>`,
  );

  const toc = `<nav class="toc" aria-label="Contents"><b>Contents</b><ol><li><a href="#summary">Summary</a></li><li><a href="#continuity">Collection continuity (CC4.1)</a></li><li><a href="#calendar">Coverage calendar</a></li><li><a href="#controls">Controls over the period</a></li><li><a href="#criteria">Criteria</a></li><li><a href="#exceptions">Exceptions</a></li><li><a href="#populations">Populations and samples</a></li>${m.vendors ? '<li><a href="#vendors">Vendors and policies</a></li>' : ''}<li><a href="#bundles">Appendix: bundles and integrity</a></li><li><a href="#ipe">Appendix: information produced by the entity</a></li></ol></nav>`;

  // continuity
  const c = m.continuity;
  const runCells = c.days.map((d) => {
    const st = d.complete ? 'complete' : d.partial ? 'partial' : d.failed ? 'failed' : 'none';
    return { fill: RUN_FILL[st], ...(st === 'none' ? { stroke: '#c62828' } : {}), title: `${d.date}: ${d.bundles.length ? `${d.bundles.length} bundle(s): ${d.complete} complete, ${d.partial} partial, ${d.failed} failed` : 'no bundle'}` };
  });
  const continuity = section(
    'continuity',
    'Collection continuity (CC4.1)',
    `<p>Evidence was collected on <b>${num(c.days.length - c.daysWithoutBundle.length)}</b> of ${num(c.days.length)} days; <b>${num(c.days.length - c.daysWithoutComplete.length)}</b> days have at least one complete bundle.${c.longestGap ? ` The longest stretch without a complete bundle is ${plural(c.longestGap.days, 'day')} (${h(c.longestGap.from)}${c.longestGap.days > 1 ? ` to ${h(c.longestGap.to)}` : ''}).` : ' Collection never stopped.'}</p>
${grid(c.days.map((d) => d.date), [{ label: 'Bundles', cells: runCells }], { titles: true, caption: 'Bundles per day' })}
${legend([[RUN_FILL.complete, 'complete bundle'], [RUN_FILL.partial, 'partial only (gaps)'], [RUN_FILL.failed, 'failed only'], [RUN_FILL.none, 'no bundle', '#c62828']])}
<h3>Expected coverage</h3>
<p>${h(m.coverage.method)}</p>
${table(
  ['System', 'Source', 'Units expected', 'Days complete', 'Days with something missing'],
  m.coverage.systems.map((x) => [h(x.system), h(x.source), num(x.units), num(x.daysComplete), x.daysIncomplete.length ? x.daysIncomplete.map((d) => `<code>${h(d)}</code>`).join(', ') : '—']),
  { empty: 'Nothing was expected (no config in force).', num: [2, 3] },
)}
${table(
  ['Day', 'Expected', 'Collected', 'With gaps', 'Missing', 'Not collected'],
  m.coverage.days.filter((d) => d.missing + d.error > 0).map((d) => [day(d.date), num(d.expected), num(d.covered), num(d.error), num(d.missing), h([...d.missingUnits.map((k) => `${k} (missing)`), ...d.errorUnits.map((k) => `${k} (gaps)`)].join('; '))]),
  { empty: 'Every expected unit was collected every day.', max, num: [1, 2, 3, 4] },
)}
${m.coverage.notes.map((n) => `<p class="muted">${h(n)}</p>`).join('\n')}
<h3>Days without a complete bundle</h3>
${c.daysWithoutComplete.length ? `<p>${c.daysWithoutComplete.map((d) => { const x = c.days.find((y) => y.date === d)!; return `<code>${h(d)}</code>${x.bundles.length ? ` (${x.partial ? 'partial' : 'failed'})` : ' (none)'}`; }).join(', ')}</p>` : '<p class="muted">None: every day of the window has a complete bundle.</p>'}
<h3>Partial and failed runs</h3>
${table(
  ['Bundle', 'Status', 'Collector', 'Source', 'Scope', 'API', 'Code', 'Message'],
  c.partialRuns.flatMap((p) =>
    (p.gaps.length ? p.gaps : [null]).map((g) => [
      `<code>${h(p.bundle)}</code>`,
      badge(p.status),
      g ? h(g.collector) : '',
      g ? h(g.source) : '',
      g ? h(scopeLabel(g.scope)) : '',
      g ? `<code>${h(g.api)}</code>` : '',
      g ? `<code>${h(g.code)}</code>` : '',
      g ? h(g.message) : '<span class="muted">no gap recorded</span>',
    ]),
  ),
  { empty: 'None: every run in the window was complete.', max },
)}`,
  );

  // calendar
  const calendar = section(
    'calendar',
    'Coverage calendar',
    `<p>Each row is a criterion in scope, each column a day of the window, coloured by the evidence of that day: the worst result of the checks mapped to the criterion, or “collected” when only untested evidence is mapped.</p>
${legend([[STATUS_FILL.pass, 'pass'], [STATUS_FILL.fail, 'fail'], [STATUS_FILL.error, 'error (could not evaluate)'], [STATUS_FILL.collected, 'evidence collected, no automated test'], [STATUS_FILL['no-evidence'], 'no evidence'], [STATUS_FILL.manual, 'needs manual evidence']])}
${grid(
  m.calendar.days,
  m.calendar.rows.map((r) => ({ label: r.criterion, cells: r.cells.map((st, i) => ({ fill: STATUS_FILL[st], title: `${r.criterion} ${m.calendar.days[i]}: ${STATUS_LABEL[st]}` })) })),
  { titles: m.calendar.days.length * m.calendar.rows.length <= 6000, caption: 'Coverage calendar: criteria by day' },
)}`,
    'breakable',
  );

  const controls = section('controls', 'Controls over the period', controlsHtml(m, o, max), 'breakable');

  // criteria
  const automated = m.criteria.filter((x) => x.automated);
  const manual = m.criteria.filter((x) => !x.automated);
  const overview = table(
    ['Criterion', 'Title', 'Conclusion (period)', 'Over the period', 'Days with evidence', 'Pass rate', 'Open exceptions'],
    m.criteria.map((x) => [
      x.automated ? `<a href="#crit-${h(x.id)}"><b>${h(x.id)}</b></a>` : `<b>${h(x.id)}</b>`,
      `${h(x.title)}${x.carvedOut ? ` <span class="badge b-manual" title="${h(x.carvedOut.note)}">Carved out (physical): ${h(x.carvedOut.organizations.join(', '))}</span>` : ''}`,
      badge(x.status),
      x.addressedBy.length ? `${h(x.period.text)}<br><span class="muted">controls ${h(x.addressedBy.join(', '))}</span>` : '<span class="muted">no control of the register addresses it</span>',
      x.automated ? `${num(x.daysWithEvidence)}/${num(m.window.days)}` : '—',
      pct(x.passRate.rate),
      x.automated && x.checks.length ? num(x.openExceptions) : '—',
    ]),
    { num: [4, 5, 6] },
  );
  const details = automated
    .map((x) => {
      const ex = x.exceptions.map((id) => exById.get(id)!).filter(Boolean);
      const latest = x.latest
        ? `<h4>Latest state only — ${h(x.latest.date)}, bundle <code>${h(x.latest.bundle)}</code> (not the period conclusion)</h4>${table(
            ['Check', 'Source', 'Scope', 'Status', 'Summary'],
            x.latest.findings.map((f) => [`<code>${h(f.check)}</code>`, h(f.source), h(scopeLabel(f.scope)), badge(f.status === 'not_applicable' ? 'no-evidence' : f.status), h(f.summary)]),
          )}<p class="kv">From ${ref(x.latest.findingsFile, o)} · SHA-256 ${sha(x.latest.findingsFile.sha256)}</p>`
        : x.checks.length
          ? '<p class="muted">No automated check mapped to this criterion ran in the window.</p>'
          : '<p class="muted">No automated check is mapped to this criterion: the evidence below is collected for the auditor to examine.</p>';
      const evidence = x.evidence.length
        ? table(
            ['Artifact kind', 'Bundles', 'First – last', 'Latest artifact', 'SHA-256'],
            x.evidence.flatMap((e) =>
              e.latest.map((l, i) => [
                i === 0 ? `<code>${h(e.kind)}</code>` : '',
                i === 0 ? num(e.bundles) : '',
                i === 0 ? `${h(e.firstDate)} – ${h(e.lastDate)}` : '',
                `${ref(l, o)}<br><span class="muted">${h(l.source)} ${h(scopeLabel(l.scope))} · ${plural(l.records, 'record')}${l.complete ? '' : ' · <b>incomplete</b>'}</span>`,
                sha(l.sha256),
              ]),
            ),
            { num: [1] },
          )
        : '<p class="muted">No artifact mapped to this criterion was collected in the window.</p>';
      return `<article class="criterion" id="crit-${h(x.id)}"><h3><span class="id">${h(x.id)}</span> ${h(x.title)} ${badge(x.status)}</h3>
<p class="kv">${h(x.family)} · evidence on <b>${num(x.daysWithEvidence)}</b> of ${num(m.window.days)} days${x.firstEvidence ? ` (${h(x.firstEvidence)} to ${h(x.lastEvidence)})` : ''} · ${x.passRate.pass + x.passRate.fail + x.passRate.error ? `checks passed <b>${pct(x.passRate.rate)}</b> of ${num(x.passRate.pass + x.passRate.fail + x.passRate.error)} runs (${num(x.passRate.fail)} fail, ${num(x.passRate.error)} error)` : 'no automated check ran'}${x.controls.length ? ` · your controls: ${h(x.controls.join(', '))}` : ''}</p>
<p><b>Over the period:</b> ${x.addressedBy.length ? `${h(x.period.text)} (controls ${h(x.addressedBy.join(', '))})` : 'no control of the register addresses it'}${x.supportedBy.length ? `; supported by ${h(x.supportedBy.join(', '))}` : ''}</p>
<p class="kv">Mapped checks: ${x.checks.length ? x.checks.map((k) => `<code>${h(k)}</code>`).join(', ') : '—'}<br>Mapped artifact kinds: ${x.artifactKinds.length ? x.artifactKinds.map((k) => `<code>${h(k)}</code>`).join(', ') : '—'}</p>
${passRateBars(x, m.calendar.days)}
${latest}
${
  x.checks.length
    ? `<h4>Exceptions (${num(ex.length)}, ${num(x.openExceptions)} open)</h4>${table(
        ['Resource', 'Check', 'First seen', 'Last seen', 'Resolved', 'Status'],
        ex.slice(0, 200).map((e) => [`<code>${h(e.resource)}</code><br><span class="muted">${h(e.reason)}</span>`, `<code>${h(e.check)}</code>`, day(e.firstSeen.date), day(e.lastSeen.date), e.resolved ? day(e.resolved.date) : '—', badge(e.status)]),
        { empty: 'No exceptions in the window.', max: 200, total: ex.length },
      )}`
    : ''
}
<h4>Evidence</h4>${evidence}</article>`;
    })
    .join('\n');
  const criteria = section(
    'criteria',
    'Criteria',
    `<p>${num(m.criteria.length)} criteria are in scope. “Latest status” is the worst result (fail, then error, then pass) of the checks mapped to the criterion in the newest bundle that ran any of them. Paths are relative to the directory holding <code>${h(m.evidence.name)}/</code>; each SHA-256 is the one its bundle’s manifest records.</p>
${overview}
${details}
<h3>Criteria tested by manual evidence (${num(manual.length)})</h3>
<p>No automated evidence is mapped to these: each concludes from the manual tests of its controls — covered, due (no required period elapsed yet) or a deviation (an elapsed period without evidence). “Manual” is left only where no control addresses it.</p>
${table(['Criterion', 'Category', 'Title', 'Conclusion (period)', 'Over the period'], manual.map((x) => [`<b>${h(x.id)}</b>`, h(x.category), `${h(x.title)}${x.carvedOut ? `<br><span class="muted">${h(x.carvedOut.note)}</span>` : ''}`, badge(x.status), x.addressedBy.length ? `${h(x.period.text)} <span class="muted">(controls ${x.addressedBy.map((c) => `<a href="#ctl-${h(c)}">${h(c)}</a>`).join(', ')})</span>` : 'No control addresses it: needs manual evidence']), { empty: 'None.' })}
${carveOutsHtml(m)}`,
    'breakable',
  );

  // exceptions
  const exRow = (e: ExceptionRow) => [
    `<code>${h(e.resource)}</code><br><span class="muted">${h(e.reason)}</span>`,
    `<code>${h(e.check)}</code><br><span class="muted">${h(e.source)} ${h(scopeLabel(e.scope))}</span>`,
    h(e.criteria.join(', ')),
    `${day(e.firstSeen.date)}<br><code class="muted">${h(e.firstSeen.bundle)}</code>`,
    `${day(e.lastSeen.date)}<br><code class="muted">${h(e.lastSeen.bundle)}</code>`,
    e.resolved ? `${day(e.resolved.date)}<br><code class="muted">${h(e.resolved.bundle)}</code>` : '—',
    `${badge(e.status)}${e.periods.length > 1 ? `<br><span class="muted">${e.periods.length} periods</span>` : ''}${e.type === 'event' ? '<br><span class="muted">event: never resolves by itself</span>' : ''}${e.incompleteEvidence ? `<br><b>found on incomplete evidence</b> <span class="muted">(${e.incompleteEvidence} of ${e.occurrences})</span>` : ''}`,
    responseCell(e),
  ];
  const exceptions = section(
    'exceptions',
    'Exceptions',
    `<p>An exception is one resource a check listed as failing (check, source, scope, resource). First and last seen are the bundles of the window it appeared in; it is resolved by the first later bundle in which the check ran (pass or fail) without it.</p>
<p>An <b>event</b> exception (an unapproved promotion, a missed rotation) is a deviation that happened: later runs never resolve it. A check that ended in error still lists what it found; such exceptions are marked as found on incomplete evidence.</p>
${table(['Resource', 'Check', 'Criteria', 'First seen', 'Last seen', 'Resolved', 'Status', 'Management response'], m.exceptions.map(exRow), { empty: 'No check listed an exception in the window.', max })}
${responsesHtml(m)}`,
    'breakable',
  );

  // populations
  const pop = <R extends { key: string }>(p: Population<R>, head: string[], cells: (r: R) => string[], extra = '') => {
    const byKey = new Map(p.rows.map((r) => [r.key, r]));
    const sample = p.sample
      ? `<h4>Sample: ${num(p.sample.size)} of ${num(p.sample.populationSize)}</h4><p class="kv">Method <code>${h(p.sample.method)}</code>, seed <code>${h(p.sample.seed)}</code>: the rows whose SHA-256 over the seed, the population name (<code>${h(p.name)}</code>) and the row’s key, joined by newlines, is lowest. Re-perform from <code>populations/${h(p.name)}.csv</code>.</p>${table(['#', ...head], p.sample.keys.map((k, i) => [String(i + 1), ...cells(byKey.get(k)!)]))}`
      : '';
    return `<h3>${h(p.title)} — ${plural(p.size, 'row')} ${p.collected ? (p.complete ? badge('complete') : badge('partial')) : badge('no-evidence')}</h3>
<p>${h(p.description)}</p>
<p class="kv">Built from ${plural(p.sources.length, 'artifact')} of the window; deduplicated across bundles; every row names its bundle and artifact. Full population: <code>populations/${h(p.name)}.csv</code>.</p>
${p.notes.length ? `<h4>Completeness notes</h4><ul class="notes">${p.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : ''}
${p.blindWindows.length ? `<h4>Blind windows</h4>${table(['From', 'To', 'Series', 'Why'], p.blindWindows.map((b) => [ts(b.from), ts(b.to), h(b.series), h(b.reason)]))}` : ''}
${p.info.length ? `<h4>Source notes</h4><ul class="notes muted">${p.info.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : ''}
${extra}${sample}
<h4>Population</h4>${table(head, p.rows.map(cells), { empty: 'No rows in the window.', max })}`;
  };
  const P = m.populations;
  const populations = section(
    'populations',
    'Populations and samples',
    `<p>Complete populations for the window, taken from the systems of record, for sampling by the auditor.${m.sampling.drawn ? ` Reproducible samples were drawn (method <code>${h(m.sampling.method)}</code>, seed <code>${h(m.sampling.seed ?? '')}</code>, chosen by ${h(m.sampling.sampledBy ?? '')} at ${ts(m.sampling.at)}); sizes follow the control’s frequency (sampling.csv).` : ` No samples: ${h(m.sampling.reason ?? '')}.`}</p>
${samplingHtml(m)}
${pop(
  P.promotions,
  ['When (window end)', 'Model', 'Version', 'Event', 'To production', 'Actor', 'Approval', 'Evidence'],
  (r) => [
    ts(r.windowTo),
    h(r.model),
    h(r.version),
    `${h(r.type)}${r.alias ? ` <code>${h(r.alias)}</code>` : ''}${r.from !== null || r.to !== null ? `<br><span class="muted">${h(r.from ?? '∅')} → ${h(r.to ?? '∅')}</span>` : ''}`,
    r.toProduction ? '<b>yes</b>' : 'no',
    r.actor ? `${h(r.actor)}<br><span class="muted">${h(r.actorSource)}</span>` : '<span class="muted">unknown</span>',
    r.approved ? `${badge('approved')}${r.approver ? `<br>${h(r.approver)}` : ''}` : r.toProduction ? badge('unapproved') : '<span class="muted">no approval tag</span>',
    `${ref(r.artifact, o, r.bundle)}${r.bundleVerified ? '' : ' <b>UNVERIFIED</b>'}`,
  ],
  P.promotions.baselines.length ? `<h4>Baselines (first snapshots, no events)</h4>${table(['Bundle', 'Source', 'Collector', 'Snapshot'], P.promotions.baselines.map((b) => [`<code>${h(b.bundle)}</code>`, h(b.source), h(b.collector), ref(b.artifact, o)]))}` : '',
)}
${pop(
  P.privilegedAccess,
  ['When (window)', 'Principal', 'Change', 'Privilege before → after', 'Actor', 'Evidence'],
  (r) => [
    r.actorEventTime ? ts(r.actorEventTime) : `${ts(r.windowFrom)} →<br>${ts(r.windowTo)}`,
    `<code>${h(r.principal)}</code><br><span class="muted">${h(r.source)} account ${h(r.account)}</span>`,
    `${h(r.change)}${r.item ? ` <code>${h(r.item)}</code>` : ''}${r.itemAdmin ? ' <b>(* on *)</b>' : ''}${r.before !== null || r.after !== null ? `<br><span class="muted">${h(r.before ?? '∅')} → ${h(r.after ?? '∅')}</span>` : ''}`,
    `${h(r.privilegeBefore)} → ${h(r.privilegeAfter)}${r.grants ? `<br><b>grants ${h(r.grants)}</b>` : ''}${r.removes ? `<br>removes ${h(r.removes)}` : ''}`,
    r.actor && r.actor !== 'unknown' ? `${h(r.actor)}<br><span class="muted">${h(r.actorSource)}</span>` : '<span class="muted">unknown</span>',
    `${ref(r.artifact, o, r.bundle)}${r.bundleVerified ? '' : ' <b>UNVERIFIED</b>'}`,
  ],
  P.privilegedAccess.baselines.length ? `<h4>Baselines (first snapshots, no events)</h4>${table(['Bundle', 'Source', 'Collector', 'Snapshot'], P.privilegedAccess.baselines.map((b) => [`<code>${h(b.bundle)}</code>`, h(b.source), h(b.collector), ref(b.artifact, o)]))}` : '',
)}
${pop(P.secretRotations, ['Rotated at', 'Secret', 'Account / region', 'Previous rotation', 'Evidence'], (r) => [
  ts(r.rotatedAt),
  `${h(r.name ?? '')}<br><code class="muted">${h(r.arn)}</code>`,
  `${h(r.account ?? '')} ${h(r.region ?? '')}`,
  ts(r.previousRotatedAt),
  `${ref(r.artifact, o, r.bundle)}${r.bundleVerified ? '' : ' <b>UNVERIFIED</b>'}`,
])}`,
    'breakable',
  );

  // appendix
  const cachedAt = new Map(ig.filesChecked.cached.map((c) => [c.bundle, c.verifiedAt]));
  const appendix = section(
    'bundles',
    'Appendix: bundles and integrity',
    `<p>${h(ig.method)}</p>
${ig.outsideWindow.length ? `<h3>Problems in bundles outside the window</h3>${table(['Bundle', 'File', 'Problem'], ig.outsideWindow.map((p) => [`<code>${h(p.bundle)}</code>`, p.file ? `<code>${h(p.file)}</code>` : '', h(p.message)]), { max: 50 })}` : ''}
<h3>Bundles in the window (${num(m.bundles.length)})</h3>
${table(
  ['Bundle', 'Day', 'Status', 'Findings (pass/fail/error)', 'Signed', 'Verified', 'Files hashed', 'manifest.json SHA-256'],
  m.bundles.map((b) => [
    `<code>${h(b.id)}</code>`,
    day(b.date),
    badge(b.status),
    `${num(b.findings.pass)} / ${num(b.findings.fail)} / ${num(b.findings.error)}`,
    b.signed ? 'yes' : 'no',
    b.verified ? 'yes' : '<b>NO</b>',
    cachedAt.has(b.id) ? `cache, ${ts(cachedAt.get(b.id)!)}` : ig.filesChecked.remote ? REMOTE_FILES_CELL : 'now',
    sha(b.manifest.sha256),
  ]),
  { max: 400, num: [3] },
)}`,
    'breakable',
  );

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="soc2 ${h(m.tool.version)}">
<title>${h(`${m.integrity.stamp ? '[UNVERIFIED] ' : ''}SOC 2 evidence report — ${org} — ${m.window.from} to ${m.window.to}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header}
${integrity}
${summary}
${toc}
${continuity}
${calendar}
${controls}
${criteria}
${exceptions}
${populations}
${m.vendors ? section('vendors', 'Vendors and policies', vendorsHtml(m, table, (r, text) => ref(r, o, text))) : ''}
${appendix}
${ipeAppendix(m, o, section)}
<footer>${stamp}Generated by soc2 ${h(m.tool.version)} at ${h(m.generatedAt)} from the evidence in <code>${h(m.evidence.name)}/</code>. The machine-readable model is report.json; populations are in populations/*.csv; OSCAL 1.1.2 assessment results, the assessment plan they import and the TSC catalog are in oscal/.</footer>
</main>
</body>
</html>
`;
}

/**
 * Appendix: the IPE attributes of every artifact (newest first): system and scope, the identity that
 * collected it, API operations with parameters and pages, completeness, records, times, the source's
 * own time and the tool build and CI run that collected it. artifacts.csv holds all rows.
 */
function ipeAppendix(m: ReportModel, o: HtmlOptions, section: (id: string, title: string, body: string, cls?: string) => string): string {
  const rows = [...m.artifacts].reverse().slice(0, 400).map((a) => [
    `<code>${h(a.bundle)}</code>`,
    `${ref(a, o, a.path)}<br><code>${h(a.kind)}</code>`,
    `${h(a.system)} · ${h(a.source)}${scopeLabel(a.scope) ? `<br>${h(scopeLabel(a.scope))}` : ''}`,
    `<code>${h(a.identity)}</code>`,
    a.operations.length ? a.operations.map((x) => `<code>${h(x.api)}</code> ${h(JSON.stringify(x.params))} · ${num(x.pages)} page${x.pages === 1 ? '' : 's'}`).join('<br>') : '—',
    a.complete ? 'yes' : '<b>NO</b>',
    num(a.records),
    ts(a.collectedAt),
    a.sourceTime ? `${ts(a.sourceTime)}<br>${h(String(a.sourceAgeHours))} h before` : '—',
    a.periodCovered ? `${ts(a.periodCovered.from)} – ${ts(a.periodCovered.to)}` : '—',
    `${h(a.toolVersion)}<br><code>${h(a.toolBuild.slice(0, 12))}</code>`,
    // only an http(s) URL becomes a link (a CI variable could hold anything, e.g. javascript:)
    a.ci ? (a.ci.url && /^https?:\/\/[^\s"'<>]+$/.test(a.ci.url) ? `<a href="${h(a.ci.url)}">${h(a.ci.provider)} ${h(a.ci.runId ?? '')}</a>` : h(`${a.ci.provider} ${a.ci.runId ?? ''}${a.ci.url ? ` ${a.ci.url}` : ''}`)) : '—',
  ]);
  return section(
    'ipe',
    'Appendix: information produced by the entity',
    `<p>For each artifact: what was read (system, source and scope), by whom (the identity the collector ran as), how (every API operation with its parameters and the number of pages read to the end), whether it is complete, and with which tool build and CI run. Source time: when the source itself says it produced the data (e.g. the IAM credential report’s GeneratedTime).</p>
${table(['Bundle', 'Artifact', 'System / scope', 'Collected by', 'API operations', 'Complete', 'Records', 'Collected at', 'Source time', 'Period covered', 'Tool (build)', 'CI run'], rows, { max: 400, num: [6], more: 'artifacts.csv and report.json hold every artifact', cls: 'breakable', total: m.artifacts.length })}`,
    'breakable',
  );
}

/** the per-control samples of the days tested, and the formula to re-perform every sample */
function samplingHtml(m: ReportModel): string {
  const S = m.sampling;
  if (!S.drawn) return '';
  return `<h3>Samples of control occurrences (days tested)</h3>
<p class="kv">Formula: ${h(S.formula)}</p>
${table(['Control', 'Frequency', 'Population', 'Occurrences', 'Sample', 'Size set by', 'Selected'], S.controls.map((c) => [`<code>${h(c.control)}</code>`, h(c.frequency), `<code>${h(c.population)}</code>`, num(c.populationSize), num(c.size), h(c.basis), c.keys.map((k) => `<span class="nw">${h(k.slice(c.control.length + 1))}</span>`).join(', ') || '—']), { num: [3, 4] })}`;
}

/** the subservice organizations (carve-out method), their expected controls and the user-entity controls asked of the entity */
function carveOutsHtml(m: ReportModel): string {
  const c = m.carveOuts;
  if (!c) return '';
  const orgs = c.organizations;
  return `<h3 id="carve-outs">Subservice organizations (carve-out method)</h3>
<p>The controls these organizations operate are not in the scope of this report; the criteria normally met there are labelled “carved out” above and are relied on through each organization’s own SOC 2 report. In use: an artifact of the window came from a system running on it. List: <code>${h(path.basename(c.from))}</code>.</p>
${table(
  ['Organization', 'In use', 'Services', 'Criteria met there', 'Expected of it (complementary subservice organization controls)', 'Complementary user-entity controls (ours)', 'Their report'],
  orgs.map((o) => [
    `<b>${h(o.name)}</b> <code>${h(o.id)}</code>`,
    o.inUse ? 'yes' : 'no',
    h(o.services),
    h(o.criteria.join(', ')),
    o.expectedControls.map((x) => h(x)).join('<br>') || '—',
    o.userEntityControls.map((u) => `<code>${h(u.id)}</code> ${h(u.text)}${u.controls.length ? ` <span class="muted">(${h(u.controls.join(', '))})</span>` : ' <span class="muted">(no control of the register)</span>'}`).join('<br>') || '—',
    h(o.report),
  ]),
)}`;
}

/** Owner, response, root cause, remediation and ticket of an exception; or how long it has waited for one. */
function responseCell(e: ExceptionRow): string {
  const r = e.response;
  if (!r) return e.responseOverdue ? `<b>none</b> <span class="muted">(${e.ageDays} days old)</span>` : '—';
  const ticket = r.ticket ? `<br><a href="${h(r.ticket)}" rel="noreferrer">${h(r.ticket)}</a>` : '';
  const more = [r.rootCause ? `root cause: ${h(r.rootCause)}` : '', r.remediation ? `remediation: ${h(r.remediation)}` : ''].filter(Boolean).join('<br>');
  return `<b>${h(r.owner)}</b>${r.respondedAt ? ` <span class="muted">${day(r.respondedAt)}</span>` : ''}<br>${h(r.response)}${more ? `<br><span class="muted">${more}</span>` : ''}${ticket}`;
}

/** The responses file joined, the exceptions past due without a response, the entries that matched nothing. */
function responsesHtml(m: ReportModel): string {
  const r = m.responses;
  const parts = [`<p>Management responses: ${r.file ? `<code>${h(r.file)}</code>, ${num(r.answered)} of ${num(m.exceptions.length)} exceptions answered` : 'no responses file configured (<code>report.responses</code>)'}.</p>`];
  if (r.overdue.length) parts.push(`<p><b>${plural(r.overdue.length, 'exception')} without a response older than ${r.dueDays} days:</b> ${r.overdue.slice(0, 50).map((id) => `<code>${h(id)}</code>`).join(', ')}${r.overdue.length > 50 ? ` and ${num(r.overdue.length - 50)} more (<code>exceptions.csv</code>, column <code>response_overdue</code>)` : ''}</p>`);
  if (r.unmatched.length) parts.push(`<p>Responses that match no exception of the window: ${r.unmatched.map(h).join('; ')}</p>`);
  return parts.join('\n');
}
