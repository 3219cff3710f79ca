// `soc2 review submit` below the command: the worksheet read and checked against the bundle it names
// (which must still verify), then recorded as manual evidence of its access-review test.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hashInputFile, parseCovers, resolveManualTest, type ManualMeta } from '../bundle/manual.js';
import { manualSigningKey, recordManual } from '../bundle/record-manual.js';
import type { S3UploadReport } from '../bundle/s3.js';
import type { TrustedKey } from '../bundle/trust.js';
import type { LoadedConfig } from '../config/load.js';
import { UsageError, VerificationError } from '../core/errors.js';
import type { Control } from '../mapping/controls.js';
import { requiredPeriods } from '../report/manual.js';
import { parseSystems } from './principals.js';
import { checkWorksheet, principalsOf, reviewSettings, verifiedBundle, worksheetHead } from './review.js';
import { readWorksheet } from './worksheet.js';

export interface SubmitInput {
  reviewer: string;
  covers?: string;
  now?: boolean;
  signKey?: string;
  loaded: LoadedConfig;
  controls: Control[];
  evidenceDir: string;
  trustedKeys: TrustedKey[];
}

export async function submitReview(file: string, o: SubmitInput, env: NodeJS.ProcessEnv, now: () => Date): Promise<{ where: string; pending: boolean; sha256: string; meta: ManualMeta; upload: S3UploadReport | null }> {
  const reviewer = o.reviewer.trim();
  if (!reviewer) throw new UsageError('--reviewer: required: the name of who reviewed the access');
  const h = hashInputFile(file); // a regular, readable file
  const bytes = readFileSync(file);
  // what is checked must be what is recorded (the copy is checked against h again)
  if (createHash('sha256').update(bytes).digest('hex') !== h.sha256) throw new UsageError(`${file}: changed while it was being read; nothing was recorded`);
  const got = readWorksheet(bytes.toString('utf8'), file);
  const head = worksheetHead(file, got);
  const { control, test } = resolveManualTest(o.controls, head.control, head.test);
  const settings = reviewSettings(o.loaded);
  const { loaded } = o;
  const signKey = manualSigningKey(o, loaded, env);
  // a bundle that no longer verifies is a refusal like any other: exit 2, nothing recorded
  const { bundle } = await verifiedBundle(o.evidenceDir, o.trustedKeys, head.bundle).catch((e: Error & { exitCode?: number }) => {
    throw e instanceof VerificationError ? new UsageError(`${file}: ${e.message}; nothing was recorded`) : e;
  });
  if (bundle.manifestSha256 !== head.manifestSha256) throw new UsageError(`${file}: bundle_manifest_sha256 ${head.manifestSha256.slice(0, 12)}… is not the SHA-256 of bundle ${head.bundle}'s manifest (${bundle.manifestSha256.slice(0, 12)}…); nothing was recorded`);
  const { rows } = await principalsOf(bundle, parseSystems(head.systems), settings);
  const checked = checkWorksheet(file, got, rows, head, reviewer, settings);
  const covers = o.covers ? parseCovers(o.covers) : requiredPeriods(test.every, { from: bundle.date, to: bundle.date })[0]!;
  const at = now();
  const c = checked.counts;
  const meta: ManualMeta = {
    control: control.id,
    test: test.id,
    title: `Access review of ${bundle.date} (${checked.rows.length} principals: ${c.keep} keep, ${c.revoke} revoke, ${c.modify} modify)`,
    note: `worksheet of bundle ${bundle.id} (manifest ${bundle.manifestSha256.slice(0, 12)}…), systems ${head.systems}, submitted by ${reviewer}`,
    addedBy: reviewer,
    addedAt: at.toISOString(),
    covers,
    mediaType: 'text/csv',
    fileName: path.basename(file),
    review: { bundle: bundle.id, manifestSha256: bundle.manifestSha256, asOf: bundle.date, reviewer, systems: checked.systems, rows: checked.rows.length, decisions: c, remediationDays: settings.remediationDays },
  };
  const r = await recordManual({ evidenceDir: o.evidenceDir, loaded, inputs: [{ file, h, meta }], criteria: control.criteria, now, at, toBundle: !!o.now, signKey, env });
  return 'bundle' in r ? { where: r.bundle.dir, pending: false, sha256: h.sha256, meta, upload: r.upload } : { where: path.join(o.evidenceDir, 'pending', r.pending[0]!.id), pending: true, sha256: h.sha256, meta, upload: null };
}
