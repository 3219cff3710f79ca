// What the SageMaker collectors share: a paged SageMaker listing through ctx.paginate with its
// operation record, ISO timestamps, and who a SageMaker `UserInfo` (CreatedBy / LastModifiedBy)
// names. The SDK client itself is made in each collector's collect.ts (loaded on first use).
import * as z from 'zod';
import { describeError, RepeatedTokenError } from '../../src/core/errors.js';
import type { OperationRecord } from '../../src/core/types.js';
import type { AwsContext } from '../define.js';

/**
 * The `describeCallsPerSecond` setting of every SageMaker collector: Describe* calls started per
 * second (SageMaker's Describe quotas are per account and region).
 */
export const describeCallsPerSecond = z.number().positive().max(10_000).default(20);

/** Page size asked of every SageMaker list call (the APIs allow 1–100). */
export const PAGE_SIZE = 100;

export const op = (api: string, params: Record<string, unknown>): OperationRecord => ({ api, params, pages: 0, calls: 0 });

/** A failure of the listing itself (not of the disk or of onPage): the caller turns it into a gap. */
export class ListingError extends Error {
  constructor(override readonly cause: unknown) {
    super('listing failed');
  }
}

/**
 * One SageMaker listing run to its last page (a repeated NextToken stops with an error). A failed
 * page is thrown as ListingError wrapping the SDK error, so the caller can tell it from a failure
 * of onPage.
 */
export async function listAll<P extends { NextToken?: string | undefined }>(ctx: AwsContext, o: OperationRecord, fetch: (NextToken: string | undefined) => Promise<P>, onPage: (page: P) => Promise<void> | void): Promise<void> {
  await listPages(ctx, o, fetch, onPage, (p) => p.NextToken);
}

/** listAll for APIs whose token field is named otherwise (Bedrock's `nextToken`). */
export async function listPages<P>(ctx: AwsContext, o: OperationRecord, fetch: (token: string | undefined) => Promise<P>, onPage: (page: P) => Promise<void> | void, nextOf: (page: P) => string | undefined): Promise<void> {
  await ctx.paginate.all<P>(
    { api: o.api, params: o.params },
    async (token) => {
      o.calls = (o.calls ?? 0) + 1;
      let page: P;
      try {
        page = await fetch(token);
      } catch (e) {
        throw new ListingError(e);
      }
      o.pages++;
      return { page, next: nextOf(page) || undefined };
    },
    onPage,
  );
}

/** A failed listing (or a looping token) becomes a gap; anything else (the disk) fails the collector. */
export function listingGap(ctx: AwsContext, api: string, e: unknown): void {
  if (!(e instanceof ListingError) && !(e instanceof RepeatedTokenError)) throw e;
  ctx.gap({ api, ...describeError(e instanceof ListingError ? e.cause : e) });
}

/** One describe call under the rate limit (`slot`), counted in its operation record. */
export function counted(slot: () => Promise<void>) {
  return async <T>(o: OperationRecord, fn: () => Promise<T>): Promise<T> => {
    await slot();
    o.calls = (o.calls ?? 0) + 1;
    const r = await fn();
    o.pages++;
    return r;
  };
}

export const iso = (d: Date | string | number | null | undefined): string | null => {
  if (d === null || d === undefined) return null;
  const x = d instanceof Date ? d : new Date(typeof d === 'number' ? d * 1000 : d);
  return Number.isNaN(x.getTime()) ? null : x.toISOString();
};

/** SageMaker's UserInfo, as written to the bundle. */
export interface UserRecord {
  UserProfileArn: string | null;
  UserProfileName: string | null;
  DomainId: string | null;
  IamIdentity: { Arn: string | null; PrincipalId: string | null; SourceIdentity: string | null } | null;
}

interface UserInfoLike {
  UserProfileArn?: string | undefined;
  UserProfileName?: string | undefined;
  DomainId?: string | undefined;
  IamIdentity?: { Arn?: string | undefined; PrincipalId?: string | undefined; SourceIdentity?: string | undefined } | undefined;
}

export function userRecord(u: UserInfoLike | undefined | null): UserRecord | null {
  if (!u) return null;
  const r: UserRecord = {
    UserProfileArn: u.UserProfileArn ?? null,
    UserProfileName: u.UserProfileName ?? null,
    DomainId: u.DomainId ?? null,
    IamIdentity: u.IamIdentity ? { Arn: u.IamIdentity.Arn ?? null, PrincipalId: u.IamIdentity.PrincipalId ?? null, SourceIdentity: u.IamIdentity.SourceIdentity ?? null } : null,
  };
  return r.UserProfileArn || r.UserProfileName || r.IamIdentity?.Arn || r.IamIdentity?.PrincipalId ? r : null;
}

/**
 * The person a UserInfo names, for comparing creator and approver: the source identity (set by the
 * IdP on the role session) first, then the IAM ARN, then the Studio user profile. Null: nobody named.
 */
export function identityOf(u: UserRecord | null): string | null {
  if (!u) return null;
  return u.IamIdentity?.SourceIdentity || u.IamIdentity?.Arn || u.UserProfileArn || (u.UserProfileName ? `user-profile ${u.DomainId ?? '?'}/${u.UserProfileName}` : null) || u.IamIdentity?.PrincipalId || null;
}

/**
 * Instance types with local NVMe instance storage: SageMaker refuses a KMS key for their storage
 * (endpoint config KmsKeyId, training VolumeKmsKeyId) and encrypts it with the instance's hardware
 * module (API reference). The `d` families (m5d, c5d, r5d, g4dn, p3dn, p4d, p4de …) and the GPU/Trainium
 * families that ship with instance store only.
 */
const LOCAL_STORAGE = /^ml\.([a-z]+\d+[a-z]*d[a-z]*|g5|g6|g6e|p5|p5e|p5en|trn1|trn1n)\./;
export const hasLocalStorage = (instanceType: string | null) => !!instanceType && LOCAL_STORAGE.test(instanceType);
