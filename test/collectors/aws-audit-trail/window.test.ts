// The pure parts of aws-audit-trail: the window since the previous bundle (overlapping it by the settle
// time, clamped to the 90-day history with the rest stated as blind), the regions each event name is
// looked up in, and which management events basic and advanced selectors log.
import { describe, expect, it } from 'vitest';
import { lookupPlan, managementEventsOf, windowOf } from '../../../collectors/aws-audit-trail/collect.js';
import type { AwsContext } from '../../../collectors/define.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const settings = { lookbackDays: 7, settleMinutes: 15, lookupCallsPerSecond: 2 };
const ctx = (collectedAt: string | null, skipped: string[] = []) =>
  ({ now: () => new Date(NOW), baseline: () => ({ reader: collectedAt ? { collectedAt, bundleId: 'B1' } : null, skipped }) }) as unknown as AwsContext;

describe('aws-audit-trail window', () => {
  it('first run: lookbackDays back to now less the settle time', () => {
    const w = windowOf(ctx(null), settings);
    expect([w.from.toISOString(), w.to.toISOString(), w.blind, w.since.bundle]).toEqual(['2026-11-26T11:45:00.000Z', '2026-12-03T11:45:00.000Z', null, null]);
  });
  it('later runs start at the previous bundle’s start less the settle time (at or before its end)', () => {
    const w = windowOf(ctx('2026-12-02T12:00:00.000Z', ['B2']), settings);
    expect([w.from.toISOString(), w.since]).toEqual(['2026-12-02T11:45:00.000Z', { bundle: 'B1', skipped: ['B2'] }]);
  });
  it('a previous bundle older than the 90-day history: the window starts 90 days ago, the rest is blind', () => {
    const w = windowOf(ctx('2026-08-01T00:00:00.000Z'), settings);
    expect(w.from.toISOString()).toBe('2026-09-04T12:00:00.000Z');
    expect(w.blind).toEqual({ from: '2026-07-31T23:45:00.000Z', to: '2026-09-04T12:00:00.000Z' });
  });
});

describe('aws-audit-trail lookup plan and selectors', () => {
  it('IAM only in us-east-1, added when not configured', () => {
    expect(lookupPlan(['eu-west-1'])).toEqual([
      { region: 'eu-west-1', sources: ['sagemaker.amazonaws.com', 'secretsmanager.amazonaws.com'] },
      { region: 'us-east-1', sources: ['iam.amazonaws.com'] },
    ]);
    expect(lookupPlan(['us-east-1']).map((p) => p.sources.length)).toEqual([3]);
  });
  it('reads basic and advanced selectors', () => {
    expect(managementEventsOf({ EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] })).toEqual({ read: false, write: true });
    expect(managementEventsOf({ EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false }] })).toEqual({ read: false, write: false });
    expect(managementEventsOf({ AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }] })).toEqual({ read: true, write: true });
    expect(managementEventsOf({ AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['false'] }] }, { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }] })).toEqual({ read: false, write: true });
    expect(managementEventsOf({})).toBeNull();
  });
});
