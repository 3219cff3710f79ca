// The demo company's quarterly access review (issue 18): 55% into the period the CTO reviews the
// newest verified bundle's principals with `soc2 review start` / `submit` (in process). Two revocations:
// the temporary ml-hotfix-admin role (the story removes it at 70%: verified) and dave's IAM user, who
// approved his own SageMaker model — never carried out, so the report shows the remediation exception.
// The deadline scales with the period (2 days in a 10-day run, at most the default 14) so a short demo
// still has a bundle after it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TrustedKey } from '../bundle/trust.js';
import type { LoadedConfig } from '../config/load.js';
import type { Control } from '../mapping/controls.js';
import { SYSTEMS } from '../review/principals.js';
import { startReview } from '../review/start.js';
import { submitReview } from '../review/submit.js';
import { readWorksheet, renderWorksheetCsv } from '../review/worksheet.js';

export const DEMO_REVIEWER = 'Sam (CTO)';
/** the principals the review revokes: the first is removed later in the story, the second never */
export const DEMO_REVOKED = ['arn:aws:iam::111122223333:role/ml-hotfix-admin', 'arn:aws:iam::111122223333:user/dave'];

export const demoReviewDay = (days: number) => Math.max(1, Math.min(days - 2, Math.round(days * 0.55)));
export const demoRemediationDays = (days: number) => Math.max(1, Math.min(14, Math.floor(days * 0.2)));

/** Writes owners.yaml into the demo folder; returns the config lines naming it. */
export function writeDemoOwners(out: string, days: number): string {
  writeFileSync(
    path.join(out, 'owners.yaml'),
    `# Who owns which principals (soc2 review start groups the worksheet by owner; the owner tag applies where no entry matches).
owners:
  - owner: Dana (Security engineering)
    principals: ['arn:aws:iam::*:role/*']
  - owner: Priya (ML platform)
    principals: ['arn:aws:iam::*:user/bob', 'arn:aws:iam::*:user/dave', 'arn:aws:iam::*:user/carol', '*@acme.ai', 'mlops-bot']
  - owner: Platform CI
    principals: ['arn:aws:iam::*:user/service/*']
`,
  );
  return `review:\n  owners: owners.yaml\n  remediationDays: ${demoRemediationDays(days)}\n`;
}

/** Builds the worksheet, decides every row as the CTO does, and submits it (staged for the day's bundle). */
export async function demoAccessReview(o: { loaded: LoadedConfig; controls: Control[]; evidenceDir: string; trustedKeys: TrustedKey[]; docsDir: string; now: () => Date }): Promise<string> {
  const s = await startReview({ loaded: o.loaded, controls: o.controls, control: 'access-review', systems: [...SYSTEMS], evidenceDir: o.evidenceDir, trustedKeys: o.trustedKeys, out: o.docsDir });
  const rows = readWorksheet(readFileSync(s.csv, 'utf8'), s.csv).map((r) => {
    const revoke = DEMO_REVOKED.includes(r.principal);
    return { ...r, decision: revoke ? 'revoke' : 'keep', justification: revoke ? (r.principal.endsWith('dave') ? 'approved his own model package; ML-change access to be removed' : 'temporary hotfix access, no longer needed') : 'needed for the role' };
  });
  writeFileSync(s.csv, renderWorksheetCsv(rows));
  const r = await submitReview(s.csv, { reviewer: DEMO_REVIEWER, loaded: o.loaded, controls: o.controls, evidenceDir: o.evidenceDir, trustedKeys: o.trustedKeys }, {}, o.now);
  const c = r.meta.review!.decisions;
  return `review start + submit: ${rows.length} principals of bundle ${s.bundle.id} by ${DEMO_REVIEWER}: ${c.keep} keep, ${c.revoke} revoke (${DEMO_REVOKED.map((p) => p.split('/').pop()).join(', ')}), ${c.modify} modify; covers ${r.meta.covers.from}..${r.meta.covers.to}`;
}
