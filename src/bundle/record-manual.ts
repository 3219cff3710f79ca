// Recording manual evidence, shared by `soc2 evidence add` and `soc2 review submit`: under the evidence
// dir's lock, refuse a duplicate, then either stage the files in pending/ (the next collect takes them)
// or write a signed, chained bundle of their own (--now) — with `evidence.s3` configured, chained after
// S3's tip and uploaded like a collected bundle.
import { mkdirSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.js';
import { UsageError } from '../core/errors.js';
import { assertFollows, ciIdentity, manifestFields, newBundleId } from '../core/runner.js';
import { acquireLock } from './lock.js';
import { assertNotDuplicate, clearPending, recordedManualEvidence, stagePending, type ManualMeta, type PendingEntry } from './manual.js';
import type { Manifest } from './manifest.js';
import type { S3Store, S3UploadReport } from './s3.js';
import { resolveSigningKey, type SigningKey } from './sign.js';
import { latestBundle } from './store.js';
import { BundleWriter } from './writer.js';

export interface ManualInput {
  file: string;
  h: { sha256: string; bytes: number };
  meta: ManualMeta;
}

export type Recorded = { bundle: { dir: string; manifest: Manifest }; upload: S3UploadReport | null } | { pending: PendingEntry[] };

/**
 * The key of a manual evidence bundle: only `--now` writes one (pending evidence is signed with the
 * bundle the next collect writes), so `--sign-key` without `--now` is refused.
 */
export function manualSigningKey(o: { now?: boolean; signKey?: string }, loaded: LoadedConfig, env: NodeJS.ProcessEnv): SigningKey | null {
  if (o.signKey && !o.now) throw new UsageError('--sign-key: only with --now (pending evidence is signed with the bundle the next collect writes)');
  return o.now ? resolveSigningKey({ flag: o.signKey, loaded, env }) : null;
}

/** Records checked inputs as manual evidence: all or none (a duplicate or a changed file records nothing). */
export async function recordManual(o: { evidenceDir: string; loaded: LoadedConfig; inputs: ManualInput[]; criteria: string[]; now: () => Date; at: Date; toBundle: boolean; signKey: SigningKey | null; env: NodeJS.ProcessEnv }): Promise<Recorded> {
  mkdirSync(o.evidenceDir, { recursive: true });
  const lock = await acquireLock(o.evidenceDir);
  try {
    const recorded = recordedManualEvidence(o.evidenceDir);
    for (const i of o.inputs) {
      assertNotDuplicate(recorded, i.file, { sha256: i.h.sha256, control: i.meta.control, covers: i.meta.covers });
      recorded.push({ where: 'this command', sha256: i.h.sha256, control: i.meta.control, covers: i.meta.covers, fileName: i.meta.fileName });
    }
    if (o.toBundle) return await writeAndUpload(o);
    const staged: PendingEntry[] = [];
    try {
      for (const i of o.inputs) staged.push(stagePending(o.evidenceDir, i.file, i.meta, i.h, o.criteria, o.at));
    } catch (e) {
      clearPending(staged);
      throw e;
    }
    return { pending: staged };
  } finally {
    lock.release();
  }
}

/** --now: the bundle written (after S3's tip when the config has a store), then uploaded like collect's. */
async function writeAndUpload(o: Parameters<typeof recordManual>[0]): Promise<Recorded> {
  const s3cfg = o.loaded.config.evidence.s3;
  const store = s3cfg ? (await import('./s3.js')).openS3Store(s3cfg, { env: o.env }) : null;
  try {
    const bundle = await writeManualBundle(o.evidenceDir, o.loaded, o.inputs, o.criteria, o.signKey, o.env, o.now, store);
    return { bundle, upload: store ? await store.uploadPending(o.evidenceDir, o.loaded.config.evidence.stream ?? null) : null };
  } finally {
    await store?.close();
  }
}

/** A bundle holding only manual evidence, chained after the tip and signed like a collect's. */
async function writeManualBundle(
  evidenceDir: string,
  loaded: LoadedConfig,
  inputs: { file: string; h: { sha256: string }; meta: ManualMeta }[],
  criteria: string[],
  signKey: SigningKey | null,
  env: NodeJS.ProcessEnv,
  now: () => Date,
  store: S3Store | null,
): Promise<{ dir: string; manifest: Manifest }> {
  const { config } = loaded;
  const stream = config.evidence.stream ?? null;
  const local = latestBundle(evidenceDir, stream);
  const remote = store ? await store.remotePrevious(stream, local && { id: local.id, manifestSha256: local.manifestSha256 }, evidenceDir) : null;
  const prev = remote ?? local;
  const startedAt = now();
  const id = newBundleId(startedAt);
  assertFollows(prev && { id: prev.id, where: remote?.location ?? evidenceDir }, id, startedAt);
  const writer = await BundleWriter.create(evidenceDir, id);
  try {
    for (const i of inputs) await writer.addManual(i.file, i.meta, i.h.sha256, criteria).catch((e: Error) => {
      throw new UsageError(`${i.file}: changed while it was being added (${e.message}); nothing was added`);
    });
    await writer.writeFindings([]);
    const common = manifestFields({ id, stream, loaded, startedAt, finishedAt: now(), prev, signKey });
    const { manifest, dir } = await writer.finalize(
      {
        ...common.head,
        status: 'complete',
        config: common.config,
        identity: { aws: [], gcp: [], mlflow: [], ci: ciIdentity(env) },
        collectors: [],
        findings: { path: 'findings.json', summary: { pass: 0, fail: 0, error: 0, not_applicable: 0 } },
        ...common.tail,
        purpose: 'manual-evidence',
      },
      signKey,
    );
    return { manifest, dir };
  } catch (e) {
    writer.discard();
    throw e;
  }
}
