// `soc2 init`: a commented config from what the environment already says (no API calls), and
// with --ci a scheduled workflow that collects every day and fails visibly on gaps.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode, UsageError } from '../core/errors.js';
import { toolVersion } from '../core/paths.js';
import { DEFAULT_REGISTER } from '../mapping/controls.js';
import { DEFAULT_CARVE_OUTS } from '../report/carve-outs.js';

export interface Detected {
  awsProfile?: string;
  awsRegion?: string;
  awsProfiles: string[];
  mlflowTrackingUri?: string;
  gcpProject?: string;
}

function readIfExists(f: string): string | null {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return null;
  }
}

/** Reads only environment variables and local config files; never calls an API. */
export function detect(env: NodeJS.ProcessEnv, home = os.homedir()): Detected {
  const awsConfig = readIfExists(env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config')) ?? '';
  const profiles = [...awsConfig.matchAll(/^\[(?:profile )?([^\]]+)\]/gm)].map((m) => m[1]!.trim());
  const profile = env.AWS_PROFILE;
  let region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    const section = profile && profile !== 'default' ? `profile ${profile}` : 'default';
    const block = awsConfig.split(/^\[/m).find((b) => b.startsWith(section + ']'));
    region = block?.match(/^region\s*=\s*(\S+)/m)?.[1];
  }
  let gcpProject = env.GOOGLE_CLOUD_PROJECT ?? env.CLOUDSDK_CORE_PROJECT ?? env.GCLOUD_PROJECT;
  if (!gcpProject) {
    const gcloud = readIfExists(path.join(env.CLOUDSDK_CONFIG ?? path.join(home, '.config', 'gcloud'), 'configurations', 'config_default'));
    gcpProject = gcloud?.match(/^project\s*=\s*(\S+)/m)?.[1];
  }
  return { awsProfile: profile, awsRegion: region, awsProfiles: profiles, mlflowTrackingUri: env.MLFLOW_TRACKING_URI, gcpProject };
}

/** The URI without its userinfo (user, password or token before "@"): the config never holds credentials. */
export function withoutUserinfo(raw: string): { uri: string; stripped: boolean } {
  try {
    const u = new URL(raw);
    if (!u.username && !u.password) return { uri: raw, stripped: false };
    u.username = '';
    u.password = '';
    return { uri: u.toString().replace(/\/$/, raw.endsWith('/') ? '/' : ''), stripped: true };
  } catch {
    // not a URL the parser takes: cut everything up to the authority's last "@" by hand
    const m = /^([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@(.*)$/is.exec(raw);
    return m ? { uri: m[1]! + m[2]!, stripped: true } : { uri: raw, stripped: false };
  }
}

export function configTemplate(d: Detected, organization = 'Your company'): string {
  const region = d.awsRegion ?? 'us-east-1';
  const aws = [
    '  aws:',
    '    - name: prod',
    `      regions: [${region}]${d.awsRegion ? '            # from your AWS environment' : ''}`,
    d.awsProfile ? `      profile: ${d.awsProfile}` : '      # profile: my-profile          # a named profile from ~/.aws/config',
    '      # assumeRoleArn: arn:aws:iam::123456789012:role/soc2-evidence',
    '      # organization: {roleName: soc2-evidence}   # every account of the organization',
  ];
  const uri = d.mlflowTrackingUri && withoutUserinfo(d.mlflowTrackingUri);
  const mlflow = uri
    ? [
        '  mlflow:',
        '    - name: registry',
        `      trackingUri: ${JSON.stringify(uri.uri)}   # from MLFLOW_TRACKING_URI`,
        ...(uri.stripped ? ['      # MLFLOW_TRACKING_URI carried a user and password: they are never written here; set', '      # MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) where collect runs'] : []),
        '      productionAliases: [champion, production]',
        '      approvalTags: [approved_by]',
      ]
    : ['  # mlflow:', '  #   - name: registry', '  #     trackingUri: https://mlflow.example.com   # default: MLFLOW_TRACKING_URI', '  #     productionAliases: [champion, production]', '  #     approvalTags: [approved_by]'];
  const vertex = d.gcpProject
    ? ['  vertex:', '    - name: ml-prod', `      project: ${d.gcpProject}   # from your gcloud configuration`, '      locations: [us-central1]']
    : ['  # vertex:', '  #   - name: ml-prod', '  #     project: acme-ml-prod', '  #     locations: [us-central1]'];
  return [
    '# yaml-language-server: $schema=./node_modules/soc2/schema/soc2.config.schema.json',
    '# soc2 configuration. Credentials are never written here: they come from each ecosystem\'s',
    '# standard chain (AWS profiles/env/SSO/OIDC, Application Default Credentials, MLFLOW_TRACKING_TOKEN or',
    '# MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD).',
    `organization: ${JSON.stringify(organization)}`,
    '# security is always in scope; add the categories your report covers',
    'scope: [security, availability, confidentiality, processing-integrity]',
    '# observationPeriod: {from: 2026-01-01, to: 2026-12-31}',
    'evidence:',
    '  dir: evidence',
    '  # stream: aws-prod      # one chain per job when several jobs write into one store',
    '# signing: {keyFile: soc2-signing-key.pem}   # or SOC2_SIGNING_KEY; make one with `soc2 keygen`',
    'sources:',
    ...aws,
    ...mlflow,
    ...vertex,
    'collectors: all',
    '# settings:',
    '#   aws-iam: {accessKeyMaxAgeDays: 90, unusedCredentialDays: 90}',
    '',
  ].join('\n');
}

export function githubWorkflow(configFile: string): string {
  return `# Collects SOC 2 evidence every day of the observation period (written by soc2 init --ci github).
name: soc2 evidence
on:
  schedule:
    - cron: '17 3 * * *'   # daily, 03:17 UTC
  workflow_dispatch: {}
permissions:
  id-token: write          # OIDC to AWS and Google Cloud: no long-lived keys in CI
  contents: read
concurrency:
  group: soc2-evidence     # never two collects at once: the chain stays linear
  cancel-in-progress: false
jobs:
  collect:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    steps:
      - name: Check out
        uses: actions/checkout@v4
      - name: Set up Node
        uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: AWS credentials (OIDC)
        uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: \${{ vars.SOC2_AWS_ROLE_ARN }}
          role-session-name: soc2-evidence-\${{ github.run_id }}
          aws-region: \${{ vars.AWS_REGION || 'us-east-1' }}
      - name: Google Cloud credentials (workload identity federation)
        uses: google-github-actions/auth@v2
        with:
          workload_identity_provider: \${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}
          service_account: \${{ vars.GCP_SERVICE_ACCOUNT }}
      - name: Collect evidence
        id: collect
        env:
          MLFLOW_TRACKING_TOKEN: \${{ secrets.MLFLOW_TRACKING_TOKEN }}
          SOC2_SIGNING_KEY: \${{ secrets.SOC2_SIGNING_KEY }}
        run: |
          set +e
          npx --yes soc2@${toolVersion} collect --config ${configFile} --json > collect.json
          code=$?
          echo "exit_code=$code" >> "$GITHUB_OUTPUT"
          cat collect.json
          # 0 complete, 3 partial (gaps): both still upload the bundle; anything else fails now
          if [ "$code" != 0 ] && [ "$code" != 3 ]; then exit "$code"; fi
      - name: Upload the bundle as a CI artifact
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: soc2-evidence-\${{ github.run_id }}
          path: evidence/
          retention-days: 90
      - name: Fail on gaps so a person looks
        if: steps.collect.outputs.exit_code == '3'
        run: |
          echo "::error::soc2 collect finished with gaps (bundle partial); see collect.json"
          exit 1
`;
}

export function gitlabPipeline(configFile: string): string {
  return `# Collects SOC 2 evidence every day of the observation period (written by soc2 init --ci gitlab).
# Schedule it under CI/CD > Schedules (daily); set SOC2_AWS_ROLE_ARN, GCP_WORKLOAD_IDENTITY_PROVIDER,
# GCP_SERVICE_ACCOUNT as variables and MLFLOW_TRACKING_TOKEN, SOC2_SIGNING_KEY as masked variables.
soc2-evidence:
  image: node:20
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
  resource_group: soc2-evidence   # one collect at a time: the chain stays linear
  id_tokens:
    AWS_ID_TOKEN:
      aud: sts.amazonaws.com
    GCP_ID_TOKEN:
      aud: https://iam.googleapis.com/\${GCP_WORKLOAD_IDENTITY_PROVIDER}
  variables:
    AWS_ROLE_ARN: $SOC2_AWS_ROLE_ARN
    AWS_WEB_IDENTITY_TOKEN_FILE: /tmp/aws-web-identity-token
    AWS_ROLE_SESSION_NAME: soc2-evidence-$CI_PIPELINE_ID
    GOOGLE_APPLICATION_CREDENTIALS: /tmp/gcp-credentials.json
  script:
    - echo "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"
    - echo "$GCP_ID_TOKEN" > /tmp/gcp-id-token
    - >-
      printf '{"type":"external_account","audience":"//iam.googleapis.com/%s","subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"https://sts.googleapis.com/v1/token","service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/%s:generateAccessToken","credential_source":{"file":"/tmp/gcp-id-token"}}'
      "$GCP_WORKLOAD_IDENTITY_PROVIDER" "$GCP_SERVICE_ACCOUNT" > "$GOOGLE_APPLICATION_CREDENTIALS"
    - set +e; npx --yes soc2@${toolVersion} collect --config ${configFile} --json > collect.json; code=$?; set -e
    - cat collect.json
    - if [ "$code" = 3 ]; then echo "soc2 collect finished with gaps (bundle partial)"; exit 1; fi
    - exit $code
  artifacts:
    when: always
    paths:
      - evidence/
      - collect.json
    expire_in: 90 days
`;
}

export async function initCommand(o: { config: string; ci?: string; force?: boolean; organization?: string }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (o.ci !== undefined && o.ci !== 'github' && o.ci !== 'gitlab') throw new UsageError(`--ci: expected github or gitlab, got "${o.ci}"`);
  const write = (file: string, text: string) => {
    if (existsSync(file) && !o.force) throw new UsageError(`${file}: already exists; refusing to overwrite (use --force)`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  };
  if (!existsSync(o.config) || o.force) {
    const d = detect(env);
    write(o.config, configTemplate(d, o.organization));
    writeStarterRegister(o.config, write);
    writeReportSettings(o.config, write);
    writeStarterVendors(o.config, write);
    const mlflowNote = d.mlflowTrackingUri && (withoutUserinfo(d.mlflowTrackingUri).stripped ? 'MLFLOW_TRACKING_URI (its user and password left out: set MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD)' : 'MLFLOW_TRACKING_URI');
    const found = [d.awsRegion && `AWS region ${d.awsRegion}`, d.awsProfile && `AWS profile ${d.awsProfile}`, mlflowNote, d.gcpProject && `GCP project ${d.gcpProject}`].filter(Boolean);
    process.stderr.write(found.length ? `detected: ${found.join(', ')} (no API was called)\n` : 'nothing detected; edit the sources in the file\n');
  } else if (!o.ci) throw new UsageError(`${o.config}: already exists; refusing to overwrite (use --force)`);
  const rel = path.relative(process.cwd(), path.resolve(o.config)) || o.config;
  if (o.ci === 'github') write(path.join('.github', 'workflows', 'soc2-evidence.yml'), githubWorkflow(rel));
  if (o.ci === 'gitlab') write('soc2-evidence.gitlab-ci.yml', gitlabPipeline(rel));
  return ExitCode.ok;
}

/**
 * A starter copy of the shipped control register beside the config (`controls/`), and `controls:` in
 * the config pointing at it, so the register is the user's to edit (owners, frequencies, manual tests).
 */
function writeStarterRegister(configFile: string, write: (file: string, text: string) => void): void {
  const dir = path.join(path.dirname(configFile), 'controls');
  for (const f of readdirSync(DEFAULT_REGISTER).filter((n) => n.endsWith('.yaml')).sort()) write(path.join(dir, f), readFileSync(path.join(DEFAULT_REGISTER, f), 'utf8'));
  appendFileSync(configFile, '# the entity control register: a starter copy of the default one; set owners, frequencies, manual tests\ncontrols: controls\n');
}

/** responses.yaml as init writes it: no response yet, and the shape of one in comments. */
const STARTER_RESPONSES = `# Management responses to exceptions, joined to the exception register of soc2 report (docs/report.md).
# Key an entry by the exception's id (exceptions.csv, column id) or by check and resource.
responses: []
#  - exception: 0123456789abcdef
#    response: Access removed the same day; the grant was a mistaken console change.
#    owner: Security engineering
#    rootCause: Manual change outside Terraform
#    remediation: SCP denies iam:AttachUserPolicy outside the pipeline
#    ticket: https://tickets.example.com/SEC-123
#    respondedAt: 2026-03-05
#  - check: aws-iam.admin-principals
#    resource: arn:aws:iam::111122223333:role/break-glass
#    response: Break-glass role, approved; use is alerted and reviewed.
#    owner: Security engineering
`;

/**
 * The report's settings (timeliness, responses and their due days, subservice organizations), each with
 * the default in force and a comment, and the files they name: an empty responses.yaml and a copy of the
 * shipped subservice organizations, so the config loads as written and each is the user's to edit.
 */
function writeReportSettings(configFile: string, write: (file: string, text: string) => void): void {
  const dir = path.dirname(configFile);
  write(path.join(dir, 'responses.yaml'), STARTER_RESPONSES);
  write(path.join(dir, 'subservice-organizations.yaml'), readFileSync(DEFAULT_CARVE_OUTS, 'utf8'));
  appendFileSync(
    configFile,
    [
      '# source data older than this at collection (e.g. a cached IAM credential report) is an exception on its artifact',
      'timeliness:',
      '  maxSourceAgeHours: 4',
      'report:',
      '  # management responses to exceptions (owner, response, root cause, remediation, ticket), relative to this file',
      '  responses: responses.yaml',
      '  # an exception without a response older than this many days is listed as overdue',
      '  responseDueDays: 30',
      '# the subservice organizations carved out (AWS, GCP, the MLflow host, Databricks) and the complementary',
      '# user-entity controls their reports ask of you: a copy of the shipped list, to edit',
      'subserviceOrganizations: subservice-organizations.yaml',
      '',
    ].join('\n'),
  );
}
/** A commented, valid vendor register beside the config (`vendors.yaml`), `vendors:` pointing at it, and a hint for `policies:`. */
function writeStarterVendors(configFile: string, write: (file: string, text: string) => void): void {
  write(path.join(path.dirname(configFile), 'vendors.yaml'), VENDORS_STARTER);
  appendFileSync(
    configFile,
    '# the vendor register: third parties, their DPAs and risk assessments; the report adds those found in the evidence (VEN-01, CC9.2)\nvendors: vendors.yaml\n# policies: policies/index.yaml   # written policies with version, owner, approver, approvalDate, reviewIntervalMonths (POL-01, CC5.3)\n',
  );
}

const VENDORS_STARTER = `# The vendor register (soc2 report, VEN-01 / CC9.2). Every third party the evidence names — other AWS
# accounts in trust, secret, bucket, KMS and model-package-group policies; OIDC/SAML providers; dataset
# sources (hf://, https:// hosts, buckets, BigQuery projects); MLflow webhook targets; projects allowed
# to reach Vertex endpoints — must match a vendor's identifiers here (or the company's own, under own:),
# or the report raises an exception. A vendor with data shared needs a DPA in force, and every vendor a
# risk assessment renewed within its interval.
vendors: []
#  - name: Labelwise
#    services: Human labeling of support tickets
#    dataShared: {classification: personal, description: customer support tickets}   # none|internal|confidential|restricted|personal
#    dpa: {signed: 2025-06-01, expires: 2027-06-01}
#    riskAssessment: {last: 2026-01-15, intervalMonths: 12}
#    owner: ML data
#    registeredOn: 2025-05-20        # optional: sightings before this day were of an unregistered vendor
#    identifiers: {awsAccounts: [], oidcProviders: [], samlProviders: [], domains: [labelwise.example], buckets: [], gcpProjects: []}
# The company's own identifiers beyond the config's sources (other accounts, data buckets, projects, domains):
# own: {awsAccounts: [], buckets: [], gcpProjects: [], domains: []}
`;
