// `soc2 evidence add FILE… --control ID --covers FROM..TO|DATE`: manual evidence into the chain (pending/
// for the next collect, or a bundle of its own with --now). `soc2 evidence due`: which required periods of
// the register's manual tests have no evidence, or fall due within N days.
import { userInfo } from 'node:os';
import path from 'node:path';
import { hashInputFile, listPending, mediaTypeOf, parseCovers, resolveManualTest, type ManualMeta } from '../bundle/manual.js';
import { manualSigningKey, recordManual } from '../bundle/record-manual.js';
import type { S3UploadReport } from '../bundle/s3.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { lintRegister, loadRegister, type Register } from '../mapping/controls.js';
import { loadMappings } from '../mapping/index.js';
import { isDate } from '../report/dates.js';
import { dueList, manualEvidenceOf } from '../report/manual.js';

export interface EvidenceAddOptions {
  control?: string;
  test?: string;
  covers?: string;
  title?: string;
  by?: string;
  note?: string;
  now?: boolean;
  config: string;
  evidence?: string;
  signKey?: string;
  json?: boolean;
}

export interface EvidenceDueOptions {
  config: string;
  evidence?: string;
  within?: string;
  failOnDue?: boolean;
  from?: string;
  to?: string;
  json?: boolean;
}

export async function loadAll(configFile: string): Promise<{ loaded: LoadedConfig; register: Register }> {
  const registry = (await import('../../collectors/registry.js')).collectors;
  const loaded = loadConfig(configFile, registry);
  if (!loaded.config.controls) return { loaded, register: loadRegister() };
  const register = loadRegister(path.resolve(loaded.baseDir, loaded.config.controls), `${configFile}: controls: `);
  const problems = lintRegister(register, loadMappings(loaded.config.mappings.map((m) => path.resolve(loaded.baseDir, m))), registry);
  if (problems.length) throw new UsageError(`${configFile}: controls: ${problems[0]}`);
  return { loaded, register };
}

export const evidenceDirOf = (o: { evidence?: string }, loaded: LoadedConfig) => path.resolve(o.evidence ?? path.resolve(loaded.baseDir, loaded.config.evidence.dir));

export function whoAdds(by: string | undefined): string {
  if (by !== undefined) {
    if (!by.trim()) throw new UsageError('--by: expected the name of who adds the evidence');
    return by.trim();
  }
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export async function evidenceAddCommand(files: string[], o: EvidenceAddOptions, env: NodeJS.ProcessEnv = process.env, now: () => Date = () => new Date()): Promise<number> {
  if (!files.length) throw new UsageError('evidence add: give at least one FILE');
  const covers = parseCovers(o.covers);
  const { loaded, register } = await loadAll(o.config);
  const { control, test } = resolveManualTest(register.controls, o.control, o.test);
  if (o.title !== undefined && !o.title.trim()) throw new UsageError('--title: expected a title');
  const addedBy = whoAdds(o.by);
  const signKey = manualSigningKey(o, loaded, env);
  const evidenceDir = evidenceDirOf(o, loaded);
  // every file is checked before anything is recorded: one bad file records none
  const at = now();
  const inputs = files.map((file) => {
    const h = hashInputFile(file);
    const meta: ManualMeta = { control: control.id, test: test.id, title: o.title?.trim() ?? path.basename(file), note: o.note ?? null, addedBy, addedAt: at.toISOString(), covers, mediaType: mediaTypeOf(file), fileName: path.basename(file) };
    return { file, h, meta };
  });
  const r = await recordManual({ evidenceDir, loaded, inputs, criteria: control.criteria, now, at, toBundle: !!o.now, signKey, env });
  if ('bundle' in r) {
    const b = r.bundle;
    if (o.json) process.stdout.write(JSON.stringify({ bundle: b.dir, artifacts: b.manifest.artifacts.map((a) => ({ path: a.path, sha256: a.sha256, bytes: a.bytes, ...a.manual })), ...(r.upload ? { s3: r.upload } : {}) }) + '\n');
    else {
      for (const a of b.manifest.artifacts) process.stderr.write(`added ${a.manual!.fileName} (${a.sha256.slice(0, 12)}, ${a.bytes} bytes) for ${control.id}/${test.id} covering ${covers.from}..${covers.to}\n`);
      process.stdout.write(b.dir + '\n');
    }
    return uploadExit(r.upload, !!o.json);
  }
  const staged = r.pending;
  if (o.json) process.stdout.write(JSON.stringify({ pending: staged.map((p) => ({ id: p.id, sha256: p.sha256, bytes: p.bytes, ...p.meta })) }) + '\n');
  else {
    for (const p of staged) process.stderr.write(`staged ${p.meta.fileName} (${p.sha256.slice(0, 12)}, ${p.bytes} bytes) for ${control.id}/${test.id} covering ${covers.from}..${covers.to}; the next "soc2 collect" takes it into its bundle\n`);
    for (const p of staged) process.stdout.write(path.join(evidenceDir, 'pending', p.id) + '\n');
  }
  return ExitCode.ok;
}

/** --now with an S3 store: a bundle missing from the write-once copy is a gap (exit 3), as for collect. */
export function uploadExit(upload: S3UploadReport | null, json: boolean): number {
  if (upload && !upload.ok) {
    if (!json) process.stderr.write(`error: S3 evidence store: ${upload.error}\n`);
    return ExitCode.gaps;
  }
  if (upload && !json) process.stderr.write(`uploaded ${upload.bundles.length} bundle(s), ${upload.objects} objects to ${upload.location} (${upload.calls} S3 calls)\n`);
  return ExitCode.ok;
}

export async function evidenceDueCommand(o: EvidenceDueOptions, now: () => Date = () => new Date()): Promise<number> {
  const within = o.within === undefined ? 30 : Number(o.within);
  if (!/^\d+$/.test(o.within ?? '30') || !Number.isFinite(within)) throw new UsageError(`--within: expected a whole number of days, got "${o.within}"`);
  for (const [flag, v] of [['--from', o.from], ['--to', o.to]] as const) if (v !== undefined && !isDate(v)) throw new UsageError(`${flag}: expected a date as YYYY-MM-DD, got "${v}"`);
  const { loaded, register } = await loadAll(o.config);
  const evidenceDir = evidenceDirOf(o, loaded);
  const today = now().toISOString().slice(0, 10);
  const period = loaded.config.observationPeriod as { from: string; to: string } | undefined;
  const from = o.from ?? period?.from ?? `${today.slice(0, 4)}-01-01`;
  const to = o.to ?? period?.to ?? today;
  if (from > to) throw new UsageError(`--from: ${from} is after the window's end ${to}`);
  const evidence = manualEvidenceOf(evidenceDir, listPending(evidenceDir).entries);
  const rows = dueList(register.controls, evidence, { from, to, today, withinDays: within });
  if (o.json) process.stdout.write(JSON.stringify({ window: { from, to }, today, withinDays: within, items: rows }) + '\n');
  else {
    if (!rows.length) process.stdout.write(`nothing missing or due within ${within} days (window ${from}..${to})\n`);
    for (const r of rows) process.stdout.write(`${r.status === 'missing' ? 'MISSING' : 'due    '} ${r.control}/${r.test} ${r.period.from}..${r.period.to} (${r.every}${r.per ? ` per ${r.per}` : ''}) ${r.status === 'missing' ? `elapsed ${r.period.to}` : `due by ${r.dueBy}`}; owner ${r.owner}${r.pending ? `; ${r.pending} file(s) pending: the next "soc2 collect" records them` : ''}\n`);
  }
  return o.failOnDue && rows.length ? ExitCode.findingsFailed : ExitCode.ok;
}
