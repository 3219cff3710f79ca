// Continuity: one row per bundle of the window, per calendar day the bundles that count for it by
// status, the runs that were partial or had gaps, and the longest run of days without a complete bundle.
import { MANIFEST, type CollectorEntry } from '../bundle/manifest.js';
import { addDays } from './dates.js';
import type { BundleRow, Continuity, ContinuityDay, GapRow, PartialRun } from './model.js';
import { withoutSource, type BundleVisit } from './visit.js';

export class ContinuityAggregator {
  readonly bundles: BundleRow[] = [];
  private readonly days: Map<string, ContinuityDay>;
  private readonly partialRuns: PartialRun[] = [];
  readonly toolVersions = new Set<string>();
  organization: string | null = null;

  constructor(days: string[]) {
    this.days = new Map(days.map((d) => [d, { date: d, bundles: [], complete: 0, partial: 0, failed: 0 }]));
  }

  /** The bundle's row (its findings counts are filled as its findings are read). */
  addBundle(v: BundleVisit, manifestSha: string): BundleRow {
    const { manifest, id, date } = v;
    this.toolVersions.add(String(manifest.tool?.version ?? 'unknown'));
    if (manifest.organization) this.organization = manifest.organization;
    const status = manifest.status === 'partial' || manifest.status === 'failed' ? manifest.status : 'complete';
    const manifestRef = v.ref(MANIFEST, manifestSha);
    const collectors = manifest.collectors ?? [];
    const row: BundleRow = {
      id,
      date,
      startedAt: manifest.startedAt,
      finishedAt: manifest.finishedAt,
      status,
      stream: manifest.stream ?? null,
      toolVersion: String(manifest.tool?.version ?? 'unknown'),
      manifest: manifestRef,
      findingsFile: null,
      signed: !!manifest.signing,
      verified: true,
      collectors: { ok: collectors.filter((c) => c.status === 'ok').length, error: collectors.filter((c) => c.status === 'error').length, skipped: collectors.filter((c) => c.status === 'skipped').length },
      artifacts: manifest.artifacts.length,
      findings: { pass: 0, fail: 0, error: 0, not_applicable: 0 },
      previous: manifest.previous?.id ?? null,
    };
    this.bundles.push(row);
    const cd = this.days.get(date);
    // a bundle of manual evidence only (evidence add --now) collected nothing: it does not make a day covered
    if (cd && manifest.purpose !== 'manual-evidence') {
      cd.bundles.push(id);
      cd[status]++;
    }
    const gaps = gapsOf(collectors);
    if (status !== 'complete' || gaps.length) this.partialRuns.push({ bundle: id, date, status: status === 'complete' ? 'partial' : status, manifest: manifestRef, gaps });
    return row;
  }

  finish(badBundles: Set<string>): Continuity {
    for (const b of this.bundles) b.verified = !badBundles.has(b.id);
    const cdays = [...this.days.values()];
    const daysWithoutComplete = cdays.filter((d) => d.complete === 0).map((d) => d.date);
    return { days: cdays, daysWithoutBundle: cdays.filter((d) => d.bundles.length === 0).map((d) => d.date), daysWithoutComplete, longestGap: longestRun(daysWithoutComplete), partialRuns: this.partialRuns };
  }

  /** The newest bundle's day (null when the window has none). */
  lastDay(): string | null {
    return this.bundles.length ? this.bundles[this.bundles.length - 1]!.date : null;
  }
}

/** Every gap of every collector that errored (a collector without detail still counts as one). */
export function gapsOf(collectors: CollectorEntry[]): GapRow[] {
  const gaps: GapRow[] = [];
  for (const c of collectors) {
    if (c.status !== 'error') continue;
    const list = c.gaps?.length ? c.gaps : c.error ? [c.error] : [{ api: c.id, code: 'Error', message: 'collector failed (no detail recorded)' }];
    for (const g of list) gaps.push({ collector: c.id, source: c.source, scope: withoutSource(c.scope), api: String(g.api), code: String(g.code), message: String(g.message) });
  }
  return gaps;
}

/** The longest run of consecutive dates in a sorted list. */
export function longestRun(sorted: string[]): Continuity['longestGap'] {
  let best: Continuity['longestGap'] = null;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === addDays(sorted[j]!, 1)) j++;
    const len = j - i + 1;
    if (!best || len > best.days) best = { from: sorted[i]!, to: sorted[j]!, days: len };
    i = j + 1;
  }
  return best;
}
