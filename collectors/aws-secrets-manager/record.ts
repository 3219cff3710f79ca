// The record written per secret to `aws.secretsmanager.secrets` (secrets.ndjson), built from a
// ListSecrets entry by an explicit allow-list of metadata fields: whatever else a server sends is
// never copied, so nothing of a secret's value can reach the bundle even from a misbehaving server.
import type { ReplicationStatusType, SecretListEntry } from '@aws-sdk/client-secrets-manager';

/** The alias of the AWS-managed default key; ListSecrets omits KmsKeyId when it is used. */
export const AWS_MANAGED_ALIAS = 'alias/aws/secretsmanager';

export type PolicyField = Record<string, unknown> | null | { error: string };

export interface SecretRecord {
  ARN: string;
  Name: string | null;
  /** `aws-managed` when KmsKeyId is absent or names alias/aws/secretsmanager */
  kms: 'aws-managed' | 'customer-managed';
  KmsKeyId: string | null;
  RotationEnabled: boolean;
  RotationRules: { AutomaticallyAfterDays?: number; ScheduleExpression?: string; Duration?: string } | null;
  RotationLambdaARN: string | null;
  LastRotatedDate: string | null;
  LastChangedDate: string | null;
  /** null: never read (AWS rounds this to the day) */
  LastAccessedDate: string | null;
  NextRotationDate: string | null;
  /** set when the secret is scheduled for deletion: the date after which AWS deletes it */
  DeletedDate: string | null;
  Tags: { Key: string; Value: string }[];
  PrimaryRegion: string | null;
  OwningService: string | null;
  CreatedDate: string | null;
  /** present only for replicated secrets (from DescribeSecret), or `{error}` when that call failed */
  ReplicationStatus?: ReplicationEntry[] | { error: string };
  /** the parsed resource policy; null = the secret has none; `{error}` = GetResourcePolicy failed */
  resourcePolicy: PolicyField;
}

export interface ReplicationEntry {
  Region: string | null;
  KmsKeyId: string | null;
  Status: string | null;
  StatusMessage: string | null;
  LastAccessedDate: string | null;
}

const iso = (d: Date | string | number | null | undefined): string | null => {
  if (d === null || d === undefined) return null;
  if (d instanceof Date) return Number.isNaN(d.getTime()) ? null : d.toISOString();
  const x = typeof d === 'number' ? new Date(d * 1000) : new Date(d);
  return Number.isNaN(x.getTime()) ? null : x.toISOString();
};

export function kmsKind(keyId: string | null | undefined): 'aws-managed' | 'customer-managed' {
  if (!keyId) return 'aws-managed';
  return keyId === AWS_MANAGED_ALIAS || keyId.endsWith(':' + AWS_MANAGED_ALIAS) ? 'aws-managed' : 'customer-managed';
}

/**
 * True when the ListSecrets entry shows the secret takes part in replication: AWS sets PrimaryRegion
 * on replicated primaries and on replicas. (ListSecrets carries no ReplicationStatus; the SDK would
 * drop one an emulator sent.)
 */
export function isReplicated(e: SecretListEntry): boolean {
  return !!e.PrimaryRegion;
}

export function replicationEntries(list: ReplicationStatusType[] | undefined): ReplicationEntry[] {
  return (list ?? []).map((r) => ({
    Region: r.Region ?? null,
    KmsKeyId: r.KmsKeyId ?? null,
    Status: r.Status ?? null,
    StatusMessage: r.StatusMessage ?? null,
    LastAccessedDate: iso(r.LastAccessedDate),
  }));
}

export function toRecord(e: SecretListEntry, resourcePolicy: PolicyField, replication?: SecretRecord['ReplicationStatus']): SecretRecord {
  const rules = e.RotationRules;
  return {
    ARN: e.ARN ?? '',
    Name: e.Name ?? null,
    kms: kmsKind(e.KmsKeyId),
    KmsKeyId: e.KmsKeyId ?? null,
    RotationEnabled: e.RotationEnabled === true,
    RotationRules: rules
      ? {
          ...(rules.AutomaticallyAfterDays !== undefined && rules.AutomaticallyAfterDays !== null ? { AutomaticallyAfterDays: rules.AutomaticallyAfterDays } : {}),
          ...(rules.ScheduleExpression ? { ScheduleExpression: rules.ScheduleExpression } : {}),
          ...(rules.Duration ? { Duration: rules.Duration } : {}),
        }
      : null,
    RotationLambdaARN: e.RotationLambdaARN || null,
    LastRotatedDate: iso(e.LastRotatedDate),
    LastChangedDate: iso(e.LastChangedDate),
    LastAccessedDate: iso(e.LastAccessedDate),
    NextRotationDate: iso(e.NextRotationDate),
    DeletedDate: iso(e.DeletedDate),
    Tags: (e.Tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' })),
    PrimaryRegion: e.PrimaryRegion ?? null,
    OwningService: e.OwningService ?? null,
    CreatedDate: iso(e.CreatedDate),
    ...(replication !== undefined ? { ReplicationStatus: replication } : {}),
    resourcePolicy,
  };
}
