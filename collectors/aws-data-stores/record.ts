// The records aws-data-stores writes. Each setting is its value, null where the API answers "none"
// (no policy, no public access block, no Object Lock, logging off), or {error} when the call failed.
import type { Reference } from './discover.js';

export type Read<T> = T | null | { error: string };

export const failed = <T>(v: Read<T>): v is { error: string } => !!v && typeof v === 'object' && 'error' in (v as object);

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface BucketRecord {
  Bucket: string;
  /** this-account: in this account's ListBuckets; another-account: not, yet it exists; unknown: ListBuckets failed, or the bucket could not be read (see error) */
  owner: 'this-account' | 'another-account' | 'unknown';
  region: string | null;
  /** where the bucket was named (the first few), and how many times in all */
  discoveredFrom: Reference[];
  references: number;
  encryption: Read<{ rules: { SSEAlgorithm: string | null; KMSMasterKeyID: string | null; BucketKeyEnabled: boolean }[] }>;
  publicAccessBlock: Read<PublicAccessBlock>;
  /** the bucket policy document as S3 returned it (parsed) */
  policy: Read<{ document: unknown }>;
  versioning: Read<{ Status: string | null; MFADelete: string | null }>;
  objectLock: Read<{ enabled: boolean; rule: { Mode: string | null; Days: number | null; Years: number | null } | null }>;
  logging: Read<{ TargetBucket: string | null; TargetPrefix: string | null }>;
  /** set when the bucket itself could not be read (NoSuchBucket, AccessDenied on HeadBucket): nothing else was asked */
  error?: string;
}

export interface AccountRecord {
  account: string;
  /** s3control GetPublicAccessBlock: the account-wide block, which overrides each bucket's */
  publicAccessBlock: Read<PublicAccessBlock>;
  /** ListBuckets: how many buckets the account owns; null when the listing failed */
  bucketsOwned: number | null;
}

export interface KeyRecord {
  /** the key ARN DescribeKey resolved (the reference as written when it was not read) */
  KeyArn: string;
  owner: 'this-account' | 'another-account';
  account: string | null;
  region: string | null;
  /** the references (ARN, alias, id) resolving to this key, and what named them */
  discoveredFrom: Reference[];
  references: number;
  KeyManager: string | null;
  KeyState: string | null;
  KeySpec: string | null;
  Origin: string | null;
  /** {unsupported}: the key cannot rotate automatically (asymmetric, HMAC, imported or custom key store) */
  rotation: Read<{ enabled: boolean; periodDays: number | null } | { unsupported: string }>;
  policy: Read<{ document: unknown }>;
  error?: string;
}
