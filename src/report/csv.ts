// CSV outputs: the populations (populations/<name>.csv, the sample as <name>-sample.csv), and the
// exceptions, artifacts and continuity tables. RFC 4180 with CRLF; cells guarded against formulas.
import { scopeLabel } from './aggregate.js';
import { csv } from './escape.js';
import { operationsLabel } from './ipe.js';
import type { Population, ReportModel } from './model.js';
import { vendorsCsv } from './vendors-render.js';

export interface CsvFile {
  path: string;
  text: string;
}

function population<R extends { key: string }>(p: Population<R>, header: string[], cells: (r: R) => unknown[]): CsvFile[] {
  const files: CsvFile[] = [{ path: `populations/${p.name}.csv`, text: csv(header, p.rows.map(cells)) }];
  if (p.sample) {
    const byKey = new Map(p.rows.map((r) => [r.key, r]));
    const s = p.sample;
    files.push({
      path: `populations/${p.name}-sample.csv`,
      text: csv(['rank', 'sample_method', 'seed', 'population_size', ...header], s.keys.map((k, i) => [i + 1, s.method, s.seed, s.populationSize, ...cells(byKey.get(k)!)])),
    });
  }
  return files;
}

export function renderCsv(m: ReportModel): CsvFile[] {
  const P = m.populations;
  return [
    ...population(
      P.promotions,
      ['key', 'bundle', 'date', 'source', 'collector', 'type', 'model', 'version', 'alias', 'from', 'to', 'to_production', 'window_from', 'window_to', 'actor', 'actor_source', 'approved', 'approver', 'approval_tags', 'artifact', 'artifact_sha256', 'bundle_verified'],
      (r) => [r.key, r.bundle, r.date, r.source, r.collector, r.type, r.model, r.version, r.alias, r.from, r.to, r.toProduction, r.windowFrom, r.windowTo, r.actor, r.actorSource, r.approved, r.approver, r.approvalTags, r.artifact.href, r.artifact.sha256, r.bundleVerified],
    ),
    {
      path: 'populations/promotion-baselines.csv',
      text: csv(['bundle', 'date', 'source', 'collector', 'window_from', 'window_to', 'artifact', 'artifact_sha256'], P.promotions.baselines.map((b) => [b.bundle, b.date, b.source, b.collector, b.window.from, b.window.to, b.artifact.href, b.artifact.sha256])),
    },
    ...population(
      P.privilegedAccess,
      ['key', 'bundle', 'date', 'source', 'collector', 'account', 'principal', 'principal_type', 'change', 'item', 'before', 'after', 'item_admin', 'privilege_before', 'privilege_after', 'grants', 'removes', 'window_from', 'window_to', 'actor', 'actor_source', 'actor_event_time', 'artifact', 'artifact_sha256', 'bundle_verified'],
      (r) => [r.key, r.bundle, r.date, r.source, r.collector, r.account, r.principal, r.principalType, r.change, r.item, r.before, r.after, r.itemAdmin, r.privilegeBefore, r.privilegeAfter, r.grants, r.removes, r.windowFrom, r.windowTo, r.actor, r.actorSource, r.actorEventTime, r.artifact.href, r.artifact.sha256, r.bundleVerified],
    ),
    ...population(
      P.secretRotations,
      ['key', 'bundle', 'date', 'source', 'arn', 'name', 'account', 'region', 'rotated_at', 'previous_rotated_at', 'artifact', 'artifact_sha256', 'bundle_verified'],
      (r) => [r.key, r.bundle, r.date, r.source, r.arn, r.name, r.account, r.region, r.rotatedAt, r.previousRotatedAt, r.artifact.href, r.artifact.sha256, r.bundleVerified],
    ),
    ...samplingCsv(m),
    {
      path: 'exceptions.csv',
      // built when written, so that only one large file's text is held at a time
      get text() {
        return csv(
          ['id', 'check', 'severity', 'source', 'scope', 'resource', 'reason', 'criteria', 'first_seen', 'first_seen_bundle', 'last_seen', 'last_seen_bundle', 'resolved', 'resolved_bundle', 'status', 'occurrences', 'periods', 'evidence', 'evidence_sha256', 'type', 'incomplete_evidence_occurrences', 'age_days', 'response', 'owner', 'root_cause', 'remediation', 'ticket', 'responded_at', 'response_entry', 'response_overdue', 'period_intervals'],
          m.exceptions.map((e) => [
            ...[e.id, e.check, e.severity, e.source, scopeLabel(e.scope), e.resource, e.reason, e.criteria.join(' '), e.firstSeen.date, e.firstSeen.bundle, e.lastSeen.date, e.lastSeen.bundle, e.resolved?.date, e.resolved?.bundle, e.status, e.occurrences, e.periods.length, e.evidence.href, e.evidence.sha256],
            ...[e.type, e.incompleteEvidence, e.ageDays, e.response?.response, e.response?.owner, e.response?.rootCause, e.response?.remediation, e.response?.ticket, e.response?.respondedAt, e.response?.entry, e.responseOverdue],
            // every open/close interval: first seen..resolved (or ..open / ..event)
            e.periods.map((p) => `${p.firstSeen.date}..${e.type === 'event' ? 'event' : (p.resolved?.date ?? 'open')}`).join(' '),
          ]),
        );
      },
    },
    {
      path: 'artifacts.csv',
      // built when written, so that only one large file's text is held at a time
      get text() {
        return csv(
          // IPE columns follow the original ones (src/report/ipe.ts)
          ['bundle', 'date', 'path', 'href', 'sha256', 'bytes', 'kind', 'source', 'collector', 'scope', 'records', 'complete', 'collected_at', 'criteria', 'system', 'identity', 'operations', 'pages', 'period_from', 'period_to', 'source_time', 'source_time_field', 'source_age_hours', 'tool_version', 'tool_build', 'ci_provider', 'ci_run_id', 'ci_run_url'],
          m.artifacts.map((a) => [a.bundle, a.date, a.path, a.href, a.sha256, a.bytes, a.kind, a.source, a.collector, scopeLabel(a.scope), a.records, a.complete, a.collectedAt, a.criteria.join(' '), a.system, a.identity, operationsLabel(a.operations), a.operations.reduce((n, x) => n + x.pages, 0), a.periodCovered?.from, a.periodCovered?.to, a.sourceTime, a.sourceTimeField, a.sourceAgeHours, a.toolVersion, a.toolBuild, a.ci?.provider, a.ci?.runId, a.ci?.url]),
        );
      },
    },
    {
      path: 'continuity.csv',
      text: csv(
        ['date', 'bundles', 'complete', 'partial', 'failed', 'bundle_ids', 'expected_basis', 'expected_units', 'covered_units', 'units_with_gaps', 'missing_units', 'not_collected'],
        m.continuity.days.map((d, i) => {
          const c = m.coverage.days[i]!;
          return [d.date, d.bundles.length, d.complete, d.partial, d.failed, d.bundles.join(' '), c.basis, c.expected, c.covered, c.error, c.missing, [...c.missingUnits, ...c.errorUnits].join('; ')];
        }),
      ),
    },
    {
      path: 'controls.csv',
      text: csv(
        ['control', 'title', 'owner', 'frequency', 'criteria', 'supports', 'checks', 'manual_tests', 'conclusion', 'days', 'days_effective', 'days_with_deviations', 'days_not_tested', 'instances_expected', 'instances_tested', 'instances_failed', 'instances_error', 'instances_missing', 'summary'],
        m.controls.map((c) => [c.id, c.title, c.owner, c.frequency, c.criteria.join(' '), c.supports.join(' '), c.checks.join(' '), c.manual.map((t) => t.id).join(' '), c.period.conclusion, c.period.days, c.period.daysEffective, c.period.daysWithDeviations.join(' '), c.period.daysNotTested.join(' '), c.period.occurrences.expected, c.period.occurrences.tested, c.period.occurrences.fail, c.period.occurrences.error, c.period.occurrences.missing, c.period.text]),
      ),
    },
    {
      // every instance that was not a pass: the deviations and the days not tested, with their evidence
      path: 'control-results.csv',
      text: csv(
        ['control', 'date', 'check', 'source', 'scope', 'status', 'exceptions', 'summary', 'findings', 'findings_sha256'],
        m.controls.flatMap((c) => [...c.period.deviations, ...c.notTested].sort((a, b) => a.date.localeCompare(b.date) || a.check.localeCompare(b.check)).map((i) => [c.id, i.date, i.check, i.source, scopeLabel(i.scope), i.status, i.exceptions, i.summary, i.findingsFile?.href, i.findingsFile?.sha256])),
      ),
    },
    ...vendorsCsv(m), // vendors.csv, policies.csv (src/report/vendors-render.ts)
    manualEvidenceCsv(m),
  ];
}

/**
 * sampling.csv: one row per sample drawn (population name as used in the rank formula, its CSV, size
 * and how it was set, seed, who chose it and when); populations/control-occurrences.csv: every day each
 * control was tested (its occurrences), with the population name of its control; and its sample.
 */
function samplingCsv(m: ReportModel): CsvFile[] {
  const S = m.sampling;
  const P = m.populations;
  const events = [P.promotions, P.privilegedAccess, P.secretRotations].filter((p) => p.sample);
  const rows = [
    ...events.map((p) => [p.name, `populations/${p.name}.csv`, p.sample!.control ?? '', 'per-event', S.seed, S.sampledBy, S.at, p.sample!.method, p.sample!.populationSize, p.sample!.size, p.sample!.basis ?? '']),
    ...S.controls.map((c) => [c.population, 'populations/control-occurrences.csv', c.control, c.frequency, S.seed, S.sampledBy, S.at, c.method, c.populationSize, c.size, c.basis]),
  ];
  const occurrences = m.controls.flatMap((c) => c.cells.flatMap((st, i) => (st === 'pass' || st === 'fail' ? [[`control:${c.id}`, `${c.id}/${m.calendar.days[i]}`, c.id, m.calendar.days[i], st]] : [])));
  const files: CsvFile[] = [
    { path: 'sampling.csv', text: csv(['population', 'population_csv', 'control', 'frequency', 'seed', 'sampled_by', 'drawn_at', 'method', 'population_size', 'size', 'size_basis'], rows) },
    { path: 'populations/control-occurrences.csv', text: csv(['population', 'key', 'control', 'date', 'status'], occurrences) },
  ];
  if (S.drawn)
    files.push({
      path: 'populations/control-occurrences-sample.csv',
      text: csv(['population', 'rank', 'key', 'seed'], S.controls.flatMap((c) => c.keys.map((k, i) => [c.population, i + 1, k, c.seed]))),
    });
  return files;
}

/**
 * manual-evidence.csv: one row per required period of every manual test and evidence file covering it
 * (a period without evidence is one row: a deviation when elapsed, due otherwise).
 */
function manualEvidenceCsv(m: ReportModel): CsvFile {
  const rows = m.controls.flatMap((c) =>
    (c.manualEvidence ?? []).flatMap((t) =>
      t.periods.flatMap((p) => {
        const base = [c.id, t.id, t.every, t.per ?? '', p.from, p.to, p.status];
        if (!p.evidence.length) return [[...base, '', '', '', '', '', '', '', '', '', '', '']];
        return p.evidence.map((e) => [...base, e.fileName, e.title, e.sha256, e.bytes, e.mediaType, e.covers.from, e.covers.to, e.bundle ?? '', e.addedBy, e.addedAt, e.file?.href ?? '']);
      }),
    ),
  );
  return {
    path: 'manual-evidence.csv',
    text: csv(['control', 'manual_test', 'every', 'per', 'period_from', 'period_to', 'status', 'file', 'title', 'sha256', 'bytes', 'media_type', 'covers_from', 'covers_to', 'bundle', 'added_by', 'added_at', 'href'], rows),
  };
}
