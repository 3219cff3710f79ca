// IPE and timeliness where the auditor looks: artifacts.csv, report.json and the HTML appendix carry,
// per artifact, the system, scope, collecting identity, API operations with parameters and pages, the
// tool version and build, the CI run and the source's own time; source data older than the bound at
// collection is an exception on that artifact.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBuildInfo } from '../../src/core/build-info.js';
import { ciIdentity } from '../../src/core/runner.js';
import { loadMappings } from '../../src/mapping/index.js';
import { buildReport, type ReportInput } from '../../src/report/aggregate.js';
import { renderHtml } from '../../src/report/html.js';
import { collectingIdentity } from '../../src/report/ipe.js';
import type { ArtifactEntry, Manifest } from '../../src/bundle/manifest.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { writeReport } from '../../src/report/index.js';
import type { ReportModel } from '../../src/report/model.js';
import { repoRoot, tmpDir } from '../helpers/cli.js';
import { ACCOUNT, IAM, writeDay } from './fixtures.js';
import { csvRecords } from '../helpers/csv.js';

const mappings = loadMappings();
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const RUN = 'https://github.com/acme/evidence/actions/runs/4242';
const at = (d: number, h = 2) => new Date(Date.UTC(2026, 2, d, h));
/** a checkout without git (e.g. an exported tarball) builds with the commit "unknown" */
const inGit = (() => {
  try {
    execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let ev: string;
let out: string;
let m: ReportModel;
const report = async (o: Partial<ReportInput> = {}) => {
  const r = await buildReport({ evidenceDir: ev, window: {}, scope: ['security'], organization: null, mappings, allowUnverified: false, ...o });
  if (!r.ok) throw new Error('integrity');
  return r.model;
};

beforeAll(async () => {
  const root = tmpDir('soc2-ipe-');
  ev = path.join(root, 'evidence');
  out = path.join(root, 'report');
  // day 1: a credential report generated 30 min before collection, from a CI run of a known build
  await writeDay(ev, { at: at(1), build: async (b) => b.json(IAM, 'aws.iam.credential-report', 'credential-report.json', { rows: [] }, true, { generatedAt: new Date(at(1).getTime() - 30 * 60_000).toISOString() }) }, {
    tool: { name: 'soc2', version: '0.1.0', build: { commit: COMMIT, dirty: false, builtAt: '2026-02-28T10:00:00.000Z' } },
    ci: { provider: 'github', runId: '4242', url: RUN },
  });
  // day 2: IAM served a cached report 6 h old; a tool without a build; not in CI
  await writeDay(ev, { at: at(2), build: async (b) => b.json(IAM, 'aws.iam.credential-report', 'credential-report.json', { rows: [] }, true, { generatedAt: new Date(at(2).getTime() - 6 * 3_600_000).toISOString() }) });
  m = await report();
  await writeReport(m, out, ['csv', 'json', 'html']);
});

describe('IPE per artifact', () => {
  it('report.json carries system, scope, identity, operations, tool build and CI run', () => {
    const j = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as ReportModel;
    const [a1, a2] = j.artifacts;
    expect(a1).toMatchObject({
      system: 'aws',
      scope: { account: ACCOUNT },
      identity: `arn:aws:iam::${ACCOUNT}:role/soc2-collector`,
      operations: [{ api: 'aws-iam:Read', params: {}, pages: 1 }],
      complete: true,
      toolVersion: '0.1.0',
      toolBuild: COMMIT,
      ci: { provider: 'github', runId: '4242', url: RUN },
      sourceTimeField: 'provenance.notes.generatedAt',
      sourceAgeHours: 0.5,
    });
    expect(a2).toMatchObject({ toolBuild: 'unknown', ci: null, sourceAgeHours: 6 });
  });

  it('artifacts.csv has the same columns, one row per artifact', () => {
    const rows = csvRecords(readFileSync(path.join(out, 'artifacts.csv'), 'utf8'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ system: 'aws', identity: `arn:aws:iam::${ACCOUNT}:role/soc2-collector`, operations: 'aws-iam:Read {} 1 page(s)', pages: '1', tool_version: '0.1.0', tool_build: COMMIT, ci_provider: 'github', ci_run_id: '4242', ci_run_url: RUN, source_age_hours: '0.5' });
    expect(rows[1]).toMatchObject({ tool_build: 'unknown', ci_run_url: '', source_age_hours: '6' });
  });

  it('the HTML has an IPE appendix linking the CI run', () => {
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    const appendix = html.slice(html.indexOf('<section id="ipe"'));
    expect(appendix).toContain('Appendix: information produced by the entity');
    expect(appendix).toContain(`<a href="${RUN}">github 4242</a>`);
    expect(appendix).toContain(COMMIT.slice(0, 12));
    expect(appendix).toContain(`arn:aws:iam::${ACCOUNT}:role/soc2-collector`);
    expect(appendix).toContain('6 h before');
  });

  it('report.md has the same IPE appendix, one row per artifact, newest first', () => {
    const text = renderMarkdown(m);
    const appendix = text.slice(text.indexOf('## Appendix: information produced by the entity'));
    expect(text.indexOf('## Appendix: information produced by the entity')).toBeGreaterThan(text.indexOf('## Appendix: bundles'));
    const rows = appendix.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(2);
    // day 2 first: a cached credential report 6 h old, no build, no CI
    expect(rows[0]).toContain('(6 h before)');
    expect(rows[0]).toMatch(/\| 0\.1\.0 \(unknown\) \| — \|$/);
    expect(rows[1]).toContain(`\`arn:aws:iam::${ACCOUNT}:role/soc2-collector\``);
    expect(rows[1]).toContain('`aws-iam:Read` `{}` 1 page');
    expect(rows[1]).toContain(`0.1.0 (${COMMIT.slice(0, 12)})`);
    expect(rows[1]).toContain(`github 4242 ${RUN}`);
    expect(rows[1]).toContain(`sha256 \`${m.artifacts[0]!.sha256}\``);
  });

  it('a CI URL that is not http(s) is shown as text, never as a link', () => {
    const evil = structuredClone(m);
    evil.artifacts[0]!.ci = { provider: 'github', runId: '1', url: 'javascript:alert(1)' };
    const html = renderHtml(evil, { linkBase: '' });
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('github 1 javascript:alert(1)');
  });
});

describe('timeliness', () => {
  it('a credential report older than 4 h at collection is an exception on that artifact; a fresh one is not', () => {
    const stale = m.exceptions.filter((e) => e.check === 'soc2.source-timeliness');
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ resource: `${m.artifacts[1]!.bundle}/${m.artifacts[1]!.path}`, status: 'open', firstSeen: { date: '2026-03-02' }, evidence: { sha256: m.artifacts[1]!.sha256 } });
    expect(stale[0]!.reason).toMatch(/6 h before it was collected .* the bound is 4 h/);
    expect(stale[0]!.criteria).toEqual(m.artifacts[1]!.criteria);
  });

  it('the bound is configurable', async () => {
    expect((await report({ timeliness: { maxSourceAgeHours: 8 } })).exceptions.filter((e) => e.check === 'soc2.source-timeliness')).toHaveLength(0);
    expect((await report({ timeliness: { maxSourceAgeHours: 0.25 } })).exceptions.filter((e) => e.check === 'soc2.source-timeliness')).toHaveLength(2);
  });
});

describe('the build and the CI run recorded at collect time', () => {
  it.skipIf(!inGit)('npm run build writes the git commit into dist/build-info.json, which the tool reads', () => {
    const info = readBuildInfo();
    // built from this checkout (npm test builds first): a commit of this repository
    expect(info.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(execFileSync('git', ['cat-file', '-t', info.commit], { cwd: repoRoot, encoding: 'utf8' }).trim()).toBe('commit');
    expect(typeof info.dirty).toBe('boolean');
  });

  it('a build-info file that is missing or not from git gives the commit "unknown"', () => {
    const d = tmpDir('soc2-build-');
    expect(readBuildInfo(path.join(d, 'absent.json')).commit).toBe('unknown');
    writeFileSync(path.join(d, 'b.json'), JSON.stringify({ commit: 'unknown', dirty: null, builtAt: '2026-01-01T00:00:00Z' }));
    expect(readBuildInfo(path.join(d, 'b.json'))).toEqual({ commit: 'unknown', dirty: null, builtAt: '2026-01-01T00:00:00Z' });
  });

  it('CI run URL: GitHub from SERVER_URL/REPOSITORY/actions/runs/RUN_ID, GitLab from CI_JOB_URL', () => {
    expect(ciIdentity({ GITHUB_ACTIONS: 'true', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/evidence', GITHUB_RUN_ID: '4242' })).toEqual({ provider: 'github', runId: '4242', url: RUN });
    expect(ciIdentity({ GITLAB_CI: 'true', CI_JOB_ID: '77', CI_JOB_URL: 'https://gitlab.example.com/acme/evidence/-/jobs/77', CI_PIPELINE_ID: '9', CI_PIPELINE_URL: 'https://gitlab.example.com/acme/evidence/-/pipelines/9' })).toEqual({ provider: 'gitlab', runId: '77', url: 'https://gitlab.example.com/acme/evidence/-/jobs/77' });
    expect(ciIdentity({})).toBeNull();
  });
});

describe('collectingIdentity', () => {
  const m = {
    identity: {
      aws: [
        { source: 'org', account: '111', arn: 'arn:aws:iam::111:role/a' },
        { source: 'org', account: '222', arn: 'arn:aws:iam::222:role/b' },
        { source: 'org', account: '222', arn: 'arn:aws:iam::222:role/second' },
        { source: 'single', account: '333', arn: 'arn:aws:iam::333:user/c' },
      ],
      gcp: [{ source: 'vertex', project: 'p1', principal: 'sa@p1' }, { source: 'vertex', project: 'p2' }],
      mlflow: [{ source: 'registry', server: 'http://mlflow', user: 'bot' }, { source: 'anon', server: 'http://m2' }],
      ci: null,
    },
  } as unknown as Manifest;
  const art = (source: string, scope: Record<string, string>, system = 'aws') => ({ source, provenance: { system, scope } }) as unknown as ArtifactEntry;
  it("names the source's identity for the artifact's account (the first listed), else the source's first", () => {
    expect(collectingIdentity(m, art('org', { account: '222' }))).toBe('arn:aws:iam::222:role/b');
    expect(collectingIdentity(m, art('org', { account: '999' }))).toBe('arn:aws:iam::111:role/a');
    expect(collectingIdentity(m, art('org', {}))).toBe('arn:aws:iam::111:role/a');
    expect(collectingIdentity(m, art('single', { account: '333' }))).toBe('arn:aws:iam::333:user/c');
  });
  it('names the GCP principal of the project, the MLflow user of the server, and says unknown otherwise', () => {
    expect(collectingIdentity(m, art('vertex', { project: 'p1' }, 'gcp'))).toBe('sa@p1');
    expect(collectingIdentity(m, art('vertex', { project: 'p2' }, 'gcp'))).toBe('unknown (GCP principal not recorded)');
    expect(collectingIdentity(m, art('vertex', { project: 'p3' }, 'gcp'))).toBe('unknown');
    expect(collectingIdentity(m, art('registry', {}, 'mlflow'))).toBe('bot @ http://mlflow');
    expect(collectingIdentity(m, art('anon', {}, 'mlflow'))).toBe('anonymous @ http://m2');
    expect(collectingIdentity(m, art('nobody', {}, 'aws'))).toBe('unknown');
  });
});
