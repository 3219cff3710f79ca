// Builds small real bundles with the real writer, for verify and report tests.
import { createHash } from 'node:crypto';
import { BundleWriter } from '../../src/bundle/writer.js';
import { BUNDLE_FORMAT } from '../../src/bundle/manifest.js';
import { latestBundle } from '../../src/bundle/store.js';
import type { SigningKey } from '../../src/bundle/sign.js';
import { newBundleId } from '../../src/core/runner.js';

export async function writeTestBundle(evidenceDir: string, at: Date, o: { key?: SigningKey | null; records?: number; stream?: string | null } = {}): Promise<string> {
  const stream = o.stream ?? null;
  const prev = latestBundle(evidenceDir, stream);
  const id = newBundleId(at);
  const w = await BundleWriter.create(evidenceDir, id);
  const sink = w.sink({
    collector: 'aws-iam',
    target: { kind: 'aws', source: 'main', account: '123456789012', pathSegments: [] },
    declared: [
      { kind: 'aws.iam.authorization-details', file: 'authorization-details.ndjson', description: '' },
      { kind: 'aws.iam.account-summary', file: 'account-summary.json', description: '' },
    ],
    system: 'aws',
    scope: { source: 'main', account: '123456789012' },
    criteriaFor: () => ['CC6.1'],
    now: () => at,
  });
  const nd = await sink.ndjson('aws.iam.authorization-details');
  for (let i = 0; i < (o.records ?? 3); i++) await nd.write({ type: 'user', UserName: `u${i}`, Arn: `arn:aws:iam::123456789012:user/u${i}` });
  await nd.finish({ operations: [{ api: 'iam:GetAccountAuthorizationDetails', params: {}, pages: 1 }], complete: true });
  await sink.json('aws.iam.account-summary', { AccountMFAEnabled: 1 }, { operations: [{ api: 'iam:GetAccountSummary', params: {}, pages: 1 }], complete: true });
  await w.writeFindings([]);
  const { dir } = await w.finalize(
    {
      format: BUNDLE_FORMAT,
      id,
      stream,
      tool: { name: 'soc2', version: 'test' },
      organization: null,
      startedAt: at.toISOString(),
      finishedAt: at.toISOString(),
      status: 'complete',
      config: { sha256: createHash('sha256').update('x').digest('hex'), scope: ['security'] },
      identity: { aws: [], gcp: [], mlflow: [], ci: null },
      collectors: [],
      findings: { path: 'findings.json', summary: { pass: 0, fail: 0, error: 0, not_applicable: 0 } },
      previous: prev ? { id: prev.id, manifestSha256: prev.manifestSha256 } : null,
      signing: o.key ? { algorithm: 'ed25519', keyId: o.key.keyId, publicKey: o.key.publicKeyPem } : null,
    },
    o.key ?? null,
  );
  return dir;
}

export async function writeChain(evidenceDir: string, n: number, o: { key?: SigningKey | null; start?: Date } = {}): Promise<string[]> {
  const start = o.start ?? new Date('2026-01-01T02:00:00Z');
  const dirs: string[] = [];
  for (let i = 0; i < n; i++) dirs.push(await writeTestBundle(evidenceDir, new Date(start.getTime() + i * 86_400_000), { key: o.key }));
  return dirs;
}
