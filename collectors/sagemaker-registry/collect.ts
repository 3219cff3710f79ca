// The calls of sagemaker-registry (see index.ts): ListModelPackageGroups to its last page with
// GetModelPackageGroupPolicy per group, one ListModelPackages listing of every versioned package
// (every approval status, every page) with DescribeModelPackage per package, then the promotion
// log and the join with this collection's endpoints. No call writes anything.
import {
  DescribeModelPackageCommand,
  GetModelPackageGroupPolicyCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  type ModelPackageSummary,
} from '@aws-sdk/client-sagemaker';
import { makeClient } from '../../src/clients/aws.js';
import { mapPool } from '../../src/core/pool.js';
import { rateLimiter } from '../../src/core/rate-limit.js';
import { itemGaps } from '../_shared/item-gaps.js';
import { writePromotionLog, type PromotionEvent } from '../_shared/promotions.js';
import { counted, identityOf, listAll, listingGap, op, PAGE_SIZE } from '../_shared/sagemaker.js';
import type { AwsContext } from '../define.js';
import { writeDeployments } from './deployments.js';
import { KIND } from './kinds.js';
import type { RegistrySettings } from './index.js';
import { groupRecord, packageRecord, toVersionState, type PackageRecord, type PolicyField } from './record.js';

const MAX_POOL = 16;
export const GROUPS_PARAMS = { MaxResults: PAGE_SIZE } as const;
// every versioned package of every group and approval status in one listing (no ModelApprovalStatus filter)
export const PACKAGES_PARAMS = { ModelPackageType: 'Versioned', MaxResults: PAGE_SIZE } as const;

/**
 * AWS answers GetModelPackageGroupPolicy for a group without a policy with a ValidationException
 * ("Cannot find resource policy for …"): that is "no policy", not a gap. Any other error (a denial,
 * throttling after retries, a missing group) is a gap.
 */
export function isNoPolicy(e: unknown): boolean {
  const err = e as { name?: string; message?: string } | null;
  return err?.name === 'ValidationException' && /resource policy/i.test(err.message ?? '') && /(cannot find|not found|does not (exist|have))/i.test(err.message ?? '');
}

/** The group's policy as an object; an answer that is not a JSON object throws, so it becomes a gap like any failed read. */
function parsePolicy(text: string | undefined): PolicyField {
  if (!text) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw Object.assign(new Error('the answer is not a JSON policy document'), { name: 'UnparseablePolicy' });
  return v as Record<string, unknown>;
}

export async function collect(ctx: AwsContext): Promise<void> {
  const s = ctx.settings as RegistrySettings;
  const call = counted(rateLimiter(s.describeCallsPerSecond, ctx.signal));
  const sm = makeClient(SageMakerClient, ctx.aws);
  const opts = { abortSignal: ctx.signal };
  const pool = Math.min(MAX_POOL, Math.max(1, ctx.concurrency));
  const groupsOp = op('sagemaker:ListModelPackageGroups', { ...GROUPS_PARAMS });
  const policyOp = op('sagemaker:GetModelPackageGroupPolicy', { ModelPackageGroupName: '<each group>' });
  const packagesOp = op('sagemaker:ListModelPackages', { ...PACKAGES_PARAMS });
  const describeOp = op('sagemaker:DescribeModelPackage', { ModelPackageName: '<each package ARN>' });
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'items', where: `${KIND.groups} / ${KIND.packages}` });
  try {
    // ── groups and their policies ──
    const gcount = { groups: 0, withResourcePolicy: 0, resourcePolicyErrors: 0 };
    const groupsOut = await ctx.artifacts.ndjson(KIND.groups);
    let groupsOk = true;
    try {
      await listAll(ctx, groupsOp, (NextToken) => sm.send(new ListModelPackageGroupsCommand({ ...GROUPS_PARAMS, NextToken }), opts), async (page) => {
        const records = await mapPool(page.ModelPackageGroupSummaryList ?? [], pool, async (g) => {
          let rp: PolicyField;
          try {
            const r = await call(policyOp, () => sm.send(new GetModelPackageGroupPolicyCommand({ ModelPackageGroupName: g.ModelPackageGroupName }), opts));
            rp = parsePolicy(r.ResourcePolicy);
          } catch (e) {
            rp = isNoPolicy(e) ? null : { error: gaps.add(policyOp.api, g.ModelPackageGroupName ?? '?', e).code };
          }
          return groupRecord(g, rp);
        });
        for (const r of records) {
          gcount.groups++;
          if (r.resourcePolicy && !('error' in r.resourcePolicy)) gcount.withResourcePolicy++;
          if (r.resourcePolicy && 'error' in r.resourcePolicy) gcount.resourcePolicyErrors++;
          await groupsOut.write(r);
        }
      });
    } catch (e) {
      listingGap(ctx, groupsOp.api, e);
      groupsOk = false;
    }
    await groupsOut.finish({ operations: [{ ...groupsOp }, { ...policyOp }], complete: groupsOk, notes: { ...gcount, noPolicy: 'a ValidationException "Cannot find resource policy" is recorded as resourcePolicy null (no policy), not as a gap' } });

    // ── packages ──
    const pcount = { packages: 0, approved: 0, pendingManualApproval: 0, rejected: 0, noApprovalStatus: 0, describeErrors: 0 };
    const packagesOut = await ctx.artifacts.ndjson(KIND.packages);
    const records: PackageRecord[] = [];
    let packagesOk = true;
    const describe = async (p: ModelPackageSummary): Promise<PackageRecord> => {
      try {
        return packageRecord(p, await call(describeOp, () => sm.send(new DescribeModelPackageCommand({ ModelPackageName: p.ModelPackageArn }), opts)));
      } catch (e) {
        return packageRecord(p, null, gaps.add(describeOp.api, p.ModelPackageArn ?? '?', e).code);
      }
    };
    try {
      await listAll(ctx, packagesOp, (NextToken) => sm.send(new ListModelPackagesCommand({ ...PACKAGES_PARAMS, NextToken }), opts), async (page) => {
        for (const r of await mapPool(page.ModelPackageSummaryList ?? [], pool, describe)) {
          pcount.packages++;
          if (r.error) pcount.describeErrors++;
          if (r.ModelApprovalStatus === 'Approved') pcount.approved++;
          else if (r.ModelApprovalStatus === 'PendingManualApproval') pcount.pendingManualApproval++;
          else if (r.ModelApprovalStatus === 'Rejected') pcount.rejected++;
          else pcount.noApprovalStatus++;
          records.push(r);
          await packagesOut.write(r);
        }
      });
    } catch (e) {
      listingGap(ctx, packagesOp.api, e);
      packagesOk = false;
    }
    gaps.flush();
    await packagesOut.finish({ operations: [{ ...packagesOp }, { ...describeOp }], complete: packagesOk, notes: { ...pcount, ...(packagesOk ? {} : { stoppedAfterPages: packagesOp.pages }) } });

    await writePromotions(ctx, records, packagesOk);
    await writeDeployments(ctx, records, packagesOk);
  } finally {
    sm.destroy();
  }
}

/** The actor of an event: who last modified the package for a status change, who created it for a new one. */
function actorOf(e: PromotionEvent, byKey: Map<string, PackageRecord>): PromotionEvent['actor'] {
  const r = byKey.get(`${e.model}\u0000${e.version}`);
  if (!r) return null;
  const u = e.type === 'version_created' ? r.CreatedBy : e.type === 'stage_changed' ? (r.LastModifiedBy ?? null) : null;
  const user = identityOf(u);
  return user ? { user, source: e.type === 'version_created' ? 'CreatedBy' : 'LastModifiedBy' } : null;
}

async function writePromotions(ctx: AwsContext, records: PackageRecord[], complete: boolean): Promise<void> {
  const byKey = new Map(records.map((r) => { const v = toVersionState(r); return [`${v.model}\u0000${v.version}`, r] as const; }));
  await writePromotionLog<PackageRecord>(ctx, {
    versionsKind: KIND.packages,
    promotionsKind: KIND.promotions,
    complete,
    snapshotAt: ctx.now().toISOString(),
    current: records.map(toVersionState),
    // the approval status is the "stage"; Approved is what puts a package into production use
    popts: { productionAliases: [], approvalTags: [], productionStage: 'Approved' },
    settingsNote: { stage: 'ModelApprovalStatus', productionStage: 'Approved' },
    baselineNote: 'first bundle for this account and region: there is no earlier snapshot of the model packages, so this bundle is the baseline and the promotion log starts here',
    windowNote:
      'each event happened after the previous collection and at or before this one; the Model Registry keeps no status history, so no finer time is known (lastUpdated is LastModifiedTime). The actor is LastModifiedBy: the last identity to update the package, which is the approver only when nothing updated it after the status change',
    fromRecord: toVersionState,
    finish: (events) => ({
      events: events.map((e): PromotionEvent => {
        const actor = actorOf(e, byKey);
        const status = byKey.get(`${e.model}\u0000${e.version}`)?.ModelApprovalStatus ?? null;
        // approved by this event: a status change to Approved, or a package registered already Approved
        const approved = (e.type === 'stage_changed' && e.to === 'Approved') || (e.type === 'version_created' && status === 'Approved');
        return {
          ...e,
          actor,
          // the approval of a SageMaker package is its status, set by the identity that updated it
          approval: { tags: (status ? { ModelApprovalStatus: status } : {}) as Record<string, string>, approved: status === 'Approved', approver: approved ? (actor?.user ?? null) : null, relied: [{ tag: 'ModelApprovalStatus', value: status, accepted: status === 'Approved' }] },
        };
      }),
      notes: { actor: 'LastModifiedBy of the package for status changes, CreatedBy for new packages; CloudTrail UpdateModelPackage events are not read by this collector' },
    }),
  });
}
