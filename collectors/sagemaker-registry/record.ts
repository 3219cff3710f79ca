// The records sagemaker-registry writes, built from the SDK's answers by an explicit allow-list of
// fields: free text (descriptions, approval notes, customer metadata) has credentials redacted.
import type { DescribeModelPackageCommandOutput, ModelPackageGroupSummary, ModelPackageSummary } from '@aws-sdk/client-sagemaker';
import { iso, userRecord, type UserRecord } from '../_shared/sagemaker.js';
import { isSecretKey, REDACTED, redactString } from '../_shared/redact.js';
import type { VersionState } from '../_shared/promotions.js';
import { METRIC_SECTIONS, type MetricSection } from './kinds.js';

export type PolicyField = Record<string, unknown> | null | { error: string };

export interface GroupRecord {
  ModelPackageGroupName: string;
  ModelPackageGroupArn: string | null;
  ModelPackageGroupDescription: string | null;
  ModelPackageGroupStatus: string | null;
  CreationTime: string | null;
  resourcePolicy: PolicyField;
}

/** S3 URIs of the reports in one ModelMetrics section (Statistics, Constraints, Report, …), by report name. */
export type MetricReports = Record<string, string>;

export interface PackageRecord {
  ModelPackageArn: string;
  ModelPackageGroupName: string | null;
  ModelPackageVersion: number | null;
  ModelPackageStatus: string | null;
  /** null when the service did not say (AWS always does for a versioned package; moto may not) */
  ModelApprovalStatus: string | null;
  ApprovalDescription: string | null;
  ModelPackageDescription: string | null;
  CreationTime: string | null;
  LastModifiedTime: string | null;
  CreatedBy: UserRecord | null;
  LastModifiedBy: UserRecord | null;
  /** the ModelMetrics sections present, each with its report URIs */
  ModelMetrics: Partial<Record<MetricSection, MetricReports>>;
  CustomerMetadataProperties: Record<string, string>;
  /** inference containers: image, model data and the package's own framework */
  containers: { Image: string | null; ModelDataUrl: string | null; Framework: string | null }[];
  /** set when DescribeModelPackage failed: the record then holds only what the listing said */
  error?: string;
}

const text = (v: string | undefined | null): string | null => (v ? redactString(v) : null);

function reports(section: unknown): MetricReports | null {
  if (!section || typeof section !== 'object') return null;
  const out: MetricReports = {};
  for (const [name, src] of Object.entries(section as Record<string, unknown>)) {
    const uri = (src as { S3Uri?: unknown } | null)?.S3Uri;
    if (typeof uri === 'string' && uri) out[name] = redactString(uri);
  }
  return Object.keys(out).length ? out : null;
}

export function metricsOf(m: DescribeModelPackageCommandOutput['ModelMetrics']): PackageRecord['ModelMetrics'] {
  const out: PackageRecord['ModelMetrics'] = {};
  for (const s of METRIC_SECTIONS) {
    const r = reports(m?.[s]);
    if (r) out[s] = r;
  }
  return out;
}

function metadata(p: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(p ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, v !== '' && isSecretKey(k) ? REDACTED : redactString(v)]),
  );
}

export function groupRecord(g: ModelPackageGroupSummary, resourcePolicy: PolicyField): GroupRecord {
  return {
    ModelPackageGroupName: g.ModelPackageGroupName ?? '',
    ModelPackageGroupArn: g.ModelPackageGroupArn ?? null,
    ModelPackageGroupDescription: text(g.ModelPackageGroupDescription),
    ModelPackageGroupStatus: g.ModelPackageGroupStatus ?? null,
    CreationTime: iso(g.CreationTime),
    resourcePolicy,
  };
}

/** The record of a package: from DescribeModelPackage, or (`d` absent) only the listing's summary with the error. */
export function packageRecord(s: ModelPackageSummary, d: DescribeModelPackageCommandOutput | null, error?: string): PackageRecord {
  return {
    ModelPackageArn: s.ModelPackageArn ?? d?.ModelPackageArn ?? '',
    ModelPackageGroupName: d?.ModelPackageGroupName ?? s.ModelPackageGroupName ?? null,
    ModelPackageVersion: d?.ModelPackageVersion ?? s.ModelPackageVersion ?? null,
    ModelPackageStatus: d?.ModelPackageStatus ?? s.ModelPackageStatus ?? null,
    ModelApprovalStatus: d?.ModelApprovalStatus ?? s.ModelApprovalStatus ?? null,
    ApprovalDescription: text(d?.ApprovalDescription),
    ModelPackageDescription: text(d?.ModelPackageDescription ?? s.ModelPackageDescription),
    CreationTime: iso(d?.CreationTime ?? s.CreationTime),
    LastModifiedTime: iso(d?.LastModifiedTime),
    CreatedBy: userRecord(d?.CreatedBy),
    LastModifiedBy: userRecord(d?.LastModifiedBy),
    ModelMetrics: metricsOf(d?.ModelMetrics),
    CustomerMetadataProperties: metadata(d?.CustomerMetadataProperties),
    containers: (d?.InferenceSpecification?.Containers ?? []).map((c) => ({ Image: c.Image ?? null, ModelDataUrl: text(c.ModelDataUrl), Framework: c.Framework ?? null })),
    ...(error !== undefined ? { error } : {}),
  };
}

/** A package as the promotion log compares it: group = model, version, approval status = stage. */
export function toVersionState(r: PackageRecord): VersionState {
  return {
    model: r.ModelPackageGroupName ?? r.ModelPackageArn,
    version: String(r.ModelPackageVersion ?? r.ModelPackageArn),
    stage: r.ModelApprovalStatus,
    aliases: [],
    lastUpdated: r.LastModifiedTime ?? r.CreationTime,
    tags: {},
  };
}
