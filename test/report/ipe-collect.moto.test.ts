// IPE end to end: a real `soc2 collect` (aws-iam against moto) in a GitLab CI job records the tool's
// build (git commit from dist/build-info.json) and the job URL in the manifest, and `soc2 report`
// carries them, with the caller ARN and the IAM operations and pages, into artifacts.csv.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBuildInfo } from '../../src/core/build-info.js';
import { awsEnv, runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.js';

const moto = motoAvailable();
const JOB = 'https://gitlab.example.com/acme/evidence/-/jobs/9001';

describe.skipIf(!moto.ok)('IPE recorded at collect time (moto)', () => {
  let m: Moto;
  let dir: string;
  let manifest: any;
  beforeAll(async () => {
    m = await startMoto();
    dir = tmpDir('soc2-ipe-collect-');
    const cfg = writeConfig(dir, `sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [aws-iam]\n`);
    const r = await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(m.url, { CI: 'true', GITLAB_CI: 'true', CI_JOB_ID: '9001', CI_JOB_URL: JOB, CI_PIPELINE_ID: '77', CI_PIPELINE_URL: 'https://gitlab.example.com/acme/evidence/-/pipelines/77' }) });
    if (r.code !== 0) console.error(r.stderr);
    const bundle = JSON.parse(r.stdout).bundle as string;
    manifest = JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
    const rep = await runCli(['report', '--config', cfg, '--out', path.join(dir, 'report'), '--format', 'csv,json']);
    if (rep.code !== 0) console.error(rep.stderr);
  });
  afterAll(async () => m?.stop());

  it('the manifest records the build and the CI job', () => {
    const built = readBuildInfo();
    expect(manifest.tool).toEqual({ name: 'soc2', version: expect.any(String), build: built });
    expect(built.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(manifest.identity.ci).toEqual({ provider: 'gitlab', runId: '9001', url: JOB });
  });

  it('report.json carries them per artifact, with the caller and the operations', () => {
    const j = JSON.parse(readFileSync(path.join(dir, 'report/report.json'), 'utf8'));
    const cr = j.artifacts.find((a: any) => a.kind === 'aws.iam.credential-report');
    expect(cr).toMatchObject({ system: 'aws', identity: manifest.identity.aws[0].arn, toolBuild: expect.stringMatching(/^([0-9a-f]{40}|unknown)/), ci: { provider: 'gitlab', url: JOB }, sourceTimeField: 'provenance.notes.generatedAt' });
    expect(cr.operations.map((o: any) => o.api)).toEqual(expect.arrayContaining(['iam:GenerateCredentialReport', 'iam:GetCredentialReport']));
    const ad = j.artifacts.find((a: any) => a.kind === 'aws.iam.authorization-details');
    expect(ad.operations[0]).toMatchObject({ api: 'iam:GetAccountAuthorizationDetails', pages: expect.any(Number) });
    expect(ad.operations[0].pages).toBeGreaterThanOrEqual(1);
    expect(readFileSync(path.join(dir, 'report/artifacts.csv'), 'utf8')).toContain(JOB);
  });
});
