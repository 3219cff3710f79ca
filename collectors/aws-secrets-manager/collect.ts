// The calls of aws-secrets-manager (see index.ts): ListSecrets page by page, GetResourcePolicy per
// secret under the quota, DescribeSecret for replicated secrets, then the rotations since the
// previous bundle.
import {
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  ListSecretsCommand,
  SecretsManagerClient,
  type ListSecretsCommandOutput,
  type SecretListEntry,
} from '@aws-sdk/client-secrets-manager';
import { makeClient } from '../../src/clients/aws.js';
import { describeError, RepeatedTokenError } from '../../src/core/errors.js';
import { mapPool } from '../../src/core/pool.js';
import { itemGaps } from '../_shared/item-gaps.js';
import { rateLimiter } from '../../src/core/rate-limit.js';
import type { OperationRecord } from '../../src/core/types.js';
import type { AwsContext } from '../define.js';
import { KIND, LIST_PARAMS, ROTATIONS_KIND, type SecretsSettings } from './index.js';
import { isReplicated, replicationEntries, toRecord, type PolicyField, type SecretRecord } from './record.js';

const MAX_POOL = 16;

export async function collect(ctx: AwsContext): Promise<void> {
  const s = ctx.settings as SecretsSettings;
  const policySlot = rateLimiter(s.resourcePolicyCallsPerSecond, ctx.signal);
  const sm = makeClient(SecretsManagerClient, ctx.aws);
  const out = await ctx.artifacts.ndjson(KIND);
  const list: OperationRecord = { api: 'secretsmanager:ListSecrets', params: { ...LIST_PARAMS }, pages: 0 };
  const policy: OperationRecord = { api: 'secretsmanager:GetResourcePolicy', params: { SecretId: '<each secret ARN>' }, pages: 0, calls: 0 };
  const describe: OperationRecord = { api: 'secretsmanager:DescribeSecret', params: { SecretId: '<each replicated secret ARN>' }, pages: 0, calls: 0 };
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'secrets', where: KIND });
  const counts = { secrets: 0, scheduledForDeletion: 0, withResourcePolicy: 0, resourcePolicyErrors: 0, replicated: 0, replicationErrors: 0 };
  const pool = Math.min(MAX_POOL, Math.max(1, ctx.concurrency));
  const opts = { abortSignal: ctx.signal };
  const rotated = new Map<string, { name: string; at: string | null }>();

  const enrich = async (e: SecretListEntry): Promise<SecretRecord> => {
    const arn = e.ARN ?? e.Name ?? '';
    let rp: PolicyField;
    try {
      await policySlot();
      policy.calls!++;
      const r = await sm.send(new GetResourcePolicyCommand({ SecretId: arn }), opts);
      rp = parsePolicy(r.ResourcePolicy);
      if (rp && 'error' in rp) gaps.add('secretsmanager:GetResourcePolicy', arn, Object.assign(new Error('ResourcePolicy is not a JSON object'), { name: rp.error }));
    } catch (err) {
      rp = { error: gaps.add('secretsmanager:GetResourcePolicy', arn, err).code };
    }
    let replication: SecretRecord['ReplicationStatus'];
    if (isReplicated(e)) {
      try {
        describe.calls!++;
        const d = await sm.send(new DescribeSecretCommand({ SecretId: arn }), opts);
        replication = replicationEntries(d.ReplicationStatus);
      } catch (err) {
        replication = { error: gaps.add('secretsmanager:DescribeSecret', arn, err).code };
      }
    }
    return toRecord(e, rp, replication);
  };

  const operations = () => {
    policy.pages = policy.calls!;
    describe.pages = describe.calls!;
    return [{ ...list }, { ...policy }, { ...describe }];
  };
  let listed = true;
  let listFailed = false;
  try {
    await ctx.paginate.all<ListSecretsCommandOutput>(
      { api: list.api, params: list.params },
      async (NextToken) => {
        try {
          const page = await sm.send(new ListSecretsCommand({ ...LIST_PARAMS, NextToken }), opts);
          list.pages++;
          return { page, next: page.NextToken };
        } catch (e) {
          listFailed = true;
          throw e;
        }
      },
      async (page) => {
        // one page at a time: its policies are fetched with the pool, its records written, then the next page
        const records = await mapPool(page.SecretList ?? [], pool, enrich);
        for (const r of records) {
          counts.secrets++;
          if (r.DeletedDate) counts.scheduledForDeletion++;
          if (r.resourcePolicy && !('error' in r.resourcePolicy)) counts.withResourcePolicy++;
          if (r.resourcePolicy && 'error' in r.resourcePolicy) counts.resourcePolicyErrors++;
          if (r.ReplicationStatus) counts.replicated++;
          if (r.ReplicationStatus && 'error' in r.ReplicationStatus) counts.replicationErrors++;
          rotated.set(r.ARN, { name: r.Name ?? r.ARN, at: r.LastRotatedDate });
          await out.write(r);
        }
      },
    );
  } catch (e) {
    // a failed page or a looping token is a gap; anything else (the disk) fails the collector,
    // and the runner marks the open artifact aborted
    if (!listFailed && !(e instanceof RepeatedTokenError)) throw e;
    listed = false;
    ctx.gap({ api: list.api, ...describeError(e) });
  } finally {
    sm.destroy();
  }
  gaps.flush();
  // The population is complete when every ListSecrets page arrived. A secret whose policy could
  // not be read stays in it, marked {error}; the gap says so and the policy check reports error.
  await out.finish({ operations: operations(), complete: listed, notes: { ...counts, resourcePolicyCallsPerSecond: s.resourcePolicyCallsPerSecond, ...(listed ? {} : { stoppedAfterPages: list.pages }) } });
  if (listed) await writeRotations(ctx, rotated);
}

/**
 * Secrets Manager keeps no rotation history we may read without touching versions, so each bundle
 * compares LastRotatedDate with the previous bundle's snapshot: every change is one rotation event
 * in the window (previous collectedAt, this collectedAt].
 */
async function writeRotations(ctx: AwsContext, current: Map<string, { name: string; at: string | null }>): Promise<void> {
  const to = ctx.now().toISOString();
  const { reader: prev, skipped } = ctx.baseline(KIND);
  if (!prev) {
    if (skipped.length === 0) {
      await ctx.artifacts.json(ROTATIONS_KIND, { baseline: true, window: { from: null, to }, previousBundle: null, events: [] }, { operations: [], complete: true, records: 0, notes: { baseline: 'first bundle for this account and region: later bundles list rotations since it' } });
      return;
    }
    // earlier runs exist but none holds a complete secrets snapshot: rotations since then are unknown, not none
    const message = `no earlier bundle holds a complete ${KIND} snapshot (incomplete in ${skipped.join(', ')}): rotations since bundle ${skipped[skipped.length - 1]} cannot be derived`;
    ctx.gap({ api: ROTATIONS_KIND, code: 'PREVIOUS_SNAPSHOT_INCOMPLETE', message });
    await ctx.artifacts.json(ROTATIONS_KIND, { baseline: false, window: { from: null, to }, previousBundle: null, events: [] }, { operations: [], complete: false, records: 0, notes: { incomplete: message, incompleteEarlierSnapshots: skipped } });
    return;
  }
  const before = new Map<string, string | null>();
  for await (const r of prev.iterate<SecretRecord>(KIND)) before.set(r.ARN, r.LastRotatedDate);
  const events = [];
  for (const [arn, { name, at }] of current) {
    if (!at || !before.has(arn)) continue;
    const was = before.get(arn) ?? null;
    // keyed by the secret and the rotation time: the same rotation seen from two bundles is one event
    if (was !== at) events.push({ key: `${arn}|${at}`, arn, name, account: ctx.aws.account, region: ctx.aws.region, rotatedAt: at, previousRotatedAt: was });
  }
  const window = { from: prev.collectedAt ?? null, to };
  await ctx.artifacts.json(ROTATIONS_KIND, { baseline: false, window, previousBundle: prev.bundleId ?? null, events }, {
    operations: [],
    complete: true,
    records: events.length,
    ...(window.from ? { periodCovered: { from: window.from, to } } : {}),
    notes: { derivedFrom: `${KIND} of this bundle and of ${prev.bundleId}`, apiCalls: 0, ...(skipped.length ? { spansIncompleteSnapshots: skipped } : {}) },
  });
}

function parsePolicy(text: string | undefined): PolicyField {
  if (text === undefined || text === null || text === '') return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : { error: 'UnparseablePolicy' };
  } catch {
    return { error: 'UnparseablePolicy' };
  }
}
