// Secrets: canary strings planted where credentials live — AWS secret values, MLflow params and tags,
// Vertex labels, and the process environment (AWS_SECRET_ACCESS_KEY, MLFLOW_TRACKING_TOKEN,
// GOOGLE_OAUTH_ACCESS_TOKEN, SOC2_SIGNING_KEY as a real PEM) — must never appear in any output:
// every bundle file, every report file, stdout and stderr of collect (--json --verbose and human
// --verbose), a collect that fails with 401, verify, report and diff. Each command runs through the
// real CLI against the three sandboxes; positive controls prove each canary reached the tool.
import { createPrivateKey } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectors as registry } from '../../collectors/registry.js';
import { generateSigningKeyPair } from '../../src/bundle/sign.js';
import { loadAwsFixture, startAwsSandbox, type AwsSandbox } from '../../src/sandbox/aws/index.js';
import { loadMlflowFixture, startMlflowSandbox, type MlflowSandbox } from '../../src/sandbox/mlflow/index.js';
import { loadVertexFixture, startVertexSandbox, type VertexSandbox } from '../../src/sandbox/vertex/index.js';
import { cleanEnv, runCli, tmpDir, writeConfig, type CliResult } from '../helpers/cli.js';
import { fileOutputs, listFiles, scanOutputs, type Output } from './helpers.js';

const key = generateSigningKeyPair();
const pemBody = key.privatePem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
const rawSeed = (createPrivateKey(key.privatePem).export({ format: 'jwk' }) as { d: string }).d; // base64url of the 32-byte seed

/** Collectors whose service none of the sandboxes started here serves. */
const UNSERVED = new Set(['prometheus-availability']);

/** Planted in the data the collectors read. Each value is what the scan looks for. */
const DATA = {
  awsSecretValue: 'SVCANARY8f3k2Wq',
  mlflowDbPassword: 'PWCANARYdbUri5512',
  mlflowGithubToken: 'CANARYtagTOKEN0123456789abcdefghijkl',
  mlflowAwsKeyId: 'CANARYMLFLOW7Q2W',
  mlflowPemBody: 'PEMBODYCANARYq8z1',
  mlflowSecretKeyed: 'KEYEDCANARYpw7731',
  vertexGithubToken: 'vtxcanary0label0token0abcdefghij01',
  vertexKeyed: 'vtxkeyedcanary0apikey0x9',
};
/** Planted in the process environment of every command. */
const ENV = {
  AWS_SECRET_ACCESS_KEY: 'EnvAwsSecretCANARY/k7Jp2Qx9Lm4Zr8Tw3Yb5Hd',
  MLFLOW_TRACKING_TOKEN: 'mlflowTokenCANARY4u8e2w',
  GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.googleTokenCANARY3m5n',
};
const BAD_MLFLOW_TOKEN = 'badMlflowTokenCANARY9z1x';
const SIGNING = { 'SOC2_SIGNING_KEY (PEM body)': pemBody, 'SOC2_SIGNING_KEY (raw seed, base64url)': rawSeed, 'SOC2_SIGNING_KEY (raw seed, hex)': Buffer.from(rawSeed, 'base64url').toString('hex') };

const CANARIES: Record<string, string> = {
  ...Object.fromEntries(Object.entries(DATA).map(([k, v]) => [`data:${k}`, v])),
  ...Object.fromEntries(Object.entries(ENV).map(([k, v]) => [`env:${k}`, v])),
  'env:MLFLOW_TRACKING_TOKEN (wrong one)': BAD_MLFLOW_TOKEN,
  ...SIGNING,
};
/** Vertex labels are collected verbatim (see the report): these canaries are checked on their own. */
const VERTEX_LABEL_CANARIES = new Set(['data:vertexGithubToken', 'data:vertexKeyed']);

describe('secrets: no canary reaches any output', () => {
  let aws: AwsSandbox;
  let mlflow: MlflowSandbox;
  let vertex: VertexSandbox;
  let dir: string;
  let cfg: string;
  const ev = () => path.join(dir, 'evidence');
  const runs: { name: string; r: CliResult }[] = [];
  const env = (extra: Record<string, string> = {}) =>
    cleanEnv({ AWS_ENDPOINT_URL: aws.url, AWS_ACCESS_KEY_ID: 'testing', AWS_REGION: 'us-east-1', ...ENV, SOC2_SIGNING_KEY: key.privatePem, ...extra });
  const run = async (name: string, args: string[], extra: Record<string, string> = {}) => {
    const r = await runCli(args, { env: env(extra), cwd: dir });
    runs.push({ name, r });
    return r;
  };
  let bundles: string[] = [];

  beforeAll(async () => {
    dir = tmpDir('soc2-secrets-');
    const awsSeed = structuredClone(loadAwsFixture('small-company'));
    let n = 0;
    for (const acct of awsSeed.accounts) for (const list of Object.values(acct.secrets)) for (const s of list) s.value = JSON.stringify({ username: 'app', password: `${DATA.awsSecretValue}-${n++}` });

    const mlSeed = structuredClone(loadMlflowFixture('small-company'));
    const pem = `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA${DATA.mlflowPemBody}u3Xk\nq1w2e3r4t5y6\n-----END RSA PRIVATE KEY-----`;
    for (const r of mlSeed.runs) {
      r.data.params.push({ key: 'db_uri', value: `postgresql://u:${DATA.mlflowDbPassword}@h/db` }, { key: 'upload_note', value: `uploaded with AKIA${DATA.mlflowAwsKeyId} from ci` });
      r.data.tags.push({ key: 'token', value: `ghp_${DATA.mlflowGithubToken}` }, { key: 'deploy_note', value: pem }, { key: 'db_password', value: DATA.mlflowSecretKeyed });
    }
    for (const v of mlSeed.modelVersions) v.tags.push({ key: 'ci_token', value: `ghp_${DATA.mlflowGithubToken}` }, { key: 'note', value: `AKIA${DATA.mlflowAwsKeyId}` });
    for (const m of mlSeed.registeredModels) m.tags.push({ key: 'owner_contact', value: `postgresql://u:${DATA.mlflowDbPassword}@h/db` });

    const vxSeed = structuredClone(loadVertexFixture('small-company'));
    // label values: lowercase letters, digits, "_" and "-", at most 63 characters, as Vertex allows
    const labels = { 'deploy-token': `ghp_${DATA.vertexGithubToken}`, 'api-key': DATA.vertexKeyed };
    for (const m of vxSeed.models) for (const v of m.versions) v.labels = { ...(v.labels ?? {}), ...labels };
    for (const e of vxSeed.endpoints) e.labels = { ...(e.labels ?? {}), ...labels };

    [aws, mlflow, vertex] = await Promise.all([
      startAwsSandbox({ seed: awsSeed }),
      startMlflowSandbox({ seed: mlSeed, auth: { token: ENV.MLFLOW_TRACKING_TOKEN } }),
      startVertexSandbox({ seed: vxSeed }),
    ]);
    writeFileSync(path.join(dir, 'signing.pub.pem'), key.publicPem);
    cfg = writeConfig(
      dir,
      [
        'organization: Canary Co',
        'evidence:',
        `  dir: ${JSON.stringify(ev())}`,
        'sources:',
        '  aws:',
        '    - name: acme-prod',
        '      regions: [us-east-1, eu-west-1]',
        '  mlflow:',
        '    - name: registry',
        `      trackingUri: ${mlflow.url}`,
        '      lineageScope: all',
        // run tags are collected only as classification tags: make the planted ones count as such
        '      classificationTags: [data_classification, token, deploy_note, db_password]',
        '  vertex:',
        '    - name: ml-prod',
        `      project: ${vxSeed.project.id}`,
        `      locations: [${vxSeed.locations.join(', ')}]`,
        `      apiEndpoint: ${vertex.endpoint}`,
        '      insecure: true',
        // every collector the three sandboxes serve (the AWS one serves Bedrock, S3 and KMS too); Prometheus needs the real server
        `collectors: [${registry.map((c) => c.meta.id).filter((id) => !UNSERVED.has(id)).join(', ')}]`,
      ].join('\n') + '\n',
    );

    // 1. a good collection, machine-readable and verbose
    const c1 = await run('collect --json --verbose', ['collect', '--config', cfg, '--json', '--verbose']);
    expect(c1.code, c1.stderr).toBe(0);
    bundles.push(JSON.parse(c1.stdout).bundle);
    // bundle ids have one-second resolution
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 25));
    // 2. a collection that fails: the wrong MLflow token → 401 → gaps, exit 3; human output with gap lines
    const c2 = await run('collect --verbose (401)', ['collect', '--config', cfg, '--verbose'], { MLFLOW_TRACKING_TOKEN: BAD_MLFLOW_TOKEN });
    expect(c2.code, c2.stderr).toBe(3);
    bundles.push(c2.stdout.trim());
    // 3. verify, report, diff, in both output modes
    const pub = path.join(dir, 'signing.pub.pem');
    expect((await run('verify --json', ['verify', ev(), '--public-key', pub, '--json'])).code).toBe(0);
    expect((await run('verify', ['verify', ev(), '--public-key', pub])).code).toBe(0);
    const r1 = await run('report', ['report', '--evidence', ev(), '--out', path.join(dir, 'report'), '--public-key', pub]);
    expect(r1.code, r1.stderr).toBe(0);
    const r2 = await run('report --json', ['report', '--evidence', ev(), '--out', path.join(dir, 'report-json'), '--public-key', pub, '--json', '--format', 'json,md']);
    expect(r2.code, r2.stderr).toBe(0);
    expect((await run('diff', ['diff', bundles[0]!, bundles[1]!, '--public-key', pub])).code).toBe(0);
    expect((await run('diff --json', ['diff', bundles[0]!, bundles[1]!, '--public-key', pub, '--json'])).code).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([aws?.close(), mlflow?.close(), vertex?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const outputs = (): Output[] => [
    ...runs.flatMap(({ name, r }) => [
      { name: `${name}: stdout`, text: r.stdout },
      { name: `${name}: stderr`, text: r.stderr },
    ]),
    ...fileOutputs(ev(), path.join(dir, 'report'), path.join(dir, 'report-json')),
  ];

  it('planted every canary where the tool reads it (positive controls)', () => {
    const b1 = bundles[0]!;
    const text = (rel: string) => readFileSync(path.join(b1, ...rel.split('/')), 'utf8');
    const files = listFiles(b1);
    // the MLflow token authenticated the good run, the wrong one was refused
    expect(mlflow.requests.filter((r) => r.authScheme === 'Bearer' && r.status === 200).length).toBeGreaterThan(3);
    expect(mlflow.requests.some((r) => r.status === 401)).toBe(true);
    // the bundle was signed with SOC2_SIGNING_KEY, and verify accepted it under its public key
    expect(files).toContain('manifest.sig');
    expect(JSON.parse(text('manifest.json')).signing.publicKey).toBe(key.publicPem);
    // AWS secrets were listed (names) without their values
    const secrets = files.filter((f) => f.endsWith('aws-secrets-manager/111122223333/us-east-1/secrets.ndjson') || f.endsWith('secrets.ndjson'));
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.map(text).join('')).toContain('prod/mlflow/db-password');
    // MLflow params and tags were collected, with the credential parts redacted
    const lineage = files.filter((f) => f.includes('mlflow-lineage/')).map(text).join('');
    expect(lineage).toContain('postgresql://u:[REDACTED]@h/db');
    expect(lineage).toContain('uploaded with [REDACTED] from ci');
    expect(lineage).toMatch(/"token":\{"value":"\[REDACTED\]"/);
    expect(lineage).toMatch(/"deploy_note":\{"value":"\[REDACTED\]"/);
    expect(lineage).toMatch(/"db_password":\{"value":"\[REDACTED\]"/);
    const registry = files.filter((f) => f.includes('mlflow-registry/')).map(text).join('');
    expect(registry).toMatch(/"ci_token":\s*"\[REDACTED\]"/);
    expect(registry).toMatch(/"note":\s*"\[REDACTED\]"/);
    expect(registry).toContain('postgresql://u:[REDACTED]@h/db');
    // Vertex labels were collected (the label keys are there)
    const vx = files.filter((f) => f.includes('/vertex-')).map(text).join('');
    expect(vx).toContain('deploy-token');
    // the failed collect reported the 401 as gaps
    expect(runs.find((x) => x.name.includes('401'))!.r.stderr).toMatch(/gap: mlflow-registry .*UNAUTHENTICATED/);
  });

  it('finds no canary from secret values, MLflow params and tags or the environment in any output', () => {
    const outs = outputs();
    const canaries = Object.fromEntries(Object.entries(CANARIES).filter(([k]) => !VERTEX_LABEL_CANARIES.has(k)));
    const { hits, pairs } = scanOutputs(outs, canaries);
    console.log(`secrets: ${Object.keys(canaries).length} canaries × ${outs.length} outputs (${runs.length} commands × stdout/stderr, ${outs.length - 2 * runs.length} files) = ${pairs} pairs scanned, ${hits.length} hits`);
    expect(hits.map(([c, o]) => `${c} in ${o}`)).toEqual([]);
  });

  // KNOWN GAP (reported, not fixed here: collectors/ belong to their owners): the Vertex collectors
  // copy labels verbatim (collectors/vertex-registry/vertex.ts labelsOf), with no redaction like
  // MLflow's (collectors/mlflow-registry/redact.ts). Flip to `it` once Vertex labels are redacted.
  it('finds no canary from Vertex labels in any output', () => {
    const outs = outputs();
    const canaries = Object.fromEntries(Object.entries(CANARIES).filter(([k]) => VERTEX_LABEL_CANARIES.has(k)));
    const { hits, pairs } = scanOutputs(outs, canaries);
    console.log(`secrets (Vertex labels): ${Object.keys(canaries).length} canaries × ${outs.length} outputs = ${pairs} pairs, ${hits.length} hits in ${new Set(hits.map(([, o]) => o)).size} outputs: ${[...new Set(hits.map(([, o]) => path.basename(o)))].join(', ')}`);
    expect(hits).toEqual([]);
  });
});
