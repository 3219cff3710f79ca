// soc2 diff A B over the report fixture period: principals, privileges, secrets, model versions and
// aliases, findings; JSON and human output; exit 4 on tampering, 2 on a non-bundle argument.
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../src/bundle/sign.js';
import { diffBundles, renderDiffText } from '../../src/report/diff.js';
import { runCli, tmpDir } from '../helpers/cli.js';
import { ACCOUNT, ARN, writeDay, writeScenario, XSS } from '../report/fixtures.js';

let ev: string;
let dirs: Record<number, string>;

beforeAll(async () => {
  ev = path.join(tmpDir('soc2-diff-'), 'evidence');
  dirs = await writeScenario(ev);
});

describe('diff', () => {
  it('lists what changed between the first and the last bundle', async () => {
    const d = await diffBundles(dirs[1]!, dirs[7]!);
    expect(d.a.id).toBe(path.basename(dirs[1]!));
    expect(d.principals.compared).toEqual([`artifacts/main/aws-iam/${ACCOUNT}/authorization-details.ndjson`]);
    expect(d.principals.added.map((p) => [p.type, p.arn]).sort()).toEqual([
      ['role', ARN.xss],
      ['user', ARN.eve],
    ]);
    expect(d.principals.removed).toEqual([{ arn: ARN.bob, type: 'user', name: 'bob', source: 'main' }]);
    expect(d.privileges.gained).toEqual([{ check: 'aws-iam.admin-principals', privilege: 'admin', source: 'main', scope: `account=${ACCOUNT}`, principal: ARN.eve, reason: expect.stringContaining('AdministratorAccess') }]);
    expect(d.privileges.lost).toEqual([]);
    expect(d.secrets.added.map((s) => s.arn)).toEqual([ARN.secretC]);
    expect(d.secrets.removed.map((s) => s.arn)).toEqual([ARN.secretB]);
    expect(d.secrets.changed).toEqual([{ arn: ARN.secretA, name: 'db-password', source: 'main', field: 'LastRotatedDate', from: '2026-02-01T00:00:00.000Z', to: '2026-03-06T08:00:00.000Z' }]);
    expect(d.models.versionsAdded.map((v) => `${v.model}/${v.version}`).sort()).toEqual(['churn/1', 'fraud/2', 'fraud/3']);
    expect(d.models.versionsRemoved).toEqual([]);
    expect(d.models.aliases.map((a) => [a.model, a.alias, a.from, a.to]).sort()).toEqual([
      ['churn', 'production', null, '1'],
      ['fraud', 'champion', '1', '3'],
    ]);
    expect(d.findings.startedFailing.map((f) => [f.check, f.from, f.to])).toEqual([['aws-iam.root-mfa', 'pass', 'fail']]);
    expect(d.findings.stoppedFailing.map((f) => [f.check, f.from, f.to])).toEqual([['aws-iam.console-users-mfa', 'fail', 'pass']]);
    expect(d.notes).toEqual([]);
  });

  it('says what it could not compare instead of reporting everything as removed', async () => {
    const d = await diffBundles(dirs[2]!, dirs[3]!);
    expect(d.privileges.gained).toEqual([]);
    expect(d.notes).toEqual([`privileges: aws-iam.admin-principals main account=${ACCOUNT} did not run in both bundles (fail → error); not compared`]);
    expect(d.secrets.changed).toEqual([expect.objectContaining({ arn: ARN.secretA, field: 'LastRotatedDate' })]);
    // an artifact only one bundle has is named, not diffed
    const e2 = path.join(tmpDir(), 'evidence');
    const IAM = { collector: 'aws-iam', source: 'main', system: 'aws', scope: { account: ACCOUNT }, segments: [ACCOUNT] };
    const a = await writeDay(e2, { at: new Date('2026-04-01T00:00:00Z'), build: (b) => b.ndjson(IAM, 'aws.iam.authorization-details', 'authorization-details.ndjson', [{ type: 'user', Arn: ARN.alice }]) });
    const b = await writeDay(e2, { at: new Date('2026-04-02T00:00:00Z'), build: async () => undefined });
    const d2 = await diffBundles(a, b);
    expect(d2.principals).toEqual({ compared: [], added: [], removed: [] });
    expect(d2.notes).toEqual([`principals: artifacts/main/aws-iam/${ACCOUNT}/authorization-details.ndjson is only in ${path.basename(a)}; not compared`]);
    expect(renderDiffText(d2)).toContain('Principals: not compared');
  });

  it('shows MLflow stage changes of versions both bundles hold', async () => {
    const e2 = path.join(tmpDir(), 'evidence');
    const MLF = { collector: 'mlflow-registry', source: 'mlflow', system: 'mlflow', scope: {}, segments: [] };
    const v = (version: string, current_stage: string | null) => ({ name: 'fraud', version, current_stage, aliases: [] });
    const a = await writeDay(e2, { at: new Date('2026-04-01T00:00:00Z'), build: (b) => b.ndjson(MLF, 'mlflow.registry.versions', 'versions.ndjson', [v('1', 'Production'), v('2', 'Staging'), v('3', null)]) });
    const b = await writeDay(e2, {
      at: new Date('2026-04-02T00:00:00Z'),
      build: (b) => b.ndjson(MLF, 'mlflow.registry.versions', 'versions.ndjson', [v('1', 'Archived'), v('2', 'Production'), v('3', 'None'), v('4', 'Staging')]),
    });
    const d = await diffBundles(a, b);
    expect(d.models.stages.map((s) => [s.model, s.version, s.from, s.to])).toEqual([
      ['fraud', '1', 'Production', 'Archived'],
      ['fraud', '2', 'Staging', 'Production'],
    ]);
    expect(d.models.versionsAdded.map((x) => x.version)).toEqual(['4']);
    const text = renderDiffText(d);
    expect(text).toContain('1 version(s) added, 0 removed, 0 alias change(s), 2 stage change(s)');
    expect(text).toContain('~ fraud v2 stage: Staging → Production');
  });

  it('keeps terminal control characters out of the human output', async () => {
    const e2 = path.join(tmpDir(), 'evidence');
    const MLF = { collector: 'mlflow-registry', source: 'mlflow', system: 'mlflow', scope: {}, segments: [] };
    const a = await writeDay(e2, { at: new Date('2026-04-01T00:00:00Z'), build: (b) => b.ndjson(MLF, 'mlflow.registry.versions', 'versions.ndjson', []) });
    const b = await writeDay(e2, { at: new Date('2026-04-02T00:00:00Z'), build: (b) => b.ndjson(MLF, 'mlflow.registry.versions', 'versions.ndjson', [{ name: 'evil\u001b]0;pwned\u0007', version: '1', aliases: [] }]) });
    const text = renderDiffText(await diffBundles(a, b));
    expect(text).toContain('+ evil?]0;pwned? v1');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });
});

describe('soc2 diff (CLI)', () => {
  it('prints the differences, human and --json', async () => {
    const [h, j] = await Promise.all([runCli(['diff', dirs[1]!, dirs[7]!]), runCli(['diff', dirs[1]!, dirs[7]!, '--json'])]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Principals: 2 added, 1 removed');
    expect(h.stdout).toContain(`+ role  ${ARN.xss}`);
    expect(h.stdout).toContain(`- user  ${ARN.bob}`);
    expect(h.stdout).toContain('Admin / ML privileges: 1 gained, 0 lost');
    expect(h.stdout).toContain(`~ ${ARN.secretA} LastRotatedDate: "2026-02-01T00:00:00.000Z" → "2026-03-06T08:00:00.000Z"`);
    expect(h.stdout).toContain('~ fraud @champion: v1 → v3');
    expect(h.stdout).toContain('Findings: 1 started failing, 1 stopped failing');
    expect(j.code).toBe(0);
    const d = JSON.parse(j.stdout);
    expect(Object.keys(d)).toEqual(['a', 'b', 'principals', 'privileges', 'secrets', 'models', 'findings', 'notes']);
    expect(d.principals.added).toHaveLength(2);
    expect(d.principals.added.map((p: { name: string }) => p.name)).toContain(XSS);
  });

  it('exits 4 when either bundle was altered, 2 when an argument is not a bundle', async () => {
    const e2 = path.join(tmpDir('soc2-diff-'), 'evidence');
    const d2 = await writeScenario(e2);
    const f = path.join(d2[7]!, 'artifacts', 'main', 'aws-secrets-manager', ACCOUNT, 'us-east-1', 'secrets.ndjson');
    writeFileSync(f, readFileSync(f, 'utf8').replace('"RotationEnabled":true', '"RotationEnabled":false'));
    const [r, u] = await Promise.all([runCli(['diff', d2[1]!, d2[7]!]), runCli(['diff', d2[1]!, e2])]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/secrets\.ndjson: (size|content) changed/);
    expect(r.stdout).toBe('');
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('not an evidence bundle');
  });
});

describe('diff: against trusted keys', () => {
  it('compares bundles signed by a trusted key, and exits 4 for bundles another key signed', async () => {
    const root = tmpDir('soc2-diff-');
    const keys = ['owner', 'other'].map((n) => {
      const k = generateSigningKeyPair();
      const file = path.join(root, `${n}.pub.pem`);
      writeFileSync(file, k.publicPem);
      return { file, key: { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId } };
    });
    const signed = await writeScenario(path.join(root, 'evidence'), { key: keys[0]!.key });
    const ok = await runCli(['diff', signed[1]!, signed[7]!, '--public-key', keys[0]!.file, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await runCli(['diff', signed[1]!, signed[7]!, '--public-key', keys[1]!.file]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain(`error: ${path.basename(signed[1]!)}/manifest.sig: not signed by a trusted key`);
    const keyless = await runCli(['diff', signed[1]!, signed[7]!, '--json']);
    expect(keyless.code).toBe(0);
    expect(keyless.stderr).toContain('self-consistent; signatures checked only against the keys the manifests carry');
    // an evidence dir is never compared as a bundle, even with a manifest.json planted in it
    writeFileSync(path.join(root, 'evidence', 'manifest.json'), readFileSync(path.join(signed[1]!, 'manifest.json')));
    const planted = await runCli(['diff', path.join(root, 'evidence'), signed[7]!, '--public-key', keys[0]!.file]);
    expect(planted.code).toBe(4);
    expect(planted.stderr).toContain('manifest.json beside bundle directories');
  });
});
