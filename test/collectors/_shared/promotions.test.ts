import { describe, expect, it } from 'vitest';
import { approvalOf, describeApproval, diffSnapshots, type VersionState } from '../../../collectors/_shared/promotions.js';

const o = { productionAliases: ['champion'], approvalTags: ['approved_by'], productionStage: 'Production' };
const W = { from: '2026-03-01T02:00:00.000Z', to: '2026-03-02T02:00:00.000Z' };
const v = (version: string, aliases: string[] = [], extra: Partial<VersionState> = {}): VersionState => ({ model: 'fraud', version, aliases, stage: 'None', tags: {}, ...extra });

describe('promotion log from two snapshots', () => {
  it('reports nothing when nothing changed', () => {
    expect(diffSnapshots([v('1', ['champion'])], [v('1', ['champion'])], W, o)).toEqual([]);
  });

  it('reports an alias moved as one event with from, to, window and approval', () => {
    const ev = diffSnapshots([v('1', ['champion']), v('2')], [v('1'), v('2', ['champion'], { tags: { approved_by: 'maria' }, lastUpdated: 1772416800000 })], W, o);
    expect(ev).toEqual([
      {
        key: `alias_moved|fraud|2|champion|1|2|since ${W.from}`, type: 'alias_moved', model: 'fraud', version: '2', alias: 'champion', from: '1', to: '2', windowFrom: W.from, windowTo: W.to,
        lastUpdated: 1772416800000, actor: null, toProduction: true, approval: { tags: { approved_by: 'maria' }, approved: true, approver: 'maria', relied: [{ tag: 'approved_by', value: 'maria', accepted: true }] },
      },
    ]);
  });

  it('reports created and deleted versions, added and removed aliases, stage changes', () => {
    const ev = diffSnapshots([v('1', ['retired']), v('2', [], { stage: 'Staging' })], [v('2', [], { stage: 'Production' }), v('3', ['challenger'])], W, o);
    expect(ev.map((e) => [e.type, e.version, e.alias ?? null, e.from, e.to, e.toProduction, e.approval.approved])).toEqual([
      ['alias_removed', '1', 'retired', '1', null, false, false],
      ['version_deleted', '1', null, '1', null, false, false],
      ['stage_changed', '2', null, 'Staging', 'Production', true, false],
      ['version_created', '3', null, null, '3', false, false],
      ['alias_added', '3', 'challenger', null, '3', false, false],
    ]);
  });
});

describe('approval tags', () => {
  it('values that mean "not approved" do not count, trimmed and case-insensitively; a configured list replaces the default', () => {
    for (const value of ['pending', 'FALSE', ' no ', 'none', '-', ''])
      expect(approvalOf(v('1', [], { tags: { approved_by: value } }), o), JSON.stringify(value)).toMatchObject({ approved: false, approver: null, relied: [{ tag: 'approved_by', value, accepted: false }] });
    expect(approvalOf(v('1', [], { tags: { approved_by: 'carol' } }), o)).toMatchObject({ approved: true, approver: 'carol' });
    expect(approvalOf(v('1', [], { tags: { approved_by: 'pending' } }), { ...o, notApproved: ['rejected'] }).approved).toBe(true);
    expect(describeApproval(approvalOf(v('1', [], { tags: { approved_by: 'no' } }), o))).toBe('approved_by="no" (means not approved)');
    expect(describeApproval(approvalOf(v('1'), o))).toBe('approved_by absent');
  });

  it('a version created already carrying a production alias is one promotion, keyed by the snapshot it was found against', () => {
    const ev = diffSnapshots([v('1', ['champion'])], [v('1'), v('2', ['champion'])], { ...W, since: 'bundle-a' }, o);
    expect(ev.filter((e) => e.toProduction).map((e) => e.type)).toEqual(['alias_moved']);
    expect(ev.map((e) => e.key)).toEqual(['version_created|fraud|2|||2|since bundle-a', 'alias_moved|fraud|2|champion|1|2|since bundle-a']);
  });
});
