// Vendor management (CC9.2) and policies (CC5.3) over the window. Fed by the visit: every artifact of
// a kind with an extractor (vendor-sightings.ts) is read and the third parties it names are kept with
// where and when they were seen; at the end of each bundle the register's rules are judged as of the
// bundle's day, as runs of report checks fed to an exception register (exceptions.ts), so an
// exception is open while its condition holds and resolved by the first bundle where it no longer does:
//   soc2.vendor-registered      a third party seen in the evidence that the vendor register lacks
//   soc2.vendor-dpa             a vendor with data shared and no DPA, or an expired one
//   soc2.vendor-risk-assessment a vendor whose risk assessment is missing or overdue
//   soc2.policy-review          a policy past its review date (src/report/policies.ts)
// Without a vendor register (config `vendors:`) the discovered third parties are listed, not judged.
import type { ArtifactEntry } from '../bundle/manifest.js';
import { addMonths } from './dates.js';
import { ExceptionsAggregator, type CheckRun } from './exceptions.js';
import type { ExceptionRow, FileRef } from './model.js';
import { policyFindings, type PolicyIndex, type PolicyRow } from './policies.js';
import { iterateNdjson } from './read.js';
import type { Identifiers, Vendor, VendorRegister } from './vendor-register.js';
import { EXTRACTORS, type IdentifierType, type Sighting } from './vendor-sightings.js';
import type { BundleVisit } from './visit.js';

export const VENDOR_CONTROL = 'VEN-01';
export const VENDOR_CRITERIA = ['CC9.2'];
export const VENDOR_CHECKS = {
  registered: 'soc2.vendor-registered',
  dpa: 'soc2.vendor-dpa',
  riskAssessment: 'soc2.vendor-risk-assessment',
} as const;

type Seen = { date: string; bundle: string };

export interface VendorPlace {
  type: IdentifierType;
  id: string;
  kind: string;
  source: string;
  resource: string;
  via: string;
  firstSeen: Seen;
  lastSeen: Seen;
  /** bundles it was seen in */
  bundles: number;
  /** the artifact it was last seen in */
  evidence: FileRef;
}

export interface VendorRow {
  name: string;
  registered: boolean;
  services: string | null;
  classification: string | null;
  owner: string | null;
  dpa: { signed: string; expires: string | null } | null;
  /** as of the window's last counted day */
  dpaStatus: 'in-force' | 'expired' | 'missing' | 'not-required' | 'not-registered';
  riskAssessment: { last: string; intervalMonths: number; due: string } | null;
  riskStatus: 'current' | 'overdue' | 'missing' | 'not-registered';
  identifiers: string[];
  firstSeen: Seen | null;
  lastSeen: Seen | null;
  seen: VendorPlace[];
}

export interface VendorsReport {
  /** the vendor register file, null when the config names none (discovered third parties are then not judged) */
  register: string | null;
  control: string;
  criteria: string[];
  /** artifact kinds read for third parties */
  kindsRead: string[];
  vendors: VendorRow[];
  /** discovered identifiers that are the company's own (not vendors), counted */
  ownSkipped: number;
  exceptions: string[];
  notes: string[];
}

export interface PoliciesReport {
  index: string | null;
  control: string;
  policies: PolicyRow[];
  exceptions: string[];
}

/** The company's own identifiers: from the config (sources, training-data buckets) and the register's `own:`. */
export interface OwnIdentifiers {
  awsAccounts: string[];
  buckets: string[];
  gcpProjects: string[];
  domains: string[];
}

const norm = (s: string) => s.toLowerCase().replace(/^https?:\/\//, '').replace(/\/$/, '');

/** Whether an identifier list (a vendor's, or the company's own) names the sighting. */
export function names(ids: Partial<Identifiers>, s: Pick<Sighting, 'type' | 'id'>): boolean {
  const id = s.id.toLowerCase();
  switch (s.type) {
    case 'aws-account':
      return (ids.awsAccounts ?? []).includes(s.id);
    case 'oidc-provider':
      return (ids.oidcProviders ?? []).some((p) => norm(p) === norm(id));
    case 'saml-provider':
      return (ids.samlProviders ?? []).some((p) => p.toLowerCase() === id || p.toLowerCase().endsWith(`:saml-provider/${id}`));
    case 'domain':
      return (ids.domains ?? []).some((d) => id === d || id.endsWith(`.${d}`));
    case 'bucket':
      return (ids.buckets ?? []).some((b) => b.toLowerCase() === id);
    case 'gcp-project':
      return (ids.gcpProjects ?? []).some((p) => p.toLowerCase() === id);
  }
}

/** As of `date`: the DPA's state for a vendor (data shared needs one in force). */
export function dpaState(v: Vendor, date: string): { status: VendorRow['dpaStatus']; reason: string | null } {
  if (v.dataShared.classification === 'none') return { status: 'not-required', reason: null };
  const shared = `${v.name} receives ${v.dataShared.classification} data`;
  if (!v.dpa || v.dpa.signed > date) return { status: 'missing', reason: `${shared} and has no data processing agreement in force on ${date}` };
  if (v.dpa.expires && v.dpa.expires < date) return { status: 'expired', reason: `${shared}; its data processing agreement expired on ${v.dpa.expires}` };
  return { status: 'in-force', reason: null };
}

/** As of `date`: whether the vendor's risk assessment is current. */
export function riskState(v: Vendor, date: string): { status: VendorRow['riskStatus']; due: string | null; reason: string | null } {
  const ra = v.riskAssessment;
  if (!ra || ra.last > date) return { status: 'missing', due: null, reason: `${v.name} has no risk assessment on record by ${date}` };
  const due = addMonths(ra.last, ra.intervalMonths);
  if (due < date) return { status: 'overdue', due, reason: `${v.name}'s risk assessment of ${ra.last} was due for renewal on ${due} (every ${ra.intervalMonths} months)` };
  return { status: 'current', due, reason: null };
}

const registeredBy = (v: Vendor, date: string) => !v.registeredOn || v.registeredOn <= date;
const idLabel = (s: Pick<Sighting, 'type' | 'id'>) => `${s.type} ${s.id}`;

export class VendorsAggregator {
  private readonly places = new Map<string, VendorPlace>();
  private readonly ownAccounts: Set<string>;
  private readonly rules = new ExceptionsAggregator();
  private readonly kinds = new Set<string>();
  /** sightings of the bundle being visited, filtered for own identifiers at its end */
  private pending: { s: Sighting; kind: string; source: string; ref: FileRef }[] = [];
  private ownSkipped = new Set<string>();
  /** artifact series (kind × source) read completely in the bundle being visited */
  private readComplete = new Set<string>();
  /** unregistered third parties of the previous bundle: reason and the series that named them */
  private lastUnregistered = new Map<string, { reason: string; series: Set<string>; id: Sighting }>();
  private readonly notes: string[] = [];
  /** kind × artifact SHA-256 → the sightings its content names */
  private readonly bySha = new Map<string, Sighting[]>();

  constructor(
    private readonly register: VendorRegister | null,
    private readonly own: OwnIdentifiers,
    private readonly policies: PolicyIndex | null = null,
  ) {
    this.ownAccounts = new Set(own.awsAccounts);
  }

  /** An artifact of the bundle: read when its kind has an extractor; its collected account is the company's own. */
  async addArtifact(v: BundleVisit, a: ArtifactEntry, scope: Record<string, string>): Promise<void> {
    if (scope.account) this.ownAccounts.add(scope.account);
    const extract = EXTRACTORS[a.kind];
    if (!extract) return;
    this.kinds.add(a.kind);
    const ref = v.ref(a.path, a.sha256);
    const series = `${a.kind}\n${a.source}`;
    if (a.provenance?.complete !== false) this.readComplete.add(series);
    // daily bundles mostly repeat yesterday's artifact byte for byte: same SHA-256, same sightings
    // (verify has already re-hashed every file), so each distinct content is read once
    const cacheKey = `${a.kind}\n${a.sha256}`;
    const cached = this.bySha.get(cacheKey);
    if (cached) {
      for (const s of cached) this.pending.push({ s, kind: a.kind, source: a.source, ref });
      return;
    }
    const found: Sighting[] = [];
    const add = (rec: unknown) => found.push(...extract(rec));
    try {
      if (a.path.endsWith('.ndjson')) for await (const rec of iterateNdjson(v.dir, a.path, a.sha256)) add(rec);
      else add(await v.readJson(a.path, a.sha256));
      this.bySha.set(cacheKey, found);
      for (const s of found) this.pending.push({ s, kind: a.kind, source: a.source, ref });
    } catch (e) {
      this.readComplete.delete(series);
      v.addProblem({ bundle: v.id, file: a.path, message: `cannot be read: ${(e as Error).message.split('\n')[0]}` });
      this.notes.push(`${ref.href}: cannot be read; the third parties it names are missing from the inventory for ${v.date}.`);
    }
  }

  private isOwn(s: Sighting): boolean {
    if (s.type === 'aws-account') return this.ownAccounts.has(s.id) || names(this.register?.own ?? {}, s);
    return names({ ...this.own, ...mergeOwn(this.own, this.register?.own) }, s);
  }

  private vendorOf(s: Sighting): Vendor | null {
    return this.register?.vendors.find((v) => names(v.identifiers, s)) ?? null;
  }

  /** The bundle's sightings into the inventory, then the rules judged as of its day. */
  endBundle(v: BundleVisit, manifestRef: FileRef): void {
    const here = { date: v.date, bundle: v.id };
    const unregistered = new Map<string, string>();
    const namedBy = new Map<string, Set<string>>();
    const ids = new Map<string, Sighting>();
    const counted = new Set<string>();
    for (const { s, kind, source, ref } of this.pending) {
      if (this.isOwn(s)) {
        this.ownSkipped.add(idLabel(s));
        continue;
      }
      const key = `${s.type}\n${s.id}\n${kind}\n${source}\n${s.resource}`;
      let p = this.places.get(key);
      if (!p) this.places.set(key, (p = { type: s.type, id: s.id, kind, source, resource: s.resource, via: s.via, firstSeen: here, lastSeen: here, bundles: 0, evidence: ref }));
      if (!counted.has(key)) (counted.add(key), p.bundles++);
      Object.assign(p, { lastSeen: here, via: s.via, evidence: ref });
      const vendor = this.vendorOf(s);
      if (this.register && (!vendor || !registeredBy(vendor, v.date))) {
        if (!unregistered.has(idLabel(s))) unregistered.set(idLabel(s), `${s.type} ${s.id} is named in ${kind} (${s.resource}: ${s.via}) but ${vendor ? `entered the vendor register only on ${vendor.registeredOn}` : 'is not in the vendor register'}`);
        (namedBy.get(idLabel(s)) ?? namedBy.set(idLabel(s), new Set()).get(idLabel(s))!).add(`${kind}\n${source}`);
        ids.set(idLabel(s), s);
      }
    }
    // gone only when an artifact series that named it was read completely in this bundle: a collector
    // that failed (or was not run) that day cannot tell that the third party is no longer there
    for (const [label, prev] of this.lastUnregistered) {
      if (unregistered.has(label) || [...prev.series].some((k) => this.readComplete.has(k))) continue;
      const vendor = this.vendorOf(prev.id);
      if (vendor && registeredBy(vendor, v.date)) continue;
      unregistered.set(label, prev.reason);
      namedBy.set(label, prev.series);
      ids.set(label, prev.id);
    }
    this.lastUnregistered = new Map([...unregistered].map(([k, reason]) => [k, { reason, series: namedBy.get(k)!, id: ids.get(k)! }]));
    this.pending = [];
    this.readComplete = new Set();
    const run = (check: string, title: string, criteria: string[], exceptions: Map<string, string>) => {
      const r: CheckRun = { check, title, severity: 'medium', source: '', scope: {}, status: exceptions.size ? 'fail' : 'pass', type: 'state', criteria, exceptions, date: v.date, bundle: v.id, findingsFile: manifestRef };
      this.rules.addRun(r);
    };
    if (this.register) {
      const dpa = new Map<string, string>();
      const risk = new Map<string, string>();
      for (const ven of this.register.vendors.filter((x) => registeredBy(x, v.date))) {
        const d = dpaState(ven, v.date);
        if (d.reason) dpa.set(ven.name, d.reason);
        const r = riskState(ven, v.date);
        if (r.reason) risk.set(ven.name, r.reason);
      }
      run(VENDOR_CHECKS.registered, `${VENDOR_CONTROL}: every third party seen in the evidence is in the vendor register`, VENDOR_CRITERIA, unregistered);
      run(VENDOR_CHECKS.dpa, `${VENDOR_CONTROL}: every vendor receiving data has a data processing agreement in force`, VENDOR_CRITERIA, dpa);
      run(VENDOR_CHECKS.riskAssessment, `${VENDOR_CONTROL}: every vendor's risk assessment is current`, VENDOR_CRITERIA, risk);
    }
    if (this.policies) {
      const f = policyFindings(this.policies, v.date);
      run(f.check, f.title, f.criteria, f.exceptions);
    }
  }

  /** The inventory and the rules' exceptions as of the window's last counted day. */
  finish(through: string): { vendors: VendorsReport; policies: PoliciesReport | null; exceptions: ExceptionRow[] } {
    const exceptions = this.rules.finish(through);
    const rows = new Map<string, VendorRow>();
    for (const ven of this.register?.vendors ?? []) rows.set(ven.name, this.vendorRow(ven, through));
    for (const p of [...this.places.values()].sort((a, b) => a.firstSeen.date.localeCompare(b.firstSeen.date) || a.id.localeCompare(b.id))) {
      const ven = this.vendorOf(p);
      const name = ven?.name ?? idLabel(p);
      let row = rows.get(name);
      if (!row) rows.set(name, (row = this.unregisteredRow(name, p)));
      row.seen.push(p);
      if (!row.firstSeen || p.firstSeen.date < row.firstSeen.date) row.firstSeen = p.firstSeen;
      if (!row.lastSeen || p.lastSeen.date > row.lastSeen.date) row.lastSeen = p.lastSeen;
    }
    const ofChecks = (checks: string[]) => exceptions.filter((e) => checks.includes(e.check)).map((e) => e.id);
    const vendors: VendorsReport = {
      register: this.register?.file ?? null,
      control: VENDOR_CONTROL,
      criteria: VENDOR_CRITERIA,
      kindsRead: [...this.kinds].sort(),
      vendors: [...rows.values()].sort((a, b) => Number(a.registered) - Number(b.registered) || a.name.localeCompare(b.name)),
      ownSkipped: this.ownSkipped.size,
      exceptions: ofChecks(Object.values(VENDOR_CHECKS)),
      notes: [
        ...(this.register ? [] : ['No vendor register is configured (config key vendors:): the third parties below were found in the evidence but not judged against a register.']),
        ...this.notes,
      ],
    };
    const policies: PoliciesReport | null = this.policies ? { index: this.policies.file, control: this.policies.control, policies: this.policies.policies.map((p) => this.policies!.row(p, through)), exceptions: ofChecks([policyFindings(this.policies, through).check]) } : null;
    return { vendors, policies, exceptions };
  }

  private vendorRow(v: Vendor, through: string): VendorRow {
    const r = riskState(v, through);
    const ids = v.identifiers;
    return {
      name: v.name,
      registered: true,
      services: v.services,
      classification: v.dataShared.classification,
      owner: v.owner,
      dpa: v.dpa ? { signed: v.dpa.signed, expires: v.dpa.expires ?? null } : null,
      dpaStatus: dpaState(v, through).status,
      riskAssessment: v.riskAssessment ? { ...v.riskAssessment, due: addMonths(v.riskAssessment.last, v.riskAssessment.intervalMonths) } : null,
      riskStatus: r.status,
      identifiers: [...ids.awsAccounts, ...ids.oidcProviders, ...ids.samlProviders, ...ids.domains, ...ids.buckets, ...ids.gcpProjects],
      firstSeen: null,
      lastSeen: null,
      seen: [],
    };
  }

  private unregisteredRow(name: string, p: VendorPlace): VendorRow {
    return { name, registered: false, services: null, classification: null, owner: null, dpa: null, dpaStatus: 'not-registered', riskAssessment: null, riskStatus: 'not-registered', identifiers: [p.id], firstSeen: null, lastSeen: null, seen: [] };
  }
}

function mergeOwn(a: OwnIdentifiers, b: Identifiers | undefined): Partial<Identifiers> {
  return {
    awsAccounts: [...a.awsAccounts, ...(b?.awsAccounts ?? [])],
    buckets: [...a.buckets, ...(b?.buckets ?? [])],
    gcpProjects: [...a.gcpProjects, ...(b?.gcpProjects ?? [])],
    domains: [...a.domains, ...(b?.domains ?? [])],
    oidcProviders: b?.oidcProviders ?? [],
    samlProviders: b?.samlProviders ?? [],
  };
}
