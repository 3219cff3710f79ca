// The continuity aggregator alone: bundle rows, bundles per day by status, partial runs with their
// gaps, the longest run of days without a complete bundle.
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/bundle/manifest.js';
import { ContinuityAggregator, gapsOf, longestRun } from '../../src/report/continuity.js';
import { bundleVisit } from '../../src/report/visit.js';

const DAYS = ['2026-09-01', '2026-09-02', '2026-09-03', '2026-09-04', '2026-09-05'];

function visit(date: string, status: 'complete' | 'partial', collectors: Manifest['collectors'], bad = new Set<string>()) {
  const id = `${date}T02-00-00.000Z-abcd`;
  const manifest = { startedAt: `${date}T02:00:00.000Z`, finishedAt: `${date}T02:01:00.000Z`, status, tool: { version: '9.9.9' }, organization: 'Org', collectors, artifacts: [], files: [] } as unknown as Manifest;
  return bundleVisit({ evidenceName: 'ev', dir: '/nonexistent', id, date, manifest, badBundles: bad, addProblem: () => {} });
}

describe('ContinuityAggregator', () => {
  it('counts bundles per day by status, lists partial runs with their gaps and marks unverified bundles', () => {
    const c = new ContinuityAggregator(DAYS);
    c.addBundle(visit(DAYS[0]!, 'complete', []), 'a'.repeat(64));
    const gap = { api: 'iam:GetAccountAuthorizationDetails', code: 'AccessDenied', message: 'denied' };
    c.addBundle(visit(DAYS[1]!, 'partial', [{ id: 'aws-iam', source: 'main', scope: { source: 'main', account: '1' }, status: 'error', gaps: [gap] } as never]), 'b'.repeat(64));
    c.addBundle(visit(DAYS[4]!, 'complete', []), 'c'.repeat(64));
    const out = c.finish(new Set([`${DAYS[4]}T02-00-00.000Z-abcd`]));
    expect(out.days.map((d) => [d.date, d.complete, d.partial])).toEqual([
      [DAYS[0], 1, 0],
      [DAYS[1], 0, 1],
      [DAYS[2], 0, 0],
      [DAYS[3], 0, 0],
      [DAYS[4], 1, 0],
    ]);
    expect(out.daysWithoutBundle).toEqual([DAYS[2], DAYS[3]]);
    expect(out.daysWithoutComplete).toEqual([DAYS[1], DAYS[2], DAYS[3]]);
    expect(out.longestGap).toEqual({ from: DAYS[1], to: DAYS[3], days: 3 });
    expect(out.partialRuns).toEqual([expect.objectContaining({ date: DAYS[1], status: 'partial', gaps: [{ collector: 'aws-iam', source: 'main', scope: { account: '1' }, ...gap }] })]);
    expect(c.bundles.map((b) => b.verified)).toEqual([true, true, false]);
    expect(c.bundles[0]!.manifest.href).toBe(`ev/${DAYS[0]}T02-00-00.000Z-abcd/manifest.json`);
    expect([...c.toolVersions]).toEqual(['9.9.9']);
    expect(c.lastDay()).toBe(DAYS[4]);
  });

  it('a collector that failed without detail still counts as one gap; the longest run picks the first of equals', () => {
    expect(gapsOf([{ id: 'x', source: 's', scope: {}, status: 'error' } as never])).toEqual([{ collector: 'x', source: 's', scope: {}, api: 'x', code: 'Error', message: 'collector failed (no detail recorded)' }]);
    expect(longestRun(['2026-01-01', '2026-01-03'])).toEqual({ from: '2026-01-01', to: '2026-01-01', days: 1 });
    expect(longestRun([])).toBeNull();
  });
});
