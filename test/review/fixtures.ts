// Bundles for the access-review tests, written with the real BundleWriter (test/report/fixtures.ts):
// IAM users and roles with their credential-report rows, ML privileges and admin findings as aws-iam
// records them, MLflow versions naming their users. Each day's principals are given, so a later
// bundle can show a revoked user gone or still present.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { generateSigningKeyPair, type SigningKey } from '../../src/bundle/sign.js';
import { ACCOUNT, IAM, MLF, writeDay } from '../report/fixtures.js';
import { tmpDir } from '../helpers/cli.js';

export const arn = (kind: 'user' | 'role', name: string) => `arn:aws:iam::${ACCOUNT}:${kind}/${name}`;

export interface Principals {
  users: { name: string; console?: boolean; key?: boolean; owner?: string }[];
  roles: { name: string; admin?: boolean; path?: string }[];
  /** principal ARN → ML assets it can change */
  ml?: Record<string, string[]>;
  mlflowUsers?: string[];
}

export const day = (d: number) => new Date(Date.UTC(2026, 2, d, 2, 0, 0));

export async function writeIamDay(evidenceDir: string, at: Date, p: Principals, key: SigningKey, o: { iamIncomplete?: boolean; adminCheckError?: boolean } = {}): Promise<string> {
  return writeDay(
    evidenceDir,
    {
      at,
      async build(b) {
        const records = [
          ...p.users.map((u) => ({ type: 'user', Path: '/', UserName: u.name, Arn: arn('user', u.name), GroupList: [], AttachedManagedPolicies: [], Tags: u.owner ? [{ Key: 'owner', Value: u.owner }] : [] })),
          ...p.roles.map((r) => ({ type: 'role', Path: r.path ?? '/', RoleName: r.name, Arn: arn('role', r.name), AttachedManagedPolicies: [], Tags: [] })),
        ];
        await b.ndjson(IAM, 'aws.iam.authorization-details', 'authorization-details.ndjson', o.iamIncomplete ? records.slice(0, 1) : records, !o.iamIncomplete);
        await b.json(IAM, 'aws.iam.credential-report', 'credential-report.json', {
          generatedAt: at.toISOString(),
          rows: p.users.map((u) => ({ user: u.name, arn: arn('user', u.name), passwordEnabled: !!u.console, mfaActive: true, accessKeys: [{ slot: 1, active: !!u.key }, { slot: 2, active: false }] })),
        });
        const ml = Object.entries(p.ml ?? {}).map(([principal, assets]) => ({ principal, type: principal.includes(':user/') ? 'user' : 'role', assets: assets.map((asset) => ({ asset, decision: 'allowed', actions: [{ action: asset.startsWith('sagemaker') ? 'sagemaker:UpdateModelPackage' : 's3:PutObject', decision: 'allowed' }], via: ['attached policy X [1]'] })) }));
        await b.json(IAM, 'aws.iam.ml-privileges', 'ml-privileges.json', { principals: ml, rows: [], assets: [] });
        const admins = p.roles.filter((r) => r.admin).map((r) => ({ resource: arn('role', r.name), reason: 'Allow * on * via attached policy arn:aws:iam::aws:policy/AdministratorAccess' }));
        b.finding(IAM, 'aws-iam.admin-principals', o.adminCheckError ? 'error' : admins.length ? 'fail' : 'pass', o.adminCheckError ? [] : admins);
        b.finding(IAM, 'aws-iam.external-trust', 'pass');
        if (p.mlflowUsers) await b.ndjson(MLF, 'mlflow.registry.versions', 'versions.ndjson', p.mlflowUsers.map((u, i) => ({ name: 'churn', version: String(i + 1), user_id: u })));
      },
    },
    { key },
  );
}

export const BASE: Principals = {
  users: [
    { name: 'alice', console: true, owner: 'alice@acme.example' },
    { name: 'bob', key: true },
    { name: 'dave', console: true },
  ],
  roles: [{ name: 'AdminRole', admin: true }, { name: 'AWSServiceRoleForSupport', path: '/aws-service-role/support.amazonaws.com/' }],
  ml: { [arn('user', 'dave')]: ['sagemaker model-package'] },
  mlflowUsers: ['dave@acme.example', 'erin@acme.example'],
};

/** A workspace: config (with owners.yaml and review settings), signing keys, one bundle of BASE on 2026-03-01. */
export async function reviewWorkspace(o: { review?: string } = {}) {
  const dir = tmpDir('soc2-review-');
  const k = generateSigningKeyPair();
  const key: SigningKey = { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId };
  writeFileSync(path.join(dir, 'key.pem'), k.privatePem);
  writeFileSync(path.join(dir, 'key.pub.pem'), k.publicPem);
  writeFileSync(path.join(dir, 'owners.yaml'), "owners:\n  - owner: Dana\n    principals: ['arn:aws:iam::*:role/*']\n  - owner: Priya\n    principals: ['arn:aws:iam::*:user/bob', 'arn:aws:iam::*:user/dave', '*@acme.example']\n");
  const config = path.join(dir, 'soc2.config.yaml');
  writeFileSync(config, `organization: Test ML\nevidence:\n  dir: evidence\nsigning:\n  trustedKeys: [key.pub.pem]\nsources: {}\nreview:\n  owners: owners.yaml\n${o.review ?? ''}`);
  const evidence = path.join(dir, 'evidence');
  const first = await writeIamDay(evidence, day(1), BASE, key);
  return { dir, config, evidence, key, first };
}
