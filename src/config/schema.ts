// The config schema: the single description of soc2.config.yaml. The JSON Schema in
// schema/soc2.config.schema.json is generated from it (npm run schema) and checked by a test.
import * as z from 'zod';

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'expected a name of letters, digits, ".", "_" or "-" (it becomes a folder name)');

/** Approval tag / label values that mean "not approved" unless a source lists its own. */
export const DEFAULT_NOT_APPROVED = ['pending', 'false', 'no', 'none', '-', ''] as const;

export const CATEGORIES = ['security', 'availability', 'confidentiality', 'processing-integrity', 'privacy'] as const;

/** YYYY-MM-DD naming a day that exists (2026-02-30 and 2026-13-45 do not) */
export function isCalendarDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine(isCalendarDate, { message: 'expected a real calendar date as YYYY-MM-DD (that day does not exist)', abort: true });

const awsSource = z.strictObject({
  name,
  regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1')).min(1),
  profile: z.string().min(1).optional(),
  assumeRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'expected a role ARN (arn:aws:iam::123456789012:role/NAME)').optional(),
  externalId: z.string().min(2).optional(),
  organization: z
    .strictObject({
      roleName: z.string().min(1),
      include: z.array(z.string().regex(/^\d{12}$/, 'expected a 12-digit account id')).optional(),
      exclude: z.array(z.string().regex(/^\d{12}$/, 'expected a 12-digit account id')).optional(),
    })
    .optional(),
  /** training-data buckets whose write access counts as an ML privilege */
  trainingDataBuckets: z.array(z.string().min(1)).default([]),
});

const mlflowSource = z.strictObject({
  name,
  trackingUri: z.url().optional(),
  productionAliases: z.array(z.string().min(1)).default(['champion', 'production']),
  approvalTags: z.array(z.string().min(1)).default(['approved_by']),
  /** approval tag values that mean "not approved" (compared trimmed, case-insensitively) */
  notApprovedValues: z.array(z.string()).default([...DEFAULT_NOT_APPROVED]),
  lineageScope: z.enum(['production-staging', 'production', 'all']).default('production-staging'),
  classificationTags: z.array(z.string().min(1)).default(['data_classification']),
  /** seconds per HTTP attempt (4 attempts per call); default MLFLOW_HTTP_REQUEST_TIMEOUT, else 30 */
  requestTimeoutSeconds: z.number().positive().max(3600).optional(),
  /** workspaces of a multi-tenant server to collect; default every workspace the server lists */
  workspaces: z.array(z.string().min(1)).min(1).optional(),
});

const vertexSource = z.strictObject({
  name,
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'expected a GCP project id'),
  locations: z.array(z.string().min(1)).min(1),
  apiEndpoint: z.string().regex(/^[^\s:]+:\d+$/, 'expected HOST:PORT').optional(),
  insecure: z.boolean().default(false),
  productionAliases: z.array(z.string().min(1)).default(['production', 'champion']),
  approvalLabels: z.array(z.string().min(1)).default(['approved-by']),
  /** approval label values that mean "not approved" (compared trimmed, case-insensitively) */
  notApprovedValues: z.array(z.string()).default([...DEFAULT_NOT_APPROVED]),
  requireCmek: z.boolean().default(false),
  requirePrivateEndpoints: z.boolean().default(false),
  lineageMaxHops: z.number().int().min(1).max(100).default(5),
  /** seconds one call (one page) may take, its retries included */
  requestTimeoutSeconds: z.number().positive().max(3600).default(60),
});

const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the NAME of an environment variable that holds the credential (never the credential itself)');

/** Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir, Amazon Managed Prometheus). */
const prometheusSource = z.strictObject({
  name,
  /** base URL of the API: requests go to <url>/api/v1/… (Mimir: https://host/prometheus) */
  url: z.url().refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'expected a URL without credentials in it (use auth with environment variables)'),
  auth: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('bearer'), tokenEnv: envVarName }),
      z.strictObject({ type: z.literal('basic'), usernameEnv: envVarName, passwordEnv: envVarName }),
      // Amazon Managed Prometheus: requests signed with the AWS SDK's default credential chain
      z.strictObject({ type: z.literal('sigv4'), region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1'), profile: z.string().min(1).optional(), service: z.string().min(1).default('aps') }),
    ])
    .optional(),
  /** Alertmanager base URL: its receivers (GET /api/v2/receivers) are collected when given; same auth */
  alertmanagerUrl: z.url().optional(),
  services: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        /** PromQL giving the service's availability (0..1) over the day ending at each evaluation time, e.g. avg_over_time(probe_success{job="inference"}[1d]) */
        query: z.string().min(1),
        /** the SLO: every day of the window at or above it, e.g. 0.999 */
        target: z.number().gt(0).max(1),
      }),
    )
    .min(1)
    .refine((a) => new Set(a.map((s) => s.name)).size === a.length, 'expected unique service names'),
  /** complete UTC days before the collection day that are measured */
  lookbackDays: z.number().int().min(1).max(400).default(30),
  /** resolution of the firing-alert ranges (the incidents), in seconds */
  incidentStepSeconds: z.number().int().min(1).max(3600).default(60),
  /** seconds per HTTP attempt (4 attempts per call) */
  requestTimeoutSeconds: z.number().positive().max(3600).default(30),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  organization: z.string().min(1).optional(),
  scope: z.array(z.enum(CATEGORIES)).default(['security']),
  observationPeriod: z.strictObject({ from: isoDate, to: isoDate }).optional(),
  evidence: z
    .strictObject({
      dir: z.string().min(1).default('evidence'),
      stream: name.optional(),
      /** write-once copy of every bundle in S3 (Object Lock), uploaded after the local bundle completes */
      s3: z
        .strictObject({
          bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
          // S3's rules: any UTF-8 key up to 1024 bytes; ours: no leading or trailing "/", no control characters
          prefix: z
            .string()
            .regex(/^(?:[^/\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]*[^/\u0000-\u001f\u007f-\u009f])?)?$/, 'expected a key prefix without leading or trailing "/" or control characters')
            .refine((p) => Buffer.byteLength(p) <= 900, 'expected a key prefix of at most 900 bytes (S3 keys are at most 1024, and the bundle path follows it)')
            .default(''),
          region: z.string().optional(),
          objectLock: z.strictObject({ mode: z.enum(['COMPLIANCE', 'GOVERNANCE']), retainDays: z.number().int().min(1).max(36500) }).optional(),
        })
        .optional(),
    })
    .default({ dir: 'evidence' }),
  signing: z
    .strictObject({
      keyFile: z.string().min(1).optional(),
      /** Ed25519 public keys (PEM files, relative to the config) that verify, report and diff trust */
      trustedKeys: z.array(z.string().min(1)).min(1).optional(),
    })
    .optional(),
  concurrency: z.number().int().min(1).max(64).default(8),
  sources: z
    .strictObject({
      aws: z.array(awsSource).default([]),
      mlflow: z.array(mlflowSource).default([]),
      vertex: z.array(vertexSource).default([]),
      prometheus: z.array(prometheusSource).default([]),
    })
    .default({ aws: [], mlflow: [], vertex: [], prometheus: [] }),
  collectors: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all'),
  /** per-collector thresholds, validated against each collector's own settings schema */
  settings: z.record(z.string(), z.unknown()).default({}),
  /** extra mapping files: the user's own control IDs → criteria → our artifact kinds and checks */
  mappings: z.array(z.string().min(1)).default([]),
  /** the entity control register: a YAML file or a directory of *.yaml; default the shipped controls/ */
  controls: z.string().min(1).optional(),
  /** subservice organizations carved out (YAML, like mappings/subservice-organizations.yaml); default that file */
  subserviceOrganizations: z.string().min(1).optional(),
  /** source data older than this at collection (e.g. a cached IAM credential report) is an exception on its artifact */
  timeliness: z.strictObject({ maxSourceAgeHours: z.number().positive().max(8760).default(4) }).default({ maxSourceAgeHours: 4 }),
  report: z
    .strictObject({
      /** management responses to exceptions (responses.yaml, relative to the config) */
      responses: z.string().min(1).optional(),
      /** an exception without a response older than this many days is listed as overdue */
      responseDueDays: z.number().int().min(0).max(3650).default(30),
    })
    .optional(),
  /** the vendor register (vendors.yaml, relative to the config): third parties, their DPAs and risk assessments */
  vendors: z.string().min(1).optional(),
  /** the policy index (e.g. policies/index.yaml, relative to the config): written policies and their reviews */
  policies: z.string().min(1).optional(),
  /** access reviews (soc2 review start/submit): owners of principals, the self-review rule, the remediation deadline */
  review: z
    .strictObject({
      /** owners.yaml (relative to the config): who owns which principals; else the owner tag */
      owners: z.string().min(1).optional(),
      /** the IAM tag naming a principal's owner when owners.yaml does not */
      ownerTag: z.string().min(1).default('owner'),
      /** refuse: a reviewer who owns (or is) a reviewed principal cannot submit the review; allow: they can */
      selfReview: z.enum(['refuse', 'allow']).default('refuse'),
      /** days after a review within which every revoke/modify decision must show in the evidence */
      remediationDays: z.number().int().min(1).max(365).default(14),
    })
    .default({ ownerTag: 'owner', selfReview: 'refuse', remediationDays: 14 }),
});

export type Config = z.infer<typeof configSchema>;
export type AwsSourceConfig = z.infer<typeof awsSource>;
export type MlflowSourceConfig = z.infer<typeof mlflowSource>;
export type VertexSourceConfig = z.infer<typeof vertexSource>;
export type PrometheusSourceConfig = z.infer<typeof prometheusSource>;
