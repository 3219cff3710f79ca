// Access reviews that close the loop. `start`: the newest verified bundle's principals as a worksheet.
// `submit`: the filled-in worksheet checked against that bundle (rebuilt, so every edit outside the
// decision and justification columns, every added, removed or unknown row is refused) and recorded as
// manual evidence of the access-review test. The report then verifies each revoke/modify decision
// against later bundles (src/review/remediation.ts).
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Manifest } from '../bundle/manifest.js';
import { listBundleDirs, readManifest } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { verifyPath } from '../bundle/verify.js';
import type { LoadedConfig } from '../config/load.js';
import { openVerifiedCache } from '../bundle/verified-cache.js';
import { UsageError, VerificationError } from '../core/errors.js';
import { readChecked } from '../report/read.js';
import { NO_OWNERS, loadOwners, type Owners } from './owners.js';
import { bundlePrincipals, parseSystems, SYSTEMS, type PrincipalRow, type ReviewSystem } from './principals.js';
import { DECISIONS, EDITABLE, COLUMNS, shownCell, type Decision, type WorksheetHead, type WorksheetRow } from './worksheet.js';

export interface ReviewSettings {
  owners: Owners;
  ownerTag: string;
  selfReview: 'refuse' | 'allow';
  remediationDays: number;
}

/** The config's `review:` block with owners.yaml read (errors name the file and the path in it). */
export function reviewSettings(loaded: LoadedConfig): ReviewSettings {
  const r = loaded.config.review;
  const owners = r.owners ? loadOwners(path.resolve(loaded.baseDir, r.owners), `${loaded.file}: review.owners: `) : NO_OWNERS;
  return { owners, ownerTag: r.ownerTag, selfReview: r.selfReview, remediationDays: r.remediationDays };
}

export interface ReviewedBundle {
  id: string;
  dir: string;
  date: string;
  manifest: Manifest;
  manifestSha256: string;
  findings: Parameters<typeof bundlePrincipals>[2];
}

const isManualOnly = (m: Manifest) => m.purpose === 'manual-evidence';

/** Reads a bundle's manifest (with its SHA-256) and findings, hash-checked. */
export async function openBundle(evidenceDir: string, id: string): Promise<ReviewedBundle> {
  const dir = path.join(evidenceDir, id);
  const { manifest, bytes } = readManifest(dir);
  const entry = manifest.files.find((f) => f.path === (manifest.findings?.path ?? 'findings.json'));
  // privileged and external-trust access come from the findings: without them the rows would understate access
  if (!entry) throw new VerificationError(`bundle ${id}: findings.json is not listed in its manifest`);
  const findings = JSON.parse((await readChecked(dir, entry.path, entry.sha256)).text) as ReviewedBundle['findings'];
  if (!Array.isArray(findings)) throw new VerificationError(`bundle ${id}: findings.json is not a list of findings`);
  return { id, dir, date: manifest.startedAt.slice(0, 10), manifest, manifestSha256: createHash('sha256').update(bytes).digest('hex'), findings };
}

/**
 * `soc2 verify` over the evidence dir, then the bundle asked for (or the newest collected one) if it
 * verified. Signed evidence needs a trusted key, as `report` does: a key the manifest carries proves
 * nothing about who wrote it.
 */
export async function verifiedBundle(evidenceDir: string, trustedKeys: TrustedKey[], want?: string): Promise<{ bundle: ReviewedBundle; skipped: string[] }> {
  const ids = listBundleDirs(evidenceDir).complete;
  if (!ids.length) throw new UsageError(`${evidenceDir}: no evidence bundles found; run "soc2 collect" first`);
  // the verified-bundle cache the report uses: bundles hashed before and unchanged are not re-hashed
  const v = await verifyPath(evidenceDir, { trustedKeys, cache: openVerifiedCache({ trustedKeyIds: trustedKeys.map((k) => k.keyId), read: true }) });
  if (v.trust.mode === 'self-consistent' && v.trust.signed > 0) throw new VerificationError(`${evidenceDir}: the bundles are signed but no trusted key was given (--public-key or signing.trustedKeys): nothing shows who wrote them`);
  const bad = new Set(v.problems.map((p) => p.bundle));
  if (want) {
    if (!ids.includes(want)) throw new VerificationError(`bundle ${want}: not in ${evidenceDir}; the worksheet was built from a bundle this evidence does not hold`);
    const p = v.problems.find((x) => x.bundle === want);
    if (p) throw new VerificationError(`bundle ${want}: does not verify (${p.file ? `${p.file}: ` : ''}${p.message})`);
    return { bundle: await openBundle(evidenceDir, want), skipped: [] };
  }
  const skipped: string[] = [];
  for (const id of [...ids].reverse()) {
    if (bad.has(id)) {
      skipped.push(id);
      continue;
    }
    const b = await openBundle(evidenceDir, id);
    if (!isManualOnly(b.manifest)) return { bundle: b, skipped };
  }
  throw new VerificationError(`${evidenceDir}: no collected bundle verifies${skipped.length ? ` (${skipped.length} do not: ${skipped.slice(0, 3).join(', ')})` : ''}`);
}

export async function principalsOf(b: ReviewedBundle, systems: ReviewSystem[], s: ReviewSettings) {
  return bundlePrincipals(b.dir, b.manifest, b.findings, systems, s.owners, s.ownerTag);
}

export interface CheckedWorksheet {
  rows: (WorksheetRow & { decision: Decision })[];
  systems: ReviewSystem[];
  counts: Record<Decision, number>;
}

/**
 * Checks a filled-in worksheet against the rows rebuilt from its bundle: same rows (none added,
 * removed or unknown), every non-editable cell unchanged, every row decided, a modify justified, and
 * (selfReview: refuse) a reviewer who owns or is none of the reviewed principals.
 */
export function checkWorksheet(file: string, got: WorksheetRow[], rebuilt: PrincipalRow[], head: WorksheetHead, reviewer: string, s: ReviewSettings): CheckedWorksheet {
  const expected = new Map(rebuilt.map((r) => [r.rowId, r]));
  const seen = new Set<string>();
  const want: Record<string, (r: PrincipalRow) => string> = {
    control: () => head.control,
    test: () => head.test,
    systems: () => head.systems,
    bundle: () => head.bundle,
    bundle_manifest_sha256: () => head.manifestSha256,
    system: (r) => r.system,
    source: (r) => r.source,
    principal: (r) => r.principal,
    type: (r) => r.type,
    owner: (r) => r.owner,
    owner_from: (r) => r.ownerFrom,
    access: (r) => r.access,
    reasons: (r) => r.reasons,
  };
  const me = reviewer.trim().toLowerCase();
  const counts: Record<Decision, number> = { keep: 0, revoke: 0, modify: 0 };
  got.forEach((row, i) => {
    const line = `${file}: row ${i + 2} (${row.row_id || 'no row_id'})`;
    const r = expected.get(row.row_id);
    if (!r) throw new UsageError(`${line}: not a row of bundle ${head.bundle} (added, or its row_id edited); nothing was recorded`);
    if (seen.has(row.row_id)) throw new UsageError(`${line}: the row appears twice; nothing was recorded`);
    seen.add(row.row_id);
    for (const c of COLUMNS) {
      if (EDITABLE.has(c) || c === 'row_id') continue;
      const exp = shownCell(want[c]!(r));
      if (row[c] !== exp && row[c] !== want[c]!(r)) throw new UsageError(`${line}: column ${c} was edited ("${row[c].slice(0, 60)}", expected "${exp.slice(0, 60)}"); only decision and justification may change; nothing was recorded`);
    }
    const d = row.decision.trim().toLowerCase();
    if (!d) throw new UsageError(`${line}: no decision for ${r.principal}; every row needs one of ${DECISIONS.join(', ')}; nothing was recorded`);
    if (!(DECISIONS as readonly string[]).includes(d)) throw new UsageError(`${line}: decision "${row.decision}" for ${r.principal}; expected one of ${DECISIONS.join(', ')}; nothing was recorded`);
    if (d === 'modify' && !row.justification.trim()) throw new UsageError(`${line}: decision modify for ${r.principal} needs a justification saying what changes; nothing was recorded`);
    if (s.selfReview === 'refuse' && (r.owner.toLowerCase() === me || r.principal.toLowerCase() === me || r.principal.toLowerCase().endsWith(`/${me}`)))
      throw new UsageError(`${line}: reviewer "${reviewer}" ${r.owner.toLowerCase() === me ? 'owns' : 'is'} ${r.principal}: a principal's owner may not review it (config review.selfReview: refuse); nothing was recorded`);
    counts[d as Decision]++;
    row.decision = d;
  });
  const missing = rebuilt.filter((r) => !seen.has(r.rowId));
  if (missing.length) throw new UsageError(`${file}: ${missing.length} row${missing.length === 1 ? '' : 's'} of bundle ${head.bundle} missing (removed from the worksheet): ${missing.slice(0, 3).map((r) => `${r.rowId} ${r.principal}`).join(', ')}${missing.length > 3 ? ', …' : ''}; nothing was recorded`);
  return { rows: got as CheckedWorksheet['rows'], systems: parseSystems(head.systems), counts };
}

/** The worksheet's single control, test and bundle (every row must name the same). */
export function worksheetHead(file: string, rows: WorksheetRow[]): WorksheetHead {
  const first = rows[0]!;
  for (const [i, r] of rows.entries())
    for (const c of ['control', 'test', 'systems', 'bundle', 'bundle_manifest_sha256'] as const)
      if (r[c] !== first[c]) throw new UsageError(`${file}: row ${i + 2}: column ${c} is "${r[c]}" but row 2 has "${first[c]}"; a worksheet reviews one bundle for one control; nothing was recorded`);
  if (!/^[0-9a-f]{64}$/.test(first.bundle_manifest_sha256)) throw new UsageError(`${file}: row 2: bundle_manifest_sha256 is not a SHA-256; nothing was recorded`);
  let systems: ReviewSystem[];
  try {
    systems = parseSystems(first.systems);
  } catch {
    throw new UsageError(`${file}: row 2: systems "${first.systems}" is not a list of ${SYSTEMS.join(', ')}; nothing was recorded`);
  }
  return { control: first.control, test: first.test, systems: systems.join(','), bundle: first.bundle, manifestSha256: first.bundle_manifest_sha256 };
}
