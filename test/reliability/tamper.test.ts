// Tampering, as a property: at least 1,000 random mutations of a signed evidence dir (five real
// bundles from the real writer), each one detected by `soc2 verify` with the trusted public key and
// reported against the bundle (and the file) that was touched. Deterministic by default: the
// bundles are byte-identical on every run (fixed ids, fixed keys) and the mutations come from a
// seeded PRNG; SOC2_TAMPER_SEED replays another sequence, SOC2_TAMPER_N changes the count.
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINDINGS, MANIFEST, SIGNATURE } from '../../src/bundle/manifest.js';
import { signManifest } from '../../src/bundle/sign.js';
import { trustedKeyFromPem } from '../../src/bundle/trust.js';
import { verifyPath, type Problem } from '../../src/bundle/verify.js';
import { runCli, tmpDir } from '../helpers/cli.js';
import { Rng, fixedAt, fixedId, fixedKey, listDirs, listFiles, mutateJson, suiteSeed, writeFixedBundle } from './helpers.js';

const SEED = suiteSeed('SOC2_TAMPER_SEED', 20261127);
const N = Number(process.env.SOC2_TAMPER_N ?? 1050);
const BUNDLES = 4;
const LANES = 4;

/** What a detection must name: one of these bundles, and (when given) one of these files, in `file` or in the message. */
interface Expect {
  bundles?: string[];
  files?: string[];
  mention?: string;
}

interface Mutation {
  kind: string;
  what: string;
  expect: Expect;
  /** puts the lane's evidence dir back as it was */
  undo: () => void;
}

/** One of several copies of the evidence dir, mutated and verified concurrently (verify is I/O-bound). */
interface Lane {
  id: number;
  work: string;
  /** outside the evidence dir: where removed bundles wait to be put back */
  hold: string;
  rng: Rng;
}

const KINDS = [
  'byte-flip',
  'truncate',
  'delete-file',
  'add-file',
  'rename-file',
  'manifest-edit',
  'manifest-edit-resigned',
  'other-key-signature',
  'findings-edit',
  'append-newline',
  'remove-bundle',
  'reorder-bundles',
  'symlink-swap',
  'forged-bundle',
  'consistent-rewrite',
  'chain-resigned',
] as const;
type Kind = (typeof KINDS)[number];

function matches(p: Problem, e: Expect): boolean {
  if (e.bundles && !e.bundles.includes(p.bundle)) return false;
  if (e.files && !e.files.some((f) => p.file === f || p.message.includes(f))) return false;
  if (e.mention && !p.message.includes(e.mention) && p.bundle !== e.mention) return false;
  return true;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
/**
 * problems only a verifier holding the trusted public key can report (trust.ts); without the key the
 * chain still shows a signature that stops or a key that changes, so those count in both columns
 */
const TRUSTED_KEY_ONLY = /not signed by a trusted key|bundle is not signed; with a trusted key/;
/** a change to manifest.json is caught by its signature (manifest.sig) or by reading it (manifest.json) */
const filesFor = (f: string) => (f === MANIFEST ? [MANIFEST, SIGNATURE] : [f]);

describe('tampering: every mutation of a signed evidence dir is detected and named', () => {
  let root: string;
  let pristine: string;
  let ids: string[];
  const lanes: Lane[] = [];
  const owner = fixedKey('owner');
  const attacker = fixedKey('attacker');
  const trusted = trustedKeyFromPem(owner.publicPem, 'test');
  const files = new Map<string, string[]>();
  const dirsOf = new Map<string, string[]>();

  beforeAll(async () => {
    root = tmpDir('soc2-tamper-');
    pristine = path.join(root, 'pristine');
    for (let i = 0; i < BUNDLES; i++) await writeFixedBundle(pristine, fixedId(i), fixedAt(i), owner, i);
    ids = Array.from({ length: BUNDLES }, (_, i) => fixedId(i));
    for (const id of ids) {
      files.set(id, listFiles(path.join(pristine, id)));
      dirsOf.set(id, listDirs(path.join(pristine, id)));
    }
    for (let l = 0; l < LANES; l++) {
      const lane = { id: l, work: path.join(root, `evidence-${l}`), hold: path.join(root, `hold-${l}`), rng: new Rng(SEED + l) };
      cpSync(pristine, lane.work, { recursive: true });
      mkdirSync(lane.hold);
      lanes.push(lane);
    }
    writeFileSync(path.join(root, 'trusted.pub.pem'), owner.publicPem);
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Writes manifest JSON the way the writer does; optionally re-signs it with the attacker's key as its own. */
  const writeManifest = (dir: string, m: any, resign: boolean) => {
    if (resign) m.signing = { algorithm: 'ed25519', keyId: attacker.keyId, publicKey: attacker.publicPem };
    const text = JSON.stringify(m, null, 2) + '\n';
    writeFileSync(path.join(dir, MANIFEST), text);
    if (resign) writeFileSync(path.join(dir, SIGNATURE), signManifest(Buffer.from(text), attacker) + '\n');
  };

  /**
   * Applies one random mutation of `kind` to the lane's evidence dir. Every change is recorded in an
   * undo list (a file's old bytes, a created path, a rename), so putting the dir back costs a few
   * syscalls instead of a copy.
   */
  function mutate(lane: Lane, kind: Kind): Mutation {
    const { rng, work } = lane;
    const undo: (() => void)[] = [];
    const backup = (p: string) => {
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) return created(p);
      if (!st.isFile()) throw new Error(`backup of a non-file ${p}`);
      const bytes = readFileSync(p);
      undo.push(() => {
        rmSync(p, { recursive: true, force: true });
        writeFileSync(p, bytes);
      });
    };
    const created = (p: string) => undo.push(() => rmSync(p, { recursive: true, force: true }));
    const moved = (from: string, to: string) => {
      renameSync(from, to);
      undo.push(() => renameSync(to, from));
    };
    const done = (m: Omit<Mutation, 'undo'>): Mutation => ({ ...m, undo: () => undo.reverse().forEach((u) => u()) });

    const b = rng.pick(ids);
    const dir = path.join(work, b);
    const list = files.get(b)!;
    const f = rng.pick(list);
    const abs = (rel: string) => path.join(dir, ...rel.split('/'));
    const manifest = () => JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8'));
    switch (kind) {
      case 'byte-flip': {
        backup(abs(f));
        const buf = readFileSync(abs(f));
        const i = rng.int(buf.length);
        const mask = rng.range(1, 255);
        buf[i] = buf[i]! ^ mask;
        writeFileSync(abs(f), buf);
        return done({ kind, what: `${b}/${f}: byte ${i} ^= 0x${mask.toString(16)}`, expect: { bundles: [b], files: filesFor(f) } });
      }
      case 'truncate': {
        backup(abs(f));
        const size = readFileSync(abs(f)).length;
        const to = rng.chance(0.1) ? 0 : rng.int(size);
        truncateSync(abs(f), to);
        return done({ kind, what: `${b}/${f}: ${size} → ${to} bytes`, expect: { bundles: [b], files: filesFor(f) } });
      }
      case 'delete-file': {
        backup(abs(f));
        unlinkSync(abs(f));
        return done({ kind, what: `${b}/${f} deleted`, expect: { bundles: [b], files: filesFor(f) } });
      }
      case 'add-file': {
        let parent = rng.pick(['', ...dirsOf.get(b)!]);
        if (rng.chance(0.25)) parent = [parent, rng.word(5)].filter(Boolean).join('/');
        const name = rng.pick(['', '.']) + rng.word(rng.range(1, 10)) + rng.pick(['.json', '.ndjson', '.csv', '', '.sig', '.partial']);
        const rel = [parent, name].filter(Boolean).join('/');
        if (existsSync(abs(rel))) return mutate(lane, kind);
        // undo removes the outermost folder it had to create
        let top = rel;
        while (path.posix.dirname(top) !== '.' && !existsSync(abs(path.posix.dirname(top)))) top = path.posix.dirname(top);
        created(abs(top));
        mkdirSync(path.dirname(abs(rel)), { recursive: true });
        const how = rng.pick(['random', 'empty', 'copy of a listed file']);
        writeFileSync(abs(rel), how === 'random' ? rng.bytes(rng.range(1, 300)) : how === 'empty' ? '' : readFileSync(abs(f)));
        return done({ kind, what: `${b}/${rel} added (${how})`, expect: { bundles: [b], files: [rel] } });
      }
      case 'rename-file': {
        const how = rng.pick(['same folder', 'other folder', 'over another file', 'case change']);
        const others = list.filter((x) => x !== f);
        let to: string;
        if (how === 'same folder') to = path.posix.join(path.posix.dirname(f), rng.word(6) + path.posix.extname(f));
        else if (how === 'other folder') to = path.posix.join(rng.pick(['', ...dirsOf.get(b)!]) || '.', path.posix.basename(f));
        else if (how === 'over another file') to = rng.pick(others);
        else to = path.posix.join(path.posix.dirname(f), path.posix.basename(f).toUpperCase());
        to = path.posix.normalize(to);
        if (to === f) return mutate(lane, kind);
        backup(abs(f));
        backup(abs(to));
        renameSync(abs(f), abs(to));
        return done({ kind, what: `${b}/${f} → ${to} (${how})`, expect: { bundles: [b], files: [...filesFor(f), ...filesFor(to)] } });
      }
      case 'manifest-edit':
      case 'manifest-edit-resigned': {
        const { value, where } = mutateJson(rng, manifest());
        const resign = kind === 'manifest-edit-resigned';
        backup(abs(MANIFEST));
        backup(abs(SIGNATURE));
        writeManifest(dir, value, resign);
        return done({ kind, what: `${b}/${MANIFEST} ${where}${resign ? ', re-signed with another key' : ''}`, expect: { bundles: [b], files: [MANIFEST, SIGNATURE] } });
      }
      case 'other-key-signature': {
        const how = rng.pick(['signature only', 'signature and signing block']);
        backup(abs(MANIFEST));
        backup(abs(SIGNATURE));
        if (how === 'signature only') writeFileSync(path.join(dir, SIGNATURE), signManifest(readFileSync(path.join(dir, MANIFEST)), attacker) + '\n');
        else writeManifest(dir, manifest(), true);
        return done({ kind, what: `${b}: signed with another key (${how})`, expect: { bundles: [b], files: [SIGNATURE, MANIFEST] } });
      }
      case 'findings-edit': {
        const { value, where } = mutateJson(rng, JSON.parse(readFileSync(abs(FINDINGS), 'utf8')));
        backup(abs(FINDINGS));
        writeFileSync(abs(FINDINGS), JSON.stringify(value, null, 2) + '\n');
        return done({ kind, what: `${b}/${FINDINGS} ${where}`, expect: { bundles: [b], files: [FINDINGS] } });
      }
      case 'append-newline': {
        backup(abs(f));
        appendFileSync(abs(f), rng.pick(['\n', '\r\n', ' ', '\n\n']));
        return done({ kind, what: `${b}/${f}: whitespace appended`, expect: { bundles: [b], files: filesFor(f) } });
      }
      case 'remove-bundle': {
        // the newest bundle is left out: without an external anchor (the S3 copy) a dir cannot tell that its tail is gone
        const i = rng.int(ids.length - 1);
        const how = rng.pick(['deleted', 'renamed out of the bundle namespace']);
        moved(path.join(work, ids[i]!), how === 'deleted' ? path.join(lane.hold, ids[i]!) : path.join(work, `old-${ids[i]}`));
        return done({ kind, what: `${ids[i]} ${how} (bundle ${i + 1} of ${ids.length})`, expect: { mention: ids[i]! } });
      }
      case 'reorder-bundles': {
        const i = rng.int(ids.length);
        let j = rng.int(ids.length);
        while (j === i) j = rng.int(ids.length);
        const [a, c] = [ids[i]!, ids[j]!];
        moved(path.join(work, a), path.join(work, 'swap'));
        moved(path.join(work, c), path.join(work, a));
        moved(path.join(work, 'swap'), path.join(work, c));
        return done({ kind, what: `${a} ⇄ ${c}`, expect: { bundles: [a, c], files: [MANIFEST] } });
      }
      case 'symlink-swap': {
        // the link points at an identical copy outside the bundle: same bytes, but not the bundle's file
        if (rng.chance(0.2)) {
          const d = rng.pick(dirsOf.get(b)!);
          moved(abs(d), path.join(lane.hold, 'dir'));
          created(abs(d));
          symlinkSync(path.join(pristine, b, ...d.split('/')), abs(d));
          return done({ kind, what: `${b}/${d}/ replaced by a symlink to an identical copy`, expect: { bundles: [b], files: [d] } });
        }
        backup(abs(f));
        unlinkSync(abs(f));
        symlinkSync(path.join(pristine, b, ...f.split('/')), abs(f));
        return done({ kind, what: `${b}/${f} replaced by a symlink to an identical copy`, expect: { bundles: [b], files: filesFor(f) } });
      }
      case 'forged-bundle': {
        // a copy of a real bundle under a new id, correctly chained, signed by a key that is not the trusted one
        const i = rng.int(ids.length);
        const where = rng.pick(['after the last', 'between two bundles']);
        const last = where === 'after the last' ? ids.length - 1 : rng.int(ids.length - 1);
        const at = new Date(fixedAt(last).getTime() + (where === 'after the last' ? 86_400_000 : 3_600_000));
        const id = at.toISOString().replace(/:/g, '-') + '-f0' + rng.word(2, '0123456789abcdef');
        created(path.join(work, id));
        cpSync(path.join(pristine, ids[i]!), path.join(work, id), { recursive: true });
        const m = JSON.parse(readFileSync(path.join(work, id, MANIFEST), 'utf8'));
        m.id = id;
        m.startedAt = at.toISOString();
        m.previous = { id: ids[last]!, manifestSha256: sha(readFileSync(path.join(work, ids[last]!, MANIFEST))) };
        writeManifest(path.join(work, id), m, true);
        return done({ kind, what: `${id} forged from ${ids[i]} ${where} (${ids[last]})`, expect: { bundles: [id], files: [SIGNATURE, MANIFEST] } });
      }
      case 'chain-resigned': {
        // the whole chain rewritten and re-signed with the attacker's key, every link updated: self-consistent,
        // so only a verifier holding the trusted key can tell
        let prev: { id: string; manifestSha256: string } | null = null;
        for (const id of ids) {
          const d = path.join(work, id);
          for (const x of [MANIFEST, SIGNATURE]) backup(path.join(d, x));
          const m = JSON.parse(readFileSync(path.join(d, MANIFEST), 'utf8'));
          m.previous = prev;
          writeManifest(d, m, true);
          prev = { id, manifestSha256: sha(readFileSync(path.join(d, MANIFEST))) };
        }
        return done({ kind, what: 'every bundle re-signed with another key, the chain re-linked', expect: { bundles: ids, files: [SIGNATURE] } });
      }
      case 'consistent-rewrite': {
        // the attacker edits a file AND updates its size and SHA-256 in the manifest, then re-signs
        const target = rng.pick(list.filter((x) => x !== MANIFEST && x !== SIGNATURE));
        for (const x of [target, MANIFEST, SIGNATURE]) backup(abs(x));
        appendFileSync(abs(target), target.endsWith('.ndjson') ? '{"type":"user","name":"ghost"}\n' : target.endsWith('.csv') ? 'ghost,arn:aws:iam::111122223333:user/ghost,true\n' : ' ');
        const buf = readFileSync(abs(target));
        const m = manifest();
        for (const e of [...m.files, ...m.artifacts]) if (e.path === target) Object.assign(e, { sha256: sha(buf), bytes: buf.length });
        writeManifest(dir, m, true);
        return done({ kind, what: `${b}/${target} changed, manifest updated to match and re-signed`, expect: { bundles: [b], files: [MANIFEST, SIGNATURE] } });
      }
    }
  }

  it(`detects ${N} random mutations (seed ${SEED}), naming the bundle and file`, async () => {
    expect(N).toBeGreaterThanOrEqual(1000);
    for (const lane of lanes) expect((await verifyPath(lane.work, { trustedKeys: [trusted] })).problems).toEqual([]);

    const stats = new Map<string, { n: number; detected: number; withoutKey: number }>(KINDS.map((k) => [k, { n: 0, detected: 0, withoutKey: 0 }]));
    const missed: string[] = [];
    const t0 = Date.now();
    // mutation i is of kind i % KINDS and runs on lane i % LANES with that lane's PRNG (seed + lane): fixed by the seed
    await Promise.all(
      lanes.map(async (lane) => {
        for (let i = lane.id; i < N; i += LANES) {
          const kind = KINDS[i % KINDS.length]!;
          const m = mutate(lane, kind);
          const r = await verifyPath(lane.work, { trustedKeys: [trusted] });
          const s = stats.get(kind)!;
          s.n++;
          if (!r.ok && r.problems.some((p) => matches(p, m.expect))) s.detected++;
          else missed.push(`#${i} (lane ${lane.id}) ${m.kind}: ${m.what}\n    expected ${JSON.stringify(m.expect)}\n    got ${JSON.stringify(r.problems)}`);
          // what an auditor without the trusted key would still see: a problem naming the touched bundle and file
          // that is not one of the trusted-key ones
          if (r.problems.some((p) => !TRUSTED_KEY_ONLY.test(p.message) && matches(p, m.expect))) s.withoutKey++;
          m.undo();
          if (Math.floor(i / LANES) % 50 === 49) expect((await verifyPath(lane.work, { trustedKeys: [trusted] })).problems, `lane ${lane.id} after #${i}`).toEqual([]);
        }
      }),
    );
    const ms = Date.now() - t0;
    const rows = [...stats].map(([k, s]) => `| ${k} | ${s.n} | ${s.detected} | ${s.withoutKey} |`);
    const total = [...stats.values()].reduce((a, s) => ({ n: a.n + s.n, detected: a.detected + s.detected, withoutKey: a.withoutKey + s.withoutKey }), { n: 0, detected: 0, withoutKey: 0 });
    console.log(
      [`tamper: seed ${SEED}, ${total.n} mutations, ${total.detected} detected with the trusted key, ${total.withoutKey} without it, ${ms} ms`, '| kind | mutations | detected (trusted key) | detected (no key) |', '|---|---|---|---|', ...rows, `| total | ${total.n} | ${total.detected} | ${total.withoutKey} |`].join('\n'),
    );
    expect(missed, missed.slice(0, 10).join('\n')).toEqual([]);
    expect(total.detected).toBe(N);
    for (const s of stats.values()) expect(s.n).toBeGreaterThanOrEqual(Math.floor(N / KINDS.length));
    for (const lane of lanes) expect(listFiles(lane.work, { symlinks: true })).toEqual(listFiles(pristine, { symlinks: true }));
  }, 120_000);

  it('exits 4 from the CLI and names bundle/file for a handful of mutations, 0 when intact', async () => {
    const pub = path.join(root, 'trusted.pub.pem');
    const lane = { ...lanes[0]!, rng: new Rng(SEED ^ 0x5eed) };
    const work = lane.work;
    const ok = await runCli(['verify', work, '--public-key', pub]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    for (const kind of ['byte-flip', 'delete-file', 'manifest-edit', 'other-key-signature', 'remove-bundle', 'append-newline'] as const) {
      const m = mutate(lane, kind);
      const json = kind === 'remove-bundle';
      const r = await runCli(['verify', work, '--public-key', pub, ...(json ? ['--json'] : [])]);
      m.undo();
      expect(r.code, `${m.what}\n${r.stdout}${r.stderr}`).toBe(4);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      if (json) {
        const problems: Problem[] = JSON.parse(r.stdout).problems;
        expect(problems.some((p) => matches(p, m.expect)), `${m.what}: ${r.stdout}`).toBe(true);
      } else {
        const lines = r.stdout.split('\n').filter((l) => l.startsWith('✗ ') && l.includes(': '));
        const named = lines.some((l) => m.expect.bundles!.some((b) => l.startsWith(`✗ ${b}`)) && m.expect.files!.some((f) => l.includes(f)));
        expect(named, `${m.what}:\n${r.stdout}`).toBe(true);
      }
    }
  });
});
