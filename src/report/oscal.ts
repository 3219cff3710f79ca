// oscal/assessment-results.json: an OSCAL 1.1.2 assessment-results document. One result for the
// window; observations for each artifact series (EXAMINE), each check (TEST) and collection
// continuity; one finding per in-scope criterion an automated check tested; every artifact,
// findings.json and manifest of the window in back-matter with its SHA-256. It imports the assessment
// plan written beside it (oscal-plan.ts) and references the TSC catalog (catalog.json beside it); the
// resources tested are its subjects (inventory items), each open exception is a risk, and the tool is
// the actor of every observation, risk and finding.
import { createHash, randomUUID } from 'node:crypto';
import { scopeLabel } from './aggregate.js';
import { integrityLine } from './integrity.js';
import type { ExceptionRow, FileRef, ReportModel } from './model.js';
import { readOscalCatalog } from './oscal-catalog.js';
import { uuidV5 } from './oscal-ids.js';
import { CATALOG_HREF, OSCAL_VERSION, PLAN_HREF, TOOL_UUID, toolComponent } from './oscal-plan.js';

export { OSCAL_VERSION };
const TOOL_ORIGIN = [{ actors: [{ type: 'tool', 'actor-uuid': TOOL_UUID }] }];

const mediaType = (p: string) => (p.endsWith('.ndjson') ? 'application/x-ndjson' : p.endsWith('.csv') ? 'text/csv' : p.endsWith('.json') ? 'application/json' : 'application/octet-stream');
const controlId = (id: string) => id.toLowerCase();

/** `linkBase`: the path from the OSCAL file's directory to the directory holding the evidence dir. */
export function renderOscal(m: ReportModel, opts: { linkBase: string; catalogSha256?: string; catalogTitle?: string }): Record<string, unknown> {
  const o = { ...opts, ...(opts.catalogSha256 && opts.catalogTitle ? {} : catalogRef()) } as { linkBase: string; catalogSha256: string; catalogTitle: string };
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
  const catalogId = uuidV5('resource:catalog');
  resources.push({ uuid: catalogId, title: o.catalogTitle, props: [{ name: 'type', value: 'catalog' }], rlinks: [{ href: CATALOG_HREF, 'media-type': 'application/oscal.catalog+json', hashes: [{ algorithm: 'SHA-256', value: o.catalogSha256 }] }] });
  const subjects = subjectsOf(m);
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
      origins: TOOL_ORIGIN,
      subjects: [subjects.target(last.source, last.scope)],
      collected: last.collectedAt,
      'relevant-evidence': list.map((a) => ({ href: `#${resource(a, `${a.kind} from ${where}, bundle ${a.bundle}`)}`, description: `Bundle ${a.bundle}: ${a.records} record(s)${a.complete ? '' : ', incomplete'}, collected ${a.collectedAt}.` })),
    });
    relate([...new Set(list.flatMap((a) => a.criteria))], id);
  }

  // checks: one observation per check × source × scope, from the newest bundle that ran it
  const checkObs = new Map<string, string>();
  const obsOfException = new Map<string, string[]>();
  for (const c of m.criteria) {
    if (!c.latest) continue;
    for (const f of c.latest.findings) {
      const k = `${f.check}\n${f.source}\n${scopeLabel(f.scope)}\n${c.latest.bundle}`;
      let id = checkObs.get(k);
      if (!id) {
        id = randomUUID();
        checkObs.set(k, id);
        const bundle = m.bundles.find((b) => b.id === c.latest!.bundle);
        const mine = m.exceptions.filter((e) => e.check === f.check && e.source === f.source && scopeLabel(e.scope) === scopeLabel(f.scope));
        const open = mine.filter((e) => e.status === 'open').length;
        for (const e of mine) obsOfException.set(e.id, [...(obsOfException.get(e.id) ?? []), id]);
        observations.push({
          uuid: id,
          title: `Automated check ${f.check} on ${f.source}${scopeLabel(f.scope) ? ' ' + scopeLabel(f.scope) : ''}`,
          description: `Result ${f.status} in bundle ${c.latest.bundle} (${c.latest.date}): ${f.summary} ${f.exceptions} exception(s) listed; ${open} open at the end of the window.`,
          methods: ['TEST'],
          types: ['control-objective'],
          origins: TOOL_ORIGIN,
          subjects: [subjects.target(f.source, f.scope), ...mine.map((e) => subjects.resource(e))],
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
      origins: TOOL_ORIGIN,
      collected: m.bundles[m.bundles.length - 1]!.finishedAt,
      'relevant-evidence': m.bundles.map((b) => ({ href: `#${byHref.get(b.manifest.href)}`, description: `Manifest of bundle ${b.id} (${b.status})` })),
    });
    if (m.criteria.some((x) => x.id === 'CC4.1')) relate(['CC4.1'], id);
  }

  // manual evidence: one observation per control × manual test, its required periods and the files covering them
  for (const ctl of m.controls)
    for (const t of ctl.manualEvidence ?? []) {
      if (!t.periods.length) continue;
      const id = randomUUID();
      const files = t.periods.flatMap((p) => p.evidence.filter((e) => e.file).map((e) => ({ p, e })));
      const periods = t.periods.map((p) => `${p.from}..${p.to} ${p.status}${p.evidence.length ? ` (${p.evidence.map((e) => `${e.fileName}, added by ${e.addedBy} ${e.addedAt}`).join('; ')})` : ''}`);
      observations.push({
        uuid: id,
        title: `Manual evidence ${t.id} of control ${ctl.id}`,
        description: `${t.request} Required ${t.every}${t.per ? ` per ${t.per}` : ''}: ${t.covered} period(s) covered, ${t.deviations} elapsed without evidence (deviation), ${t.due} not yet due. ${periods.join('; ')}.`,
        methods: ['EXAMINE'],
        types: ['control-objective'],
        origins: TOOL_ORIGIN,
        collected: files.length ? files[files.length - 1]!.e.addedAt : m.generatedAt,
        ...(files.length ? { 'relevant-evidence': files.map(({ p, e }) => ({ href: `#${resource(e.file!, `${e.title} (${ctl.id}/${t.id})`)}`, description: `${e.fileName} (sha256 ${e.sha256}) covering ${e.covers.from}..${e.covers.to}, for the period ${p.from}..${p.to}; added by ${e.addedBy} at ${e.addedAt}, bundle ${e.bundle}.` })) } : {}),
      });
      relate(ctl.criteria, id);
    }

  // a finding's state follows the criterion's conclusion over the whole period (its controls, every day),
  // never the newest bundle: satisfied only when its controls operated effectively on every day
  const concluded = (c: (typeof m.criteria)[number]) => c.period.conclusion === 'effective' || c.period.conclusion === 'deviations' || c.period.conclusion === 'not-tested' || c.period.conclusion === 'due';
  const risks = m.exceptions.filter((e) => e.status === 'open').map((e) => riskOf(e, subjects.resource(e), obsOfException.get(e.id) ?? []));
  const riskIds = new Set(risks.map((r) => r.uuid));
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
          ...(p.conclusion === 'due' ? { remarks: 'Tested by manual evidence whose required periods have not elapsed yet; none is missing.' } : {}),
        },
      },
      origins: TOOL_ORIGIN,
      'related-observations': [...(obsByCriterion.get(c.id) ?? [])].map((u) => ({ 'observation-uuid': u })),
      ...relatedRisks(c.exceptions, riskIds),
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
        links: [{ href: `#${catalogId}`, rel: 'reference', text: o.catalogTitle }],
        ...(m.organization ? { parties: [{ uuid: uuidV5(`party:${m.organization}`), type: 'organization', name: m.organization }] } : {}),
        ...(remarks ? { remarks } : {}),
      },
      'import-ap': { href: PLAN_HREF, remarks: 'The assessment plan written beside this file.' },
      results: [
        {
          uuid: randomUUID(),
          title: `Automated evidence, ${m.window.from} to ${m.window.to}`,
          description: `Generated by soc2 ${m.tool.version} from ${m.bundles.length} evidence bundle(s). Integrity: ${integrityLine(m.integrity)}.`,
          start: `${m.window.from}T00:00:00Z`,
          end: `${m.window.to}T23:59:59Z`,
          'local-definitions': { components: [toolComponent(m)], ...(subjects.items.length ? { 'inventory-items': subjects.items } : {}) },
          'reviewed-controls': { 'control-selections': [{ 'include-controls': m.criteria.map((c) => ({ 'control-id': controlId(c.id) })) }] },
          observations,
          ...(risks.length ? { risks } : {}),
          findings,
          remarks: `${remarks ? remarks + '\n\n' : ''}Findings are given only for criteria a control of the register tested automatically in the window; their state is the conclusion over the whole period. Without an automated determination: ${untested.map(controlId).join(', ') || 'none'} (evidence collected without a test, mapped but not collected, or needing manual evidence; see report.json).`,
        },
      ],
      'back-matter': { resources },
    },
  };
}

/** the SHA-256 and title of the shipped catalog, which the report copies beside its OSCAL files */
export function catalogRef(): { catalogSha256: string; catalogTitle: string } {
  const c = readOscalCatalog();
  return { catalogSha256: createHash('sha256').update(c.text).digest('hex'), catalogTitle: c.doc.catalog.metadata.title };
}

/** The resources tested, as inventory items: each source × scope read, and each resource an exception names. */
function subjectsOf(m: ReportModel) {
  const items: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  const add = (name: string, description: string, assetId: string, type: string): string => {
    const uuid = uuidV5(`subject:${name}`);
    if (!seen.has(uuid)) {
      seen.add(uuid);
      items.push({ uuid, description, props: [{ name: 'asset-id', value: propValue(assetId) }, { name: 'asset-type', value: type }] });
    }
    return uuid;
  };
  const label = (source: string, scope: Record<string, string>) => `${source}${scopeLabel(scope) ? ' ' + scopeLabel(scope) : ''}`;
  return {
    items,
    target: (source: string, scope: Record<string, string>) => {
      const l = label(source, scope);
      return { 'subject-uuid': add(`target\n${l}`, `Source ${l}, as read by the collectors.`, l, 'source-scope'), type: 'inventory-item', title: l };
    },
    resource: (e: ExceptionRow) => {
      const l = label(e.source, e.scope);
      return { 'subject-uuid': add(`resource\n${l}\n${e.resource}`, `${e.resource} in ${l}, named by check ${e.check}.`, e.resource, 'resource'), type: 'inventory-item', title: propValue(e.resource) };
    },
  };
}

/** OSCAL string values may not start or end with white space, nor be empty */
const propValue = (s: string) => s.trim() || '(empty)';

/** one risk per open exception: its statement is the reason the check gave, its subject the resource */
function riskOf(e: ExceptionRow, subject: { 'subject-uuid': string }, observations: string[]) {
  return {
    uuid: uuidV5(`risk:${e.id}`),
    title: `Open exception ${e.id}: ${e.check} on ${propValue(e.resource)}`,
    description: `${e.title} (${e.severity}) — ${e.resource} in ${e.source}${scopeLabel(e.scope) ? ' ' + scopeLabel(e.scope) : ''}: first seen ${e.firstSeen.date} (bundle ${e.firstSeen.bundle}), last seen ${e.lastSeen.date}, ${e.occurrences} occurrence(s); criteria ${e.criteria.join(', ') || 'none in scope'}. Subject ${subject['subject-uuid']}.`,
    statement: propValue(e.reason),
    props: [{ name: 'exception-id', ns: 'https://soc2.invalid/ns/oscal', value: e.id }],
    status: 'open',
    origins: TOOL_ORIGIN,
    ...(observations.length ? { 'related-observations': observations.map((u) => ({ 'observation-uuid': u })) } : {}),
  };
}

function relatedRisks(exceptionIds: string[], riskIds: Set<string>) {
  const l = exceptionIds.map((x) => uuidV5(`risk:${x}`)).filter((u) => riskIds.has(u));
  return l.length ? { 'related-risks': l.map((u) => ({ 'risk-uuid': u })) } : {};
}
