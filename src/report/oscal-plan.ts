// oscal/assessment-plan.json: the OSCAL 1.1.2 assessment plan the assessment results import. It states
// what is assessed (the in-scope criteria of the catalog), by whom (the tool, as an assessment platform),
// how (one activity per automated check; one task per control of the register, with its owner and
// frequency, over the observation window) and on what (every resource of the configured sources).
import { randomUUID } from 'node:crypto';
import type { ReportModel } from './model.js';
import { oscalControlId, uuidV5 } from './oscal-ids.js';

export const OSCAL_VERSION = '1.1.2';
/** the report's copy of mappings/tsc-2017.oscal-catalog.json, beside the OSCAL files */
export const CATALOG_HREF = 'catalog.json';
export const PLAN_HREF = 'assessment-plan.json';
export const TOOL_UUID = uuidV5('component:soc2-tool');
const PLATFORM_UUID = uuidV5('platform:soc2-cli');

/** the tool as an OSCAL component: the actor of every observation, finding and risk */
export function toolComponent(m: ReportModel): Record<string, unknown> {
  return {
    uuid: TOOL_UUID,
    type: 'software',
    title: `soc2 ${m.tool.version}`,
    description: 'The soc2 command-line tool: collects signed, hash-chained evidence bundles through the systems’ read-only APIs and evaluates the automated checks; this report was written from those bundles.',
    props: [{ name: 'version', value: m.tool.version }],
    status: { state: 'operational' },
  };
}

export const activityUuid = (check: string) => uuidV5(`activity:${check}`);

export function renderAssessmentPlan(m: ReportModel, o: { catalogSha256: string; catalogTitle: string }): Record<string, unknown> {
  const inScope = new Set(m.criteria.map((c) => c.id));
  const checks = [...new Set(m.controls.flatMap((c) => c.checks))].sort();
  const criteriaOfCheck = new Map<string, Set<string>>();
  for (const c of m.controls) for (const k of c.checks) for (const x of c.criteria) if (inScope.has(x)) criteriaOfCheck.set(k, (criteriaOfCheck.get(k) ?? new Set()).add(x));
  const activities = checks.map((k) => {
    const crits = [...(criteriaOfCheck.get(k) ?? [])].sort();
    return {
      uuid: activityUuid(k),
      title: `Automated check ${k}`,
      description: `soc2 collect evaluates ${k} on every collection from the artifacts it collected (each result in the bundle’s findings.json, signed with the bundle).`,
      ...(crits.length ? { 'related-controls': { 'control-selections': [{ 'include-controls': crits.map((c) => ({ 'control-id': oscalControlId(c) })) }] } } : {}),
    };
  });
  const ssp = randomUUID();
  const catalog = uuidV5('resource:catalog');
  const start = `${m.window.from}T00:00:00Z`;
  const end = `${m.window.to}T23:59:59Z`;
  const tasks = m.controls.map((c) => ({
    uuid: uuidV5(`task:${c.id}`),
    type: 'action',
    title: `${c.id} ${c.title}`,
    description: `${c.description} Owner: ${c.owner}; frequency: ${c.frequency}; addresses ${c.criteria.join(', ') || 'no in-scope criterion'}${c.supports.length ? `, supports ${c.supports.join(', ')}` : ''}. Tested on every day of the window by ${c.checks.length ? c.checks.join(', ') : 'no automated check'}${c.manual.length ? `; manual evidence: ${c.manual.map((t) => t.id).join(', ')}` : ''}.`,
    props: [{ name: 'frequency', ns: 'https://soc2.invalid/ns/oscal', value: c.frequency }],
    timing: { 'within-date-range': { start, end } },
    ...(c.checks.length ? { 'associated-activities': c.checks.map((k) => ({ 'activity-uuid': activityUuid(k), subjects: [{ type: 'inventory-item', 'include-all': {} }] })) } : {}),
  }));
  return {
    'assessment-plan': {
      uuid: randomUUID(),
      metadata: {
        title: `SOC 2 Type II assessment plan${m.organization ? ` — ${m.organization}` : ''}, ${m.window.from} to ${m.window.to}`,
        'last-modified': m.generatedAt,
        version: '1.0',
        'oscal-version': OSCAL_VERSION,
        links: [{ href: `#${catalog}`, rel: 'reference', text: o.catalogTitle }],
        ...(m.organization ? { parties: [{ uuid: uuidV5(`party:${m.organization}`), type: 'organization', name: m.organization }] } : {}),
      },
      'import-ssp': {
        href: `#${ssp}`,
        remarks: 'There is no OSCAL system security plan: the system boundary is the configuration in force on each day (config.json, stored in every evidence bundle) as summarised by report.json.',
      },
      ...(activities.length ? { 'local-definitions': { activities } } : {}),
      'terms-and-conditions': {
        parts: [
          {
            name: 'method',
            title: 'Method',
            prose: `Every control of the register (${m.summary.register}) is judged on every day of the observation window ${m.window.from} to ${m.window.to} from the evidence bundles collected that day; the criteria it addresses conclude from their controls over the whole period. Evidence integrity is verified (hash chain and Ed25519 signatures) before anything is read.`,
          },
        ],
      },
      'reviewed-controls': {
        description: `The in-scope criteria (${m.scope.join(', ')}) of the catalog “${o.catalogTitle}”.`,
        'control-selections': [{ 'include-controls': m.criteria.map((c) => ({ 'control-id': oscalControlId(c.id) })) }],
      },
      'assessment-subjects': [{ type: 'inventory-item', description: 'Every resource of the configured sources (AWS accounts and regions, GCP projects, MLflow servers, Prometheus servers) that a collector reads.', 'include-all': {} }],
      'assessment-assets': {
        components: [toolComponent(m)],
        'assessment-platforms': [{ uuid: PLATFORM_UUID, title: 'soc2 CLI, scheduled collection', 'uses-components': [{ 'component-uuid': TOOL_UUID }] }],
      },
      ...(tasks.length ? { tasks } : {}),
      'back-matter': {
        resources: [
          { uuid: catalog, title: o.catalogTitle, props: [{ name: 'type', value: 'catalog' }], rlinks: [{ href: CATALOG_HREF, 'media-type': 'application/oscal.catalog+json', hashes: [{ algorithm: 'SHA-256', value: o.catalogSha256 }] }] },
          { uuid: ssp, title: 'System description (no OSCAL SSP)', description: 'The configuration in force each day, stored redacted as config.json in every evidence bundle, and the coverage section of report.json.' },
        ],
      },
    },
  };
}
