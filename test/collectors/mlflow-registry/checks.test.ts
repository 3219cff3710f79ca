// The registry checks as pure functions over hand-made artifacts.
import { describe, expect, it } from 'vitest';
import { checks } from '../../../collectors/mlflow-registry/checks.js';
import type { VersionRecord } from '../../../collectors/mlflow-registry/mlflow.js';
import type { ArtifactReader, CheckInput } from '../../../src/core/types.js';

const source = { name: 'registry', productionAliases: ['champion'], approvalTags: ['approved_by', 'reviewed_by'], lineageScope: 'production-staging', classificationTags: ['data_classification'] };
const v = (name: string, version: string, o: Partial<VersionRecord> = {}): VersionRecord => ({
  name, version, current_stage: 'None', aliases: [], production: false, tags: {}, status: 'READY', status_message: null, user_id: 'ana', run_id: 'r1',
  source: null, run_link: null, description: null, creation_timestamp: 1, last_updated_timestamp: 1, ...o,
});
function input(artifacts: Record<string, unknown>): CheckInput {
  const reader: ArtifactReader = {
    has: (k) => k in artifacts,
    complete: (k) => k in artifacts,
    readJson: async <T>(k: string) => artifacts[k] as T,
    readText: async (k) => JSON.stringify(artifacts[k]),
    iterate: <T>(k: string) => ({ async *[Symbol.asyncIterator]() { for (const x of artifacts[k] as T[]) yield x; } }),
  };
  return { target: { kind: 'mlflow', source: 'registry', pathSegments: [] }, source, settings: {}, now: new Date('2026-03-02T00:00:00Z'), artifacts: reader };
}
const run = (id: string, a: Record<string, unknown>) => checks.find((c) => c.id === `mlflow-registry.${id}`)!.run(input(a));
const V = 'mlflow.registry.versions';

describe('mlflow-registry checks', () => {
  const versions = [
    v('a', '1', { current_stage: 'Production', tags: { approved_by: 'bo', reviewed_by: 'cy' } }),
    v('a', '2', { aliases: ['champion'], tags: { approved_by: 'ANA ', reviewed_by: 'cy' } }), // self-approved, case and space differ
    v('b', '1', { current_stage: 'production', tags: { approved_by: 'bo' }, run_id: null, source: 's3://m/b/1' }), // one tag missing, no run
    v('b', '2', { aliases: ['challenger'], status: 'FAILED_REGISTRATION', status_message: 'copy failed' }),
    v('c', '1', { aliases: ['champion'], user_id: null, tags: { approved_by: 'bo', reviewed_by: 'cy' } }),
  ];

  it('production-approved needs every approval tag on every production version (stage, any case, or alias)', async () => {
    const r = await run('production-approved', { [V]: versions });
    expect(r.status).toBe('fail');
    expect(r.exceptions).toEqual([{ resource: 'b/1', reason: 'production (stage Production) without approval: approved_by="bo", reviewed_by absent' }]);
    expect(r.summary).toContain('1 of 4 production versions');
  });

  it('separation-of-duties compares every approver with the creator; unknown creators are counted, not judged', async () => {
    const r = await run('separation-of-duties', { [V]: versions });
    expect(r.exceptions).toEqual([{ resource: 'a/2', reason: 'approved by its own creator ana (approved_by)' }]);
    expect(r.summary).toMatch(/1 of 3 .*; 1 approved production version has no user_id/);
    const unknown = await run('separation-of-duties', { [V]: [versions[4]] });
    expect(unknown.status).toBe('not_applicable');
  });

  it('production-traceable and failed-registrations list their versions', async () => {
    expect((await run('production-traceable', { [V]: versions })).exceptions).toEqual([{ resource: 'b/1', reason: 'production (stage Production) with no run_id and no LoggedModel: registered from s3://m/b/1' }]);
    expect((await run('failed-registrations', { [V]: versions })).exceptions).toEqual([{ resource: 'b/2', reason: 'FAILED_REGISTRATION: copy failed' }]);
    expect((await run('failed-registrations', { [V]: versions.slice(0, 1) })).status).toBe('pass');
    expect((await run('production-approved', { [V]: [versions[3]] })).status).toBe('not_applicable');
  });

  it('promotions-approved: baseline and windows without promotions to production are not applicable', async () => {
    const P = 'mlflow.registry.promotions';
    const window = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' };
    expect((await run('promotions-approved', { [P]: { baseline: true, window: { from: null, to: window.to }, previousBundle: null, events: [] } })).status).toBe('not_applicable');
    const quiet = await run('promotions-approved', { [P]: { baseline: false, window, previousBundle: 'x', events: [{ type: 'alias_added', model: 'a', version: '3', alias: 'challenger', from: null, to: '3', toProduction: false, approval: { tags: {}, approved: false, approver: null }, actor: null }] } });
    expect(quiet).toMatchObject({ status: 'not_applicable', summary: expect.stringContaining('1 registry changes') });
    const relied = [
      { tag: 'approved_by', value: 'pending', accepted: false },
      { tag: 'reviewed_by', value: null, accepted: false },
    ];
    const promo = { type: 'alias_moved', model: 'a', version: '3', alias: 'champion', from: '2', to: '3', toProduction: true, approval: { tags: {}, approved: false, approver: null, relied }, actor: { user: 'dee', source: 'version tag promoted_by' } };
    const r = await run('promotions-approved', { [P]: { baseline: false, window, previousBundle: 'x', events: [promo] } });
    expect(r.status).toBe('fail');
    expect(r.exceptions![0]!.reason).toBe(`alias moved champion 2 → 3 between ${window.from} → ${window.to} without approval (approved_by="pending" (means not approved), reviewed_by absent); by dee (version tag promoted_by)`);
  });
});
