// Populations built by one generic builder from what the collectors declare in meta.populations:
// rows deduplicated by the declared key, fields read as declared, actors "unknown" when the system
// does not record them, and blind windows stated exactly (a population is complete only without any).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/registry.js';
import type { PopulationDecl } from '../../src/core/types.js';
import { loadMappings } from '../../src/mapping/index.js';
import { buildReport, type ReportInput } from '../../src/report/aggregate.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { ReportModel } from '../../src/report/model.js';
import { tmpDir } from '../helpers/cli.js';
import { writeDay, type Target } from './fixtures.js';

const mappings = loadMappings();
const MLF: Target = { collector: 'mlflow-registry', source: 'mlflow', system: 'mlflow', scope: {}, segments: [] };
const KIND = 'mlflow.registry.promotions';
const T = (d: number) => `2026-08-${String(d).padStart(2, '0')}T02:00:00.000Z`;
const promo = (version: string, d: number, actor: string | null = null) => ({
  type: 'alias_added',
  model: 'fraud',
  version,
  alias: 'production',
  from: null,
  to: version,
  toProduction: true,
  windowFrom: T(d - 1),
  windowTo: T(d),
  actor: actor ? { user: actor, source: 'mlflow tag' } : null,
  approval: { approved: false, approver: null, tags: {} },
});
const log = (d: number, prev: string | null, events: unknown[] = [], baseline = prev === null) => ({ baseline, window: { from: baseline ? null : T(d - 1), to: T(d) }, previousBundle: prev, events });

/** One bundle a day with the promotion log `logs[d]` (false: marked incomplete). */
async function evidence(logs: Record<number, (prev: string | null) => { value: unknown; complete?: boolean }>): Promise<string> {
  const ev = path.join(tmpDir('soc2-pop-'), 'evidence');
  let prev: string | null = null;
  for (const [d, make] of Object.entries(logs)) {
    const { value, complete = true } = make(prev);
    const dir = await writeDay(ev, { at: new Date(T(Number(d))), build: (b) => b.json(MLF, KIND, 'promotions.json', value, complete) });
    if (complete) prev = path.basename(dir);
  }
  return ev;
}

async function report(ev: string, extra: Partial<ReportInput> = {}): Promise<ReportModel> {
  const r = await buildReport({ evidenceDir: ev, window: {}, scope: ['security'], organization: null, mappings, allowUnverified: false, ...extra });
  if (!r.ok) throw new Error(JSON.stringify(r.integrity.problems));
  return r.model;
}

describe('declared populations', () => {
  it('the collectors declare them in meta: the three registries feed promotions, Secrets Manager the rotations, aws-iam privileged access', () => {
    const declared = collectors.flatMap((c) => (c.meta.populations ?? []).map((p) => `${c.meta.id} ${p.population} ${p.kind}`));
    expect(declared.sort()).toEqual([
      'aws-iam privileged-access aws.iam.access-changes',
      'aws-secrets-manager secret-rotations aws.secretsmanager.rotations',
      'mlflow-registry promotions mlflow.registry.promotions',
      'sagemaker-registry promotions aws.sagemaker.promotions',
      'vertex-registry promotions vertex.registry.promotions',
    ]);
  });

  it('builds rows from the declaration only: a kind nobody declares is no population', async () => {
    const ev = await evidence({ 1: () => ({ value: log(1, null) }), 2: (p) => ({ value: log(2, p, [promo('3', 2)]) }) });
    expect((await report(ev)).populations.promotions.size).toBe(1);
    const none = await report(ev, { populations: [] });
    expect(none.populations.promotions).toMatchObject({ collected: false, complete: false, size: 0 });
    // another declaration of the same kind: its key and fields decide the rows
    const decl: PopulationDecl = { population: 'promotions', kind: KIND, chain: 'log', key: ['model', 'windowTo'], fields: { model: { from: 'model', type: 'string' }, windowTo: { from: 'windowTo', type: 'string', orLog: 'window.to' }, version: { from: 'version', type: 'string' } } };
    const own = await report(ev, { populations: [decl] });
    expect(own.populations.promotions.rows).toEqual([expect.objectContaining({ key: `fraud|${T(2)}`, model: 'fraud', version: '3', source: 'mlflow', collector: 'mlflow-registry' })]);
  });

  it('deduplicates a change two bundles both carry, by the declared key', async () => {
    const ev = await evidence({
      1: () => ({ value: log(1, null) }),
      2: (p) => ({ value: log(2, p, [promo('3', 2)]) }),
      // a re-run the same day compares against the same snapshot: the same change again
      3: (p) => ({ value: { ...log(3, p, [promo('3', 2), promo('4', 3, 'alice')]) } }),
    });
    const p = (await report(ev)).populations.promotions;
    expect(p.rows.map((r) => [r.version, r.actor])).toEqual([
      ['3', 'unknown'],
      ['4', 'alice'],
    ]);
    expect(p.info).toEqual([expect.stringMatching(/^actor "unknown" on 1 of 2 rows: the system does not record who made the change/)]);
    expect(p).toMatchObject({ complete: true, blindWindows: [] });
  });
});

describe('blind windows', () => {
  it('a new baseline mid-window, an incomplete log no later log covers, and days after the last log are stated exactly', async () => {
    const ev = await evidence({
      1: () => ({ value: log(1, null) }),
      2: (p) => ({ value: log(2, p, [promo('3', 2)]) }),
      // 08-03: the registry snapshot failed; nothing later compares against 08-02
      3: (p) => ({ value: log(3, p), complete: false }),
      // 08-04: a new baseline (the previous snapshot was lost)
      4: () => ({ value: log(4, null) }),
      5: (p) => ({ value: log(5, p, [promo('5', 5)]) }),
    });
    const m = await report(ev, { window: { from: '2026-08-01', to: '2026-08-07' }, now: new Date('2026-08-20T00:00:00Z') });
    const p = m.populations.promotions;
    expect(p.complete).toBe(false);
    expect(p.blindWindows).toEqual([
      { series: 'mlflow/mlflow-registry', from: T(2), to: T(4), reason: expect.stringMatching(/starts a new baseline after/) },
      { series: 'mlflow/mlflow-registry', from: T(2), to: T(3), reason: expect.stringMatching(/the promotion log of .* is marked incomplete and no later complete log covers it/) },
      { series: 'mlflow/mlflow-registry', from: T(5), to: '2026-08-07T23:59:59.999Z', reason: 'no promotion log after 2026-08-05' },
    ]);
    expect(renderMarkdown(m)).toContain('| Blind window from | to | Series | Why |');
  });

  it('a first log that is a baseline after the window starts leaves the days before it blind', async () => {
    const ev = await evidence({ 3: () => ({ value: log(3, null) }), 4: (p) => ({ value: log(4, p) }) });
    const p = (await report(ev, { window: { from: '2026-08-01', to: '2026-08-04' }, now: new Date('2026-08-04T12:00:00Z') })).populations.promotions;
    expect(p.blindWindows).toEqual([{ series: 'mlflow/mlflow-registry', from: '2026-08-01', to: T(3), reason: 'the first promotion log in the window is a baseline' }]);
    expect(p.complete).toBe(false);
  });

  it('a source the config expected that left no log in the window is blind for the whole window', async () => {
    const ev = path.join(tmpDir('soc2-pop-'), 'evidence');
    const expected = [
      { source: 'mlflow', system: 'mlflow' as const, collector: 'mlflow-registry', scope: {} },
      { source: 'mlflow-eu', system: 'mlflow' as const, collector: 'mlflow-registry', scope: {} },
    ];
    let prev: string | null = null;
    for (const d of [1, 2]) prev = path.basename(await writeDay(ev, { at: new Date(T(d)), build: (b) => b.json(MLF, KIND, 'promotions.json', log(d, prev)) }, { expected }));
    const p = (await report(ev)).populations.promotions;
    expect(p.blindWindows).toEqual([{ series: 'mlflow-eu/mlflow-registry', from: '2026-08-01', to: '2026-08-02T23:59:59.999Z', reason: 'expected but no promotion log of it is in the window' }]);
    expect(p.notes).toEqual(['mlflow-eu/mlflow-registry: expected on 2 day(s) but no promotion log of it is in the window; its changes are not in the evidence.']);
    expect(p.complete).toBe(false);
  });

  it('a chain without holes over the whole window is complete', async () => {
    const ev = await evidence({ 1: () => ({ value: log(1, null) }), 2: (p) => ({ value: log(2, p) }), 3: (p) => ({ value: log(3, p) }) });
    const p = (await report(ev)).populations.promotions;
    expect(p).toMatchObject({ collected: true, complete: true, blindWindows: [], notes: [] });
  });
});

describe('actors from an audit log', () => {
  const ACCT = '111122223333';
  const SMR: Target = { collector: 'sagemaker-registry', source: 'prod', system: 'aws', scope: { account: ACCT, region: 'us-east-1' }, segments: [ACCT, 'us-east-1'] };
  const TRAIL: Target = { collector: 'aws-audit-trail', source: 'prod', system: 'aws', scope: { account: ACCT, region: 'us-east-1' }, segments: [ACCT, 'us-east-1'] };
  const change = (version: string) => ({ ...promo(version, 2), type: 'stage_changed', model: 'fraud-group', alias: null, from: 'PendingManualApproval', to: 'Approved', actor: null });
  const event = (id: string, time: string, name: string, resource: string, account = ACCT) => ({
    eventId: id,
    eventTime: time,
    eventSource: 'sagemaker.amazonaws.com',
    eventName: name,
    awsRegion: 'us-east-1',
    account,
    actor: { type: 'AssumedRole', arn: `arn:aws:sts::${account}:assumed-role/MLApprover/${id}`, userName: null },
    resources: [{ type: 'AWS::SageMaker::ModelPackage', name: resource }],
  });

  it('a row in whose window the audit log has a matching event gets its actor and exact time; others stay unknown', async () => {
    const ev = path.join(tmpDir('soc2-pop-'), 'evidence');
    const first = await writeDay(ev, { at: new Date(T(1)), build: (b) => b.json(SMR, 'aws.sagemaker.promotions', 'promotions.json', log(1, null)) });
    await writeDay(ev, {
      at: new Date(T(2)),
      build: async (b) => {
        await b.json(SMR, 'aws.sagemaker.promotions', 'promotions.json', log(2, path.basename(first), [change('3'), change('4')]));
        await b.ndjson(TRAIL, 'aws.cloudtrail.events', 'events.ndjson', [
          event('e-1', '2026-08-01T09:00:00Z', 'UpdateModelPackage', `arn:aws:sagemaker:us-east-1:${ACCT}:model-package/fraud-group/3`),
          // the newest matching event in the window wins
          event('e-2', '2026-08-01T15:30:00Z', 'UpdateModelPackage', `arn:aws:sagemaker:us-east-1:${ACCT}:model-package/Fraud-Group/3`),
          // other account, other event name, outside the window: none names version 4's actor
          event('e-3', '2026-08-01T10:00:00Z', 'UpdateModelPackage', `arn:aws:sagemaker:us-east-1:999999999999:model-package/fraud-group/4`, '999999999999'),
          event('e-4', '2026-08-01T10:00:00Z', 'DescribeModelPackage', `arn:aws:sagemaker:us-east-1:${ACCT}:model-package/fraud-group/4`),
          event('e-5', '2026-07-31T10:00:00Z', 'UpdateModelPackage', `arn:aws:sagemaker:us-east-1:${ACCT}:model-package/fraud-group/4`),
        ]);
      },
    });
    const p = (await report(ev)).populations.promotions;
    const by = Object.fromEntries(p.rows.map((r) => [r.version, r]));
    expect(by['3']).toMatchObject({ actor: `arn:aws:sts::${ACCT}:assumed-role/MLApprover/e-2`, actorEventTime: '2026-08-01T15:30:00.000Z' });
    expect(by['3']!.actorSource).toMatch(/^UpdateModelPackage e-2 \(evidence\/.*events\.ndjson\)$/);
    expect(by['4']).toMatchObject({ actor: 'unknown', actorSource: null });
    expect(by['4']!.actorEventTime).toBeUndefined();
    expect(p.info).toEqual([
      'actor and exact time of 1 row(s) from audit-log events (the event is named in actorSource).',
      expect.stringMatching(/^actor "unknown" on 1 of 2 rows/),
    ]);
  });
});
