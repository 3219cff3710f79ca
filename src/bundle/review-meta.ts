// What `soc2 review submit` records in a manifest about the worksheet it validated (artifact
// `manual.review`), as a schema: the report computes remediation deadlines and exceptions from it, so
// a manifest whose review metadata has the wrong shape is a malformed manifest (verify names the bundle
// and the field, and the report reads manual evidence only from bundles that verify), never read as if
// it were right.
import * as z from 'zod';
import { pathOf } from '../config/yaml-file.js';
import { isDate } from '../report/dates.js';

const count = z.number({ error: 'expected a whole number ≥ 0' }).int('expected a whole number ≥ 0').nonnegative('expected a whole number ≥ 0');
const text = z.string({ error: 'expected a non-empty string' }).min(1, 'expected a non-empty string');

export const reviewMetaSchema = z.object({
  /** the bundle the worksheet was built from, and its manifest's SHA-256 */
  bundle: text,
  manifestSha256: z.string({ error: 'expected a SHA-256 (64 lowercase hex)' }).regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 (64 lowercase hex)'),
  /** that bundle's day: the state of access the review looked at */
  asOf: z.string({ error: 'expected a date (YYYY-MM-DD)' }).refine(isDate, 'expected a date (YYYY-MM-DD)'),
  reviewer: text,
  systems: z.array(text, { error: 'expected a list of systems' }).min(1, 'expected a list of systems'),
  rows: count,
  decisions: z.object({ keep: count, revoke: count, modify: count }, { error: 'expected {keep, revoke, modify}' }),
  /** days within which each revoke/modify must show in the evidence */
  remediationDays: count,
});

export type ReviewMeta = z.infer<typeof reviewMetaSchema>;

/** Why a manifest's review metadata (at `at`) is malformed ("….remediationDays: expected a whole number ≥ 0, got \"14\""), or null. */
export function reviewMetaProblem(v: unknown, at: string): string | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return `${at}: expected an object, got ${JSON.stringify(v)}`;
  const r = reviewMetaSchema.safeParse(v);
  if (r.success) return null;
  const i = r.error.issues[0]!;
  let got: unknown = v;
  for (const k of i.path) got = got && typeof got === 'object' ? (got as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined;
  return `${at}.${pathOf(i.path)}: ${i.message}, got ${got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 80)}`;
}

/** The first artifact of a manifest whose review metadata is malformed ("artifacts[3].manual.review.rows: …"), or null. */
export function manifestReviewProblem(artifacts: unknown[]): string | null {
  for (const [i, a] of artifacts.entries()) {
    const review = a && typeof a === 'object' ? (a as { manual?: { review?: unknown } }).manual?.review : undefined;
    const problem = review === undefined ? null : reviewMetaProblem(review, `artifacts[${i}].manual.review`);
    if (problem) return problem;
  }
  return null;
}
