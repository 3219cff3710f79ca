// aws-iam on answers that are well-formed but odd, as AWS may send them: user names with commas in the
// credential report, a broken report row, an empty report, a summary without its keys, a truncated page
// without a marker, federated trusts, a policy referenced but absent. Each must end as evidence that
// says what it is (a gap, an incomplete artifact, an `error` check), never as a pass.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadAwsFixture, startAwsSandbox, type AwsSandbox } from '../../../src/sandbox/aws/index.js';
import type { AwsSeed } from '../../../src/sandbox/aws/seed.js';
import { collectBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';

const ACCOUNT = '111122223333';
const GITHUB = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

function webIdentityTrust(federated: string, condition?: Record<string, Record<string, string | string[]>>) {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: federated }, Action: 'sts:AssumeRoleWithWebIdentity', ...(condition ? { Condition: condition } : {}) }] };
}

/** The small company, plus a console user whose name holds a comma, federated roles and a user attached to a policy the answer lacks. */
function seed(): AwsSeed {
  const s = loadAwsFixture('small-company');
  const iam = s.accounts[0]!.iam;
  iam.users.push({ name: 'ml,ops', created: '2025-01-10T09:00:00Z', mfa: false, password: { lastChanged: '2026-10-01T08:00:00Z', lastUsed: '2026-11-20T08:00:00Z' }, accessKeys: [] });
  const role = (name: string, trustPolicy: ReturnType<typeof webIdentityTrust>) => iam.roles.push({ name, created: '2025-05-01T00:00:00Z', trustPolicy });
  role('gh-any-repo', webIdentityTrust(GITHUB, { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } }));
  role('gh-deploy', webIdentityTrust(GITHUB, { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' }, StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme-ml/models:ref:refs/heads/main' } }));
  role('cognito-guests', webIdentityTrust('cognito-identity.amazonaws.com', { StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:0f0e0d0c-0000-4000-8000-000000000001' }, 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'unauthenticated' } }));
  role('okta-sso', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:saml-provider/okta` }, Action: 'sts:AssumeRoleWithSAML', Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } } }] as never,
  });
  return s;
}

/** Rewrites the base64 credential report inside GetCredentialReport's XML answer. */
const rewriteReport = (edit: (csv: string) => string) => (xml: string) =>
  xml.replace(/<Content>([^<]*)<\/Content>/, (_, b64: string) => `<Content>${Buffer.from(edit(Buffer.from(b64, 'base64').toString('utf8'))).toString('base64')}</Content>`);

describe('aws-iam on odd but well-formed answers', () => {
  let sb: AwsSandbox;
  let cfg: string;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: seed() });
    cfg = writeConfig(tmpDir(), 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [aws-iam]\n');
  });
  afterAll(async () => sb?.close());
  beforeEach(() => sb.faults.clear());
  const collect = () => collectBundle(cfg, awsEnv(sb.url), 'main');
  const finding = (run: { findings: any[] }, id: string) => run.findings.find((f) => f.check === id);

  it('reads a user whose name holds a comma as one row: its missing MFA is an exception, the bundle complete', async () => {
    const run = await collect();
    expect(run.manifest.status, run.stderr).toBe('complete');
    const rows = run.json('aws-iam/credential-report.json').rows as { user: string; mfaActive: boolean; passwordEnabled: boolean }[];
    expect(rows.find((r) => r.user === 'ml,ops')).toMatchObject({ mfaActive: false, passwordEnabled: true });
    expect(rows.map((r) => r.user)).toContain('alice');
    expect(finding(run, 'aws-iam.console-users-mfa').exceptions).toContainEqual({ resource: `arn:aws:iam::${ACCOUNT}:user/ml,ops`, reason: 'console password enabled, no MFA device' });
  });

  it('a report row that does not fit the header is a gap naming it; the credential checks say error, exit 3', async () => {
    sb.faults.add({ action: 'GetCredentialReport', kind: 'rewrite', body: rewriteReport((csv) => csv.replace(/^(bob,.*)$/m, '$1,stray')) });
    const run = await collect();
    expect(run.code).toBe(3);
    const gaps = run.manifest.collectors[0].gaps;
    expect(gaps).toContainEqual({ api: 'iam:GetCredentialReport', code: 'MalformedCredentialReportRow', message: expect.stringMatching(/^record \d+ \(user "bob"\) has 23 cells, the header has 22$/) });
    expect(run.provenance('aws-iam/credential-report.json')).toMatchObject({ complete: false, notes: { unreadableRecords: [expect.any(Number)] } });
    for (const id of ['aws-iam.console-users-mfa', 'aws-iam.access-key-age', 'aws-iam.unused-credentials']) {
      expect(finding(run, id).status, id).toBe('error');
      expect(finding(run, id).summary, id).toMatch(/user "bob"/);
    }
  });

  it('a report answered without content is a gap, never "no users"', async () => {
    sb.faults.add({ action: 'GetCredentialReport', kind: 'rewrite', body: (xml) => xml.replace(/<Content>[^<]*<\/Content>/, '') });
    const run = await collect();
    expect(run.code).toBe(3);
    expect(run.manifest.collectors[0].gaps).toContainEqual({ api: 'iam:GetCredentialReport', code: 'MalformedCredentialReport', message: 'GetCredentialReport answered without Content' });
    expect(finding(run, 'aws-iam.console-users-mfa').status).toBe('error');
  });

  it('an account summary without its keys is a gap; the root checks say error, not "no MFA" or "no keys"', async () => {
    sb.faults.add({ action: 'GetAccountSummary', kind: 'rewrite', body: (xml) => xml.replace(/<SummaryMap>[\s\S]*<\/SummaryMap>/, '<SummaryMap/>') });
    const run = await collect();
    expect(run.code).toBe(3);
    expect(run.manifest.collectors[0].gaps).toContainEqual({ api: 'iam:GetAccountSummary', code: 'MalformedAccountSummary', message: 'SummaryMap lacks AccountMFAEnabled, AccountAccessKeysPresent' });
    expect(finding(run, 'aws-iam.root-mfa').status).toBe('error');
    expect(finding(run, 'aws-iam.root-access-keys').status).toBe('error');
  });

  it('a page that says it is truncated but gives no marker is a gap, not the end of the list', async () => {
    sb.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'rewrite', body: (xml) => xml.replace('<IsTruncated>false</IsTruncated>', '<IsTruncated>true</IsTruncated>').replace(/<Marker>[^<]*<\/Marker>/, '') });
    const run = await collect();
    expect(run.code).toBe(3);
    expect(run.manifest.collectors[0].gaps).toContainEqual({ api: 'iam:GetAccountAuthorizationDetails', code: 'TruncatedWithoutMarker', message: expect.stringMatching(/IsTruncated.*Marker/) });
    expect(run.provenance('aws-iam/authorization-details.ndjson').complete).toBe(false);
    expect(finding(run, 'aws-iam.admin-principals').status).toBe('error');
  });

  it('judges federated trusts by their conditions: an unpinned GitHub repository and Cognito guests are exceptions, a pinned repository and SAML are not', async () => {
    const run = await collect();
    const f = finding(run, 'aws-iam.external-trust');
    const flagged = new Map((f.exceptions as { resource: string; reason: string }[]).map((e) => [e.resource.replace(/^.*:role\//, ''), e.reason]));
    expect(flagged.get('gh-any-repo')).toMatch(/GitHub Actions OIDC.*no token\.actions\.githubusercontent\.com:sub condition.*aud=sts\.amazonaws\.com/);
    expect(flagged.get('cognito-guests')).toMatch(/unauthenticated \(guest\) identities/);
    expect(flagged.has('gh-deploy')).toBe(false);
    expect(flagged.has('okta-sso')).toBe(false);
    expect(f.summary).toMatch(/federated trusts pinned by their conditions: .*gh-deploy: GitHub Actions OIDC/);
    expect(f.summary).toMatch(/okta-sso: SAML provider okta/);
  });

  it('a principal attached to a policy the answer lacks is unknown: admin-principals and ml-privileges say error naming it', async () => {
    // drop the AdministratorAccess policy record from the answer, keep the attachments that name it
    sb.faults.add({
      action: 'GetAccountAuthorizationDetails',
      kind: 'rewrite',
      body: (xml) => xml.replace(/<member>(?:(?!<member>)[\s\S])*?<Arn>arn:aws:iam::aws:policy\/AdministratorAccess<\/Arn>[\s\S]*?<\/PolicyVersionList>[\s\S]*?<\/member>/, ''),
    });
    const run = await collect();
    const admin = finding(run, 'aws-iam.admin-principals');
    expect(admin.status).toBe('error');
    expect(admin.exceptions).toContainEqual({ resource: expect.stringMatching(/:user\/alice$/), reason: expect.stringMatching(/cannot tell whether it holds Allow \* on \*: attached policy arn:aws:iam::aws:policy\/AdministratorAccess/) });
    const ml = finding(run, 'aws-iam.ml-privileges');
    expect(ml.status).toBe('error');
    expect(ml.exceptions).toContainEqual({ resource: expect.stringMatching(/:user\/alice$/), reason: expect.stringMatching(/^ML privileges unknown: attached policy arn:aws:iam::aws:policy\/AdministratorAccess/) });
  });
});
