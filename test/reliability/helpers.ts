// Shared by the reliability suites (tamper, secrets, fuzz): a seeded PRNG, deterministic signing
// keys, real bundles written with the real BundleWriter under fixed ids, file listings that never
// follow symlinks, and a scanner for strings that must never appear in an output.
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE_FORMAT, type FileEntry } from '../../src/bundle/manifest.js';
import { keyIdOf, type SigningKey } from '../../src/bundle/sign.js';
import { latestBundle } from '../../src/bundle/store.js';
import { BundleWriter } from '../../src/bundle/writer.js';

/** mulberry32: small, fast, good enough to pick mutations; the same seed gives the same sequence. */
export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** an integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** an integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(a: readonly T[]): T {
    if (!a.length) throw new Error('pick from an empty list');
    return a[this.int(a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** letters and digits */
  word(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

/** The seed of a suite: the env var when set (to replay a failure), else a fixed default. Printed. */
export function suiteSeed(envVar: string, fallback: number): number {
  const raw = process.env[envVar];
  const seed = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`${envVar}: expected an integer seed, got ${raw}`);
  console.log(`${envVar}=${seed} (set it to replay this run)`);
  return seed;
}

/** An Ed25519 key from a fixed 32-byte seed, so bundles (and their signatures) are byte-identical across runs. */
export function fixedKey(label: string): SigningKey & { privatePem: string; publicPem: string } {
  const seed = createHash('sha256').update(`soc2-reliability-${label}`).digest();
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem: publicPem, keyId: keyIdOf(publicKey), privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem };
}

/**
 * A realistic bundle written with the real BundleWriter under a fixed id: two sources, three
 * collectors, nested account/region folders, NDJSON, JSON and CSV artifacts and non-empty findings,
 * chained to the newest bundle already in the dir.
 */
export async function writeFixedBundle(evidenceDir: string, id: string, at: Date, key: SigningKey | null, day: number): Promise<string> {
  mkdirSync(evidenceDir, { recursive: true });
  const prev = latestBundle(evidenceDir, null);
  const w = await BundleWriter.create(evidenceDir, id);
  const op = (api: string) => ({ operations: [{ api, params: {}, pages: 1 }], complete: true });
  const iam = w.sink({
    collector: 'aws-iam',
    target: { kind: 'aws', source: 'prod', account: '111122223333', pathSegments: ['111122223333'] },
    declared: [
      { kind: 'aws.iam.authorization-details', file: 'authorization-details.ndjson', description: '' },
      { kind: 'aws.iam.credential-report', file: 'credential-report.csv', description: '' },
      { kind: 'aws.iam.account-summary', file: 'account-summary.json', description: '' },
    ],
    system: 'aws',
    scope: { source: 'prod', account: '111122223333' },
    criteriaFor: () => ['CC6.1', 'CC6.2'],
    now: () => at,
  });
  const nd = await iam.ndjson('aws.iam.authorization-details');
  for (let i = 0; i < 6 + day; i++) await nd.write({ type: i % 3 ? 'role' : 'user', name: `p${i}`, Arn: `arn:aws:iam::111122223333:${i % 3 ? 'role' : 'user'}/p${i}`, attached: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
  await nd.finish(op('iam:GetAccountAuthorizationDetails'));
  await iam.text('aws.iam.credential-report', `user,arn,mfa_active\n<root_account>,arn:aws:iam::111122223333:root,true\nalice,arn:aws:iam::111122223333:user/alice,${day % 2 ? 'true' : 'false'}\n`, { ...op('iam:GetCredentialReport'), records: 2 });
  await iam.json('aws.iam.account-summary', { AccountMFAEnabled: 1, Users: 2, day }, op('iam:GetAccountSummary'));
  const sm = w.sink({
    collector: 'aws-secrets-manager',
    target: { kind: 'aws', source: 'prod', account: '111122223333', region: 'us-east-1', pathSegments: ['111122223333', 'us-east-1'] },
    declared: [{ kind: 'aws.secretsmanager.secrets', file: 'secrets.ndjson', description: '' }],
    system: 'aws',
    scope: { source: 'prod', account: '111122223333', region: 'us-east-1' },
    criteriaFor: () => ['CC6.1'],
    now: () => at,
  });
  const sec = await sm.ndjson('aws.secretsmanager.secrets');
  for (let i = 0; i < 3; i++) await sec.write({ Name: `prod/app${i}`, RotationEnabled: i !== 1, LastRotatedDate: at.toISOString() });
  await sec.finish(op('secretsmanager:ListSecrets'));
  const reg = w.sink({
    collector: 'mlflow-registry',
    target: { kind: 'mlflow', source: 'registry', pathSegments: [] },
    declared: [{ kind: 'mlflow.registry.promotions', file: 'promotions.json', description: '' }],
    system: 'mlflow',
    scope: { source: 'registry', server: 'http://127.0.0.1:5000' },
    criteriaFor: () => ['CC8.1'],
    now: () => at,
  });
  await reg.json('mlflow.registry.promotions', { baseline: day === 0, window: { from: null, to: at.toISOString() }, events: day ? [{ type: 'alias-moved', model: 'fraud-detector', version: String(day), alias: 'champion' }] : [] }, { ...op('mlflow:SearchModelVersions'), records: day ? 1 : 0 });
  await w.writeFindings([
    { check: 'aws-iam.root-mfa', title: 'Root MFA', severity: 'high', criteria: ['CC6.1'], status: 'pass', summary: 'root has MFA', exceptions: [], artifacts: ['artifacts/prod/aws-iam/111122223333/credential-report.csv'] },
    { check: 'aws-iam.console-mfa', title: 'Console MFA', severity: 'high', criteria: ['CC6.1'], status: day % 2 ? 'pass' : 'fail', summary: 'console users without MFA', exceptions: day % 2 ? [] : [{ resource: 'alice', reason: 'no MFA device' }], artifacts: [] },
  ]);
  const { dir } = await w.finalize(
    {
      format: BUNDLE_FORMAT,
      id,
      stream: null,
      tool: { name: 'soc2', version: 'test' },
      organization: 'Acme ML',
      startedAt: at.toISOString(),
      finishedAt: new Date(at.getTime() + 5000).toISOString(),
      status: 'complete',
      config: { sha256: createHash('sha256').update('config').digest('hex'), scope: ['security', 'processing-integrity'] },
      identity: { aws: [{ source: 'prod', account: '111122223333', arn: 'arn:aws:sts::111122223333:assumed-role/soc2/ci' }], gcp: [], mlflow: [], ci: null },
      collectors: [],
      findings: { path: 'findings.json', summary: { pass: day % 2 ? 2 : 1, fail: day % 2 ? 0 : 1, error: 0, not_applicable: 0 } },
      previous: prev ? { id: prev.id, manifestSha256: prev.manifestSha256 } : null,
      signing: key ? { algorithm: 'ed25519', keyId: key.keyId, publicKey: key.publicKeyPem } : null,
    },
    key,
  );
  return dir;
}

export function fixedAt(i: number): Date {
  return new Date(Date.UTC(2026, 2, 1, 2, 0, 0) + i * 86_400_000);
}

/** A bundle id for day `i` after 2026-03-01, with a fixed suffix. */
export function fixedId(i: number): string {
  return fixedAt(i).toISOString().replace(/:/g, '-') + '-' + (0xa000 + i).toString(16);
}

/** Relative paths (forward slashes) of every regular file below dir; symlinks are listed, never followed. */
export function listFiles(dir: string, o: { symlinks?: boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) {
        if (o.symlinks) out.push(r);
      } else if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** Every subdirectory (relative), deepest last. */
export function listDirs(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      walk(r);
    }
  };
  walk('');
  return out.sort();
}

/** A listing of a directory tree with sizes and mtimes, to prove nothing was written there. */
export function snapshotTree(dir: string): string {
  const lines: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = lstatSync(path.join(dir, r));
      lines.push(`${r} ${st.mode.toString(8)} ${st.size} ${st.mtimeMs}`);
      if (e.isDirectory()) walk(r);
    }
  };
  walk('');
  return lines.join('\n');
}

export interface Output {
  /** where it came from: a file path or `<command> stdout` */
  name: string;
  text: string;
}

/** Every regular file below the given roots, as outputs to scan (read as latin1 so no byte is lost). */
export function fileOutputs(...roots: string[]): Output[] {
  const out: Output[] = [];
  for (const root of roots) for (const rel of listFiles(root)) out.push({ name: path.join(root, rel), text: readFileSync(path.join(root, rel)).toString('latin1') });
  return out;
}

/** [canary label, output name] for every canary found in an output. */
export function scanOutputs(outputs: Output[], canaries: Record<string, string>): { hits: [string, string][]; pairs: number } {
  const hits: [string, string][] = [];
  for (const o of outputs) for (const [label, c] of Object.entries(canaries)) if (o.text.includes(c)) hits.push([label, o.name]);
  return { hits, pairs: outputs.length * Object.keys(canaries).length };
}

export type { FileEntry };

type JsonPath = (string | number)[];

function jsonPaths(v: unknown, p: JsonPath, out: JsonPath[]): void {
  if (p.length) out.push(p);
  if (Array.isArray(v)) v.forEach((x, i) => jsonPaths(x, [...p, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) jsonPaths(x, [...p, k], out);
}

function getAt(root: unknown, p: JsonPath): unknown {
  let v = root as any;
  for (const k of p) v = v[k];
  return v;
}

/** Where in a JSON value a field was changed and how, e.g. `files[3].sha256: change-char`. */
export function formatJsonPath(p: JsonPath): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('') || '(root)';
}

/**
 * One random field-level edit of a JSON document (a copy; the input is untouched): a string, number,
 * boolean or null changed or retyped, an array element removed, duplicated or added, an object key
 * deleted, renamed or added. Always changes the serialized text.
 */
export function mutateJson(rng: Rng, input: unknown): { value: unknown; where: string } {
  for (let attempt = 0; attempt < 50; attempt++) {
    const root = JSON.parse(JSON.stringify(input));
    const paths: JsonPath[] = [];
    jsonPaths(root, [], paths);
    if (!paths.length) return { value: [root], where: '(root): wrapped' };
    const p = rng.pick(paths);
    const parent = getAt(root, p.slice(0, -1)) as any;
    const key = p[p.length - 1]!;
    const cur = parent[key];
    let op: string;
    const set = (v: unknown) => (parent[key] = v);
    if (!Array.isArray(parent) && rng.chance(0.15)) {
      op = 'delete';
      delete parent[key];
    } else if (typeof cur === 'string') {
      op = rng.pick(['change-char', 'to-number', 'to-null', 'empty', 'append']);
      if (op === 'change-char' && cur.length) {
        const i = rng.int(cur.length);
        let c = cur[i]!;
        while (c === cur[i]) c = rng.word(1, 'abcdef0123456789ABCXYZ-_/. ');
        set(cur.slice(0, i) + c + cur.slice(i + 1));
      } else if (op === 'to-number') set(cur.length);
      else if (op === 'to-null') set(null);
      else if (op === 'empty') set('');
      else set(cur + rng.word(1));
    } else if (typeof cur === 'number') {
      op = rng.pick(['+1', '-1', 'to-string', 'negate']);
      set(op === '+1' ? cur + 1 : op === '-1' ? cur - 1 : op === 'to-string' ? String(cur) : -cur - 1);
    } else if (typeof cur === 'boolean') {
      op = rng.pick(['flip', 'to-string']);
      set(op === 'flip' ? !cur : String(cur));
    } else if (cur === null) {
      op = rng.pick(['to-string', 'to-number', 'to-object']);
      set(op === 'to-string' ? 'x' : op === 'to-number' ? 0 : {});
    } else if (Array.isArray(cur)) {
      op = rng.pick(['remove', 'duplicate', 'push-null', 'to-object']);
      if ((op === 'remove' || op === 'duplicate') && cur.length) {
        const i = rng.int(cur.length);
        if (op === 'remove') cur.splice(i, 1);
        else cur.splice(i, 0, JSON.parse(JSON.stringify(cur[i])));
      } else if (op === 'to-object') set({});
      else cur.push(null);
    } else {
      const keys = Object.keys(cur);
      op = rng.pick(['add-key', 'rename-key', 'to-array']);
      if (op === 'rename-key' && keys.length) {
        const k = rng.pick(keys);
        const v = cur[k];
        delete cur[k];
        cur[`${k}_`] = v;
      } else if (op === 'to-array') set([]);
      else cur[`x_${rng.word(4)}`] = rng.word(6);
    }
    if (JSON.stringify(root) !== JSON.stringify(input)) return { value: root, where: `${formatJsonPath(p)}: ${op}` };
  }
  throw new Error('could not change the JSON document');
}
