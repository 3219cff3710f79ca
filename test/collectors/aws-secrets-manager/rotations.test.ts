// The rotation population: a rotation between two collections appears once, with its window.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAwsFixture, startAwsSandbox, type AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { awsEnv, runCli, tmpDir, writeConfig } from '../../helpers/cli.js';

describe('aws-secrets-manager rotations between bundles', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: loadAwsFixture('small-company') });
  });
  afterAll(async () => sb?.close());

  it('writes a baseline first, then exactly the secrets whose LastRotatedDate moved', async () => {
    const cfg = writeConfig(tmpDir(), 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [aws-secrets-manager]\n');
    const read = (bundle: string) => JSON.parse(readFileSync(path.join(bundle, 'artifacts/main/aws-secrets-manager/us-east-1/rotations.json'), 'utf8'));
    const first = JSON.parse((await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(sb.url) })).stdout).bundle;
    expect(read(first)).toMatchObject({ baseline: true, events: [] });

    const secret = sb.state.accounts[0]!.secrets['us-east-1']!.find((s) => s.name === 'prod/mlflow/db-password')!;
    const before = secret.lastRotated;
    secret.lastRotated = '2026-11-27T04:00:00Z';
    const second = JSON.parse((await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(sb.url) })).stdout).bundle;
    const log = read(second);
    expect(log.baseline).toBe(false);
    expect(log.previousBundle).toBe(path.basename(first));
    expect(log.events).toEqual([
      { key: expect.stringMatching(/db-password.*\|2026-11-27T04:00:00\.000Z$/), arn: expect.stringContaining('prod/mlflow/db-password'), name: 'prod/mlflow/db-password', account: '111122223333', region: 'us-east-1', rotatedAt: '2026-11-27T04:00:00.000Z', previousRotatedAt: new Date(before!).toISOString() },
    ]);
    expect(log.window.from < log.window.to).toBe(true);
  });
});
