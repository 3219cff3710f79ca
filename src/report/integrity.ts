// The report's integrity section: what `soc2 verify` found over the evidence dir, against which keys,
// and whether the evidence came from write-once storage. "Verified" is said only against keys the
// reader trusts; signed evidence read without one fails the report (or, with --allow-unverified, is
// stamped as unverified); unsigned evidence is "self-consistent", never "verified".
import { PARTIAL_SUFFIX } from '../bundle/manifest.js';
import { trustSummary, type TrustedKey } from '../bundle/trust.js';
import type { Problem, VerifyResult } from '../bundle/verify.js';
import type { FilesCheckedSummary, Integrity } from './model.js';

const CHECKS =
  'size and SHA-256 of every file against its manifest, files missing or added, symbolic links and other non-regular files, unsafe paths, the hash chain between consecutive bundles, and that signatures neither stop nor change key along a chain; every file the report reads is hashed again as it is read.';

/**
 * Whether a problem counts against the report: its bundle lies in the requested window. An end the
 * request leaves open covers everything on that side — a bundle verify could not read (a symlink, an
 * unreadable folder) never set the window's edge, and must not fall outside it. Names without a day
 * (the evidence dir itself, quarantine/…) always count.
 */
export function inRequestedWindow(req: { from?: string; to?: string; period?: { from: string; to: string } }): (bundle: string) => boolean {
  const from = req.from ?? req.period?.from;
  const to = req.to ?? req.period?.to;
  return (bundle) => {
    const day = /^\d{4}-\d{2}-\d{2}T/.test(bundle) ? bundle.slice(0, 10) : null;
    return day === null || ((!from || day >= from) && (!to || day <= to));
  };
}

export function integrityOf(verified: VerifyResult, o: { inWindow: (bundle: string) => boolean; partial: string[]; trustedKeys: TrustedKey[]; allowUnverified: boolean; writeOnce: Integrity['writeOnce'] }): Integrity {
  const problems: Problem[] = [];
  const outside: Problem[] = [];
  const bundleOf = (name: string) => (name.endsWith(PARTIAL_SUFFIX) ? name.slice(0, -PARTIAL_SUFFIX.length) : name);
  for (const p of verified.problems) (o.inWindow(bundleOf(p.bundle)) ? problems : outside).push(p);
  const windowBundles = verified.bundles.filter((b) => o.inWindow(b.id));
  const trust = trustSummary(windowBundles, o.trustedKeys);
  // signatures checked only against keys the manifests carry prove nothing about who wrote them
  const untrusted = trust.mode === 'self-consistent' && trust.signed > 0;
  return {
    ok: problems.length === 0 && !untrusted,
    method:
      trust.mode === 'trusted'
        ? `soc2 verify over the evidence directory against the trusted key(s) ${o.trustedKeys.map((k) => k.keyId).join(', ')}: every bundle signed (Ed25519) by one of them, whatever key its manifest embeds; ${CHECKS}`
        : `soc2 verify over the evidence directory, self-consistency only (no trusted key was given): Ed25519 signatures checked against the key each manifest embeds, which says nothing about who signed; ${CHECKS}`,
    bundlesChecked: windowBundles.length + o.partial.filter((p) => o.inWindow(bundleOf(p))).length,
    signedBundles: trust.signed,
    trust,
    untrusted,
    writeOnce: o.writeOnce,
    problems,
    outsideWindow: outside,
    allowUnverified: o.allowUnverified,
    stamp: null,
    filesChecked: filesCheckedOf(verified, windowBundles),
  };
}

function filesCheckedOf(verified: VerifyResult, windowBundles: VerifyResult['bundles']): FilesCheckedSummary {
  const cached = windowBundles.filter((b) => b.files?.by === 'cache').map((b) => ({ bundle: b.id, verifiedAt: b.files!.verifiedAt }));
  return { cacheDir: verified.cache?.read ? verified.cache.dir : null, hashedNow: windowBundles.length - cached.length, fromCache: cached.length, cached };
}

/** The appendix's "Files hashed" cell of a bundle read from s3:// without --download. */
export const REMOTE_FILES_CELL = 'the files read: now; the others: by S3 stored SHA-256';

/** One line on how the files were checked: all hashed now, or some found unchanged since an earlier run. */
export function filesCheckedLine(ig: Pick<Integrity, 'filesChecked'>): string {
  const f = ig.filesChecked;
  if (f.remote)
    return `read from ${f.remote.location}: ${f.remote.downloaded} object(s) downloaded and hashed (${f.remote.bytesDownloaded} bytes: manifests, signatures and the files this report reads, hashed again as read); ${f.remote.linked} with the same SHA-256 as a downloaded one and ${f.remote.byChecksum} others checked by the SHA-256 checksum and size S3 stored for them (S3 validated that checksum against the bytes at upload), not downloaded; manifests, signatures and the chain were checked in this run`;
  if (!f.fromCache) return `every file of the ${f.hashedNow} bundle(s) hashed in this run${f.cacheDir ? '' : ' (verified-bundle cache not used)'}`;
  const at = f.cached.map((c) => c.verifiedAt).sort();
  return `${f.hashedNow} bundle(s) hashed in this run; ${f.fromCache} from the verified-bundle cache (${f.cacheDir}): their files are the same inodes, sizes, mtimes and ctimes as when hashed between ${at[0]} and ${at.at(-1)}; manifests, signatures and the chain were checked in this run`;
}

/** The stamp every page carries when integrity is not established (only with --allow-unverified). */
export function unverifiedStamp(ig: Integrity, badBundles: number): string {
  const tail = 'Produced with --allow-unverified; do not rely on it as audit evidence.';
  const first = ig.problems[0];
  const found = first
    ? `${ig.problems.length} integrity problem${ig.problems.length === 1 ? '' : 's'} in ${badBundles} bundle${badBundles === 1 ? '' : 's'} of the window (first: ${first.bundle}${first.file ? '/' + first.file : ''}: ${first.message}). `
    : '';
  const keyless = ig.untrusted ? `${ig.trust.signed} signed bundle${ig.trust.signed === 1 ? '' : 's'} checked against no trusted key: nothing shows who signed them. ` : '';
  return `UNVERIFIED EVIDENCE: ${found}${keyless}${tail}`;
}

/** One line for the report's summary: verified (by which keys), self-consistent, or not verified. */
export function integrityLine(ig: Integrity): string {
  if (!ig.ok) return `NOT verified: ${ig.problems.length} problem(s)${ig.untrusted ? '; signed, but no trusted key was given' : ''}`;
  if (ig.trust.mode === 'trusted') return `verified against trusted key(s): ${keyCounts(ig)}`;
  return `self-consistent, not signed: ${ig.bundlesChecked} bundle(s) hash and chain intact, but no signature ties them to a key`;
}

/** "sha256:… signed 12 bundles, sha256:… signed 0 bundles" */
export function keyCounts(ig: Integrity): string {
  return ig.trust.keys.map((k) => `${k.keyId} signed ${k.bundles} bundle${k.bundles === 1 ? '' : 's'}`).join('; ');
}

/** One line on write-once storage: S3 Object Lock seen per object, or a local directory. */
export function writeOnceLine(ig: Pick<Integrity, 'writeOnce'>): string {
  const w = ig.writeOnce;
  if (w.source === 'local') return 'read from a local directory: no write-once storage was checked (read the evidence from s3:// to see S3 Object Lock per object)';
  const modes = Object.entries(w.modes)
    .filter(([, n]) => n > 0)
    .map(([m, n]) => `${n} ${m}`)
    .join(', ');
  return `read from S3: ${w.locked} of ${w.objects} object(s) under Object Lock${modes ? ` (${modes}; earliest retain-until ${w.earliestRetainUntil})` : ''}${w.objects > w.locked ? `; ${w.objects - w.locked} without retention` : ''}`;
}
