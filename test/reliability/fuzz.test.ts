// Hostile input. (1) The config loader: random bytes, YAML soup, malformed YAML, wrong types at
// random key paths of a valid config, unknown and credential keys, alias bombs, deep nesting, huge
// files, tags and prototype keys — every case ends in a UsageError whose message is one line naming
// the file, never another exception. (2) The bundle reader: malformed manifests, fields of the wrong
// type, unsafe paths, symlinks out of the bundle, symlinked bundle dirs, FIFOs, huge manifests —
// `verify`, the report's reader with --allow-unverified (and, sampled, its renderers, the strict
// `report` command and `diff`) report problems (exit 4) or a clear error (exit 2), never crash, and
// never read or write outside the evidence dir (a sentinel file's contents never show up in any
// output and its access time never moves; listings before/after).
// Seeded (SOC2_FUZZ_SEED); a few cases of each part also go through the built CLI.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/registry.js';
import { FINDINGS, MANIFEST, SIGNATURE } from '../../src/bundle/manifest.js';
import { verifyPath } from '../../src/bundle/verify.js';
import { diffCommand } from '../../src/commands/diff.js';
import { reportCommand } from '../../src/commands/report.js';
import { loadMappings } from '../../src/mapping/index.js';
import { buildReport } from '../../src/report/aggregate.js';
import { FORMATS, writeReport } from '../../src/report/index.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/core/errors.js';
import { runCli, tmpDir } from '../helpers/cli.js';
import { Rng, fixedAt, fixedId, fixedKey, listFiles, mutateJson, snapshotTree, suiteSeed, writeFixedBundle } from './helpers.js';

const SEED = suiteSeed('SOC2_FUZZ_SEED', 8675309);
const STACK = /\n\s+at |^\s+at /m;
/** one line, and no control characters that could rewrite a terminal (ESC, CR, BEL …) */
const ONE_LINE = /^[^\u0000-\u001f\u007f]*$/;

const VALID = `# a config that uses every section
organization: Acme ML
scope: [security, availability, processing-integrity]
observationPeriod: {from: 2026-01-01, to: 2026-12-31}
evidence:
  dir: evidence
  stream: nightly
signing:
  keyFile: key.pem
concurrency: 4
sources:
  aws:
    - name: prod
      regions: [us-east-1, eu-west-1]
      assumeRoleArn: arn:aws:iam::111122223333:role/soc2
      externalId: abc123
      trainingDataBuckets: [acme-training]
  mlflow:
    - name: registry
      trackingUri: https://mlflow.example.com
      productionAliases: [champion]
      approvalTags: [approved_by]
      lineageScope: production
  vertex:
    - name: ml-prod
      project: acme-ml-prod
      locations: [us-central1]
      approvalLabels: [approved-by]
      requireCmek: true
collectors: [aws-iam, mlflow-registry, vertex-registry]
settings:
  aws-iam:
    accessKeyMaxAgeDays: 90
mappings: [my-controls.yaml]
`;

describe('hostile input: the config loader', () => {
  const FILE = 'fuzz/soc2.config.yaml';
  const rng = new Rng(SEED);
  const stats = new Map<string, { cases: number; rejected: number; accepted: number; namedPath?: number }>();
  const failures: string[] = [];
  const slow: string[] = [];

  /** Runs one case: a UsageError with a one-line message naming the file, or a valid config. */
  function check(category: string, text: string, o: { mustReject?: boolean; path?: string; note?: string } = {}): string | null {
    const s = stats.get(category) ?? { cases: 0, rejected: 0, accepted: 0 };
    stats.set(category, s);
    s.cases++;
    const t0 = Date.now();
    let msg: string | null = null;
    try {
      parseConfig(text, FILE, collectors);
      s.accepted++;
      if (o.mustReject) failures.push(`${category}: accepted ${o.note ?? JSON.stringify(text.slice(0, 200))}`);
    } catch (e) {
      s.rejected++;
      msg = (e as Error)?.message ?? String(e);
      if (!(e instanceof UsageError)) failures.push(`${category}: ${(e as Error)?.name ?? typeof e}: ${msg} for ${JSON.stringify(text.slice(0, 200))}`);
      else if (!msg.startsWith(`${FILE}: `) || !ONE_LINE.test(msg)) failures.push(`${category}: message is not one clean line naming the file: ${JSON.stringify(msg)}`);
      else if (o.path) {
        s.namedPath = (s.namedPath ?? 0) + (msg.includes(`: ${o.path}`) ? 1 : 0);
        const top = o.path.split(/[.[]/)[0]!;
        if (!msg.includes(top)) failures.push(`${category}: message does not name ${top} (changed ${o.path}): ${msg}`);
      }
    }
    const ms = Date.now() - t0;
    // a guard against blow-ups (exponential aliases, quadratic scans), not a benchmark: the machine is shared
    if (ms > 15_000) slow.push(`${category}: ${ms} ms for ${JSON.stringify(text.slice(0, 80))}`);
    return msg;
  }

  it('the valid base config is accepted', () => {
    expect(() => parseConfig(VALID, FILE, collectors)).not.toThrow();
  });

  it('random bytes', () => {
    for (let i = 0; i < 200; i++) {
      const buf = rng.bytes(rng.range(1, 400));
      check('random bytes', rng.chance(0.5) ? buf.toString('utf8') : buf.toString('latin1'));
    }
  });

  it('YAML token soup', () => {
    const tokens = [':', ': ', '-', '- ', '[', ']', '{', '}', ',', '&a ', '*a', '&b ', '*b', '<<: ', '!!str ', '!!int ', '!!map ', '!!binary ', '!!js/function ', '!custom ', '|', '>-', '"', "'", '"\\x', '#', '\n', '\n  ', '\n    ', '\t', '? ', '---\n', '...\n', '%YAML 1.2\n', '%TAG ! tag:x,2000:\n', 'sources', 'aws', 'name', 'regions', 'us-east-1', 'settings', 'collectors', '__proto__', 'constructor', '~', 'null', 'yes', '0x1F', '1e999', '\u0000', '\ufeff', '\u202e', '\u001b[31m'];
    for (let i = 0; i < 300; i++) {
      let t = '';
      for (let k = rng.range(1, 40); k > 0; k--) t += rng.pick(tokens);
      check('YAML token soup', t);
    }
  });

  it('malformed YAML derived from the valid config', () => {
    const breakers = ['\t', ':', ': :', '[', ']', '{', '}', '"', "'", '&', '*', '*nope', '- ', '\n-', '\n  -', '\n x: y', '  ', '!', '|', '>', '%', '@', '`', '\u0000', '\ufffe'];
    for (let i = 0; i < 200; i++) {
      let t = VALID;
      for (let k = rng.range(1, 3); k > 0; k--) {
        const at = rng.int(t.length);
        const op = rng.pick(['insert', 'delete', 'replace']);
        const b = rng.pick(breakers);
        t = op === 'insert' ? t.slice(0, at) + b + t.slice(at) : op === 'delete' ? t.slice(0, at) + t.slice(at + rng.range(1, 8)) : t.slice(0, at) + b + t.slice(at + 1);
      }
      check('malformed YAML', t);
    }
  });

  it('wrong types at random key paths of the valid config', () => {
    const base = parseConfigRaw(VALID);
    const values: unknown[] = [42, -1, 3.5, 0, true, false, null, 'x', '', [], {}, ['x'], [1, 2], { k: 'v' }, [{ a: 1 }], 1e308];
    const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]) => {
      if (p.length) paths.push(p);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(base, []);
    for (let i = 0; i < 200; i++) {
      const doc = structuredClone(base) as any;
      const p = rng.pick(paths);
      let parent = doc;
      for (const k of p.slice(0, -1)) parent = parent[k];
      const cur = parent[p[p.length - 1]!];
      let v = rng.pick(values);
      while (kindOf(v) === kindOf(cur)) v = rng.pick(values);
      parent[p[p.length - 1]!] = v;
      const where = p.map((k, j) => (typeof k === 'number' ? `[${k}]` : j ? `.${k}` : k)).join('');
      check('wrong types', YAML.stringify(doc), { path: where });
    }
  });

  it('unknown keys and credential keys at random mappings', () => {
    const base = parseConfigRaw(VALID);
    const objects: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]) => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
      else if (v && typeof v === 'object') {
        // settings.<collector> is open to the collector's own schema, settings itself maps collector ids
        objects.push(p);
        for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
      }
    };
    walk(base, []);
    const credentialKeys = ['secretAccessKey', 'aws_secret_access_key', 'password', 'token', 'privateKey', 'apiKey', 'credentials', 'sessionToken'];
    for (let i = 0; i < 150; i++) {
      const doc = structuredClone(base) as any;
      const p = rng.pick(objects);
      let o = doc;
      for (const k of p) o = o[k];
      const cred = rng.chance(0.3);
      const key = cred ? rng.pick(credentialKeys) : rng.pick(['colour', 'x', 'Sources', 'regionz', 'a b', 'ключ', '💥', 'key\twith\ttabs', '__proto__', 'constructor', 'toString', '\u001b[2Jclear', 'new\nline', '']) + (rng.chance(0.5) ? rng.word(3) : '');
      // an own property even for __proto__ (a plain assignment would set the prototype instead)
      Object.defineProperty(o, key, { value: rng.chance(0.5) ? 'value' : { nested: [1, 2] }, enumerable: true, configurable: true, writable: true });
      const msg = check(cred ? 'credential keys' : 'unknown keys', YAML.stringify(doc), { mustReject: true, note: `key ${JSON.stringify(key)} at ${p.join('.') || '(top level)'}` });
      if (cred && msg && p[0] !== 'settings' && !msg.includes('credentials are never read from the config file')) failures.push(`credential key ${key} at ${p.join('.')}: ${msg}`);
    }
  });

  it('alias bombs, deep nesting, tags, prototype keys and odd encodings', () => {
    const laughs = (levels: number, width: number) => {
      let t = 'a0: &a0 [lol]\n';
      for (let l = 1; l <= levels; l++) t += `a${l}: &a${l} [${Array(width).fill(`*a${l - 1}`).join(', ')}]\n`;
      return t + `sources: *a${levels}\n`;
    };
    for (const [levels, width] of [[5, 10], [9, 9], [20, 4], [3, 200], [1, 10_000], [30, 2]] as const) check('alias bombs', laughs(levels, width), { mustReject: true });
    check('alias bombs', 'a: &a {b: *a}\n', { mustReject: true });
    check('alias bombs', 'sources: *undefined\n', { mustReject: true });
    check('alias bombs', `base: &b {aws: []}\n${Array.from({ length: 200 }, (_, i) => `k${i}: {<<: *b}`).join('\n')}\n`, { mustReject: true });
    // (the YAML parser turns its own stack overflow into a parse error; 100,000 levels take it 2–6 s)
    for (const depth of [100, 1_000, 10_000, 30_000]) {
      check('deep nesting', 'sources: ' + '['.repeat(depth) + ']'.repeat(depth) + '\n', { mustReject: true });
      if (depth <= 10_000) check('deep nesting', 'settings: ' + '{a: '.repeat(depth) + '1' + '}'.repeat(depth) + '\n', { mustReject: true });
      if (depth <= 1_000) check('deep nesting', Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n', { mustReject: true });
    }
    const odd = [
      'sources: !!js/function "function(){return 1}"\n',
      'sources: !!binary aGVsbG8=\n',
      'sources: !custom {aws: []}\n',
      'organization: !!int x\n',
      '__proto__: {polluted: true}\nsources: {}\n',
      'constructor: {prototype: {polluted: true}}\n',
      'sources:\n  __proto__:\n    polluted: true\n',
      'organization: a\norganization: b\n',
      '---\norganization: a\n---\norganization: b\n',
      '%YAML 9.9\n---\norganization: a\n',
      '\ufeff\ufefforganization: a\n',
      'organization: "\\u0000\\u001b[2J"\nsources: {aws: [{name: "a\\nb", regions: [us-east-1]}]}\n',
      'collectors: ["aws-iam\\u001b[31m", "x\\ny"]\n',
      'settings:\n  "aws-iam\\nfake: line": {}\n',
      'sources: {aws: [{name: a, regions: [us-east-1]}, {name: a, regions: [us-east-1]}]}\n',
      'organization: ' + 'x'.repeat(500_000) + '\nbad: 1\n',
      'k'.repeat(100_000) + ': 1\n',
      'organization: a\r\nsources:\r\n  aws: 7\r\n',
      'organization: a\rsources: 7\r',
      '\u0000',
      '',
      '   \n# only a comment\n',
      '{}',
      '[]',
      '"just a string"',
      '42',
    ];
    for (const t of odd) check('tags, prototype keys, encodings', t);
    expect(({} as any).polluted).toBeUndefined();
    expect((Object.prototype as any).polluted).toBeUndefined();
  });

  it('huge files are refused by size before they are parsed (loadConfig)', () => {
    const dir = tmpDir('soc2-fuzz-config-');
    const cases: [string, number, boolean][] = [
      ['just over 1 MiB', 1024 * 1024 + 1, true],
      ['5 MiB', 5 * 1024 * 1024, true],
      ['exactly 1 MiB of comment', 1024 * 1024, false],
    ];
    for (const [label, size, tooBig] of cases) {
      const f = path.join(dir, `${label.replace(/\W+/g, '-')}.yaml`);
      const head = 'organization: a\n';
      writeFileSync(f, head + '#'.repeat(size - head.length - 1) + '\n');
      const s = stats.get('huge files') ?? { cases: 0, rejected: 0, accepted: 0 };
      stats.set('huge files', s);
      s.cases++;
      try {
        loadConfig(f, collectors);
        s.accepted++;
        if (tooBig) failures.push(`huge files: ${label} accepted`);
      } catch (e) {
        s.rejected++;
        const msg = (e as Error).message;
        if (!(e instanceof UsageError) || !msg.startsWith(`${f}: `) || !ONE_LINE.test(msg)) failures.push(`huge files: ${label}: ${msg}`);
        if (tooBig && !msg.includes('expected at most 1048576')) failures.push(`huge files: ${label}: ${msg}`);
      }
    }
    // a directory, a FIFO-free unreadable path and a missing file are clear usage errors too
    for (const f of [dir, path.join(dir, 'missing.yaml')]) {
      const s = stats.get('huge files')!;
      s.cases++;
      try {
        loadConfig(f, collectors);
        failures.push(`${f} accepted`);
      } catch (e) {
        s.rejected++;
        if (!(e instanceof UsageError) || !ONE_LINE.test((e as Error).message)) failures.push(`${f}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('every case ended in a UsageError naming the file (or a valid config), fast', () => {
    const rows = [...stats].map(([k, s]) => `| ${k} | ${s.cases} | ${s.rejected} | ${s.accepted} |${s.namedPath !== undefined ? ` exact key path named in ${s.namedPath} |` : ''}`);
    const total = [...stats.values()].reduce((a, s) => a + s.cases, 0);
    console.log([`config fuzz: seed ${SEED}, ${total} cases`, '| category | cases | UsageError | accepted as valid |', '|---|---|---|---|', ...rows].join('\n'));
    expect(failures.slice(0, 20)).toEqual([]);
    expect(slow.slice(0, 20)).toEqual([]);
    expect(total).toBeGreaterThan(1000);
  });

  it('through the CLI: exit 2, one line on stderr naming the file, no stack trace', async () => {
    const dir = tmpDir('soc2-fuzz-cli-');
    const texts: [string, string | Buffer][] = [
      ['random.yaml', new Rng(SEED).bytes(300)],
      ['bomb.yaml', `a0: &a0 [lol]\n${Array.from({ length: 9 }, (_, l) => `a${l + 1}: &a${l + 1} [${Array(9).fill(`*a${l}`).join(', ')}]`).join('\n')}\nsources: *a9\n`],
      ['escape.yaml', VALID.replace('concurrency: 4', 'concurrency: [4]') + '"x\\u001b[2J\\nsoc2: all good": 1\n'],
    ];
    await Promise.all(
      texts.map(async ([name, text]) => {
        const f = path.join(dir, name);
        writeFileSync(f, text);
        const r = await runCli(['collect', '--config', f]);
        expect(r.code, `${name}: ${r.stderr}`).toBe(2);
        expect(r.stderr.endsWith('\n') && r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr.startsWith(`soc2: ${f}: `), r.stderr).toBe(true);
        expect(r.stderr.trimEnd()).toMatch(ONE_LINE);
        expect(r.stderr).not.toMatch(STACK);
        expect(r.stdout).toBe('');
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  });
});

function parseConfigRaw(text: string): Record<string, unknown> {
  return YAML.parse(text) as Record<string, unknown>;
}

describe('hostile input: the bundle reader (verify, report, diff)', () => {
  const rng = new Rng(SEED ^ 0xb0d1e);
  const owner = fixedKey('owner');
  const MARKER = 'SENTINEL-OUTSIDE-7d1c5e';
  let root: string;
  let pristine: string;
  let sentinel: string;
  let sentinelFile: string;
  let sentinelSnapshot: string;
  let atimeWorks = false;
  const stats = new Map<string, { cases: number; detected: number }>();
  const failures: string[] = [];
  const timing = new Map<string, number>();
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timing.set(step, (timing.get(step) ?? 0) + Date.now() - t0);
    }
  };
  let caseNo = 0;

  beforeAll(async () => {
    root = tmpDir('soc2-fuzz-bundles-');
    pristine = path.join(root, 'pristine');
    for (let i = 0; i < 3; i++) await writeFixedBundle(pristine, fixedId(i), fixedAt(i), owner, i);
    // outside every evidence dir: a file, a manifest-looking file and a folder whose contents must never be read
    sentinel = path.join(root, 'sentinel');
    mkdirSync(path.join(sentinel, 'dir'), { recursive: true });
    sentinelFile = path.join(sentinel, 'secret.json');
    writeFileSync(sentinelFile, JSON.stringify([{ check: MARKER, title: MARKER, status: 'fail', summary: MARKER, criteria: ['CC6.1'], exceptions: [{ resource: MARKER, reason: MARKER }], artifacts: [] }]) + '\n');
    const m = JSON.parse(readFileSync(path.join(pristine, fixedId(0), MANIFEST), 'utf8'));
    m.organization = MARKER;
    writeFileSync(path.join(sentinel, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
    writeFileSync(path.join(sentinel, 'dir', 'account-summary.json'), JSON.stringify({ MARKER }) + '\n');
    cpSync(path.join(pristine, fixedId(0)), path.join(sentinel, 'bundle-copy'), { recursive: true });
    // access times show reads (relatime updates an atime older than the mtime): check that it works here
    const old = new Date('2001-01-01T00:00:00Z');
    for (const f of listFiles(sentinel)) utimesSync(path.join(sentinel, f), old, new Date());
    readFileSync(path.join(sentinel, 'dir', 'account-summary.json'));
    atimeWorks = statSync(path.join(sentinel, 'dir', 'account-summary.json')).atimeMs > old.getTime();
    utimesSync(path.join(sentinel, 'dir', 'account-summary.json'), old, statSync(path.join(sentinel, 'dir', 'account-summary.json')).mtime);
    if (!atimeWorks) console.warn('access times are not updated on this filesystem (noatime): reads outside are checked by content only');
    sentinelSnapshot = snapshotTree(sentinel);
    mappings = loadMappings();
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A fresh copy of the evidence dir for one case. */
  const fresh = () => {
    const ev = path.join(root, `case-${++caseNo}`, 'evidence');
    cpSync(pristine, ev, { recursive: true });
    return ev;
  };

  /** Captures what a command writes to stdout/stderr while it runs in-process. */
  async function captured<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; out: string }> {
    const chunks: string[] = [];
    const orig = { out: process.stdout.write, err: process.stderr.write };
    process.stdout.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
    process.stderr.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stderr.write;
    try {
      return { value: await fn(), out: chunks.join('') };
    } catch (error) {
      return { error, out: chunks.join('') };
    } finally {
      process.stdout.write = orig.out;
      process.stderr.write = orig.err;
    }
  }

  let mappings: ReturnType<typeof loadMappings>;

  /**
   * One hostile evidence dir through the readers: verifyPath; the report's reader (buildReport with
   * --allow-unverified, the path that reads manifests, findings and logs of unverified bundles), its
   * renderers (every format, every 3rd case); and every 5th case the whole `report` command (strict:
   * exit 4) and `diff`. No exception but a UsageError, problems reported naming `bundle`, nothing of
   * the sentinel in any output, and the evidence dir unchanged by these read-only commands.
   */
  async function assertHandled(category: string, what: string, ev: string, bundle: string | null, o: { file?: string; light?: boolean; readerEvery?: number } = {}) {
    const s = stats.get(category) ?? { cases: 0, detected: 0 };
    stats.set(category, s);
    s.cases++;
    const n = caseNo;
    const fail = (m: string) => failures.push(`${category}: ${what}: ${m}`);
    const before = snapshotTree(ev);
    let outputs = '';
    try {
      const r = await timed('verify', () => verifyPath(ev));
      outputs += JSON.stringify(r);
      const named = r.problems.some((p) => (bundle === null || p.bundle === bundle) && (!o.file || p.file === o.file || p.message.includes(o.file)));
      if (r.ok || !named) fail(`verify did not report it${bundle ? ` against ${bundle}${o.file ? `/${o.file}` : ''}` : ''}: ${JSON.stringify(r.problems).slice(0, 400)}`);
      else s.detected++;
    } catch (e) {
      fail(`verify threw ${(e as Error).name}: ${(e as Error).message}`);
    }
    const out = path.join(path.dirname(ev), 'report');
    if (n % (o.readerEvery ?? 1) === 0) {
      try {
        const r = await timed('report reader (--allow-unverified)', () => buildReport({ evidenceDir: ev, window: {}, scope: ['security', 'processing-integrity'], organization: null, mappings, allowUnverified: true }));
        if (!r.ok) fail('the report reader refused with --allow-unverified');
        else {
          if (r.model.integrity.ok) fail('the report reader saw no integrity problem');
          if (!o.light && n % 3 === 0) await timed('report renderers', () => writeReport(r.model, out, FORMATS));
          else outputs += JSON.stringify(r.model);
        }
      } catch (e) {
        if (!(e instanceof UsageError)) fail(`the report reader threw ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    if (!o.light && n % 5 === 0) {
      const r = await timed('report command', () => captured(() => reportCommand({ evidence: ev, out: `${out}-strict`, json: true })));
      outputs += r.out;
      if (r.error !== undefined && !(r.error instanceof UsageError)) fail(`report threw ${(r.error as Error).name}: ${(r.error as Error).message}`);
      else if (r.error === undefined && r.value !== 4) fail(`report exited ${r.value}, expected 4`);
      else if (r.error instanceof UsageError && !ONE_LINE.test((r.error as Error).message)) fail(`report: ${JSON.stringify((r.error as Error).message)}`);
      if (STACK.test(r.out)) fail(`report printed a stack trace`);
      const ids = [...new Set(listFiles(ev).map((f) => f.split('/')[0]!))];
      if (ids.length >= 2) {
        const d = await timed('diff', () => captured(() => diffCommand(path.join(ev, ids[0]!), path.join(ev, ids[1]!), { json: true })));
        outputs += d.out;
        if (d.error !== undefined && !(d.error instanceof UsageError)) fail(`diff threw ${(d.error as Error).name}: ${(d.error as Error).message}`);
        else if (d.error === undefined && d.value !== 4 && bundle !== null && ids.slice(0, 2).includes(bundle)) fail(`diff exited ${d.value}, expected 4`);
      }
    }
    for (const dir of [out, `${out}-strict`])
      try {
        for (const f of listFiles(dir)) outputs += readFileSync(path.join(dir, f), 'latin1');
      } catch {
        // no report written
      }
    if (outputs.includes(MARKER)) fail('the sentinel outside the evidence dir shows up in an output');
    if (snapshotTree(ev) !== before) fail('the evidence dir changed');
    rmSync(path.dirname(ev), { recursive: true, force: true });
  }

  const manifestOf = (ev: string, id: string) => JSON.parse(readFileSync(path.join(ev, id, MANIFEST), 'utf8'));
  const putManifest = (ev: string, id: string, m: unknown) => writeFileSync(path.join(ev, id, MANIFEST), typeof m === 'string' ? m : JSON.stringify(m, null, 2) + '\n');
  const B = () => fixedId(1);
  const inWindowId = (suffix: string) => new Date(fixedAt(1).getTime() + 3_600_000).toISOString().replace(/:/g, '-') + '-' + suffix;

  it('malformed manifest JSON', async () => {
    const texts: string[] = ['', ' ', 'null', '[]', '"str"', '42', 'true', '{', '{"format": ', '\ufeff{}', '{"files": [}', '[' .repeat(200_000) + ']'.repeat(200_000), '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('latin1')];
    const original = readFileSync(path.join(pristine, B(), MANIFEST), 'utf8');
    for (let i = 0; i < 8; i++) texts.push(original.slice(0, rng.int(original.length)));
    for (let i = 0; i < 3; i++) texts.push(rng.bytes(rng.range(1, 500)).toString('latin1'));
    for (const t of texts) {
      const ev = fresh();
      putManifest(ev, B(), t);
      // an unparsable manifest takes one short path through the report's reader: every 3rd case is enough
      await assertHandled('malformed manifest JSON', JSON.stringify(t.slice(0, 40)), ev, B(), { file: MANIFEST, readerEvery: 3 });
    }
  });

  it('manifest fields of the wrong type', async () => {
    const edits: [string, (m: any) => void][] = [
      ['files: "x"', (m) => (m.files = 'x')],
      ['files: [null]', (m) => (m.files = [null])],
      ['files: [1, "a", true]', (m) => (m.files = [1, 'a', true])],
      ['files: {}', (m) => (m.files = {})],
      ['files[0].path: 5', (m) => (m.files[0].path = 5)],
      ['files[0].path: {}', (m) => (m.files[0].path = {})],
      ['files[0].sha256: 123', (m) => (m.files[0].sha256 = 123)],
      ['files[0].sha256: null', (m) => (m.files[0].sha256 = null)],
      ['files[0].bytes: "12"', (m) => (m.files[0].bytes = String(m.files[0].bytes))],
      ['files[0].bytes: -1', (m) => (m.files[0].bytes = -1)],
      ['files[0].bytes: 1e308', (m) => (m.files[0].bytes = 1e308)],
      ['artifacts: "x"', (m) => (m.artifacts = 'x')],
      ['artifacts: [null]', (m) => (m.artifacts = [null])],
      ['artifacts: [1]', (m) => (m.artifacts = [1])],
      ['artifacts[0].path: null', (m) => (m.artifacts[0].path = null)],
      ['artifacts[0].kind: 5', (m) => (m.artifacts[0].kind = 5)],
      ['artifacts[0].kind: null', (m) => (m.artifacts[0].kind = null)],
      ['artifacts[0].criteria: "CC6.1"', (m) => (m.artifacts[0].criteria = 'CC6.1')],
      ['artifacts[0].provenance: "x"', (m) => (m.artifacts[0].provenance = 'x')],
      ['artifacts[0].provenance: null', (m) => (m.artifacts[0].provenance = null)],
      ['artifacts[0].provenance.scope: 5', (m) => (m.artifacts[0].provenance.scope = 5)],
      ['artifacts[*].kind promotions, not a log', (m) => m.artifacts.forEach((a: any) => (a.kind = 'mlflow.registry.promotions'))],
      ['collectors: "x"', (m) => (m.collectors = 'x')],
      ['collectors: [null, 1]', (m) => (m.collectors = [null, 1])],
      ['collectors: [{status: "error", gaps: "x"}]', (m) => (m.collectors = [{ id: 'aws-iam', status: 'error', gaps: 'x' }])],
      ['collectors: [{status: "error", gaps: [null]}]', (m) => (m.collectors = [{ id: 'aws-iam', status: 'error', gaps: [null], scope: 'x' }])],
      ['previous: "x"', (m) => (m.previous = 'x')],
      ['previous: {id: 5}', (m) => (m.previous = { id: 5, manifestSha256: [] })],
      ['previous: []', (m) => (m.previous = [])],
      ['signing: "x"', (m) => (m.signing = 'x')],
      ['signing: {publicKey: 5}', (m) => (m.signing = { algorithm: 'ed25519', keyId: 5, publicKey: 5 })],
      ['signing.publicKey: garbage PEM', (m) => (m.signing.publicKey = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')],
      ['signing.publicKey: an RSA-shaped string', (m) => (m.signing.publicKey = 'ssh-rsa AAAAB3NzaC1yc2E')],
      ['id: null', (m) => (m.id = null)],
      ['id: 5', (m) => (m.id = 5)],
      ['stream: {}', (m) => (m.stream = {})],
      ['stream: 5', (m) => (m.stream = 5)],
      ['status: 5', (m) => (m.status = 5)],
      ['startedAt: 5', (m) => (m.startedAt = 5)],
      ['startedAt: "not a date"', (m) => (m.startedAt = 'not a date')],
      ['startedAt: null', (m) => (m.startedAt = null)],
      ['findings: null', (m) => (m.findings = null)],
      ['findings: {path: 5}', (m) => (m.findings = { path: 5 })],
      ['findings.path: "../x"', (m) => (m.findings = { path: '../x' })],
      ['tool: null', (m) => (m.tool = null)],
      ['tool.version: {}', (m) => (m.tool = { name: 'soc2', version: {} })],
      ['format: null', (m) => (m.format = null)],
      ['config: null', (m) => (m.config = null)],
      ['config.scope: "x"', (m) => (m.config = { sha256: 'x', scope: 'x' })],
      ['identity: 5', (m) => (m.identity = 5)],
      ['organization: {}', (m) => (m.organization = {})],
    ];
    for (const [what, edit] of edits) {
      const ev = fresh();
      const m = manifestOf(ev, B());
      edit(m);
      putManifest(ev, B(), m);
      await assertHandled('wrong-typed manifest fields', what, ev, B());
    }
    // and random typed edits of every part of the manifest, re-signed by nobody
    for (let i = 0; i < 12; i++) {
      const ev = fresh();
      const { value, where } = mutateJson(rng, manifestOf(ev, B()));
      putManifest(ev, B(), value);
      await assertHandled('wrong-typed manifest fields', `random: ${where}`, ev, B());
    }
    // the same edits of findings.json (its hash no longer matches, and report --allow-unverified reads it)
    for (const t of ['null', '{}', '"x"', '[null, 1, "x"]', '[{"status": 5, "criteria": "CC6.1", "exceptions": "x"}]', '[{"check": null, "exceptions": [null]}]', '{']) {
      const ev = fresh();
      writeFileSync(path.join(ev, B(), FINDINGS), t);
      await assertHandled('wrong-typed manifest fields', `findings.json: ${t}`, ev, B(), { file: FINDINGS });
    }
  });

  it('paths with .. or absolute paths in files[] and artifacts[]', async () => {
    const bad = ['../x', '../../etc/passwd', '/etc/passwd', 'a/../../b', 'artifacts/../../../sentinel/secret.json', 'C:\\Windows\\win.ini', 'C:/x', 'a\\..\\b', '', '.', 'a//b', './findings.json', 'findings.json/', 'x\u0000y', '~/.aws/credentials', 'a'.repeat(5000), `../sentinel/${path.basename(sentinelFile)}`, path.join(root, 'sentinel', 'secret.json')];
    for (const [i, p] of bad.entries()) {
      for (const where of i % 3 === 0 ? (['files', 'artifacts', 'both'] as const) : ([(['files', 'artifacts', 'both'] as const)[i % 3]!] as const)) {
        const ev = fresh();
        const m = manifestOf(ev, B());
        if (where !== 'artifacts') m.files.push({ path: p, sha256: 'x', bytes: 1 });
        if (where !== 'files') m.artifacts.push({ ...m.artifacts[0], path: p, kind: 'mlflow.registry.promotions' });
        putManifest(ev, B(), m);
        await assertHandled('unsafe paths', `${where}: ${JSON.stringify(p.slice(0, 60))}`, ev, B(), { file: MANIFEST });
      }
    }
  });

  it('symlinks inside a bundle that point outside it', async () => {
    const id = B();
    const ndjson = listFiles(path.join(pristine, id)).find((f) => f.endsWith('.ndjson'))!;
    const json = listFiles(path.join(pristine, id)).find((f) => f.endsWith('account-summary.json'))!;
    const cases: [string, string, string][] = [
      ['findings.json → a file outside', FINDINGS, sentinelFile],
      ['manifest.json → a manifest outside', MANIFEST, path.join(sentinel, 'manifest.json')],
      ['manifest.sig → a file outside', SIGNATURE, sentinelFile],
      [`${ndjson} → a file outside`, ndjson, sentinelFile],
      [`${json} → a file outside`, json, path.join(sentinel, 'dir', 'account-summary.json')],
      ['findings.json → /etc/passwd', FINDINGS, '/etc/passwd'],
      ['findings.json → a relative path out', FINDINGS, path.relative(path.join(root, 'case-x', 'evidence', id), sentinelFile)],
      ['findings.json → dangling', FINDINGS, path.join(sentinel, 'nope')],
      ['findings.json → itself (a loop)', FINDINGS, FINDINGS],
      ['artifacts/ → a folder outside', 'artifacts', path.join(sentinel, 'dir')],
      [`${path.posix.dirname(json)} → a folder outside`, path.posix.dirname(json), path.join(sentinel, 'dir')],
      ['an extra link → /', 'artifacts/root', '/'],
    ];
    for (const [what, rel, target] of cases) {
      const ev = fresh();
      const abs = path.join(ev, id, ...rel.split('/'));
      rmSync(abs, { recursive: true, force: true });
      symlinkSync(target, abs);
      await assertHandled('symlinks out of a bundle', what, ev, id, { file: rel });
    }
  });

  it('bundle directories that are symlinks', async () => {
    for (const [what, mk] of [
      ['a bundle replaced by a symlink to a copy outside', (ev: string) => (rmSync(path.join(ev, B()), { recursive: true }), symlinkSync(path.join(sentinel, 'bundle-copy'), path.join(ev, B())))],
      // named for a day inside the window (a problem of a bundle dated outside the report's window is listed, not fatal)
      ['an extra bundle-named symlink to a copy outside', (ev: string) => symlinkSync(path.join(sentinel, 'bundle-copy'), path.join(ev, inWindowId('b0b0')))],
      ['a .partial symlink to a folder outside', (ev: string) => symlinkSync(path.join(sentinel, 'dir'), path.join(ev, `${inWindowId('cafe')}.partial`))],
    ] as const) {
      const ev = fresh();
      mk(ev);
      await assertHandled('symlinked bundle dirs', what, ev, null);
    }
    // `soc2 verify` and `diff` pointed at a symlinked bundle directly
    const ev = fresh();
    const link = path.join(path.dirname(ev), 'link-to-bundle');
    symlinkSync(path.join(sentinel, 'bundle-copy'), link);
    const s = stats.get('symlinked bundle dirs')!;
    s.cases++;
    const r = await verifyPath(link);
    if (!r.ok && r.problems.some((p) => p.message.includes('symbolic link'))) s.detected++;
    else failures.push(`verify of a symlinked bundle: ${JSON.stringify(r.problems)}`);
  });

  it('huge manifests', async () => {
    const cases: [string, (m: any) => void][] = [
      ['50,000 files[] entries', (m) => (m.files = Array.from({ length: 50_000 }, (_, i) => ({ path: `artifacts/x/${i}.json`, sha256: '0'.repeat(64), bytes: i })))],
      ['50,000 duplicate entries', (m) => (m.files = Array.from({ length: 50_000 }, () => m.files[0]))],
      ['a 20 MB string', (m) => (m.organization = 'x'.repeat(20 * 1024 * 1024))],
      ['10,000 artifacts of a derived-log kind, all missing', (m) => (m.artifacts = Array.from({ length: 10_000 }, (_, i) => ({ ...m.artifacts[0], path: `artifacts/p/${i}.json`, kind: 'mlflow.registry.promotions' })))],
    ];
    for (const [what, edit] of cases) {
      const ev = fresh();
      const m = manifestOf(ev, B());
      edit(m);
      putManifest(ev, B(), m);
      const t0 = Date.now();
      await assertHandled('huge manifests', what, ev, B(), { light: true, readerEvery: 2 });
      expect(Date.now() - t0, what).toBeLessThan(30_000);
    }
  }, 120_000);

  it('never read or wrote outside the evidence dir', () => {
    const rows = [...stats].map(([k, s]) => `| ${k} | ${s.cases} | ${s.detected} |`);
    const total = [...stats.values()].reduce((a, s) => ({ cases: a.cases + s.cases, detected: a.detected + s.detected }), { cases: 0, detected: 0 });
    console.log([`bundle fuzz: seed ${SEED}, ${total.cases} cases, each through verify and the report's reader (--allow-unverified); renderers every 3rd, the report command and diff every 5th`, '| category | cases | reported by verify |', '|---|---|---|', ...rows, `| total | ${total.cases} | ${total.detected} |`].join('\n'));
    console.log(`time per step: ${[...timing].map(([k, ms]) => `${k} ${ms} ms`).join(', ')}`);
    expect(failures.slice(0, 30)).toEqual([]);
    expect(snapshotTree(sentinel)).toBe(sentinelSnapshot);
    if (atimeWorks) for (const f of listFiles(sentinel)) expect(statSync(path.join(sentinel, f)).atimeMs, `${f} was read`).toBe(new Date('2001-01-01T00:00:00Z').getTime());
  });

  it('through the CLI: exit 4 with the problem named or exit 2, no stack trace, FIFOs never opened', async () => {
    const id = B();
    const run = async (args: string[]) => {
      const r = await runCli(args, { timeoutMs: 30_000 });
      expect(r.stderr + r.stdout).not.toMatch(STACK);
      expect(r.stdout + r.stderr).not.toContain(MARKER);
      return r;
    };
    // a manifest of the wrong shape with an unsafe path, and a symlink out
    const ev1 = fresh();
    putManifest(ev1, id, { ...manifestOf(ev1, id), files: [null, { path: '../../etc/passwd', sha256: 1, bytes: 'x' }] });
    symlinkSync(sentinelFile, path.join(ev1, fixedId(0), FINDINGS + '.link'));
    // file names that try to rewrite the terminal
    const ev2 = fresh();
    writeFileSync(path.join(ev2, id, 'x\n✓ 3 bundle(s), 3 signed: intact\u001b[2K'), 'x');
    // a FIFO where a listed file should be: reported, never opened (opening it would block forever)
    const ev3 = fresh();
    const fifo = spawnSync('mkfifo', [path.join(ev3, id, 'fifo-probe')]).status === 0;
    if (fifo) {
      unlinkSync(path.join(ev3, id, 'fifo-probe'));
      unlinkSync(path.join(ev3, id, FINDINGS));
      expect(spawnSync('mkfifo', [path.join(ev3, id, FINDINGS)]).status).toBe(0);
    }
    const [v1, r1u, v2, v3, r3u, d3, bad1] = await Promise.all([
      run(['verify', ev1]),
      run(['report', '--evidence', ev1, '--out', path.join(root, 'cli-report-1u'), '--allow-unverified']),
      run(['verify', ev2]),
      run(['verify', ev3]),
      run(['report', '--evidence', ev3, '--out', path.join(root, 'cli-report-3u'), '--allow-unverified']),
      run(['diff', path.join(ev3, fixedId(0)), path.join(ev3, id)]),
      // not a directory at all: a clear usage error
      run(['verify', sentinelFile]),
    ]);
    expect(v1.code).toBe(4);
    expect(v1.stdout).toContain(`✗ ${id}/manifest.json: manifest lists an unsafe path "../../etc/passwd"`);
    expect(v1.stdout).toContain(`✗ ${id}/manifest.json: manifest is malformed: files[0] is not {path, sha256, bytes}`);
    expect(v1.stdout).toContain(`✗ ${fixedId(0)}/${FINDINGS}.link: is a symbolic link`);
    expect(r1u.code, r1u.stderr).toBe(0);
    expect(r1u.stderr).toContain(`${id}/manifest.json: cannot be read: not a bundle manifest: files[0] is not {path, sha256, bytes}`);
    expect(v2.code).toBe(4);
    expect(v2.stdout).not.toMatch(/^✓/m);
    expect(v2.stdout).not.toContain('\u001b');
    expect(v2.stdout).toContain(`✗ ${id}/x\\n✓ 3 bundle(s), 3 signed: intact\\u001b[2K: file is not listed in the manifest`);
    if (fifo) {
      expect(v3.code).toBe(4);
      expect(v3.stdout).toContain(`${id}/${FINDINGS}: is not a regular file`);
      expect(r3u.code, r3u.stderr).toBe(0);
      expect(r3u.stderr).toContain(`${id}/${FINDINGS}: cannot be read`);
      expect(d3.code).toBe(4);
    }
    expect(bad1.code, bad1.stderr).toBe(2);
    expect(bad1.stderr.trimEnd()).toBe(`soc2: ${sentinelFile}: not a directory; give a bundle directory or an evidence directory`);
  }, 120_000);
});
