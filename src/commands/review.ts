// `soc2 review start --control ID`: a worksheet of the newest verified bundle's principals (CSV + HTML).
// `soc2 review submit FILE --reviewer NAME`: the filled-in worksheet checked and recorded as manual
// evidence of the access-review test. Logic in src/review/.
import { ExitCode, UsageError } from '../core/errors.js';
import { parseSystems } from '../review/principals.js';
import { startReview } from '../review/start.js';
import { submitReview } from '../review/submit.js';
import { evidenceDirOf, loadAll, uploadExit } from './evidence.js';
import { trustedKeysFor } from './verify.js';

export interface ReviewStartOptions {
  control?: string;
  test?: string;
  systems?: string;
  out?: string;
  config: string;
  evidence?: string;
  publicKey?: string[];
  json?: boolean;
}

export interface ReviewSubmitOptions {
  reviewer?: string;
  covers?: string;
  now?: boolean;
  signKey?: string;
  config: string;
  evidence?: string;
  publicKey?: string[];
  json?: boolean;
}

export async function reviewStartCommand(o: ReviewStartOptions): Promise<number> {
  const systems = parseSystems(o.systems);
  const { loaded, register } = await loadAll(o.config);
  const r = await startReview({ loaded, controls: register.controls, control: o.control, test: o.test, systems, evidenceDir: evidenceDirOf(o, loaded), trustedKeys: trustedKeysFor(o.publicKey, loaded), out: o.out });
  const owners = new Set(r.rows.map((x) => x.owner)).size;
  if (o.json) process.stdout.write(JSON.stringify({ csv: r.csv, html: r.html, bundle: r.bundle.id, manifestSha256: r.bundle.manifestSha256, rows: r.rows.length, owners, systems, skipped: r.skipped, notes: r.notes }) + '\n');
  else {
    for (const id of r.skipped) process.stderr.write(`note: bundle ${id} does not verify and was skipped; the worksheet is built from ${r.bundle.id}\n`);
    for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
    process.stderr.write(`${r.rows.length} principals of ${owners} owner${owners === 1 ? '' : 's'} from bundle ${r.bundle.id}; decide each row (keep, revoke or modify) in the CSV, then run "soc2 review submit"\n`);
    process.stdout.write(`${r.csv}\n${r.html}\n`);
  }
  return ExitCode.ok;
}

export async function reviewSubmitCommand(file: string, o: ReviewSubmitOptions, env: NodeJS.ProcessEnv = process.env, now: () => Date = () => new Date()): Promise<number> {
  if (!o.reviewer?.trim()) throw new UsageError('--reviewer: required: the name of who reviewed the access');
  const { loaded, register } = await loadAll(o.config);
  const r = await submitReview(file, { ...o, reviewer: o.reviewer, loaded, controls: register.controls, evidenceDir: evidenceDirOf(o, loaded), trustedKeys: trustedKeysFor(o.publicKey, loaded) }, env, now);
  const c = r.meta.review!.decisions;
  if (o.json) process.stdout.write(JSON.stringify({ recorded: r.where, pending: r.pending, sha256: r.sha256, ...r.meta, ...(r.upload ? { s3: r.upload } : {}) }) + '\n');
  else {
    process.stderr.write(`recorded the access review of ${r.meta.review!.asOf} by ${r.meta.addedBy} for ${r.meta.control}/${r.meta.test} covering ${r.meta.covers.from}..${r.meta.covers.to}: ${c.keep} keep, ${c.revoke} revoke, ${c.modify} modify; revocations and modifications must show in the evidence within ${r.meta.review!.remediationDays} days${r.pending ? '; the next "soc2 collect" takes it into its bundle' : ''}\n`);
    process.stdout.write(r.where + '\n');
  }
  return uploadExit(r.upload, !!o.json);
}
