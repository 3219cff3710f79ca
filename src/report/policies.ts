// Written policies (config `policies:`: an index YAML, e.g. policies/index.yaml, whose `file:` entries
// are relative to it): each policy's document (*.md or *.pdf, which must exist: its SHA-256 goes into
// the report), version, owner, approver, approval date and review interval. A policy past its review
// date on a day of the window is an exception on the policy control (POL-01, CC5.3: controls are put
// in place through policies) — judged per bundle day by src/report/vendors.ts.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { isCalendarDate } from '../config/schema.js';
import { readYamlFile } from '../config/yaml-file.js';
import { UsageError } from '../core/errors.js';
import { addMonths } from './dates.js';

export const POLICY_CONTROL = 'POL-01';
export const POLICY_CHECK = 'soc2.policy-review';
export const POLICY_CRITERIA = ['CC5.3'];

const date = z
  .string({ error: 'expected a date as YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'expected a real calendar date as YYYY-MM-DD (that day does not exist)');
const policy = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case id (letters, digits, "-")'),
  title: z.string().trim().min(3),
  file: z.string().regex(/\.(md|pdf)$/i, 'expected a .md or .pdf file'),
  version: z.union([z.string().trim().min(1), z.number()]).transform(String),
  owner: z.string().trim().min(1),
  approver: z.string().trim().min(1),
  approvalDate: date,
  reviewIntervalMonths: z.number().int().min(1).max(60).default(12),
});
const indexFile = z.strictObject({ policies: z.array(policy).min(1) });

export type Policy = z.infer<typeof policy> & { path: string; sha256: string; bytes: number };

export interface PolicyRow {
  id: string;
  title: string;
  file: string;
  sha256: string;
  bytes: number;
  version: string;
  owner: string;
  approver: string;
  approvalDate: string;
  reviewIntervalMonths: number;
  reviewDue: string;
  /** as of the window's last counted day */
  status: 'current' | 'overdue';
}

export interface PolicyIndex {
  file: string;
  control: string;
  policies: Policy[];
  row(p: Policy, through: string): PolicyRow;
}

export const reviewDue = (p: Pick<Policy, 'approvalDate' | 'reviewIntervalMonths'>) => addMonths(p.approvalDate, p.reviewIntervalMonths);

/** Reads the index and every policy file it declares; a missing or non-regular file is a config error naming its entry. */
export function loadPolicies(file: string, flag = ''): PolicyIndex {
  const data = readYamlFile(file, indexFile, { what: 'policy index', flag });
  const seen = new Set<string>();
  const policies = data.policies.map((p, i) => {
    if (seen.has(p.id)) throw new UsageError(`${flag}${file}: policies[${i}].id: "${p.id}" is used by an earlier policy`);
    seen.add(p.id);
    const abs = path.resolve(path.dirname(file), p.file);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) throw new UsageError(`${flag}${file}: policies[${i}].file: ${p.file} not found (expected the policy document next to the index)`);
    if (!st.isFile()) throw new UsageError(`${flag}${file}: policies[${i}].file: ${p.file} is not a regular file`);
    const bytes = readFileSync(abs);
    return { ...p, path: abs, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  });
  return {
    file,
    control: POLICY_CONTROL,
    policies,
    row: (p, through) => ({
      id: p.id,
      title: p.title,
      file: p.file,
      sha256: p.sha256,
      bytes: p.bytes,
      version: p.version,
      owner: p.owner,
      approver: p.approver,
      approvalDate: p.approvalDate,
      reviewIntervalMonths: p.reviewIntervalMonths,
      reviewDue: reviewDue(p),
      status: reviewDue(p) < through ? 'overdue' : 'current',
    }),
  };
}

/** As of `date`: the policies past their review date, as one run of the policy-review check. */
export function policyFindings(idx: Pick<PolicyIndex, 'policies'>, date: string): { check: string; title: string; criteria: string[]; exceptions: Map<string, string> } {
  const exceptions = new Map<string, string>();
  for (const p of idx.policies) {
    if (p.approvalDate > date) continue; // not yet approved that day: the earlier version's review is not recorded here
    const due = reviewDue(p);
    if (due < date) exceptions.set(`policy ${p.id}`, `${p.title} v${p.version} (${p.file}) was approved by ${p.approver} on ${p.approvalDate} and was due for review on ${due} (every ${p.reviewIntervalMonths} months)`);
  }
  return { check: POLICY_CHECK, title: `${POLICY_CONTROL}: every policy is reviewed within its interval`, criteria: POLICY_CRITERIA, exceptions };
}
