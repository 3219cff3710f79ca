// The TLS-only statement of a bucket policy, and the bucket an S3 URI names: what counts and what does not.
import { describe, expect, it } from 'vitest';
import { secureTransportStatement, withoutPinned } from '../../../collectors/aws-data-stores/policy.js';
import { bucketOf } from '../../../collectors/_shared/s3.js';

const deny = (o: Record<string, unknown> = {}) => ({ Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } }, ...o });
const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

describe('secureTransportStatement', () => {
  it('finds the usual statement, in its common spellings', () => {
    expect(secureTransportStatement(doc(deny()), 'data')).toBe('TlsOnly');
    expect(secureTransportStatement(doc(deny({ Principal: { AWS: '*' }, Condition: { Bool: { 'aws:securetransport': false } }, Sid: undefined })), 'data')).toBe('#0');
    expect(secureTransportStatement(doc(deny({ Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::data/*' })), 'data')).toBe('TlsOnly');
    expect(secureTransportStatement({ Statement: deny({ Resource: '*' }) }, 'data')).toBe('TlsOnly');
  });

  it('does not count a statement that leaves plain HTTP open somewhere', () => {
    expect(secureTransportStatement(doc(deny({ Effect: 'Allow' })), 'data')).toBeNull();
    expect(secureTransportStatement(doc(deny({ Principal: { AWS: 'arn:aws:iam::123456789012:root' } })), 'data')).toBeNull();
    expect(secureTransportStatement(doc(deny({ Action: 's3:PutObject' })), 'data')).toBeNull();
    expect(secureTransportStatement(doc(deny({ Resource: 'arn:aws:s3:::data' })), 'data')).toBeNull();
    expect(secureTransportStatement(doc(deny({ Resource: 'arn:aws:s3:::other/*' })), 'data')).toBeNull();
    expect(secureTransportStatement(doc(deny({ Condition: { Bool: { 'aws:SecureTransport': 'true' } } })), 'data')).toBeNull();
    expect(secureTransportStatement(doc(deny({ Condition: undefined })), 'data')).toBeNull();
    expect(secureTransportStatement(null, 'data')).toBeNull();
  });
});

describe('bucketOf', () => {
  it('reads s3, s3a and s3n URIs and nothing else', () => {
    expect(bucketOf('s3://ml-data/train/x.parquet')).toBe('ml-data');
    expect(bucketOf('s3a://ml.data.v2/')).toBe('ml.data.v2');
    expect(bucketOf('s3n://ml-data')).toBe('ml-data');
    expect(bucketOf('gs://ml-data/x')).toBeNull();
    expect(bucketOf('https://ml-data.s3.amazonaws.com/x')).toBeNull();
    expect(bucketOf('s3://UPPER/x')).toBeNull();
    expect(bucketOf(42)).toBeNull();
  });
});

describe('withoutPinned', () => {
  // the policy AWS writes on an AWS managed key (aws/s3): everyone, narrowed to the account's callers
  const managed = doc({ Sid: 'Allow access through S3', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': '123456789012', 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } });
  it('drops an Allow pinned to the own (or a trusted) account, keeps one pinned elsewhere', () => {
    expect((withoutPinned(managed, new Set(['123456789012'])) as any).Statement).toEqual([]);
    expect((withoutPinned(managed, new Set(['999999999999'])) as any).Statement).toHaveLength(1);
    const mixed = doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': ['123456789012', '999999999999'] } } });
    expect((withoutPinned(mixed, new Set(['123456789012'])) as any).Statement).toHaveLength(1);
    expect((withoutPinned(mixed, new Set(['123456789012', '999999999999'])) as any).Statement).toEqual([]);
  });
});
