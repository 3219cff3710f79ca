// Pure functions from aws-data-stores' artifacts to findings. Only what this account owns is judged;
// buckets and keys of another account are named in the summary (their own account's run judges them).
// A bucket or key whose setting could not be read makes the finding `error`, listed with the rest.
import type { Check, CheckInput } from '../../src/core/types.js';
import { describeGrant, externalGrants } from '../_shared/resource-policy.js';
import { judgeEach, merge, verdict, type Judgement } from '../_shared/sagemaker-checks.js';
import { KIND } from './kinds.js';
import { secureTransportStatement, withoutPinned } from './policy.js';
import { failed, type AccountRecord, type BucketRecord, type KeyRecord, type PublicAccessBlock } from './record.js';

async function buckets(i: CheckInput): Promise<{ own: BucketRecord[]; other: BucketRecord[] }> {
  const all: BucketRecord[] = [];
  for await (const b of i.artifacts.iterate<BucketRecord>(KIND.buckets)) all.push(b);
  return { own: all.filter((b) => b.owner !== 'another-account'), other: all.filter((b) => b.owner === 'another-account') };
}

const tailOf = (other: { length: number }, noun: string) => (other.length ? `; ${other.length} ${noun} named in lineage belong to another account and are judged by that account's collection` : '');
const EMPTY = 'no training-data or model-artifact bucket was named in this run’s lineage or in trainingDataBuckets';

/** A bucket not read at all (NoSuchBucket, AccessDenied) or one setting that failed: not judged. */
function unreadable(b: BucketRecord, setting: keyof BucketRecord, api: string): Judgement | undefined {
  if (b.error) return { unread: `${b.error === 'NoSuchBucket' ? 'the bucket named in lineage does not exist' : `the bucket could not be read (${b.error})`}` };
  const v = b[setting] as unknown;
  if (failed(v as never)) return { unread: `${api} failed (${(v as { error: string }).error})` };
  return undefined;
}

function atRest(b: BucketRecord, requireKms: boolean, keys: Map<string, KeyRecord>): Judgement {
  const u = unreadable(b, 'encryption', 'GetBucketEncryption');
  if (u !== undefined) return u;
  const rules = b.encryption && 'rules' in b.encryption ? b.encryption.rules : [];
  const kms = rules.find((r) => r.SSEAlgorithm?.startsWith('aws:kms'));
  if (!rules.length) return `${b.Bucket} has no default encryption`;
  if (!kms) return requireKms ? `${b.Bucket} encrypts by default with S3-managed keys (${rules[0]!.SSEAlgorithm ?? '?'}), not a KMS key the entity controls` : null;
  const key = kms.KMSMasterKeyID ? [...keys.values()].find((k) => k.KeyArn === kms.KMSMasterKeyID || k.discoveredFrom.some((r) => r.ref === kms.KMSMasterKeyID)) : undefined;
  if (key?.KeyState && key.KeyState !== 'Enabled') return `${b.Bucket} encrypts with KMS key ${key.KeyArn}, which is ${key.KeyState}: new objects cannot be written or read`;
  return null;
}

function inTransit(b: BucketRecord): Judgement {
  const u = unreadable(b, 'policy', 'GetBucketPolicy');
  if (u !== undefined) return u;
  if (!b.policy) return `${b.Bucket} has no bucket policy, so nothing denies requests over plain HTTP (aws:SecureTransport false)`;
  return secureTransportStatement('document' in b.policy ? b.policy.document : null, b.Bucket) ? null : `${b.Bucket}: no policy statement denies every principal object access when aws:SecureTransport is false`;
}

const FLAGS: (keyof PublicAccessBlock)[] = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];

function publicAccess(b: BucketRecord, account: AccountRecord['publicAccessBlock']): Judgement {
  if (b.error) return unreadable(b, 'publicAccessBlock', 'GetPublicAccessBlock')!;
  const acct = account && !failed(account) ? account : null;
  const own = b.publicAccessBlock && !failed(b.publicAccessBlock) ? b.publicAccessBlock : null;
  // the effective setting of each flag is the account's OR the bucket's
  const missing = FLAGS.filter((f) => !acct?.[f] && !own?.[f]);
  if (!missing.length) return null;
  if (failed(b.publicAccessBlock)) return { unread: `GetPublicAccessBlock failed (${b.publicAccessBlock.error}) and the account does not block ${missing.join(', ')}` };
  if (failed(account)) return { unread: `the account's public access block could not be read (${account.error}) and the bucket does not set ${missing.join(', ')}` };
  return `${b.Bucket}: public access is not blocked (${missing.join(', ')} off for the bucket and the account)`;
}

/** this account and the trusted ones */
const inside = (own: string | undefined, trusted: Set<string>) => new Set([...(own ? [own] : []), ...trusted]);

function external(b: BucketRecord, own: string | undefined, trusted: Set<string>): Judgement {
  const u = unreadable(b, 'policy', 'GetBucketPolicy');
  if (u !== undefined) return u;
  const grants = b.policy && 'document' in b.policy ? externalGrants(withoutPinned(b.policy.document, inside(own, trusted)), own).filter((g) => !g.account || !trusted.has(g.account)) : [];
  return grants.length ? grants.map((g) => `bucket ${b.Bucket}: ${describeGrant(g)}`) : null;
}

function keyExternal(k: KeyRecord, own: string | undefined, trusted: Set<string>): Judgement {
  if (k.error) return { unread: `DescribeKey failed (${k.error})` };
  if (failed(k.policy)) return { unread: `GetKeyPolicy failed (${k.policy.error})` };
  const grants = k.policy && 'document' in k.policy ? externalGrants(withoutPinned(k.policy.document, inside(own, trusted)), own).filter((g) => !g.account || !trusted.has(g.account)) : [];
  return grants.length ? grants.map((g) => `key ${k.KeyArn}: ${describeGrant(g)}`) : null;
}

function rotation(k: KeyRecord): Judgement {
  if (k.error) return { unread: `DescribeKey failed (${k.error})` };
  if (failed(k.rotation)) return { unread: `GetKeyRotationStatus failed (${k.rotation.error})` };
  const r = k.rotation;
  if (r && 'unsupported' in r) return `${k.KeyArn} cannot rotate automatically (${r.unsupported}); rotate it manually and keep the evidence`;
  if (k.KeyManager === 'AWS') return null; // AWS managed keys rotate every year, whatever the status says
  return r?.enabled ? null : `${k.KeyArn}: automatic rotation of this customer managed key is off`;
}

async function keys(i: CheckInput): Promise<{ own: KeyRecord[]; other: KeyRecord[] }> {
  const all = await i.artifacts.readJson<KeyRecord[]>(KIND.keys);
  return { own: all.filter((k) => k.owner === 'this-account'), other: all.filter((k) => k.owner !== 'this-account') };
}

export const checks: Check[] = [
  {
    id: 'aws-data-stores.encryption-at-rest',
    title: 'Training-data and model-artifact buckets encrypt by default with a KMS key',
    severity: 'high',
    reads: [KIND.buckets, KIND.keys],
    async run(i) {
      const { own, other } = await buckets(i);
      const k = await keys(i);
      const byArn = new Map(k.own.map((x) => [x.KeyArn, x]));
      const j = judgeEach(own, (b) => `s3://${b.Bucket}`, (b) => atRest(b, i.settings?.requireKms !== false, byArn));
      return verdict(j, { pass: `all ${own.length} buckets encrypt new objects by default with ${i.settings?.requireKms !== false ? 'an enabled KMS key' : 'S3 or KMS keys'}`, fail: (n) => `${n} of ${own.length} buckets do not encrypt as required`, empty: EMPTY, noun: 'buckets', tail: tailOf(other, 'buckets') });
    },
  },
  {
    id: 'aws-data-stores.encryption-in-transit',
    title: 'Training-data and model-artifact buckets refuse requests over plain HTTP',
    severity: 'medium',
    reads: [KIND.buckets],
    async run(i) {
      const { own, other } = await buckets(i);
      const j = judgeEach(own, (b) => `s3://${b.Bucket}`, inTransit);
      return verdict(j, { pass: `all ${own.length} buckets deny requests with aws:SecureTransport false`, fail: (n) => `${n} of ${own.length} buckets accept requests over plain HTTP`, empty: EMPTY, noun: 'buckets', tail: tailOf(other, 'buckets') });
    },
  },
  {
    id: 'aws-data-stores.public-access',
    title: 'Training-data and model-artifact buckets block public access',
    severity: 'critical',
    reads: [KIND.buckets, KIND.account],
    async run(i) {
      const { own, other } = await buckets(i);
      const acct = await i.artifacts.readJson<AccountRecord>(KIND.account);
      const j = judgeEach(own, (b) => `s3://${b.Bucket}`, (b) => publicAccess(b, acct.publicAccessBlock));
      return verdict(j, { pass: `all four public access block settings are on for all ${own.length} buckets (bucket or account)`, fail: (n) => `${n} of ${own.length} buckets do not block public access`, empty: EMPTY, noun: 'buckets', tail: tailOf(other, 'buckets') });
    },
  },
  {
    id: 'aws-data-stores.external-access',
    title: 'Bucket and key policies grant nothing to other accounts or to everyone',
    severity: 'high',
    reads: [KIND.buckets, KIND.keys],
    async run(i) {
      const { own, other } = await buckets(i);
      const k = await keys(i);
      const trusted = new Set<string>(i.settings?.trustedAccounts ?? []);
      const j = merge(
        judgeEach(own, (b) => `s3://${b.Bucket}`, (b) => external(b, i.target.account, trusted)),
        judgeEach(k.own, (x) => x.KeyArn, (x) => keyExternal(x, i.target.account, trusted)),
      );
      return verdict(j, { pass: `the policies of ${own.length} buckets and ${k.own.length} KMS keys grant nothing outside the account${trusted.size ? ' and its trusted accounts' : ''}`, fail: (n) => `${n} grants reach outside the account`, empty: EMPTY, noun: 'buckets or keys', tail: tailOf(other, 'buckets') + tailOf(k.other, 'KMS keys') });
    },
  },
  {
    id: 'aws-data-stores.key-rotation',
    title: 'KMS keys of the data stores and ML resources rotate automatically',
    severity: 'medium',
    reads: [KIND.keys],
    async run(i) {
      const k = await keys(i);
      const j = judgeEach(k.own, (x) => x.KeyArn, rotation);
      return verdict(j, { pass: `all ${k.own.length} KMS keys rotate automatically`, fail: (n) => `${n} of ${k.own.length} KMS keys do not rotate automatically`, empty: 'no KMS key protects the buckets or ML resources of this account', noun: 'keys', tail: tailOf(k.other, 'KMS keys') });
    },
  },
];
