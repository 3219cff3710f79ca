// The writer spills each artifact's manifest entry as it is recorded and streams manifest.json at the
// end: the file is byte for byte what JSON.stringify of the whole manifest wrote when every entry was
// held, the signature is over those bytes, the spill never reaches the bundle, and what the writer
// keeps per artifact is a small reference.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { BundleWriter } from '../../src/bundle/writer.js';
import { generateSigningKeyPair, verifySignature } from '../../src/bundle/sign.js';
import type { Manifest } from '../../src/bundle/manifest.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'soc2-writer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const head = { format: 'x', id: 'b1', stream: null, tool: { name: 'soc2', version: 't' }, organization: 'Ünïcode "Org"', startedAt: 's', finishedAt: 'f', status: 'complete', config: { sha256: 'c', scope: ['security'] }, identity: { aws: [], gcp: [], mlflow: [], ci: null }, collectors: [], findings: { path: 'findings.json', summary: { pass: 0, fail: 0, error: 0, not_applicable: 0 } }, previous: null, signing: null } as unknown as Omit<Manifest, 'files' | 'artifacts'>;

function evidenceDir(name: string): string {
  const d = path.join(root, name);
  mkdirSync(d);
  return d;
}

function sinkFor(w: BundleWriter, account: string) {
  return w.sink({
    collector: 'c',
    target: { kind: 'aws', source: 'org', account, pathSegments: [account] } as never,
    declared: [{ kind: 'k.json', file: 'a.json' }, { kind: 'k.lines', file: 'b.ndjson' }] as never,
    system: 'aws',
    scope: { source: 'org', account },
    criteriaFor: () => ['CC6.1'],
    now: () => new Date('2026-12-04T00:00:00Z'),
  });
}

test('manifest.json streamed from the spill is what JSON.stringify of the whole manifest writes, signed over its bytes', async () => {
  const w = await BundleWriter.create(evidenceDir('a'), 'b1');
  // accounts recorded out of path order: the manifest sorts them
  for (const account of ['333333333333', '111111111111', '222222222222']) {
    const s = sinkFor(w, account);
    await s.json('k.json', { n: account, note: 'ü "q"\nline' }, { operations: [{ api: 'iam:X', params: { a: 1 }, pages: 2 }], complete: true });
    const nd = await s.ndjson('k.lines');
    await nd.write({ a: 1 });
    if (account === '222222222222') await s.abortOpen('collector ended');
    else await nd.finish({ operations: [], complete: true });
  }
  expect(w.artifacts).toHaveLength(6);
  // references only: no operations or criteria held in memory
  for (const a of w.artifacts) expect(Object.keys(a.provenance).sort()).toEqual(a.provenance.complete ? ['complete', 'scope'] : ['complete', 'notes', 'scope']);
  await w.writeFindings([]);
  const pair = generateSigningKeyPair();
  const key = { privateKey: createPrivateKey(pair.privatePem), publicKeyPem: pair.publicPem, keyId: pair.keyId };
  const r = await w.finalize(head, key);
  const bytes = readFileSync(path.join(r.dir, 'manifest.json'));
  const m = JSON.parse(bytes.toString('utf8')) as Manifest;
  expect(m.artifacts.map((a) => a.path)).toEqual([...m.artifacts.map((a) => a.path)].sort((a, b) => a.localeCompare(b)));
  expect(m.artifacts[0]!.provenance.operations).toEqual([{ api: 'iam:X', params: { a: 1 }, pages: 2 }]);
  expect(m.files.map((f) => f.path)).toContain('findings.json');
  expect(bytes.toString('utf8')).toBe(JSON.stringify({ ...head, artifacts: m.artifacts, files: m.files }, null, 2) + '\n');
  expect(verifySignature(bytes, readFileSync(path.join(r.dir, 'manifest.sig'), 'utf8'), createPublicKey(pair.publicPem))).toBe(true);
  expect(r.manifest).toEqual(m);
  expect(readdirSync(r.dir).sort()).toEqual(['artifacts', 'findings.json', 'manifest.json', 'manifest.sig']);
});

test('no artifacts: empty arrays, as JSON.stringify writes them; a discarded bundle leaves nothing', async () => {
  const w = await BundleWriter.create(evidenceDir('b'), 'b1');
  const r = await w.finalize(head, null);
  expect(readFileSync(path.join(r.dir, 'manifest.json'), 'utf8')).toBe(JSON.stringify({ ...head, artifacts: [], files: [] }, null, 2) + '\n');
  const d = await BundleWriter.create(evidenceDir('c'), 'b2');
  await sinkFor(d, '1').json('k.json', {}, { operations: [], complete: true });
  d.discard();
  expect(existsSync(d.partialDir)).toBe(false);
});
