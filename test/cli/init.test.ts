import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/registry.js';
import { parseConfig } from '../../src/config/load.js';
import { lintRegister, loadRegister } from '../../src/mapping/controls.js';
import { loadMappings } from '../../src/mapping/index.js';
import { loadCarveOuts } from '../../src/report/carve-outs.js';
import { loadResponses } from '../../src/report/responses.js';
import { loadVendorRegister } from '../../src/report/vendor-register.js';
import { cleanEnv, runCli, tmpDir } from '../helpers/cli.js';

const env = (home: string) => cleanEnv({ HOME: home, AWS_REGION: 'eu-west-1', AWS_PROFILE: 'ml-prod', MLFLOW_TRACKING_URI: 'https://mlflow.acme.example', GOOGLE_CLOUD_PROJECT: 'acme-ml-prod' });

describe('soc2 init', () => {
  it('writes a valid commented config from the environment, calling no API', async () => {
    const dir = tmpDir();
    const r = await runCli(['init', '--organization', 'Acme ML'], { cwd: dir, env: env(dir) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('AWS region eu-west-1');
    const text = readFileSync(path.join(dir, 'soc2.config.yaml'), 'utf8');
    expect(text).toContain('Credentials are never written here');
    const { config } = parseConfig(text, 'soc2.config.yaml', collectors);
    expect(config.organization).toBe('Acme ML');
    expect(config.sources.aws[0]).toMatchObject({ regions: ['eu-west-1'], profile: 'ml-prod' });
    expect(config.sources.mlflow[0]!.trackingUri).toBe('https://mlflow.acme.example');
    expect(config.sources.vertex[0]!.project).toBe('acme-ml-prod');
    // the starter control register beside it, referenced by the config, lints like the shipped one
    expect(config.controls).toBe('controls');
    const register = loadRegister(path.join(dir, 'controls'));
    expect(lintRegister(register, loadMappings(), collectors)).toEqual([]);
    expect(register.controls.map((c) => c.id)).toEqual(loadRegister().controls.map((c) => c.id));
    // the report's settings, with their defaults, and the files they name, which load as written
    expect(config.timeliness).toEqual({ maxSourceAgeHours: 4 });
    expect(config.report).toEqual({ responses: 'responses.yaml', responseDueDays: 30 });
    expect(loadResponses(path.join(dir, config.report!.responses!))).toEqual([]);
    expect(config.subserviceOrganizations).toBe('subservice-organizations.yaml');
    expect(loadCarveOuts(path.join(dir, config.subserviceOrganizations!)).organizations.map((o) => o.id)).toEqual(loadCarveOuts().organizations.map((o) => o.id));
    // the commented example responses are valid entries once uncommented
    const example = readFileSync(path.join(dir, 'responses.yaml'), 'utf8').replace('responses: []', 'responses:').replace(/^#(  [- ] )/gm, '$1');
    const file = path.join(dir, 'responses-example.yaml');
    writeFileSync(file, example);
    expect(loadResponses(file).map((e) => e.owner)).toEqual(['Security engineering', 'Security engineering']);
    // the starter vendor register: valid, empty, referenced by the config
    expect(config.vendors).toBe('vendors.yaml');
    expect(loadVendorRegister(path.join(dir, 'vendors.yaml')).vendors).toEqual([]);
    const again = await runCli(['init'], { cwd: dir, env: env(dir) });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists; refusing to overwrite');
  });

  it('never writes the tracking URI\'s userinfo: the URI without it, and a comment naming the variables', async () => {
    const dir = tmpDir();
    const e = { ...env(dir), MLFLOW_TRACKING_URI: 'https://alice:p@ss@mlflow.acme.example:5000/mlflow' };
    const r = await runCli(['init'], { cwd: dir, env: e });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(path.join(dir, 'soc2.config.yaml'), 'utf8');
    expect(text).not.toMatch(/alice|p@ss|ss@/);
    expect(r.stdout + r.stderr).not.toMatch(/alice|p@ss|ss@/);
    expect(text).toContain('MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD');
    expect(r.stderr).toContain('its user and password left out');
    const { config } = parseConfig(text, 'soc2.config.yaml', collectors);
    expect(config.sources.mlflow[0]!.trackingUri).toBe('https://mlflow.acme.example:5000/mlflow');
  });

  it('writes a daily GitHub workflow: OIDC to AWS and GCP, MLflow token from a secret, upload, failing on gaps', async () => {
    const dir = tmpDir();
    const r = await runCli(['init', '--ci', 'github'], { cwd: dir, env: env(dir) });
    expect(r.code, r.stderr).toBe(0);
    const wf = YAML.parse(readFileSync(path.join(dir, '.github/workflows/soc2-evidence.yml'), 'utf8'));
    expect(wf.on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(wf.permissions['id-token']).toBe('write');
    const steps = wf.jobs.collect.steps as { name: string; uses?: string; with?: Record<string, string>; env?: Record<string, string>; run?: string; if?: string }[];
    const by = (uses: string) => steps.find((s) => s.uses?.startsWith(uses));
    expect(by('aws-actions/configure-aws-credentials')!.with!['role-to-assume']).toContain('SOC2_AWS_ROLE_ARN');
    expect(by('google-github-actions/auth')!.with!.workload_identity_provider).toBeTruthy();
    const collect = steps.find((s) => s.run?.includes('soc2@'))!;
    expect(collect.run).toContain('collect --config soc2.config.yaml --json');
    expect(collect.env!.MLFLOW_TRACKING_TOKEN).toBe('${{ secrets.MLFLOW_TRACKING_TOKEN }}');
    expect(by('actions/upload-artifact')!.with!.path).toBe('evidence/');
    const fail = steps.find((s) => s.if?.includes("exit_code == '3'"))!;
    expect(fail.run).toContain('exit 1');
  });

  it('writes a scheduled GitLab job with OIDC id_tokens, artifacts and a failure on exit 3', async () => {
    const dir = tmpDir();
    const r = await runCli(['init', '--ci', 'gitlab'], { cwd: dir, env: env(dir) });
    expect(r.code, r.stderr).toBe(0);
    const job = YAML.parse(readFileSync(path.join(dir, 'soc2-evidence.gitlab-ci.yml'), 'utf8'))['soc2-evidence'];
    expect(job.rules[0].if).toContain('schedule');
    expect(job.id_tokens.AWS_ID_TOKEN.aud).toBe('sts.amazonaws.com');
    expect(job.script.join('\n')).toContain('if [ "$code" = 3 ]');
    expect(job.artifacts.paths).toContain('evidence/');
    expect((await runCli(['init', '--ci', 'jenkins'], { cwd: dir, env: env(dir) })).code).toBe(2);
  });
});
