// The lineage checks as pure functions over hand-made records.
import { describe, expect, it } from 'vitest';
import { checks } from '../../../collectors/mlflow-lineage/checks.js';
import type { LineageRecord, RunLineage } from '../../../collectors/mlflow-lineage/record.js';
import type { ArtifactReader, CheckInput } from '../../../src/core/types.js';

const K = 'mlflow.lineage.training-runs';
const runOf = (o: Partial<RunLineage> = {}): RunLineage => ({
  run_id: 'r', experiment_id: '1', run_name: null, status: 'FINISHED', lifecycle_stage: 'active', user: 'ana', start_time: 1, end_time: 2, source_name: 'train.py', source_type: 'LOCAL',
  git_commit: 'abc', git_repo: null, git_branch: null, params: {}, metrics: {}, linked_prompts: [],
  datasets: [{ name: 'd', digest: '1234', source_type: 's3', source: { uri: 's3://d' }, context: 'training' }], ...o,
});
const rec = (model: string, o: Partial<LineageRecord> = {}): LineageRecord => ({
  model, version: '1', current_stage: 'Production', aliases: [], production: true, staging: false, version_user_id: 'ana', version_status: 'READY', run_id: 'r', run: runOf(),
  model_id: null, logged_model: null, approval_tags: {},
  classification: { data_classification: { value: 'pii', on: 'run' } }, ...o,
});
function input(records: LineageRecord[], classificationTags = ['data_classification']): CheckInput {
  const reader: ArtifactReader = {
    has: () => true, complete: () => true, readJson: async () => records as any, readText: async () => '',
    iterate: <T>() => ({ async *[Symbol.asyncIterator]() { for (const x of records) yield x as T; } }),
  };
  return { target: { kind: 'mlflow', source: 'registry', pathSegments: [] }, source: { classificationTags, approvalTags: ['approved_by'], productionAliases: ['champion'] }, settings: {}, now: new Date(), artifacts: reader };
}
const run = (id: string, records: LineageRecord[], tags?: string[]) => checks.find((c) => c.id === `mlflow-lineage.${id}`)!.run(input(records, tags));

describe('mlflow-lineage checks', () => {
  const records = [
    rec('ok'),
    rec('no-run', { run: null, run_id: 'gone', reason: 'no run with this id in any experiment' }),
    rec('eval-only', { run: runOf({ datasets: [{ name: 'e', digest: '1', source_type: 's3', source: { uri: 's3://e' }, context: 'eval' }] }) }),
    rec('no-digest', { run: runOf({ git_commit: null, datasets: [{ name: 't', digest: null, source_type: 's3', source: { uri: 's3://t' }, context: 'training' }] }), classification: {} }),
    rec('staging', { production: false, staging: true, run: null, classification: {} }),
  ];

  it('datasets-recorded names why each production version fails; staging is not judged', async () => {
    const r = await run('datasets-recorded', records);
    expect(r.status).toBe('fail');
    expect(r.exceptions).toEqual([
      { resource: 'no-run/1', reason: 'no training run: no run with this id in any experiment (run_id gone)' },
      { resource: 'eval-only/1', reason: 'run r logged 1 dataset input, none with context training (contexts: eval)' },
      { resource: 'no-digest/1', reason: 'run r: no training dataset has both a digest and a source' },
    ]);
  });

  it('git-commit-recorded and classification-tagged', async () => {
    expect((await run('git-commit-recorded', records)).exceptions!.map((e) => e.resource)).toEqual(['no-run/1', 'no-digest/1']);
    const c = await run('classification-tagged', records);
    expect(c.exceptions!.map((e) => e.resource)).toEqual(['no-digest/1']);
    expect((await run('classification-tagged', records, [])).status).toBe('not_applicable');
    expect((await run('git-commit-recorded', [records[4]!])).status).toBe('not_applicable');
    expect((await run('datasets-recorded', [records[0]!])).status).toBe('pass');
  });

  it('separation-of-duties compares each approver with the user of the training run, and says run users are client-declared', async () => {
    const r = await run('separation-of-duties', [
      rec('self', { approval_tags: { approved_by: 'ANA' } }),
      rec('other', { approval_tags: { approved_by: 'carol' } }),
      rec('pending', { approval_tags: { approved_by: 'pending' } }),
      rec('no-user', { approval_tags: { approved_by: 'carol' }, run: runOf({ user: null }) }),
    ]);
    expect(r.status).toBe('fail');
    expect(r.exceptions).toEqual([{ resource: 'self/1', reason: 'approved (approved_by) by ana, the user of its training run r' }]);
    expect(r.summary).toMatch(/^1 of 2 production versions were approved by the user who trained them; run users are declared by the client/);
    expect(r.summary).toContain('1 approved production version has no known run user: not evaluated');
  });

  it('logged-models-present fails a version whose LoggedModel was deleted; not applicable without LoggedModels', async () => {
    const lm = { model_id: 'm-1', name: 'a', experiment_id: '1', status: 'LOGGED_MODEL_READY', model_type: null, source_run_id: 'r', external: false, tags: {}, params: {}, metrics: [], linked_prompts: [], creation_timestamp: 1 };
    const r = await run('logged-models-present', [rec('kept', { model_id: 'm-1', logged_model: lm }), rec('gone', { model_id: 'm-2', logged_model_deleted: true }), rec('plain')]);
    expect(r).toMatchObject({ status: 'fail', exceptions: [{ resource: 'gone/1', reason: expect.stringContaining('m-2 it was registered from was deleted') }] });
    expect((await run('logged-models-present', [rec('plain')])).status).toBe('not_applicable');
  });
});
