// sagemaker-training against the AWS sandbox through the real CLI: the look-back window (older jobs
// are not listed), paging with the minimum calls, hyperparameters never copied, and a denied describe.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import collector from '../../../collectors/sagemaker-training/index.js';
import { startAwsSandbox, type AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { bundleText, collectBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { HYPERPARAMETER_CANARY, JOBS_IN_WINDOW, SM_REGION, sagemakerSeed } from '../../helpers/sagemaker-seed.js';

const DIR = `sagemaker-training/${SM_REGION}`;

describe('sagemaker-training against the AWS sandbox', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: sagemakerSeed() });
  });
  afterAll(async () => {
    await sb?.close();
  });
  beforeEach(() => sb.reset());

  const collect = () =>
    collectBundle(writeConfig(tmpDir(), `sources:\n  aws:\n    - name: main\n      regions: [${SM_REGION}]\ncollectors: [sagemaker-training]\nevidence:\n  dir: evidence\nsettings:\n  sagemaker-training:\n    describeCallsPerSecond: 10000\n`), awsEnv(sb.url), 'main');
  const count = (a: string) => sb.requests.filter((q) => q.action === a).length;

  it('lists the jobs of the window only, every page, one describe each, declared calls only', async () => {
    const b = await collect();
    expect(b.code, b.stderr).toBe(0);
    expect(b.ndjson(`${DIR}/training-jobs.ndjson`)).toHaveLength(JOBS_IN_WINDOW);
    expect([count('ListTrainingJobs'), count('DescribeTrainingJob'), count('ListNotebookInstances'), count('DescribeNotebookInstance'), count('ListDomains'), count('DescribeDomain')]).toEqual([2, JOBS_IN_WINDOW, 1, 2, 1, 1]);
    const declared = new Set(collector.meta.permissions);
    for (const q of sb.requests.filter((q) => q.service === 'sagemaker')) expect(declared.has(`sagemaker:${q.action}`), q.action).toBe(true);
    // the SDK sent the window's start as a timestamp the server filtered on
    expect(typeof sb.requests.find((q) => q.action === 'ListTrainingJobs')!.params.CreationTimeAfter).toBe('number');
  });

  it('never writes a hyperparameter the server sends', async () => {
    const b = await collect();
    expect(bundleText(b.bundle)).not.toContain(HYPERPARAMETER_CANARY);
  });

  it('judges the jobs, notebooks and the VPC-only domain', async () => {
    const b = await collect();
    const f = (id: string) => b.findings.find((x) => x.check === `sagemaker-training.${id}`)!;
    expect(f('network-isolation').exceptions).toHaveLength(JOBS_IN_WINDOW - 1);
    expect(f('notebook-exposure').exceptions.map((e: any) => e.reason)).toEqual(['notebook research: direct internet access is enabled; users have root access; its storage volume has no customer KMS key']);
  });

  it('a denied DescribeNotebookInstance marks the instances and makes notebook-exposure error', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'DescribeNotebookInstance', kind: 'deny' });
    const b = await collect();
    expect(b.code).toBe(3);
    expect(b.ndjson(`${DIR}/notebook-instances.ndjson`).map((n) => n.error)).toEqual(['AccessDeniedException', 'AccessDeniedException']);
    expect(b.findings.find((x) => x.check === 'sagemaker-training.notebook-exposure').status).toBe('error');
    expect(b.findings.find((x) => x.check === 'sagemaker-training.network-isolation').status).toBe('fail');
  });
});
