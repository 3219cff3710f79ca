// `soc2 permissions`: the least-privilege policy for the configured collectors, built from each
// collector's declared actions (a test checks every recorded call is declared).
import { existsSync } from 'node:fs';
import { collectors as registry } from '../../collectors/registry.js';
import { loadConfig } from '../config/load.js';
import { ExitCode, UsageError } from '../core/errors.js';
import type { Collector } from '../core/types.js';

export const NEVER_ALLOWED = ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'];

export interface PermissionsDoc {
  collectors: string[];
  aws: {
    policy: { Version: string; Statement: Record<string, unknown>[] };
    /** for the identity that lists the organization and assumes the member roles */
    orchestratorPolicy: { Version: string; Statement: Record<string, unknown>[] } | null;
    githubOidcTrustPolicy: Record<string, unknown>;
  } | null;
  gcp: { permissions: string[]; note: string } | null;
  mlflow: { endpoints: string[]; note: string } | null;
  prometheus: { endpoints: string[]; note: string } | null;
}

export function buildPermissions(selected: Collector[], o: { organization: boolean; account?: string }): PermissionsDoc {
  const of = (kind: string) => [...new Set(selected.filter((c) => c.meta.source === kind).flatMap((c) => c.meta.permissions))].sort();
  // organization-level reads (aws-iam's SCPs) run with the identity that lists the organization, not the
  // member roles: they go to the orchestrator policy, and nowhere without an organization (never called)
  const isOrg = (a: string) => a.startsWith('organizations:');
  const awsActions = of('aws').filter((a) => !isOrg(a));
  const orgActions = of('aws').filter(isOrg);
  const account = o.account ?? '123456789012';
  return {
    collectors: selected.map((c) => c.meta.id),
    aws: awsActions.length
      ? {
          policy: {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'Soc2ReadEvidence', Effect: 'Allow', Action: awsActions, Resource: '*' },
              // AWS classes these as "Read", so read-only managed policies include them; we never call them.
              { Sid: 'NeverReadSecretValues', Effect: 'Deny', Action: NEVER_ALLOWED, Resource: '*' },
            ],
          },
          orchestratorPolicy: o.organization
            ? {
                Version: '2012-10-17',
                Statement: [
                  { Sid: 'ListOrganizationAccounts', Effect: 'Allow', Action: ['organizations:ListAccounts'], Resource: '*' },
                  { Sid: 'AssumeEvidenceRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: 'arn:aws:iam::*:role/ROLE_NAME' },
                  ...(orgActions.length ? [{ Sid: 'ReadServiceControlPolicies', Effect: 'Allow', Action: orgActions, Resource: '*' }] : []),
                ],
              }
            : null,
          githubOidcTrustPolicy: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com` },
                Action: 'sts:AssumeRoleWithWebIdentity',
                Condition: {
                  StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
                  StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:OWNER/REPO:ref:refs/heads/main' },
                },
              },
            ],
          },
        }
      : null,
    gcp: of('vertex').length ? { permissions: of('vertex'), note: 'Grant a custom role with exactly these permissions (roles/aiplatform.viewer is a broader predefined alternative).' } : null,
    mlflow: of('mlflow').length ? { endpoints: of('mlflow'), note: 'Read access to the model registry and experiments (Databricks: CAN_READ on models and experiments).' } : null,
    prometheus: of('prometheus').length
      ? { endpoints: of('prometheus'), note: 'Read-only query access: GET /api/v1/query_range and /api/v1/rules (and the Alertmanager\'s GET /api/v2/receivers when alertmanagerUrl is set). Amazon Managed Prometheus: aps:QueryMetrics, aps:ListRules and aps:ListAlertManagerReceivers on the workspace.' }
      : null,
  };
}

function markdown(d: PermissionsDoc): string {
  const out: string[] = ['# Permissions soc2 needs', '', `Collectors: ${d.collectors.join(', ')}`, ''];
  if (d.aws) {
    out.push('## AWS: IAM policy for the evidence role', '', 'Read-only; every action below is one a collector calls. Secret values are denied explicitly.', '', '```json', JSON.stringify(d.aws.policy, null, 2), '```', '');
    if (d.aws.orchestratorPolicy) out.push('## AWS Organizations: policy for the identity that runs soc2', '', '```json', JSON.stringify(d.aws.orchestratorPolicy, null, 2), '```', '');
    out.push('## Trust policy for a CI role assumed through GitHub OIDC', '', '```json', JSON.stringify(d.aws.githubOidcTrustPolicy, null, 2), '```', '');
  }
  if (d.gcp) out.push('## Google Cloud (Vertex AI)', '', d.gcp.note, '', ...d.gcp.permissions.map((p) => `- \`${p}\``), '');
  if (d.mlflow) out.push('## MLflow', '', d.mlflow.note, '', ...d.mlflow.endpoints.map((p) => `- \`${p}\``), '');
  if (d.prometheus) out.push('## Prometheus', '', d.prometheus.note, '', ...d.prometheus.endpoints.map((p) => `- \`${p}\``), '');
  return out.join('\n');
}

export async function permissionsCommand(o: { config: string; format?: string }): Promise<number> {
  const format = o.format ?? 'json';
  if (format !== 'json' && format !== 'markdown') throw new UsageError(`--format: expected json or markdown, got "${format}"`);
  let selected: Collector[] = registry;
  let organization = false;
  let account: string | undefined;
  if (existsSync(o.config)) {
    const { config } = loadConfig(o.config, registry);
    if (config.collectors !== 'all') selected = registry.filter((c) => (config.collectors as string[]).includes(c.meta.id));
    organization = config.sources.aws.some((s) => s.organization);
    account = config.sources.aws.map((s) => s.assumeRoleArn?.split(':')[4]).find(Boolean);
  }
  const doc = buildPermissions(selected, { organization, account });
  process.stdout.write(format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : markdown(doc) + '\n');
  return ExitCode.ok;
}
