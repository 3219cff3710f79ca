// report.md: the same model as text, for reviews in a repository or a ticket. Every collected string
// goes through md().
import { scopeLabel } from './aggregate.js';
import { md } from './escape.js';
import { filesCheckedLine, integrityLine, REMOTE_FILES_CELL, writeOnceLine } from './integrity.js';
import type { EvidenceStatus, FileRef, Population, ReportModel } from './model.js';

const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(r === 1 || r === 0 ? 0 : 1)}%`);
const LABEL: Record<EvidenceStatus, string> = { pass: 'PASS', 'not-tested': 'NOT TESTED EVERY DAY', fail: 'FAIL', error: 'ERROR', collected: 'collected', 'no-evidence': 'no evidence', due: 'due', manual: 'manual' };
import { vendorsMarkdown } from './vendors-render.js';

/** `total`: the length of the list when only its first `max` rows were formatted. */
function table(head: string[], rows: string[][], empty = '_None._', max = 1000, total = rows.length): string {
  if (!rows.length) return empty + '\n';
  const shown = rows.slice(0, max);
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...shown.map((r) => `| ${r.join(' | ')} |`)];
  if (shown.length < total) out.push('', `_Showing ${shown.length} of ${total} rows; the CSV and report.json hold all of them._`);
  return out.join('\n') + '\n';
}

const code = (s: unknown) => (String(s ?? '') ? '`' + String(s).replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ') + '`' : '');
const link = (r: FileRef) => `${code(r.href)} (sha256 ${code(r.sha256)})`;

export function renderMarkdown(m: ReportModel): string {
  const L: string[] = [];
  const stamp = m.integrity.stamp ? `> **${md(m.integrity.stamp)}**\n` : '';
  if (stamp) L.push(stamp);
  const s = m.summary;
  L.push(`# SOC 2 Type II evidence report — ${md(m.organization ?? 'organization not named')}`, '');
  L.push(`Observation window **${m.window.from}** to **${m.window.to}** (${m.window.days} days counted, through ${m.window.through}; basis: ${m.window.basis}) · scope: ${md(m.scope.join(', '))} · generated ${m.generatedAt} by soc2 ${md(m.tool.version)}`, '');

  L.push('## Summary', '');
  if (stamp) L.push(stamp);
  L.push(
    table(
      ['', ''],
      [
        ['Organization', md(m.organization ?? '—')],
        ['Window', `${m.window.from} to ${m.window.to}`],
        ['Scope', md(m.scope.join(', '))],
        ['Integrity', m.integrity.ok && m.integrity.trust.mode === 'trusted' ? md(integrityLine(m.integrity)) : `**${md(integrityLine(m.integrity))}**`],
        ['Write-once storage', md(writeOnceLine(m.integrity))],
        ['Files checked', md(filesCheckedLine(m.integrity))],
        ['Bundles', `${s.bundles} (${s.complete} complete, ${s.partial} partial, ${s.failed} failed)`],
        ['Days with a complete bundle', `${s.daysWithCompleteBundle} of ${s.days}`],
        ['Controls (over the period)', `${s.controls.total}: ${s.controls.effective} effective every day, ${s.controls.deviations} with deviations, ${s.controls.notTested} not tested on some days, ${s.controls.notApplicable} nothing expected, ${s.controls.manual} manual only (register ${code(s.register)})`],
        ['Criteria (over the period)', `${s.criteria.inScope} in scope: ${s.criteria.pass} effective every day, ${s.criteria.fail} with deviations, ${s.criteria.notTested} not tested on some days, ${s.criteria.collected} collected without a control, ${s.criteria.noEvidence} no evidence, ${s.criteria.manual} manual`],
        ['Exceptions', `${s.exceptions.total} (${s.exceptions.open} open, ${s.exceptions.resolved} resolved)`],
        ['Populations', `${s.populations.promotions} model promotions, ${s.populations.privilegedAccess} privileged-access changes, ${s.populations.secretRotations} secret rotations`],
        ['Collected by', md(`soc2 ${s.toolVersions.join(', ')}`)],
      ],
    ),
  );
  if (!m.integrity.ok) {
    L.push('### Integrity problems', '');
    L.push(table(['Bundle', 'File', 'Problem'], m.integrity.problems.map((p) => [code(p.bundle), code(p.file ?? ''), md(p.message)])));
  }

  const c = m.continuity;
  L.push('## Collection continuity (CC4.1)', '');
  if (stamp) L.push(stamp);
  L.push(`Evidence was collected on ${c.days.length - c.daysWithoutBundle.length} of ${c.days.length} days; ${c.days.length - c.daysWithoutComplete.length} have a complete bundle.${c.longestGap ? ` Longest stretch without a complete bundle: ${c.longestGap.days} day(s), ${c.longestGap.from} to ${c.longestGap.to}.` : ' Collection never stopped.'}`, '');
  L.push(`Days without a complete bundle: ${c.daysWithoutComplete.length ? c.daysWithoutComplete.join(', ') : 'none'}.`, '');
  L.push('### Expected coverage', '', md(m.coverage.method), '');
  L.push(table(['System', 'Source', 'Units expected', 'Days complete', 'Days with something missing'], m.coverage.systems.map((x) => [md(x.system), md(x.source), String(x.units), String(x.daysComplete), x.daysIncomplete.join(', ') || '—'])));
  L.push(table(['Day', 'Expected', 'Collected', 'With gaps', 'Missing', 'Not collected'], m.coverage.days.filter((d) => d.missing + d.error > 0).map((d) => [d.date, String(d.expected), String(d.covered), String(d.error), String(d.missing), md([...d.missingUnits.map((k) => `${k} (missing)`), ...d.errorUnits.map((k) => `${k} (gaps)`)].join('; '))]), '_Every expected unit was collected every day._'));
  for (const n of m.coverage.notes) L.push(`- ${md(n)}`);
  L.push('');
  L.push('### Partial and failed runs', '');
  L.push(
    table(
      ['Bundle', 'Status', 'Collector', 'Source', 'Scope', 'API', 'Code', 'Message'],
      c.partialRuns.flatMap((p) => (p.gaps.length ? p.gaps : [null]).map((g) => [code(p.bundle), p.status, md(g?.collector), md(g?.source), md(g ? scopeLabel(g.scope) : ''), code(g?.api), code(g?.code), md(g?.message ?? 'no gap recorded')])),
    ),
  );

  L.push('## Coverage by day', '');
  if (stamp) L.push(stamp);
  L.push('One character per day: `P` pass, `F` fail, `E` error, `c` collected without a test, `.` no evidence, blank: manual.', '');
  const ch: Record<EvidenceStatus, string> = { pass: 'P', 'not-tested': 'n', fail: 'F', error: 'E', collected: 'c', 'no-evidence': '.', due: 'd', manual: ' ' };
  L.push('```', `${'day'.padEnd(7)} ${m.calendar.days.map((d) => (d.endsWith('-01') ? '|' : d.slice(9, 10))).join('')}`, ...m.calendar.rows.map((r) => `${r.criterion.padEnd(7)} ${r.cells.map((x) => ch[x]).join('')}`), '```', '');

  L.push('## Controls over the period', '');
  if (stamp) L.push(stamp);
  L.push('Every day, every expected test instance (check × source × scope, from the config in force) is pass, fail, error or missing; one failure makes the day a deviation, an error or a missing instance leaves it not tested.', '');
  L.push(table(['Control', 'Title', 'Owner', 'Frequency', 'Addresses', 'Conclusion', 'Over the period'], m.controls.map((x) => [`**${md(x.id)}**`, md(x.title), md(x.owner), x.frequency, x.criteria.join(', '), x.period.conclusion, md(x.period.text)])));
  for (const x of m.controls.filter((y) => y.period.deviations.length || y.notTested.length)) {
    L.push(`### ${md(x.id)} ${md(x.title)} — ${x.period.conclusion}`, '', md(x.period.text), '');
    if (x.latest) L.push(`Latest state only (${x.latest.date}, not the period conclusion): ${x.latest.status}.`, '');
    const listed = [...x.period.deviations, ...x.notTested].sort((a, b) => a.date.localeCompare(b.date));
    L.push(table(['Day', 'Check', 'Source / scope', 'Status', 'Summary'], listed.slice(0, 200).map((d) => [d.date, code(d.check), md(`${d.source} ${scopeLabel(d.scope)}`.trim()), d.status, md(d.summary)]), '', 200, listed.length));
  }

  // manual evidence: each required period of each manual test, the evidence covering it, deviations and what is due
  const manualRows = m.controls.flatMap((x) =>
    (x.manualEvidence ?? []).flatMap((t) =>
      t.periods.map((p) => [
        `**${md(x.id)}**`,
        code(t.id),
        `${p.from}..${p.to}`,
        p.status,
        p.evidence.length ? p.evidence.map((e) => md(`${e.fileName} (sha256 ${e.sha256.slice(0, 16)}…, bundle ${e.bundle ?? 'pending'}, added by ${e.addedBy} ${e.addedAt})`)).join('<br>') : p.status === 'deviation' ? 'no evidence for this elapsed period' : `needed by ${p.to}`,
      ]),
    ),
  );
  if (manualRows.length) {
    L.push('## Manual evidence by required period', '');
    if (stamp) L.push(stamp);
    L.push('Each manual test of the register needs evidence for each of its periods (`every`); an elapsed period without evidence is a deviation, a period not yet over is due. manual-evidence.csv lists every row.', '');
    L.push(table(['Control', 'Manual test', 'Period', 'Status', 'Evidence'], manualRows, '', 300));
  }

  L.push('## Criteria', '');
  if (stamp) L.push(stamp);
  L.push(
    table(
      ['Criterion', 'Title', 'Status', 'Over the period', 'Days with evidence', 'Pass rate', 'Open exceptions'],
      m.criteria.map((x) => [`**${x.id}**`, md(x.title), LABEL[x.status], x.addressedBy.length ? md(`${x.period.text} (controls ${x.addressedBy.join(', ')})`) : '—', x.automated ? `${x.daysWithEvidence}/${m.window.days}` : '—', pct(x.passRate.rate), x.automated ? String(x.openExceptions) : '—']),
    ),
  );
  const exById = new Map(m.exceptions.map((e) => [e.id, e]));
  for (const x of m.criteria.filter((y) => y.automated)) {
    L.push(`### ${x.id} ${md(x.title)} — ${LABEL[x.status]}`, '');
    L.push(`- Mapped checks: ${x.checks.map(code).join(', ') || '—'}`);
    L.push(`- Mapped artifact kinds: ${x.artifactKinds.map(code).join(', ') || '—'}`);
    L.push(`- Evidence on ${x.daysWithEvidence} of ${m.window.days} days${x.firstEvidence ? ` (${x.firstEvidence} to ${x.lastEvidence})` : ''}; checks passed ${pct(x.passRate.rate)} of ${x.passRate.pass + x.passRate.fail + x.passRate.error} runs`);
    if (x.addressedBy.length) L.push(`- Over the period: ${md(x.period.text)} (controls ${md(x.addressedBy.join(', '))})`);
    if (x.latest) L.push(`- Latest state only (${x.latest.date}, ${code(x.latest.bundle)}): ${x.latest.findings.map((f) => `${code(f.check)} ${md(f.source)} ${md(scopeLabel(f.scope))}: ${f.status}`).join('; ')} — ${link(x.latest.findingsFile)}`);
    L.push('');
    const ex = x.exceptions.map((id) => exById.get(id)!).filter(Boolean);
    if (ex.length) L.push(table(['Resource', 'Check', 'First seen', 'Last seen', 'Resolved', 'Status'], ex.map((e) => [code(e.resource), code(e.check), e.firstSeen.date, e.lastSeen.date, e.resolved?.date ?? '—', e.status]), '', 200));
    if (x.evidence.length) L.push(table(['Artifact kind', 'Bundles', 'Latest artifact', 'SHA-256'], x.evidence.flatMap((e) => e.latest.map((l) => [code(e.kind), String(e.bundles), code(l.href), code(l.sha256)]))));
  }
  const manual = m.criteria.filter((y) => !y.automated);
  L.push(`### Tested by manual evidence (${manual.length})`, '');
  L.push(manual.length ? manual.map((x) => `- **${x.id}** ${md(x.title)} — ${LABEL[x.status]}: ${x.addressedBy.length ? md(`${x.period.text} (controls ${x.addressedBy.join(', ')})`) : 'no control addresses it: needs manual evidence'}`).join('\n') + '\n' : '_None._\n');

  L.push('## Exceptions', '');
  if (stamp) L.push(stamp);
  L.push(
    table(
      ['Resource', 'Check', 'Source', 'First seen', 'Last seen', 'Resolved', 'Status', 'Reason', 'Response'],
      m.exceptions.map((e) => [
        code(e.resource),
        code(e.check),
        md(`${e.source} ${scopeLabel(e.scope)}`),
        `${e.firstSeen.date} ${code(e.firstSeen.bundle)}`,
        `${e.lastSeen.date} ${code(e.lastSeen.bundle)}`,
        e.resolved ? `${e.resolved.date} ${code(e.resolved.bundle)}` : '—',
        exceptionStatus(e),
        md(e.reason),
        e.response ? md(`${e.response.owner}: ${e.response.response}${e.response.ticket ? ` (${e.response.ticket})` : ''}`) : e.responseOverdue ? `**none, ${e.ageDays} days old**` : '—',
      ]),
    ),
  );
  L.push(...responsesLines(m));

  L.push('## Populations and samples', '');
  if (stamp) L.push(stamp);
  // who drew the samples, with which seed and when; sizes and the formula are in sampling.csv / docs/report.md
  const S = m.sampling;
  L.push(S.drawn ? `Samples drawn by ${md(S.sampledBy ?? '')} at ${md(S.at ?? '')} with seed \`${md(S.seed ?? '')}\` (method \`${S.method}\`; sizes by control frequency, see sampling.csv). ${md(S.formula)}` : `No samples: ${md(S.reason ?? '')}.`, '');
  const pop = <R extends { key: string }>(p: Population<R>, head: string[], cells: (r: R) => string[]) => {
    L.push(`### ${p.title}: ${p.size} rows (${p.collected ? (p.complete ? 'complete' : 'see completeness notes') : 'not collected'})`, '', md(p.description), '');
    L.push(`Built from ${p.sources.length} artifact(s); full population in \`populations/${p.name}.csv\`.`, '');
    for (const n of p.notes) L.push(`- ${md(n)}`);
    for (const n of p.info) L.push(`- (covered) ${md(n)}`);
    if (p.notes.length + p.info.length) L.push('');
    if (p.blindWindows.length) L.push(table(['Blind window from', 'to', 'Series', 'Why'], p.blindWindows.map((b) => [md(b.from), md(b.to), md(b.series), md(b.reason)])));
    if (p.sample) {
      const byKey = new Map(p.rows.map((r) => [r.key, r]));
      L.push(`Sample: ${p.sample.size} of ${p.sample.populationSize}, method \`${p.sample.method}\`, seed \`${md(p.sample.seed)}\`.`, '');
      L.push(table(['#', ...head], p.sample.keys.map((k, i) => [String(i + 1), ...cells(byKey.get(k)!)])));
    }
    L.push(table(head, p.rows.map(cells)));
  };
  const P = m.populations;
  pop(P.promotions, ['Window end', 'Model', 'Version', 'Event', 'Production', 'Actor', 'Approved', 'Approver', 'Bundle', 'Artifact'], (r) => [
    r.windowTo,
    md(r.model),
    md(r.version),
    md(`${r.type}${r.alias ? ' ' + r.alias : ''} ${r.from ?? '∅'} → ${r.to ?? '∅'}`),
    r.toProduction ? 'yes' : 'no',
    md(r.actor ?? 'unknown'),
    r.approved ? 'yes' : 'no',
    md(r.approver ?? ''),
    code(r.bundle),
    code(r.artifact.path),
  ]);
  pop(P.privilegedAccess, ['Window from', 'Window end', 'Principal', 'Change', 'Item', 'Privilege before → after', 'Grants', 'Removes', 'Actor', 'Bundle'], (r) => [
    r.windowFrom,
    r.windowTo,
    code(r.principal),
    r.change,
    r.item ? md(`${r.item}${r.itemAdmin ? ' (* on *)' : ''}`) : '',
    md(`${r.privilegeBefore} → ${r.privilegeAfter}`),
    md(r.grants ?? ''),
    md(r.removes ?? ''),
    md(r.actor ?? 'unknown'),
    code(r.bundle),
  ]);
  pop(P.secretRotations, ['Rotated at', 'Secret', 'ARN', 'Previous rotation', 'Bundle', 'Artifact'], (r) => [md(r.rotatedAt), md(r.name ?? ''), code(r.arn), md(r.previousRotatedAt ?? '—'), code(r.bundle), code(r.artifact.path)]);

  if (m.carveOuts) {
    L.push('## Subservice organizations (carve-out method)', '');
    L.push(table(['Organization', 'In use', 'Criteria met there', 'Complementary user-entity controls'], m.carveOuts.organizations.map((o) => [md(o.name), o.inUse ? 'yes' : 'no', o.criteria.join(', '), md(o.userEntityControls.map((u) => `${u.id}: ${u.text}`).join(' '))])));
    const carved = m.criteria.filter((c) => c.carvedOut);
    if (carved.length) L.push('', `Carved out (physical parts): ${carved.map((c) => `**${c.id}** (${c.carvedOut!.organizations.join(', ')})`).join(', ')}.`, '');
  }

  L.push(...vendorsMarkdown(m)); // src/report/vendors-render.ts
  L.push('## Appendix: bundles', '');
  if (stamp) L.push(stamp);
  L.push(md(m.integrity.method), '');
  const cachedAt = new Map(m.integrity.filesChecked.cached.map((c) => [c.bundle, c.verifiedAt]));
  L.push(table(['Bundle', 'Day', 'Status', 'Signed', 'Verified', 'Files hashed', 'manifest.json SHA-256'], m.bundles.map((b) => [code(b.id), b.date, b.status, b.signed ? 'yes' : 'no', b.verified ? 'yes' : '**NO**', cachedAt.has(b.id) ? `cache (${cachedAt.get(b.id)})` : m.integrity.filesChecked.remote ? REMOTE_FILES_CELL : 'now', code(b.manifest.sha256)])));
  L.push('', ...ipeLines(m));
  return L.join('\n') + '\n';
}

/** Appendix: the IPE attributes of every artifact (newest first), as the HTML appendix has them; artifacts.csv holds all rows. */
function ipeLines(m: ReportModel): string[] {
  const rows = [...m.artifacts].reverse().slice(0, 400).map((a) => [
    code(a.bundle),
    `${code(a.path)} ${code(a.kind)} (sha256 ${code(a.sha256)})`,
    md(`${a.system} · ${a.source}${scopeLabel(a.scope) ? ` ${scopeLabel(a.scope)}` : ''}`),
    code(a.identity),
    a.operations.length ? a.operations.map((x) => `${code(x.api)} ${code(JSON.stringify(x.params))} ${x.pages} page${x.pages === 1 ? '' : 's'}`).join('<br>') : '—',
    a.complete ? 'yes' : '**NO**',
    String(a.records ?? ''),
    a.collectedAt,
    a.sourceTime ? `${a.sourceTime} (${a.sourceAgeHours} h before)` : '—',
    a.periodCovered ? `${a.periodCovered.from} – ${a.periodCovered.to}` : '—',
    md(`${a.toolVersion} (${a.toolBuild.slice(0, 12)})`),
    a.ci ? md(`${a.ci.provider} ${a.ci.runId ?? ''}${a.ci.url ? ` ${a.ci.url}` : ''}`) : '—',
  ]);
  return [
    '## Appendix: information produced by the entity',
    '',
    'For each artifact: what was read (system, source and scope), by whom (the identity the collector ran as), how (every API operation with its parameters and the number of pages read to the end), whether it is complete, and with which tool build and CI run. Source time: when the source itself says it produced the data (e.g. the IAM credential report’s GeneratedTime).',
    '',
    table(['Bundle', 'Artifact', 'System / scope', 'Collected by', 'API operations', 'Complete', 'Records', 'Collected at', 'Source time', 'Period covered', 'Tool (build)', 'CI run'], rows, '_None._', 400, m.artifacts.length),
  ];
}

/** open / resolved, an event deviation, found on incomplete evidence. */
function exceptionStatus(e: ReportModel['exceptions'][number]): string {
  const parts = [e.type === 'event' ? `${e.status} (event: never resolves by itself)` : e.status];
  if (e.periods.length > 1) parts.push(`${e.periods.length} periods`);
  if (e.incompleteEvidence) parts.push(`found on incomplete evidence (${e.incompleteEvidence} of ${e.occurrences})`);
  return md(parts.join('; '));
}

/** Which responses file was joined, what is overdue and which entries matched nothing. */
function responsesLines(m: ReportModel): string[] {
  const r = m.responses;
  const L = [`Management responses: ${r.file ? `${md(r.file)}, ${r.answered} of ${m.exceptions.length} exceptions answered` : 'no responses file configured (report.responses)'}.`, ''];
  if (r.overdue.length) L.push(`**${r.overdue.length} exception(s) without a response older than ${r.dueDays} days:** ${r.overdue.slice(0, 50).map((id) => code(id)).join(', ')}${r.overdue.length > 50 ? ` and ${r.overdue.length - 50} more (exceptions.csv, response_overdue)` : ''}`, '');
  if (r.unmatched.length) L.push(`Responses that match no exception of the window: ${r.unmatched.map(md).join('; ')}`, '');
  return L;
}
