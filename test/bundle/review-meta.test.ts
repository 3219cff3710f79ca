// The access-review metadata a manifest carries (src/bundle/review-meta.ts): each malformed field is
// named with what was expected and what was there; what `review submit` writes passes.
import { describe, expect, it } from 'vitest';
import { manifestReviewProblem, reviewMetaProblem } from '../../src/bundle/review-meta.js';

const good = { bundle: '2026-03-01T02-00-00Z-abc123', manifestSha256: 'a'.repeat(64), asOf: '2026-03-01', reviewer: 'Sam', systems: ['aws'], rows: 6, decisions: { keep: 4, revoke: 1, modify: 1 }, remediationDays: 14 };

describe('review metadata in a manifest', () => {
  it('names the field, what was expected and what was found', () => {
    expect(reviewMetaProblem(good, 'r')).toBeNull();
    expect(reviewMetaProblem({ ...good, remediationDays: -1 }, 'r')).toBe('r.remediationDays: expected a whole number ≥ 0, got -1');
    expect(reviewMetaProblem({ ...good, asOf: '2026-13-01' }, 'r')).toBe('r.asOf: expected a date (YYYY-MM-DD), got "2026-13-01"');
    expect(reviewMetaProblem({ ...good, decisions: { keep: 1, revoke: 'x', modify: 0 } }, 'r')).toBe('r.decisions.revoke: expected a whole number ≥ 0, got "x"');
    expect(reviewMetaProblem({ ...good, reviewer: undefined }, 'r')).toBe('r.reviewer: expected a non-empty string, got nothing');
    expect(reviewMetaProblem([], 'r')).toBe('r: expected an object, got []');
  });

  it('makes the manifest malformed at the artifact that carries it; other manual evidence has none to check', () => {
    const artifacts = (review: unknown) => [{ path: 'x', kind: 'aws.iam.users' }, { path: 'a', kind: 'manual.IAM-07', manual: { control: 'IAM-07', ...(review === undefined ? {} : { review }) } }];
    expect(manifestReviewProblem(artifacts(undefined))).toBeNull();
    expect(manifestReviewProblem(artifacts(good))).toBeNull();
    expect(manifestReviewProblem(artifacts({ ...good, systems: 'aws' }))).toBe('artifacts[1].manual.review.systems: expected a list of systems, got "aws"');
  });
});
