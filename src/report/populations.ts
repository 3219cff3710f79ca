// Populations: the changes an auditor samples from — model promotions and secret rotations from the
// collectors' derived logs (which must chain across bundles without a hole), and privileged-access
// changes between consecutive runs of the privilege checks.
import type { ArtifactEntry } from '../bundle/manifest.js';
import { stableScope } from './coverage.js';
import type { FileRef, Populations, PrivilegeChangeRow, PromotionBaseline, PromotionRow, RotationRow } from './model.js';
import { drawSample } from './sample.js';
import { artifactDir, scopeLabel, str, type BundleVisit } from './visit.js';

/** Checks whose exceptions are privileged principals: changes between runs form a population. */
export const PRIVILEGE_CHECKS: Record<string, 'admin' | 'ml'> = {
  'aws-iam.admin-principals': 'admin',
  'aws-iam.ml-privileges': 'ml',
};
export const ROTATIONS_KIND = 'aws.secretsmanager.rotations';
export const PROMOTIONS_SUFFIX = '.promotions';

interface LogChain {
  last: { bundle: string; to: string | null } | null;
  /** logs marked incomplete since `last` */
  pending: { bundle: string; from: string | null; to: string | null }[];
  label: string;
  what: string;
}

interface DerivedLog {
  baseline?: unknown;
  window?: { from?: unknown; to?: unknown };
  previousBundle?: unknown;
  events: unknown[];
}

function isLogShape(v: unknown): v is DerivedLog {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as { events?: unknown }).events);
}

/** Notes (what makes a population incomplete) and info (facts that do not) of one population. */
interface Notes {
  notes: string[];
  info: string[];
}

/**
 * A derived log (promotions, rotations) must continue the previous complete log of its series: its
 * previousBundle (or, without one, its window.from) names that log's bundle (window.to). A log marked
 * incomplete does not advance the chain; it is a hole unless a later complete log compares against a
 * snapshot older than it (then that log's window covers the period) — the collectors do exactly that.
 */
export class LogChains {
  private readonly chains = new Map<string, LogChain>();

  constructor(
    private readonly windowFrom: string,
    private readonly out: Notes,
  ) {}

  add(what: string, key: string, label: string, bundle: string, date: string, log: DerivedLog, complete: boolean): void {
    const { notes, info } = this.out;
    let c = this.chains.get(key);
    if (!c) this.chains.set(key, (c = { last: null, pending: [], label, what }));
    const w = { from: str(log.window?.from), to: str(log.window?.to) };
    if (!complete) {
      c.pending.push({ bundle, from: w.from, to: w.to });
      return;
    }
    const prevId = log.previousBundle !== undefined ? str(log.previousBundle) : undefined;
    const hole = (p: { bundle: string; from: string | null; to: string | null }) =>
      `${label}: the ${what} log of ${p.bundle} is marked incomplete and no later complete log covers it; changes between ${p.from ?? 'the previous collection'} and ${p.to ?? p.bundle} may be missing.`;
    if (log.baseline === true) {
      if (c.last) notes.push(`${label}: ${bundle} starts a new baseline after ${c.last.bundle}; changes between ${c.last.to ?? c.last.bundle} and ${w.to ?? bundle} are not in the evidence.`);
      else if (date > this.windowFrom) notes.push(`${label}: the first ${what} log in the window is a baseline taken ${date}; changes between ${this.windowFrom} and then are not in the evidence.`);
      for (const p of c.pending) notes.push(hole(p));
    } else {
      if (c.last) {
        const linked = prevId !== undefined ? prevId === c.last.bundle : w.from === c.last.to;
        if (!linked) notes.push(`${label}: the ${what} log of ${bundle} follows ${prevId ?? w.from ?? 'nothing'}, not the previous complete log in the window (${c.last.bundle}); changes in between may be missing.`);
      }
      for (const p of c.pending) {
        const covered = prevId !== undefined ? prevId !== null && prevId < p.bundle : w.from !== null && (p.from === null || w.from <= p.from);
        if (covered) info.push(`${label}: the ${what} log of ${p.bundle} is marked incomplete; the log of ${bundle} compares against ${prevId ?? w.from}, so its window covers that period.`);
        else notes.push(hole(p));
      }
    }
    c.pending = [];
    c.last = { bundle, to: w.to };
  }

  /** Incomplete logs no later complete log covered: holes. */
  close(): void {
    for (const c of this.chains.values())
      for (const p of c.pending) this.out.notes.push(`${c.label}: the ${c.what} log of ${p.bundle} is marked incomplete and no later complete log in the window covers it; changes between ${p.from ?? 'the previous collection'} and ${p.to ?? p.bundle} may be missing.`);
  }
}

interface PrivilegeSeries {
  lastRun: { bundle: string; date: string } | null;
  current: Map<string, string>;
}

export class PopulationsAggregator {
  private readonly promotionRows = new Map<string, PromotionRow>();
  private readonly promotionBaselines: PromotionBaseline[] = [];
  private readonly promotionSources: FileRef[] = [];
  private readonly promotion: Notes = { notes: [], info: [] };
  private readonly promotionChains: LogChains;
  private readonly rotationRows = new Map<string, RotationRow>();
  private readonly rotationSources: FileRef[] = [];
  private readonly rotation: Notes = { notes: [], info: [] };
  private readonly rotationChains: LogChains;
  private readonly privilegeRows: PrivilegeChangeRow[] = [];
  private readonly privilegeBaselines: Populations['privilegedAccess']['baselines'] = [];
  private readonly privilegeNotes: string[] = [];
  private readonly privilegeSeries = new Map<string, PrivilegeSeries>();

  constructor(windowFrom: string) {
    this.promotionChains = new LogChains(windowFrom, this.promotion);
    this.rotationChains = new LogChains(windowFrom, this.rotation);
  }

  /** A derived log artifact (promotions, rotations) of the bundle; other kinds are ignored. */
  async addArtifact(v: BundleVisit, a: ArtifactEntry, fr: FileRef, scope: Record<string, string>, collectedAt: string): Promise<void> {
    if (!a.kind.endsWith(PROMOTIONS_SUFFIX) && a.kind !== ROTATIONS_KIND) return;
    const isPromo = a.kind !== ROTATIONS_KIND;
    (isPromo ? this.promotionSources : this.rotationSources).push(fr);
    const notes = isPromo ? this.promotion.notes : this.rotation.notes;
    let log: unknown;
    try {
      log = await v.readJson(a.path, a.sha256);
    } catch (e) {
      notes.push(`${fr.href}: cannot be read (${(e as Error).message.split('\n')[0]}); its events are missing from the population.`);
      return;
    }
    if (!isLogShape(log)) {
      notes.push(`${fr.href}: not a ${isPromo ? 'promotion' : 'rotation'} log ({baseline, window, events[]}); skipped.`);
      return;
    }
    const seriesKey = `${a.source}\n${a.collector}\n${artifactDir(a.path)}`;
    const label = `${a.source}/${a.collector}${scopeLabel(scope) ? ` (${scopeLabel(scope)})` : ''}`;
    const w = { from: str(log.window?.from), to: str(log.window?.to) ?? collectedAt };
    const logComplete = a.provenance?.complete === true;
    if (isPromo) {
      this.promotionChains.add('promotion', seriesKey, label, v.id, v.date, log, logComplete);
      if (log.baseline === true) this.promotionBaselines.push({ bundle: v.id, date: v.date, source: a.source, collector: a.collector, artifact: fr, window: w });
      for (const raw of log.events) this.addPromotion(v, a, fr, w, (raw ?? {}) as Record<string, any>);
    } else {
      this.rotationChains.add('rotation', seriesKey, label, v.id, v.date, log, logComplete);
      for (const raw of log.events) this.addRotation(v, a, fr, (raw ?? {}) as Record<string, any>);
    }
  }

  private addPromotion(v: BundleVisit, a: ArtifactEntry, fr: FileRef, w: { from: string | null; to: string }, e: Record<string, any>): void {
    const rowKey = [a.source, a.collector, artifactDir(a.path), e.type, e.model, e.version, e.alias ?? '', e.from ?? '', e.to ?? '', e.windowFrom ?? w.from ?? '', e.windowTo ?? w.to].map((x) => String(x ?? '')).join('|');
    if (this.promotionRows.has(rowKey)) return;
    this.promotionRows.set(rowKey, {
      key: rowKey,
      bundle: v.id,
      date: v.date,
      artifact: fr,
      bundleVerified: v.verified(),
      source: a.source,
      collector: a.collector,
      type: String(e.type ?? 'unknown'),
      model: String(e.model ?? ''),
      version: String(e.version ?? ''),
      alias: str(e.alias),
      from: str(e.from),
      to: str(e.to),
      toProduction: e.toProduction === true,
      windowFrom: String(e.windowFrom ?? w.from ?? ''),
      windowTo: String(e.windowTo ?? w.to),
      actor: str(e.actor?.user),
      actorSource: str(e.actor?.source),
      approved: e.approval?.approved === true,
      approver: str(e.approval?.approver),
      approvalTags: e.approval?.tags && typeof e.approval.tags === 'object' ? Object.fromEntries(Object.entries(e.approval.tags).map(([k, val]) => [k, String(val)])) : {},
    });
  }

  private addRotation(v: BundleVisit, a: ArtifactEntry, fr: FileRef, e: Record<string, any>): void {
    const rowKey = `${String(e.arn ?? '')}|${String(e.rotatedAt ?? '')}`;
    if (this.rotationRows.has(rowKey)) return;
    this.rotationRows.set(rowKey, {
      key: rowKey,
      bundle: v.id,
      date: v.date,
      artifact: fr,
      bundleVerified: v.verified(),
      source: a.source,
      arn: String(e.arn ?? ''),
      name: str(e.name),
      account: str(e.account),
      region: str(e.region),
      rotatedAt: String(e.rotatedAt ?? ''),
      previousRotatedAt: str(e.previousRotatedAt),
    });
  }

  /** A run of a privilege check: principals that appeared or disappeared since its previous run. */
  addPrivilegeRun(v: BundleVisit, run: { check: string; source: string; scope: Record<string, string>; status: string; holders: Map<string, string>; findingsFile: FileRef }): void {
    const privilege = PRIVILEGE_CHECKS[run.check];
    if (!privilege) return;
    const where = `${run.source}${scopeLabel(run.scope) ? ' ' + scopeLabel(run.scope) : ''}`;
    if (run.status === 'error') this.privilegeNotes.push(`${run.check} (${where}) could not run in ${v.id}: a privilege gained and lost again around it would not be seen; changes across it are attributed to the next run.`);
    if (run.status !== 'pass' && run.status !== 'fail') return;
    const sKey = `${run.check}\n${run.source}\n${stableScope(run.scope)}`;
    let s = this.privilegeSeries.get(sKey);
    if (!s) this.privilegeSeries.set(sKey, (s = { lastRun: null, current: new Map() }));
    if (!s.lastRun) this.privilegeBaselines.push({ check: run.check, source: run.source, scope: run.scope, bundle: v.id, date: v.date, holders: run.holders.size });
    else {
      const from = s.lastRun;
      const push = (principal: string, change: 'gained' | 'lost', reason: string) =>
        this.privilegeRows.push({
          key: `${run.check}|${run.source}|${stableScope(run.scope)}|${principal}|${change}|${v.id}`,
          bundle: v.id,
          date: v.date,
          artifact: run.findingsFile,
          bundleVerified: v.verified(),
          check: run.check,
          privilege,
          source: run.source,
          scope: run.scope,
          principal,
          change,
          reason,
          fromBundle: from.bundle,
          fromDate: from.date,
        });
      for (const [res, reason] of run.holders) if (!s.current.has(res)) push(res, 'gained', reason);
      for (const [res, reason] of s.current) if (!run.holders.has(res)) push(res, 'lost', `no longer listed (was: ${reason})`);
    }
    s.current = run.holders;
    s.lastRun = { bundle: v.id, date: v.date };
  }

  finish(badBundles: Set<string>, sampling: { n: number; seed: string } | undefined): Populations {
    for (const r of this.promotionRows.values()) r.bundleVerified = !badBundles.has(r.bundle);
    for (const r of this.rotationRows.values()) r.bundleVerified = !badBundles.has(r.bundle);
    for (const r of this.privilegeRows) r.bundleVerified = !badBundles.has(r.bundle);
    this.promotionChains.close();
    this.rotationChains.close();
    const promoList = [...this.promotionRows.values()].sort((a, b) => a.windowTo.localeCompare(b.windowTo) || a.key.localeCompare(b.key));
    const rotList = [...this.rotationRows.values()].sort((a, b) => a.rotatedAt.localeCompare(b.rotatedAt) || a.key.localeCompare(b.key));
    const privilegeRows = this.privilegeRows.sort((a, b) => a.bundle.localeCompare(b.bundle) || a.key.localeCompare(b.key));
    const privilegeSources = [...new Map(privilegeRows.map((r) => [r.artifact.href, r.artifact])).values()];
    const sample = <R extends { key: string }>(name: string, rows: R[]) => (sampling ? drawSample(name, rows, sampling.n, sampling.seed) : null);
    const anyPrivilegeRun = this.privilegeBaselines.length > 0;
    if (!anyPrivilegeRun) this.privilegeNotes.push('no run of aws-iam.admin-principals or aws-iam.ml-privileges in the window: this population was not collected.');
    if (!this.promotionSources.length) this.promotion.notes.push('no artifact of a *.promotions kind in the window: this population was not collected (no registry collector ran).');
    if (!this.rotationSources.length) this.rotation.notes.push(`no ${ROTATIONS_KIND} artifact in the window: this population was not collected.`);
    return {
      promotions: {
        name: 'promotions',
        title: 'Model promotions',
        description:
          'Every change to registered model versions, stages and aliases (MLflow, Vertex AI) between consecutive collections, from the registry collectors’ promotion logs; with the approval tags/labels and the actor where the registry records them. Baseline logs (a registry’s first snapshot) contribute no events.',
        collected: this.promotionSources.length > 0,
        complete: this.promotionSources.length > 0 && this.promotion.notes.length === 0,
        notes: this.promotion.notes,
        info: this.promotion.info,
        size: promoList.length,
        sources: this.promotionSources,
        rows: promoList,
        sample: sample('promotions', promoList),
        baselines: this.promotionBaselines,
      },
      privilegedAccess: {
        name: 'privileged-access',
        title: 'Privileged-access changes',
        description:
          'Principals that gained or lost administrator (Allow * on *) or ML privileges between consecutive runs of aws-iam.admin-principals / aws-iam.ml-privileges for the same source and account; each change names the bundle pair it was observed between.',
        collected: anyPrivilegeRun,
        complete: anyPrivilegeRun && this.privilegeNotes.length === 0,
        notes: this.privilegeNotes,
        info: [],
        size: privilegeRows.length,
        sources: privilegeSources,
        rows: privilegeRows,
        sample: sample('privileged-access', privilegeRows),
        baselines: this.privilegeBaselines,
      },
      secretRotations: {
        name: 'secret-rotations',
        title: 'Secret rotations',
        description: 'Every rotation of an AWS Secrets Manager secret observed between consecutive collections (LastRotatedDate moved), from the aws.secretsmanager.rotations logs.',
        collected: this.rotationSources.length > 0,
        complete: this.rotationSources.length > 0 && this.rotation.notes.length === 0,
        notes: this.rotation.notes,
        info: this.rotation.info,
        size: rotList.length,
        sources: this.rotationSources,
        rows: rotList,
        sample: sample('secret-rotations', rotList),
      },
    };
  }
}
