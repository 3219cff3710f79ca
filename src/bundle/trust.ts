// The one trust policy of verify, report and diff. A reader names the Ed25519 public keys it trusts
// (--public-key FILE, repeatable, or signing.trustedKeys in the config); then every bundle must be
// signed by one of them, whatever key its manifest embeds. Without a trusted key a verifier can
// only check that the evidence is self-consistent: each signature against the key its own manifest
// carries (which whoever rewrote the manifest chose). In both modes a chain in which signatures stop
// or the signing key changes is a problem: it is what a rewrite of the newest bundles looks like.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import { MANIFEST, SIGNATURE, type Manifest } from './manifest.js';
import { keyIdOf, verifySignature } from './sign.js';
import { readRegularFileBounded, refusalText } from './store.js';

export interface TrustedKey {
  keyId: string;
  key: KeyObject;
  /** where it came from, for messages: "--public-key FILE" or "signing.trustedKeys[0]: FILE" */
  source: string;
}

/** Key files are a few hundred bytes; anything beyond this is not a PEM public key. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** An Ed25519 public key from PEM, or null for anything else (another algorithm, a private key, junk). */
export function ed25519PublicKey(pem: string): KeyObject | null {
  try {
    const k = createPublicKey(pem);
    return k.type === 'public' && k.asymmetricKeyType === 'ed25519' ? k : null;
  } catch {
    return null;
  }
}

/** One trusted key file; `label` names where it was given ("--public-key" or "signing.trustedKeys[0]"). */
export function loadTrustedKey(file: string, label: string): TrustedKey {
  const r = readRegularFileBounded(file, MAX_KEY_FILE_BYTES);
  if ('refused' in r) throw new UsageError(`${label} ${file}: ${r.refused === 'missing' ? 'no such file' : r.refused === 'symlink' ? 'cannot read it' : refusalText(r, `${MAX_KEY_FILE_BYTES} bytes`)}`);
  return trustedKeyFromPem(r.bytes.toString('utf8'), `${label} ${file}`);
}

/** A trusted key from PEM text; `source` names it in messages. */
export function trustedKeyFromPem(pem: string, source: string): TrustedKey {
  if (/PRIVATE KEY-----/.test(pem)) throw new UsageError(`${source}: is a private key; give the public key (the .pub.pem "soc2 keygen" wrote)`);
  const key = ed25519PublicKey(pem);
  if (!key) throw new UsageError(`${source}: expected an Ed25519 public key in PEM (only Ed25519 is accepted)`);
  return { keyId: keyIdOf(key), key, source };
}

/** The trusted keys of one run: the --public-key flags when given, else the config's signing.trustedKeys. */
export function loadTrustedKeys(flags: string[] | undefined, configured: { files: string[] } | null): TrustedKey[] {
  const list = flags?.length ? flags.map((f) => loadTrustedKey(f, '--public-key')) : (configured?.files ?? []).map((f, i) => loadTrustedKey(f, `signing.trustedKeys[${i}]:`));
  // the same key given twice is one key
  return [...new Map(list.map((k) => [k.keyId, k])).values()];
}

export interface SignatureCheck {
  /** the key that signed the bundle: a trusted key's id, or (without trusted keys) the embedded key's; null when unsigned or not verified */
  signer: string | null;
  problems: { file: string; message: string }[];
}

/**
 * The signature of one bundle. `sig` is manifest.sig as read from disk (null when absent or refused,
 * with `sigProblem` saying why). Checked against the embedded key (self-consistency) and, when the
 * reader trusts keys, against those alone.
 */
export function checkSignature(bytes: Buffer, m: Manifest, sig: Buffer | null, sigProblem: string | null, trusted: TrustedKey[]): SignatureCheck {
  const problems: SignatureCheck['problems'] = [];
  const p = (file: string, message: string) => problems.push({ file, message });
  if (m.signing == null) {
    if (trusted.length) p(MANIFEST, 'bundle is not signed; with a trusted key every bundle must be signed by one');
    return { signer: null, problems };
  }
  if (sig === null) {
    p(SIGNATURE, sigProblem ?? 'manifest says the bundle is signed but the signature is missing');
    return { signer: null, problems };
  }
  const text = sig.toString('latin1');
  // base64 decoding is lenient (whitespace, stray characters, unused low bits of the last digit are
  // ignored), so a changed signature file can decode to the same signature: require the exact bytes
  // the writer makes — the canonical base64 of one 64-byte Ed25519 signature and one newline
  const b64 = text.slice(0, -1);
  if (!/^[A-Za-z0-9+/]{86}==\n$/.test(text) || Buffer.from(b64, 'base64').toString('base64') !== b64)
    p(SIGNATURE, 'signature file changed: expected exactly one base64 Ed25519 signature and a newline, as written at signing');
  if (m.signing.algorithm !== 'ed25519') p(MANIFEST, `manifest signing.algorithm is ${JSON.stringify(m.signing.algorithm)}; only ed25519 is accepted`);
  const embedded = embeddedKey(String(m.signing.publicKey));
  if (!embedded) p(MANIFEST, 'manifest signing.publicKey is not an Ed25519 public key (only Ed25519 is accepted)');
  else {
    if (embedded.keyId !== m.signing.keyId) p(MANIFEST, 'manifest signing.keyId does not match its public key');
    if (!verifySignature(bytes, text, embedded.key)) p(SIGNATURE, "signature does not match manifest.json under the manifest's key");
  }
  if (!trusted.length) return { signer: problems.length ? null : m.signing.keyId, problems };
  const by = trusted.find((k) => verifySignature(bytes, text, k.key));
  if (!by) {
    p(SIGNATURE, `not signed by a trusted key (the manifest names ${printableKeyId(m.signing.keyId)}; trusted: ${trusted.map((k) => k.keyId).join(', ')})`);
    return { signer: null, problems };
  }
  return { signer: by.keyId, problems };
}

// a stream's bundles embed the same key: parse it once, not once per bundle (~1 ms each: 0.35 s a year of 365)
let lastEmbedded: { pem: string; parsed: { key: KeyObject; keyId: string } | null } | null = null;

/** The manifest's embedded Ed25519 key and its id, or null (the last PEM seen is remembered). */
function embeddedKey(pem: string): { key: KeyObject; keyId: string } | null {
  if (lastEmbedded?.pem !== pem) {
    const key = ed25519PublicKey(pem);
    lastEmbedded = { pem, parsed: key ? { key, keyId: keyIdOf(key) } : null };
  }
  return lastEmbedded.parsed;
}

const printableKeyId = (v: unknown) => (typeof v === 'string' ? v.slice(0, 80) : JSON.stringify(v));

export interface ChainMember {
  id: string;
  manifest: Manifest;
  signer: string | null;
}

/**
 * Along one stream's chain (sorted by id): once a bundle is signed, every later bundle is, and by the
 * same key. Starting to sign mid-chain is allowed (signing turned on); stopping, or a new key, is not.
 */
export function checkChainSigning(chain: ChainMember[]): { bundle: string; file: string; message: string }[] {
  const out: { bundle: string; file: string; message: string }[] = [];
  let lastSigned: { id: string; key: string } | null = null;
  for (const c of chain) {
    const key = c.manifest.signing ? (c.signer ?? String(c.manifest.signing.keyId)) : null;
    if (!key) {
      if (lastSigned) out.push({ bundle: c.id, file: MANIFEST, message: `not signed, but ${lastSigned.id} before it in the chain is: a signature was removed or signing was turned off` });
      continue;
    }
    if (lastSigned && lastSigned.key !== key)
      out.push({ bundle: c.id, file: SIGNATURE, message: `signing key changed inside the chain: signed with ${printableKeyId(key)}, ${lastSigned.id} before it with ${lastSigned.key}` });
    lastSigned = { id: c.id, key };
  }
  return out;
}

export interface TrustSummary {
  /** trusted: signatures checked against the reader's keys; self-consistent: only against the keys the manifests carry */
  mode: 'trusted' | 'self-consistent';
  /** trusted mode: every trusted key, with the bundles it signed; self-consistent: the keys the manifests name */
  keys: { keyId: string; bundles: number }[];
  signed: number;
  unsigned: number;
}

export function trustSummary(bundles: { signed: boolean; keyId: string | null }[], trusted: TrustedKey[]): TrustSummary {
  const counts = new Map<string, number>(trusted.map((k) => [k.keyId, 0]));
  for (const b of bundles) if (b.keyId && (!trusted.length || counts.has(b.keyId))) counts.set(b.keyId, (counts.get(b.keyId) ?? 0) + 1);
  const signed = bundles.filter((b) => b.signed).length;
  return { mode: trusted.length ? 'trusted' : 'self-consistent', keys: [...counts].map(([keyId, n]) => ({ keyId, bundles: n })), signed, unsigned: bundles.length - signed };
}

/** Whether the evidence came from write-once storage: what S3 Object Lock said about each object read. */
export interface WriteOnceSummary {
  source: 's3';
  objects: number;
  /** objects carrying an Object Lock mode and a retain-until date */
  locked: number;
  modes: { COMPLIANCE: number; GOVERNANCE: number };
  /** the earliest retain-until date seen (ISO), null when no object is locked */
  earliestRetainUntil: string | null;
  /** objects without a mode or a retain-until date (at most 100 listed; `objects - locked` counts them all) */
  unlocked: { bundle: string; file: string }[];
  bundles: { id: string; objects: number; locked: number; mode: 'COMPLIANCE' | 'GOVERNANCE' | 'mixed' | null; retainUntil: string | null }[];
}

export interface ObjectLockSeen {
  bundle: string;
  file: string;
  mode: string | null;
  until: Date | null;
}

export function writeOnceSummary(seen: ObjectLockSeen[]): WriteOnceSummary {
  const s: WriteOnceSummary = { source: 's3', objects: seen.length, locked: 0, modes: { COMPLIANCE: 0, GOVERNANCE: 0 }, earliestRetainUntil: null, unlocked: [], bundles: [] };
  const per = new Map<string, WriteOnceSummary['bundles'][number]>();
  const earlier = (a: string | null, b: string) => (a === null || b < a ? b : a);
  for (const o of [...seen].sort((a, b) => a.bundle.localeCompare(b.bundle) || a.file.localeCompare(b.file))) {
    let b = per.get(o.bundle);
    if (!b) per.set(o.bundle, (b = { id: o.bundle, objects: 0, locked: 0, mode: null, retainUntil: null }));
    b.objects++;
    const mode = o.mode === 'COMPLIANCE' || o.mode === 'GOVERNANCE' ? o.mode : null;
    if (!mode || !o.until) {
      if (s.unlocked.length < 100) s.unlocked.push({ bundle: o.bundle, file: o.file });
      continue;
    }
    const until = o.until.toISOString();
    s.locked++;
    s.modes[mode]++;
    s.earliestRetainUntil = earlier(s.earliestRetainUntil, until);
    b.locked++;
    b.mode = b.mode === null || b.mode === mode ? mode : 'mixed';
    b.retainUntil = earlier(b.retainUntil, until);
  }
  s.bundles = [...per.values()];
  return s;
}
