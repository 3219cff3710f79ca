// oscal/assessment-results.json: an OSCAL 1.1.2 assessment-results document. One result for the
// window; observations for each artifact series (EXAMINE), each check (TEST) and collection
// continuity; one finding per in-scope criterion an automated check tested; every artifact,
// findings.json and manifest of the window in back-matter with its SHA-256.
import { randomUUID } from 'node:crypto';
import { scopeLabel } from './aggregate.js';
import { integrityLine } from './integrity.js';
import type { FileRef, ReportModel } from './model.js';

export const OSCAL_VERSION = '1.1.2';

const mediaType = (p: string) => (p.endsWith('.ndjson') ? 'application/x-ndjson' : p.endsWith('.csv') ? 'text/csv' : p.endsWith('.json') ? 'application/json' : 'application/octet-stream');
const controlId = (id: string) => id.toLowerCase();

/** `linkBase`: the path from the OSCAL file's directory to the directory holding the evidence dir. */
export function renderOscal(m: ReportModel, o: { linkBase: string }): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  const byHref = new Map<string, string>();
  const resource = (r: FileRef, title: string): string => {
    const known = byHref.get(r.href);
    if (known) return known;
    const id = randomUUID();
    byHref.set(r.href, id);
    resources.push({ uuid: id, title, rlinks: [{ href: o.linkBase + r.href, 'media-type': mediaType(r.path), hashes: [{ algorithm: 'SHA-256', value: r.sha256 }] }] });
    return id;
  };
  const planId = randomUUID();
  resources.push({
    uuid: planId,
    title: 'Assessment plan: SOC 2 Type II, AICPA 2017 Trust Services Criteria in scope',
    description: `Criteria of the categories ${m.scope.join(', ')} (mappings/tsc-2017.yaml); artifact kinds and automated checks mapped to them by mappings/soc2-ml.yaml of soc2 ${m.tool.version}; observation window ${m.window.from} to ${m.window.to}.`,
  });
  for (const b of m.bundles) {
    resource(b.manifest, `Manifest of evidence bundle ${b.id} (${b.status})`);
    if (b.findingsFile) resource(b.findingsFile, `Findings of bundle ${b.id}`);
  }

  const observations: Record<string, unknown>[] = [];
  const obsByCriterion = new Map<string, Set<string>>();
  const relate = (criteria: string[], obs: string) => {
    for (const c of criteria) {
      const s = obsByCriterion.get(c) ?? new Set<string>();
      s.add(obs);
      obsByCriterion.set(c, s);
    }
  };

  // artifact series: one observation per kind × source × scope
  const seriesOf = new Map<string, typeof m.artifacts>();
  for (const a of m.artifacts) {
    const k = `${a.kind}\n${a.source}\n${scopeLabel(a.scope)}`;
    const l = seriesOf.get(k) ?? [];
    l.push(a);
    seriesOf.set(k, l);
  }
  for (const list of seriesOf.values()) {
    const last = list[list.length - 1]!;
    const id = randomUUID();
    const where = `${last.source}${scopeLabel(last.scope) ? ' ' + scopeLabel(last.scope) : ''}`;
    observations.push({
      uuid: id,
      title: `${last.kind} from ${where}`,
      description: `${last.kind} collected from ${where} by ${last.collector} in ${list.length} bundle(s) between ${list[0]!.date} and ${last.date}; ${list.filter((a) => !a.complete).length} of them incomplete. Latest: ${last.records} record(s), collected ${last.collectedAt}.`,
      methods: ['EXAMINE'],
      types: ['control-objective'],
      collected: last.collectedAt,
      'relevant-evidence': list.map((a) => ({ href: `#${resource(a, `${a.kind} from ${where}, bundle ${a.bundle}`)}`, description: `Bundle ${a.bundle}: ${a.records} record(s)${a.complete ? '' : ', incomplete'}, collected ${a.collectedAt}.` })),
    });
    relate([...new Set(list.flatMap((a) => a.criteria))], id);
  }

  // checks: one observation per check × source × scope, from the newest bundle that ran it
  const checkObs = new Map<string, string>();
  for (const c of m.criteria) {
    if (!c.latest) continue;
    for (const f of c.latest.findings) {
      const k = `${f.check}\n${f.source}\n${scopeLabel(f.scope)}\n${c.latest.bundle}`;
      let id = checkObs.get(k);
      if (!id) {
        id = randomUUID();
        checkObs.set(k, id);
        const bundle = m.bundles.find((b) => b.id === c.latest!.bundle);
        const open = m.exceptions.filter((e) => e.check === f.check && e.source === f.source && scopeLabel(e.scope) === scopeLabel(f.scope) && e.status === 'open').length;
        observations.push({
          uuid: id,
          title: `Automated check ${f.check} on ${f.source}${scopeLabel(f.scope) ? ' ' + scopeLabel(f.scope) : ''}`,
          description: `Result ${f.status} in bundle ${c.latest.bundle} (${c.latest.date}): ${f.summary} ${f.exceptions} exception(s) listed; ${open} open at the end of the window.`,
          methods: ['TEST'],
          types: ['control-objective'],
          collected: bundle?.finishedAt ?? `${c.latest.date}T00:00:00Z`,
          'relevant-evidence': [{ href: `#${resource(c.latest.findingsFile, `Findings of bundle ${c.latest.bundle}`)}`, description: `findings.json of bundle ${c.latest.bundle}` }],
        });
      }
      relate([c.id], id);
    }
  }

  // continuity
  if (m.bundles.length) {
    const id = randomUUID();
    const c = m.continuity;
    observations.push({
      uuid: id,
      title: 'Collection continuity over the window',
      description: `${m.bundles.length} evidence bundle(s) on ${c.days.length - c.daysWithoutBundle.length} of ${c.days.length} days; ${c.daysWithoutComplete.length} day(s) without a complete bundle${c.daysWithoutComplete.length ? ` (${c.daysWithoutComplete.slice(0, 20).join(', ')}${c.daysWithoutComplete.length > 20 ? ', …' : ''})` : ''}; ${c.partialRuns.length} partial or failed run(s). Integrity: ${integrityLine(m.integrity)}.`,
      methods: ['EXAMINE'],
      collected: m.bundles[m.bundles.length - 1]!.finishedAt,
      'relevant-evidence': m.bundles.map((b) => ({ href: `#${byHref.get(b.manifest.href)}`, description: `Manifest of bundle ${b.id} (${b.status})` })),
    });
    if (m.criteria.some((x) => x.id === 'CC4.1')) relate(['CC4.1'], id);
  }

  // a finding's state follows the criterion's conclusion over the whole period (its controls, every day),
  // never the newest bundle: satisfied only when its controls operated effectively on every day
  const concluded = (c: (typeof m.criteria)[number]) => c.period.conclusion === 'effective' || c.period.conclusion === 'deviations' || c.period.conclusion === 'not-tested';
  const findings: Record<string, unknown>[] = [];
  for (const c of m.criteria) {
    if (!concluded(c)) continue;
    const p = c.period;
    const latest = c.latest ? ` Latest state only (bundle ${c.latest.bundle}, ${c.latest.date}): ${c.latest.status}.` : '';
    findings.push({
      uuid: randomUUID(),
      title: `${c.id} ${c.title}`,
      description: `Over the period ${m.window.from} to ${m.window.through} (controls ${c.addressedBy.join(', ')}): ${p.text}. ${p.occurrences.tested} of ${p.occurrences.expected} expected test instances ran, ${p.occurrences.fail} failed; ${c.exceptions.length} exception(s), ${c.openExceptions} open.${latest}`,
      target: {
        type: 'objective-id',
        'target-id': controlId(c.id),
        status: {
          state: p.conclusion === 'effective' ? 'satisfied' : 'not-satisfied',
          reason: p.conclusion === 'effective' ? 'pass' : p.conclusion === 'deviations' ? 'fail' : 'other',
          ...(p.conclusion === 'not-tested' ? { remarks: `No deviation, but not tested on ${p.daysNotTested.length} day(s): an expected test instance was missing or could not be evaluated.` } : {}),
        },
      },
      'related-observations': [...(obsByCriterion.get(c.id) ?? [])].map((u) => ({ 'observation-uuid': u })),
    });
  }
  const untested = m.criteria.filter((c) => !concluded(c)).map((c) => c.id);

  const remarks = m.integrity.stamp ?? undefined;
  return {
    'assessment-results': {
      uuid: randomUUID(),
      metadata: {
        title: `SOC 2 Type II evidence${m.organization ? ` — ${m.organization}` : ''}, ${m.window.from} to ${m.window.to}`,
        'last-modified': m.generatedAt,
        version: '1.0',
        'oscal-version': OSCAL_VERSION,
        ...(m.organization ? { parties: [{ uuid: randomUUID(), type: 'organization', name: m.organization }] } : {}),
        ...(remarks ? { remarks } : {}),
      },
      'import-ap': { href: `#${planId}` },
      results: [
        {
          uuid: randomUUID(),
          title: `Automated evidence, ${m.window.from} to ${m.window.to}`,
          description: `Generated by soc2 ${m.tool.version} from ${m.bundles.length} evidence bundle(s). Integrity: ${integrityLine(m.integrity)}.`,
          start: `${m.window.from}T00:00:00Z`,
          end: `${m.window.to}T23:59:59Z`,
          'reviewed-controls': { 'control-selections': [{ 'include-controls': m.criteria.map((c) => ({ 'control-id': controlId(c.id) })) }] },
          observations,
          findings,
          remarks: `${remarks ? remarks + '\n\n' : ''}Findings are given only for criteria a control of the register tested automatically in the window; their state is the conclusion over the whole period. Without an automated determination: ${untested.map(controlId).join(', ') || 'none'} (evidence collected without a test, mapped but not collected, or needing manual evidence; see report.json).`,
        },
      ],
      'back-matter': { resources },
    },
  };
}
