// Populations: the changes an auditor samples from — model promotions, privileged-access changes and
// secret rotations, all from the collectors' derived logs (which must chain across bundles without a hole).
import type { ArtifactEntry } from '../bundle/manifest.js';
import { stableScope, unitKey } from './coverage.js';
import type { Collector, PopulationDecl, PopulationField } from '../core/types.js';
import type { BlindWindow, CoverageUnit, FileRef, Populations, PrivilegeChangeRow, PromotionBaseline, PromotionRow, RotationRow } from './model.js';
import { addDays } from './dates.js';
import { iterateNdjson } from './read.js';
import type { Sample } from './model.js';
import { artifactDir, scopeLabel, str, type BundleVisit } from './visit.js';

/** Checks whose exceptions are privileged principals: changes between runs form a population. */
export const PRIVILEGE_CHECKS: Record<string, 'admin' | 'ml'> = {
  'aws-iam.admin-principals': 'admin',
  'aws-iam.ml-privileges': 'ml',
};

interface LogChain {
  last: { bundle: string; to: string | null } | null;
  /** days of the newest complete log and the newest incomplete one */
  lastDay?: string;
  pendingDay?: string;
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

/** Notes (what makes a population incomplete), info (facts that do not) and the blind windows of one population. */
interface Notes {
  notes: string[];
  info: string[];
  blind: BlindWindow[];
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

  add(what: string, key: string, label: string, bundle: string, date: string, log: DerivedLog, complete: boolean, blindOnMissingDay = false): void {
    const { notes, info } = this.out;
    let c = this.chains.get(key);
    if (!c) this.chains.set(key, (c = { last: null, pending: [], label, what }));
    const w = { from: str(log.window?.from), to: str(log.window?.to) };
    if (!complete) {
      c.pending.push({ bundle, from: w.from, to: w.to });
      c.pendingDay = date;
      return;
    }
    const prevId = log.previousBundle !== undefined ? str(log.previousBundle) : undefined;
    const blind = (from: string | null, to: string | null, reason: string) => this.out.blind.push({ series: label, from: from ?? this.windowFrom, to: to ?? bundle, reason });
    const hole = (p: { bundle: string; from: string | null; to: string | null }) => {
      blind(p.from ?? c!.last?.to ?? null, p.to, `the ${what} log of ${p.bundle} is marked incomplete and no later complete log covers it`);
      return `${label}: the ${what} log of ${p.bundle} is marked incomplete and no later complete log covers it; changes between ${p.from ?? 'the previous collection'} and ${p.to ?? p.bundle} may be missing.`;
    };
    if (log.baseline === true) {
      if (c.last) {
        notes.push(`${label}: ${bundle} starts a new baseline after ${c.last.bundle}; changes between ${c.last.to ?? c.last.bundle} and ${w.to ?? bundle} are not in the evidence.`);
        blind(c.last.to ?? c.last.bundle, w.to, `${bundle} starts a new baseline after ${c.last.bundle}`);
      } else if (date > this.windowFrom) {
        notes.push(`${label}: the first ${what} log in the window is a baseline taken ${date}; changes between ${this.windowFrom} and then are not in the evidence.`);
        blind(this.windowFrom, w.to ?? date, `the first ${what} log in the window is a baseline`);
      }
      for (const p of c.pending) notes.push(hole(p));
    } else {
      if (c.last) {
        const linked = prevId !== undefined ? prevId === c.last.bundle : w.from === c.last.to;
        if (!linked) {
          notes.push(`${label}: the ${what} log of ${bundle} follows ${prevId ?? w.from ?? 'nothing'}, not the previous complete log in the window (${c.last.bundle}); changes in between may be missing.`);
          blind(c.last.to ?? c.last.bundle, w.from ?? w.to, `the ${what} log of ${bundle} does not continue ${c.last.bundle}`);
        } else if (blindOnMissingDay && c.lastDay) {
          const missing = daysBetweenExclusive(c.lastDay, date);
          if (missing.length) {
            const days = missing.length === 1 ? missing[0]! : `${missing[0]} to ${missing[missing.length - 1]}`;
            notes.push(`${label}: no ${what} log on ${days}; the log of ${bundle} spans ${c.last.to ?? c.last.bundle} to ${w.to ?? bundle}, so a change made and undone in between is not seen.`);
            blind(c.last.to ?? c.last.bundle, w.to, `no collection on ${days}: a change made and undone between the two collections is not seen`);
          }
        }
      }
      for (const p of c.pending) {
        const covered = prevId !== undefined ? prevId !== null && prevId < p.bundle : w.from !== null && (p.from === null || w.from <= p.from);
        if (covered) info.push(`${label}: the ${what} log of ${p.bundle} is marked incomplete; the log of ${bundle} compares against ${prevId ?? w.from}, so its window covers that period.`);
        else notes.push(hole(p));
      }
    }
    c.pending = [];
    c.last = { bundle, to: w.to };
    c.lastDay = date;
  }

  /** Incomplete logs no later complete log covered, and whole days after a series' last log: blind windows. */
  close(through: string): void {
    for (const c of this.chains.values()) {
      for (const p of c.pending) {
        this.out.notes.push(`${c.label}: the ${c.what} log of ${p.bundle} is marked incomplete and no later complete log in the window covers it; changes between ${p.from ?? 'the previous collection'} and ${p.to ?? p.bundle} may be missing.`);
        this.out.blind.push({ series: c.label, from: p.from ?? c.last?.to ?? this.windowFrom, to: p.to ?? p.bundle, reason: `the ${c.what} log of ${p.bundle} is marked incomplete and no later complete log in the window covers it` });
      }
      const lastDay = [c.lastDay, c.pendingDay].filter((d): d is string => !!d).sort().pop();
      if (lastDay && lastDay < through) {
        this.out.notes.push(`${c.label}: no ${c.what} log after ${lastDay}; changes from ${c.last?.to ?? lastDay} through ${through} are not in the evidence.`);
        this.out.blind.push({ series: c.label, from: c.last?.to ?? lastDay, to: `${through}T23:59:59.999Z`, reason: `no ${c.what} log after ${lastDay}` });
      }
    }
  }
}

/** The days strictly between two YYYY-MM-DD days. */
function daysBetweenExclusive(a: string, b: string): string[] {
  const out: string[] = [];
  for (let d = addDays(a, 1); d < b; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Every population the collectors declare in their meta. */
export function declaredPopulations(collectors: Pick<Collector, 'meta'>[]): DeclaredPopulation[] {
  return collectors.flatMap((c) => (c.meta.populations ?? []).map((p) => ({ ...p, collector: c.meta.id })));
}

/** A declaration and the collector that made it (to know which expected units should have fed it). */
export type DeclaredPopulation = PopulationDecl & { collector?: string };

/** One declared population being built: its rows by key, the logs read, notes, blind windows. */
interface LogPopulation {
  name: string;
  decls: DeclaredPopulation[];
  /** source, collector and scope of every log read */
  seen: { source: string; collector: string; scope: Record<string, string> }[];
  rows: Map<string, Record<string, unknown> & { key: string; bundle: string }>;
  sources: FileRef[];
  out: Notes;
  chains: LogChains;
  baselines: PromotionBaseline[];
  /** rows whose actor field the system did not record, and those an audit log then named */
  unknownActors: number;
  actorsFromAudit: number;
}

/** An audit-log event kept for naming actors: only those some declaration asks for. */
interface ActorEvent {
  id: string;
  time: string;
  name: string;
  account: string | null;
  actor: string;
  resources: string[];
  artifact: FileRef;
}

/** `{model}/{version}` with the row's values. */
const fill = (template: string, row: Record<string, unknown>) => template.replace(/\{(\w+)\}/g, (_, f: string) => String(row[f] ?? ''));

const get = (o: unknown, p: string): unknown => p.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

/** A row field from an event, typed as declared; the log's window when the event has none. */
function fieldOf(f: PopulationField, e: unknown, w: { from: string | null; to: string }): unknown {
  let v = get(e, f.from);
  if ((v === undefined || v === null) && f.orLog) v = f.orLog === 'window.from' ? w.from : w.to;
  if (f.type === 'boolean') return v === true;
  if (f.type === 'record') return v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : {};
  if (f.type === 'string?') return str(v);
  return String(v ?? (f.from === 'type' ? 'unknown' : ''));
}

export class PopulationsAggregator {
  private readonly byKind = new Map<string, LogPopulation>();
  /** audit-log kind → event names some declaration asks for */
  private readonly actorKinds = new Map<string, Set<string>>();
  private readonly actorEvents: ActorEvent[] = [];
  /** per row key: the declaration it came from and the account of its artifact */
  private readonly rowDecl = new Map<string, { decl: DeclaredPopulation; account: string | null }>();
  private readonly logPops = new Map<string, LogPopulation>();

  /** `decls`: every population the collectors declare (their meta.populations). */
  constructor(
    private readonly windowFrom: string,
    decls: DeclaredPopulation[],
  ) {
    for (const d of decls) {
      let p = this.logPops.get(d.population);
      if (!p) {
        const out: Notes = { notes: [], info: [], blind: [] };
        this.logPops.set(d.population, (p = { name: d.population, decls: [], seen: [], rows: new Map(), sources: [], out, chains: new LogChains(windowFrom, out), baselines: [], unknownActors: 0, actorsFromAudit: 0 }));
      }
      p.decls.push(d);
      this.byKind.set(d.kind, p);
      if (d.actorEvents) {
        const names = this.actorKinds.get(d.actorEvents.kind) ?? new Set<string>();
        for (const n of [...d.actorEvents.eventNames, ...Object.values(d.actorEvents.eventNamesBy?.names ?? {}).flat()]) names.add(n);
        this.actorKinds.set(d.actorEvents.kind, names);
      }
    }
  }

  /** An audit-log artifact (NDJSON, streamed and re-hashed): keeps the events some declaration can use. */
  private async addActorSource(v: BundleVisit, a: ArtifactEntry, names: Set<string>): Promise<void> {
    const fr = v.ref(a.path, a.sha256);
    try {
      for await (const raw of iterateNdjson<Record<string, any>>(v.dir, a.path, a.sha256)) {
        if (!raw || !names.has(String(raw.eventName))) continue;
        const actor = str(raw.actor?.arn) ?? str(raw.actor?.userName);
        if (!actor || typeof raw.eventTime !== 'string') continue;
        const resources = Array.isArray(raw.resources) ? raw.resources.map((r: any) => String(r?.name ?? '').toLowerCase()).filter(Boolean) : [];
        this.actorEvents.push({ id: String(raw.eventId ?? ''), time: new Date(raw.eventTime).toISOString(), name: String(raw.eventName), account: str(raw.account), actor, resources, artifact: fr });
      }
    } catch (e) {
      v.addProblem({ bundle: v.id, file: a.path, message: `cannot be read: ${(e as Error).message.split('\n')[0]}` });
    }
  }

  /** Rows with an unknown actor take it (and the exact time) from the one audit event in their window on their resource. */
  private nameActors(p: LogPopulation): void {
    if (!this.actorEvents.length) return;
    for (const r of p.rows.values()) {
      const d = this.rowDecl.get(r.key);
      const ae = d?.decl.actorEvents;
      if (!d || !ae || !d.decl.actor || r[d.decl.actor] !== 'unknown') continue;
      const from = Date.parse(String(r.windowFrom ?? '')) || -Infinity;
      const to = Date.parse(String(r.windowTo ?? '')) || Infinity;
      const suffix = fill(ae.resource, r).toLowerCase();
      const names = ae.eventNamesBy ? (ae.eventNamesBy.names[fill(ae.eventNamesBy.template, r)] ?? []) : ae.eventNames;
      const all = this.actorEvents.filter((e) => names.includes(e.name) && (d.account === null || e.account === d.account) && Date.parse(e.time) > from && Date.parse(e.time) <= to && e.resources.some((n) => n.endsWith(suffix)));
      const also = ae.preferResource ? fill(ae.preferResource, r).toLowerCase() : '';
      const preferred = also ? all.filter((e) => e.resources.some((n) => n.endsWith(also))) : [];
      const hits = preferred.length ? preferred : all;
      if (!hits.length) continue;
      // the newest event in the window made the state the collection saw
      const e = hits.sort((x, y) => x.time.localeCompare(y.time)).pop()!;
      r[d.decl.actor] = e.actor;
      if ('actorSource' in d.decl.fields) r.actorSource = `${e.name} ${e.id} (${e.artifact.href})`;
      r.actorEventTime = e.time;
      p.unknownActors--;
      p.actorsFromAudit++;
    }
  }

  /** An artifact of the bundle: the derived logs of a declared population feed its rows; other kinds are ignored. */
  async addArtifact(v: BundleVisit, a: ArtifactEntry, fr: FileRef, scope: Record<string, string>, collectedAt: string): Promise<void> {
    const names = this.actorKinds.get(a.kind);
    if (names) return this.addActorSource(v, a, names);
    const pop = this.byKind.get(a.kind);
    if (!pop) return;
    const decl = pop.decls.find((d) => d.kind === a.kind)!;
    const what = WHAT[pop.name] ?? pop.name;
    pop.sources.push(fr);
    pop.seen.push({ source: a.source, collector: a.collector, scope });
    let log: unknown;
    try {
      log = await v.readJson(a.path, a.sha256);
    } catch (e) {
      pop.out.notes.push(`${fr.href}: cannot be read (${(e as Error).message.split('\n')[0]}); its events are missing from the population.`);
      pop.out.blind.push({ series: `${a.source}/${a.collector}`, from: v.date, to: v.date, reason: `${fr.href} cannot be read` });
      return;
    }
    if (!isLogShape(log)) {
      pop.out.notes.push(`${fr.href}: not a ${what} log ({baseline, window, events[]}); skipped.`);
      pop.out.blind.push({ series: `${a.source}/${a.collector}`, from: v.date, to: v.date, reason: `${fr.href} is not a ${what} log` });
      return;
    }
    const series = artifactDir(a.path);
    const label = `${a.source}/${a.collector}${scopeLabel(scope) ? ` (${scopeLabel(scope)})` : ''}`;
    const w = { from: str(log.window?.from), to: str(log.window?.to) ?? collectedAt };
    pop.chains.add(what, `${a.source}\n${a.collector}\n${series}`, label, v.id, v.date, log, a.provenance?.complete === true, decl.blindOnMissingDay === true);
    if (log.baseline === true) pop.baselines.push({ bundle: v.id, date: v.date, source: a.source, collector: a.collector, artifact: fr, window: w });
    const special: Record<string, string> = { $source: a.source, $collector: a.collector, $series: series };
    for (const e of log.events) {
      const fields = Object.fromEntries(Object.entries(decl.fields).map(([name, f]) => [name, fieldOf(f, e ?? {}, w)]));
      const key = decl.key.map((k) => String(special[k] ?? fields[k] ?? '')).join('|');
      if (pop.rows.has(key)) continue;
      if (decl.actor && fields[decl.actor] === null) {
        fields[decl.actor] = 'unknown';
        pop.unknownActors++;
      }
      this.rowDecl.set(key, { decl, account: scope.account ?? null });
      pop.rows.set(key, { key, bundle: v.id, date: v.date, artifact: fr, bundleVerified: v.verified(), source: a.source, collector: a.collector, ...fields });
    }
  }

  /** `expected`: the coverage units of the window; one that should have fed a population but left no log in it is blind for the whole window. */
  /** `sample` draws a population's sample (src/report/sampling.ts), or null when none is drawn. */
  finish(badBundles: Set<string>, sample: <R extends { key: string }>(name: string, rows: R[]) => Sample | null, through: string, expected: CoverageUnit[] = []): Populations {
    for (const p of this.logPops.values()) {
      for (const r of p.rows.values()) r.bundleVerified = !badBundles.has(r.bundle);
      p.chains.close(through);
      this.nameActors(p);
      const feeders = new Set(p.decls.map((d) => d.collector).filter(Boolean));
      for (const u of expected) {
        if (!feeders.has(u.collector) || u.expected === 0) continue;
        if (p.seen.some((s) => s.source === u.source && s.collector === u.collector && Object.entries(u.scope).every(([k, v]) => s.scope[k] === v))) continue;
        const what = WHAT[p.name] ?? p.name;
        p.out.notes.push(`${unitKey(u)}: expected on ${u.expected} day(s) but no ${what} log of it is in the window; its changes are not in the evidence.`);
        p.out.blind.push({ series: unitKey(u), from: this.windowFrom, to: `${through}T23:59:59.999Z`, reason: `expected but no ${what} log of it is in the window` });
      }
    }
    const logPopulation = <R extends { key: string }>(name: string, order: string, description: string, title: string) => {
      const p: Omit<LogPopulation, 'chains'> = this.logPops.get(name) ?? { name, decls: [], seen: [], rows: new Map(), sources: [], out: { notes: [], info: [], blind: [] }, baselines: [], unknownActors: 0, actorsFromAudit: 0 };
      const rows = [...p.rows.values()].sort((a, b) => String(a[order]).localeCompare(String(b[order])) || a.key.localeCompare(b.key)) as unknown as R[];
      const collected = p.sources.length > 0;
      if (!collected) p.out.notes.push(`no ${p.decls.length ? p.decls.map((d) => d.kind).join(' or ') : `${name}`} artifact in the window: this population was not collected.`);
      if (p.actorsFromAudit) p.out.info.push(`actor and exact time of ${p.actorsFromAudit} row(s) from audit-log events (the event is named in actorSource).`);
      if (p.unknownActors) p.out.info.push(`actor "unknown" on ${p.unknownActors} of ${rows.length} rows: the system does not record who made the change (an audit-log source such as CloudTrail would); the change is known to the window between two collections.`);
      return {
        name,
        title,
        description,
        collected,
        complete: collected && p.out.notes.length === 0 && p.out.blind.length === 0,
        notes: p.out.notes,
        info: p.out.info,
        blindWindows: p.out.blind,
        size: rows.length,
        sources: p.sources,
        rows,
        sample: sample(name, rows),
        baselines: p.baselines,
      };
    };
    const { baselines: _rotationBaselines, ...secretRotations } = logPopulation<RotationRow>(
      'secret-rotations',
      'rotatedAt',
      'Every rotation of an AWS Secrets Manager secret observed between consecutive collections (LastRotatedDate moved), from the aws.secretsmanager.rotations logs.',
      'Secret rotations',
    );
    return {
      promotions: logPopulation<PromotionRow>(
        'promotions',
        'windowTo',
        'Every change to registered model versions, stages and aliases (MLflow, Vertex AI) between consecutive collections, from the registry collectors’ promotion logs; with the approval tags/labels and the actor where the registry records them. Baseline logs (a registry’s first snapshot) contribute no events.',
        'Model promotions',
      ),
      privilegedAccess: logPopulation<PrivilegeChangeRow>(
        'privileged-access',
        'windowTo',
        'Every grant and removal of administrator (Allow * on *) or ML-change access in the AWS accounts — managed policies attached or detached, group membership, inline and trust policy changes, principals created or deleted, and privileges changed through a group, a policy version or an SCP — between consecutive collections, from the aws.iam.access-changes logs; with the actor and exact time from CloudTrail (aws.cloudtrail.events) where aws-audit-trail ran. Baseline logs (an account’s first snapshot) contribute no events.',
        'Privileged-access changes',
      ),
      secretRotations,
    };
  }
}

/** The word for one log of a population, in notes. */
const WHAT: Record<string, string> = { promotions: 'promotion', 'secret-rotations': 'rotation', 'privileged-access': 'access-change' };
