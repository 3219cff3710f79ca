// `soc2 review start` below the command: the newest verified bundle's principals written as a
// worksheet (CSV to fill in, HTML to read), outside the evidence directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveManualTest } from '../bundle/manual.js';
import type { TrustedKey } from '../bundle/trust.js';
import type { LoadedConfig } from '../config/load.js';
import type { Control } from '../mapping/controls.js';
import { refuseOutInsideEvidence } from '../report/index.js';
import type { PrincipalRow, ReviewSystem } from './principals.js';
import { principalsOf, reviewSettings, verifiedBundle, type ReviewedBundle } from './review.js';
import { renderWorksheetCsv, renderWorksheetHtml, worksheetRows } from './worksheet.js';

export interface StartInput {
  loaded: LoadedConfig;
  controls: Control[];
  control?: string;
  test?: string;
  systems: ReviewSystem[];
  evidenceDir: string;
  trustedKeys: TrustedKey[];
  /** default ./access-review-<bundle date> */
  out?: string;
}

export async function startReview(o: StartInput): Promise<{ csv: string; html: string; bundle: ReviewedBundle; rows: PrincipalRow[]; notes: string[]; skipped: string[] }> {
  const { control, test } = resolveManualTest(o.controls, o.control, o.test);
  const settings = reviewSettings(o.loaded);
  const { bundle, skipped } = await verifiedBundle(o.evidenceDir, o.trustedKeys);
  const { rows, notes } = await principalsOf(bundle, o.systems, settings);
  const head = { control: control.id, test: test.id, systems: o.systems.join(','), bundle: bundle.id, manifestSha256: bundle.manifestSha256 };
  const sheet = worksheetRows(head, rows);
  const out = path.resolve(o.out ?? `access-review-${bundle.date}`);
  refuseOutInsideEvidence(out, o.evidenceDir);
  mkdirSync(out, { recursive: true });
  const csvName = `${test.id}-${bundle.date}.csv`;
  const csv = path.join(out, csvName);
  const html = path.join(out, `${test.id}-${bundle.date}.html`);
  writeFileSync(csv, renderWorksheetCsv(sheet));
  writeFileSync(html, renderWorksheetHtml({ ...head, organization: o.loaded.config.organization ?? null, date: bundle.date, notes, csvName }, sheet));
  return { csv, html, bundle, rows, notes, skipped };
}
