// Timeliness of source data. Some sources state when the data they return was produced — the IAM
// credential report's GeneratedTime (IAM serves a cached report up to 4 h old, and an old one when
// generation fails), or any artifact whose provenance names a `sourceTime`. When that time is older
// than the artifact's collection by more than the bound (config `timeliness.maxSourceAgeHours`,
// default 4), the artifact is an exception: the evidence describes an earlier state than its date.
import { createHash } from 'node:crypto';
import type { ArtifactEntry } from '../bundle/manifest.js';
import { daysBetween } from './dates.js';
import type { ArtifactRow, ExceptionRow } from './model.js';

export const DEFAULT_MAX_SOURCE_AGE_HOURS = 4;
export const TIMELINESS_CHECK = 'soc2.source-timeliness';

/** where a source time is read from in an artifact's provenance, in order */
const FIELDS: { field: string; read: (a: ArtifactEntry) => unknown }[] = [
  { field: 'provenance.sourceTime', read: (a) => (a.provenance as { sourceTime?: unknown } | undefined)?.sourceTime },
  // aws.iam.credential-report: GenerateCredentialReport/GetCredentialReport GeneratedTime
  { field: 'provenance.notes.generatedAt', read: (a) => a.provenance?.notes?.generatedAt },
];

export function sourceTimeOf(a: ArtifactEntry, collectedAt: string): { time: string | null; field: string | null; ageHours: number | null } {
  for (const f of FIELDS) {
    const v = f.read(a);
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) continue;
    const c = Date.parse(collectedAt);
    const age = Number.isNaN(c) ? null : Math.round(((c - Date.parse(v)) / 3_600_000) * 100) / 100;
    return { time: v, field: f.field, ageHours: age };
  }
  return { time: null, field: null, ageHours: null };
}

/**
 * One exception per artifact whose source time is more than `maxHours` before its collection, in the
 * exception register's row shape: keyed by the artifact (bundle and path), event-type (it never
 * resolves: that artifact stays stale), on the criteria the artifact is evidence for.
 */
export function timelinessExceptions(artifacts: ArtifactRow[], maxHours = DEFAULT_MAX_SOURCE_AGE_HOURS, through?: string): ExceptionRow[] {
  const out: ExceptionRow[] = [];
  for (const a of artifacts) {
    if (a.sourceAgeHours === null || a.sourceAgeHours === undefined || a.sourceAgeHours <= maxHours) continue;
    const resource = `${a.bundle}/${a.path}`;
    const seen = { date: a.date, bundle: a.bundle };
    const reason = `${a.kind} was produced by the source at ${a.sourceTime} (${a.sourceTimeField}), ${a.sourceAgeHours} h before it was collected at ${a.collectedAt}; the bound is ${maxHours} h`;
    out.push({
      id: createHash('sha256').update(`${TIMELINESS_CHECK}\n${a.source}\n${JSON.stringify(a.scope)}\n${resource}`).digest('hex').slice(0, 16),
      check: TIMELINESS_CHECK,
      title: `Source data produced within ${maxHours} h of its collection`,
      severity: 'medium',
      source: a.source,
      scope: a.scope,
      resource,
      reason,
      criteria: a.criteria,
      firstSeen: seen,
      lastSeen: seen,
      resolved: null,
      status: 'open',
      occurrences: 1,
      periods: [{ firstSeen: seen, lastSeen: seen, resolved: null }],
      evidence: { bundle: a.bundle, path: a.path, href: a.href, sha256: a.sha256 },
      type: 'event',
      incompleteEvidence: 0,
      ageDays: through ? Math.max(0, daysBetween(a.date, through)) : 0,
      response: null,
      responseOverdue: false,
    });
  }
  return out;
}
