// CloudWatch alarms (awsJson1.0, `X-Amz-Target: GraniteServiceVersion20100801.DescribeAlarms`), ECR
// scan findings (awsJson1.1, `AmazonEC2ContainerRegistry_V20150921.DescribeImageScanFindings`) and
// AWS Backup plans and selections (restJson1: GET /backup/plans…), written from the API references;
// read actions only. moto has DescribeAlarms, ListBackupPlans and DescribeImageScanFindings but no
// ListBackupSelections / GetBackupSelection. Resources live per account and region
// (`accounts[].monitoring[region]`).

import type { AwsAccountSeed, MonitoringRegionSeed } from './seed.js';
import type { HandlerContext } from './types.js';
import { AwsError, awsId, decodeToken, encodeToken, epochSeconds } from './wire.js';

function region(acct: AwsAccountSeed, r: string): MonitoringRegionSeed {
  return acct.monitoring?.[r] ?? {};
}

function pageOf<T>(items: T[], token: unknown, size: number, scope: string, invalid: () => AwsError): { slice: T[]; next?: string } {
  let from = 0;
  if (typeof token === 'string' && token !== '') {
    const off = decodeToken(token, scope);
    if (off === undefined) throw invalid();
    from = off;
  }
  const slice = items.slice(from, from + size);
  return from + slice.length < items.length ? { slice, next: encodeToken(from + slice.length, scope) } : { slice };
}

// ── CloudWatch ──────────────────────────────────────────────────────────────────────────────

function describeAlarms(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const max = body['MaxRecords'] ?? 50;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100) throw new AwsError('InvalidParameterValue', `The parameter MaxRecords must be between 1 and 100.`);
  const types = Array.isArray(body['AlarmTypes']) ? (body['AlarmTypes'] as string[]) : ['MetricAlarm'];
  const cap = ctx.runtime.opts.maxPageItems;
  const size = cap !== undefined && cap > 0 ? Math.min(max, cap) : max;
  const alarms = types.includes('MetricAlarm') ? [...(region(ctx.caller.account, ctx.region).alarms ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1)) : [];
  const scope = `DescribeAlarms:${ctx.caller.account.id}:${ctx.region}:${JSON.stringify(types)}`;
  const { slice, next } = pageOf(alarms, body['NextToken'], size, scope, () => new AwsError('InvalidNextToken', 'The service couldn’t process your request because the NextToken is invalid.'));
  return {
    MetricAlarms: slice.map((a) => ({
      AlarmName: a.name,
      AlarmArn: `arn:aws:cloudwatch:${ctx.region}:${ctx.caller.account.id}:alarm:${a.name}`,
      ActionsEnabled: a.actionsEnabled ?? true,
      AlarmActions: a.actions ?? [],
      OKActions: [],
      InsufficientDataActions: [],
      StateValue: a.state ?? 'OK',
      Namespace: a.namespace ?? 'AWS/SageMaker',
      MetricName: a.metric,
      Dimensions: Object.entries(a.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    })),
    CompositeAlarms: [],
    ...(next ? { NextToken: next } : {}),
  };
}

export function handleCloudWatch(action: string, body: Record<string, unknown>, ctx: HandlerContext): unknown {
  if (action === 'DescribeAlarms') return describeAlarms(body, ctx);
  throw new AwsError('UnknownOperationException', `The action ${action} is not valid for this web service.`);
}

// ── ECR ─────────────────────────────────────────────────────────────────────────────────────

function describeImageScanFindings(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const account = ctx.caller.account.id;
  const registryId = typeof body['registryId'] === 'string' ? body['registryId'] : account;
  const repo = body['repositoryName'];
  const id = (body['imageId'] ?? {}) as { imageTag?: string; imageDigest?: string };
  const max = body['maxResults'] ?? 100;
  if (typeof max !== 'number' || max < 1 || max > 1000) throw new AwsError('InvalidParameterException', 'Invalid parameter at maxResults: must be between 1 and 1000');
  if (registryId !== account) throw new AwsError('AccessDeniedException', `User: ${ctx.caller.arn} is not authorized to perform: ecr:DescribeImageScanFindings on resource: arn:aws:ecr:${ctx.region}:${registryId}:repository/${String(repo)}`);
  const images = (region(ctx.caller.account, ctx.region).images ?? []).filter((i) => i.repository === repo);
  if (!images.length) throw new AwsError('RepositoryNotFoundException', `The repository with name '${String(repo)}' does not exist in the registry with id '${registryId}'`);
  const image = images.find((i) => (id.imageDigest ? i.digest === id.imageDigest : (i.tag ?? 'latest') === id.imageTag));
  const shown = `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;
  if (!image) throw new AwsError('ImageNotFoundException', `The image with imageId ${shown} does not exist within the repository with name '${String(repo)}' in the registry with id '${registryId}'`);
  if (!image.scan) throw new AwsError('ScanNotFoundException', `Image scan does not exist for the image with '${shown}' in the repository with name '${String(repo)}' in the registry with id '${registryId}'`);
  const findings = image.scan.findings ?? [];
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  const scope = `DescribeImageScanFindings:${account}:${ctx.region}:${String(repo)}:${JSON.stringify(id)}`;
  const { slice, next } = pageOf(findings, body['nextToken'], max, scope, () => new AwsError('InvalidParameterException', 'Invalid parameter at nextToken'));
  return {
    registryId,
    repositoryName: repo,
    imageId: { imageDigest: image.digest ?? `sha256:${awsId('', `${repo}:${image.tag}`, 64).toLowerCase().replace(/[^0-9a-f]/g, 'a')}`, ...(image.tag ? { imageTag: image.tag } : {}) },
    imageScanStatus: { status: image.scan.status ?? 'COMPLETE', description: 'The scan was completed successfully.' },
    imageScanFindings: {
      imageScanCompletedAt: epochSeconds(image.scan.completedAt ?? ctx.now),
      vulnerabilitySourceUpdatedAt: epochSeconds(ctx.now),
      findingSeverityCounts: counts,
      findings: slice.map((f) => ({ name: f.name, severity: f.severity, uri: `https://nvd.nist.gov/vuln/detail/${f.name}`, attributes: [{ key: 'package_name', value: f.package ?? 'unknown' }] })),
    },
    ...(next ? { nextToken: next } : {}),
  };
}

export function handleEcr(action: string, body: Record<string, unknown>, ctx: HandlerContext): unknown {
  if (action === 'DescribeImageScanFindings') return describeImageScanFindings(body, ctx);
  throw new AwsError('UnknownOperationException', `The action ${action} is not valid for this web service.`);
}

// ── AWS Backup (restJson1) ──────────────────────────────────────────────────────────────────

/** The action a Backup path and method name, or undefined. */
export function backupAction(method: string, path: string): { action: string; planId?: string; selectionId?: string } | undefined {
  if (method !== 'GET') return undefined;
  const parts = path.replace(/\/+$/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'backup' || parts[1] !== 'plans') return undefined;
  if (parts.length === 2) return { action: 'ListBackupPlans' };
  if (parts.length === 4 && parts[3] === 'selections') return { action: 'ListBackupSelections', planId: parts[2]! };
  if (parts.length === 5 && parts[3] === 'selections') return { action: 'GetBackupSelection', planId: parts[2]!, selectionId: parts[4]! };
  return undefined;
}

function maxResults(q: Record<string, unknown>): number {
  const raw = q['maxResults'];
  if (raw === undefined) return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new AwsError('InvalidParameterValueException', 'Invalid value for parameter maxResults: must be between 1 and 1000');
  return n;
}

const planArn = (ctx: HandlerContext, id: string) => `arn:aws:backup:${ctx.region}:${ctx.caller.account.id}:backup-plan:${id}`;

export function handleBackup(action: string, q: Record<string, unknown>, ctx: HandlerContext, planId?: string, selectionId?: string): unknown {
  const plans = region(ctx.caller.account, ctx.region).backupPlans ?? [];
  const cap = ctx.runtime.opts.maxPageItems;
  const size = (n: number) => (cap !== undefined && cap > 0 ? Math.min(n, cap) : n);
  const invalid = () => new AwsError('InvalidParameterValueException', 'Invalid nextToken');
  if (action === 'ListBackupPlans') {
    const { slice, next } = pageOf(plans, q['nextToken'], size(maxResults(q)), `ListBackupPlans:${ctx.caller.account.id}:${ctx.region}`, invalid);
    return {
      BackupPlansList: slice.map((p) => ({ BackupPlanId: p.id, BackupPlanArn: planArn(ctx, p.id), BackupPlanName: p.name, VersionId: awsId('', `v|${p.id}`, 32), CreationDate: epochSeconds(p.created ?? '2026-01-01T00:00:00Z') })),
      ...(next ? { NextToken: next } : {}),
    };
  }
  const plan = plans.find((p) => p.id === planId);
  if (!plan) throw new AwsError('ResourceNotFoundException', `Failed reading Backup plan with provided version`, 400);
  const selections = plan.selections ?? [];
  if (action === 'ListBackupSelections') {
    const { slice, next } = pageOf(selections, q['nextToken'], size(maxResults(q)), `ListBackupSelections:${ctx.caller.account.id}:${ctx.region}:${plan.id}`, invalid);
    return {
      BackupSelectionsList: slice.map((s) => ({ SelectionId: s.id, SelectionName: s.name, BackupPlanId: plan.id, IamRoleArn: s.role ?? `arn:aws:iam::${ctx.caller.account.id}:role/service-role/AWSBackupDefaultServiceRole`, CreationDate: epochSeconds('2026-01-01T00:00:00Z') })),
      ...(next ? { NextToken: next } : {}),
    };
  }
  const s = selections.find((x) => x.id === selectionId);
  if (!s) throw new AwsError('ResourceNotFoundException', `Failed reading Backup selection ${String(selectionId)}`, 400);
  return {
    BackupPlanId: plan.id,
    SelectionId: s.id,
    CreationDate: epochSeconds('2026-01-01T00:00:00Z'),
    BackupSelection: {
      SelectionName: s.name,
      IamRoleArn: s.role ?? `arn:aws:iam::${ctx.caller.account.id}:role/service-role/AWSBackupDefaultServiceRole`,
      Resources: s.resources ?? [],
      NotResources: s.notResources ?? [],
      ListOfTags: (s.tags ?? []).map((t) => ({ ConditionType: 'STRINGEQUALS', ConditionKey: t.key, ConditionValue: t.value })),
      Conditions: { StringEquals: (s.conditions ?? []).map((t) => ({ ConditionKey: `aws:ResourceTag/${t.key}`, ConditionValue: t.value })), StringNotEquals: [], StringLike: [], StringNotLike: [] },
    },
  };
}
