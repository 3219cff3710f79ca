// collect against an S3 store: continue the chain from S3's tip, upload the pending bundles afterwards.
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { RemoteTip } from '../../core/runner.js';
import type { Logger } from '../../core/types.js';
import { MANIFEST } from '../manifest.js';
import { latestBundle, readManifest } from '../store.js';
import { createS3Client, describe, isNotFound } from './client.js';
import { readS3Chain, downloadTip, type S3Tip } from './chain.js';
import { bundleKeyPrefix, formatS3Location, type S3Location, type S3Settings } from './location.js';
import { LinkTaken, uploadBundle } from './upload.js';

// ---------------------------------------------------------------------------------------------
// collect: continue the chain from S3, upload afterwards

export interface S3UploadReport {
  ok: boolean;
  location: string;
  /** bundles uploaded by this run, oldest first (earlier ones whose upload had failed come first) */
  bundles: string[];
  objects: number;
  bytes: number;
  /** every S3 call this collect made: the tip lookup, fetching the previous bundle when S3 was ahead, the upload */
  calls: number;
  /** time spent uploading */
  ms: number;
  /** time spent finding (and, when S3 was ahead, fetching) the chain's tip before collecting */
  lookupMs: number;
  error?: string;
}

export interface S3Store {
  location: string;
  /**
   * For RunOptions.remotePrevious: what the new bundle links to. The local tip when the local chain
   * leads back to S3's tip (its bundles after that tip are pending upload), else S3's tip (fetched
   * under `evidenceDir` so collectors see their previous artifacts); null when S3 has no bundle of
   * the stream or cannot be read (then the local tip).
   */
  remotePrevious(stream: string | null, local: { id: string; manifestSha256: string } | null, evidenceDir: string): Promise<RemoteTip | null>;
  /** uploads, oldest first, the local bundles of the stream that follow S3's tip by the chain; never throws */
  uploadPending(evidenceDir: string, stream: string | null): Promise<S3UploadReport>;
  close(): Promise<void>;
}

/** temp copies of S3's tip live in the evidence dir (same disk, same permissions), never in /tmp */
const PREVIOUS_TEMP = '.soc2-s3-previous-';

/** Copies left by a collect that was killed: the caller holds the evidence-dir lock, so none is in use. */
function removeLeftoverTemps(evidenceDir: string, log?: Logger): void {
  let names: string[];
  try {
    names = readdirSync(evidenceDir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(PREVIOUS_TEMP)) continue;
    log?.info(`removing ${n}, left in ${evidenceDir} by an interrupted collect`);
    rmSync(path.join(evidenceDir, n), { recursive: true, force: true });
  }
}

interface LocalLink {
  id: string;
  previous: { id: string; manifestSha256: string } | null;
  manifestSha256: string;
}

function readLocalLink(evidenceDir: string, id: string, stream: string | null): LocalLink | null {
  try {
    const { manifest, bytes } = readManifest(path.join(evidenceDir, id));
    if (manifest.id !== id || (manifest.stream ?? null) !== stream) return null;
    const prev = manifest.previous && typeof manifest.previous === 'object' ? manifest.previous : null;
    return { id, previous: prev, manifestSha256: createHash('sha256').update(bytes).digest('hex') };
  } catch {
    // missing or unreadable: verify reports it; it is not part of a chain we can upload
    return null;
  }
}

/**
 * Walks the local chain back from the local tip, by each manifest's `previous`. `reached`: it arrives
 * at S3's tip (or at the start of the chain when S3 has none); `after` are then the local bundles
 * following that tip, oldest first: the ones to upload. Otherwise `after` lists the local bundles
 * walked, which S3's chain does not hold.
 */
export function localChainAfter(evidenceDir: string, stream: string | null, tip: { id: string; manifestSha256: string } | null): { reached: boolean; after: string[] } {
  const start = latestBundle(evidenceDir, stream);
  const walked: string[] = [];
  const seen = new Set<string>();
  let cur = start && readLocalLink(evidenceDir, start.id, stream);
  while (cur && !seen.has(cur.id)) {
    if (tip && cur.id === tip.id) return { reached: cur.manifestSha256 === tip.manifestSha256, after: walked.reverse() };
    seen.add(cur.id);
    walked.push(cur.id);
    const prev = cur.previous;
    if (!prev) return { reached: tip === null, after: walked.reverse() };
    if (tip && prev.id === tip.id) return { reached: prev.manifestSha256 === tip.manifestSha256, after: walked.reverse() };
    const next = readLocalLink(evidenceDir, prev.id, stream);
    // the chain leaves the local dir: fine when S3 is empty (upload what there is), else not S3's chain
    if (!next) return { reached: tip === null, after: walked.reverse() };
    cur = next;
  }
  return { reached: tip === null && walked.length === 0, after: walked.reverse() };
}

export function openS3Store(settings: S3Settings, o: { env?: NodeJS.ProcessEnv; log?: Logger; pageSize?: number } = {}): S3Store {
  const loc: S3Location = { bucket: settings.bucket, prefix: settings.prefix ?? '' };
  const location = formatS3Location(loc);
  const { client, counter } = createS3Client({ region: settings.region, env: o.env });
  const temps: string[] = [];
  const state: { resolved: boolean; tip: { id: string; manifestSha256: string } | null; ids: Set<string>; error: string | null; lookupMs: number } = {
    resolved: false,
    tip: null,
    ids: new Set(),
    error: null,
    lookupMs: 0,
  };

  const resolve = async (stream: string | null): Promise<S3Tip | null> => {
    const t0 = Date.now();
    try {
      const chain = await readS3Chain(client, loc, stream, { pageSize: o.pageSize, log: o.log });
      state.tip = chain.tip && { id: chain.tip.id, manifestSha256: chain.tip.manifestSha256 };
      state.ids = new Set(chain.ids);
      if (chain.fork) {
        // adding to a forked chain would hide which branch is the evidence: collect locally, upload nothing
        state.error = chain.fork;
        o.log?.warn(`${state.error}; collecting anyway, linking to the local evidence only`);
        return null;
      }
      return chain.tip;
    } catch (e) {
      state.error = `cannot read the chain's tip from ${location} (${describe(e)})`;
      o.log?.warn(`${state.error}; collecting anyway, linking to the local evidence only`);
      return null;
    } finally {
      state.resolved = true;
      state.lookupMs += Date.now() - t0;
    }
  };

  return {
    location,
    async remotePrevious(stream, local, evidenceDir) {
      removeLeftoverTemps(evidenceDir, o.log);
      const tip = await resolve(stream);
      if (!tip) return null;
      const walk = localChainAfter(evidenceDir, stream, tip);
      if (walk.reached) {
        if (local?.id === tip.id && local.manifestSha256 !== tip.manifestSha256) o.log?.warn(`bundle ${tip.id}: the local manifest.json differs from the copy in ${location} (run "soc2 verify")`);
        return local ? { id: local.id, manifestSha256: local.manifestSha256, location: evidenceDir } : null;
      }
      const stray = await notInS3(walk.after, stream);
      if (stray.length)
        o.log?.warn(`local bundle(s) ${stray.join(', ')} are not in the chain in ${location} (another collect continued it first); they stay in ${evidenceDir} and are never uploaded`);
      if (local?.id === tip.id) return { id: tip.id, manifestSha256: tip.manifestSha256, location };
      // S3 is ahead (a fresh CI machine): fetch that bundle so collectors see their previous artifacts
      o.log?.info(`continuing the chain from ${location}: ${tip.id}`);
      const dir = await mkdtemp(path.join(evidenceDir, PREVIOUS_TEMP));
      temps.push(dir);
      const t0 = Date.now();
      try {
        await downloadTip(client, loc.bucket, tip, dir, o.log);
        return { id: tip.id, manifestSha256: tip.manifestSha256, location, evidenceDir: dir };
      } catch (e) {
        o.log?.warn(`could not fetch ${tip.id}'s artifacts from ${location} (${describe(e)}); collectors will not compare with it`);
        return { id: tip.id, manifestSha256: tip.manifestSha256, location };
      } finally {
        state.lookupMs += Date.now() - t0;
      }
    },
    async uploadPending(evidenceDir, stream) {
      if (!state.resolved) await resolve(stream);
      const started = Date.now();
      const report: S3UploadReport = { ok: true, location, bundles: [], objects: 0, bytes: 0, calls: 0, ms: 0, lookupMs: 0 };
      const done = (error?: string): S3UploadReport => ({ ...report, ok: !error, ...(error ? { error } : {}), calls: counter.calls, ms: Date.now() - started, lookupMs: state.lookupMs });
      if (state.error) return done(`${state.error}; the bundle was not uploaded (the next collect uploads it)`);
      const walk = localChainAfter(evidenceDir, stream, state.tip);
      if (!walk.reached) {
        const newest = walk.after.at(-1) ?? '(none)';
        return done(`local bundle ${newest} does not follow the chain's tip ${state.tip?.id ?? '(none)'} in ${location}; not uploaded (the chain in S3 cannot fork); it stays in ${evidenceDir}`);
      }
      for (const id of walk.after) {
        try {
          const r = await uploadBundle(client, loc, path.join(evidenceDir, id), { objectLock: settings.objectLock });
          report.bundles.push(id);
          report.objects += r.objects;
          report.bytes += r.bytes;
        } catch (e) {
          if (e instanceof LinkTaken) return done(await lostLink(e, evidenceDir));
          const key = (e as { s3Key?: string }).s3Key;
          return done(`upload of bundle ${id} to ${location} failed${key ? ` at ${key}` : ''}: ${describe(e)}; the local bundle is intact and the next collect uploads it`);
        }
      }
      return done();
    },
    async close() {
      for (const d of temps) await rm(d, { recursive: true, force: true });
      client.destroy();
    },
  };

  /**
   * Of local bundles walked back from the local tip (oldest first), those S3 holds no finished copy of:
   * newest first until the first one S3 has (older ones were uploaded before it), so few calls.
   */
  async function notInS3(walked: string[], stream: string | null): Promise<string[]> {
    const stray: string[] = [];
    for (const id of [...walked].reverse()) {
      if (state.ids.has(id)) {
        try {
          await client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: bundleKeyPrefix(loc, stream, id) + MANIFEST }));
          break;
        } catch (e) {
          if (!isNotFound(e)) break;
        }
      }
      stray.push(id);
    }
    return stray.reverse();
  }

  /** The message for a collect that lost the race for a link: its bundle stays local, the chain in S3 stays linear. */
  async function lostLink(e: LinkTaken, evidenceDir: string): Promise<string> {
    const base = `${e.message}; bundle ${e.bundle} is kept in ${evidenceDir} only, not uploaded, so the chain in ${location} does not fork`;
    // the claim sits at <prefix>/<stream folder>/_links/<previous>.json, the winner at <prefix>/<stream folder>/<winner>/
    const winnerKey = `${e.s3Key.split('/').slice(0, -2).join('/')}/${e.winner}/${MANIFEST}`;
    try {
      await client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: winnerKey }));
      return `${base}; the next collect links to ${e.winner}`;
    } catch (err) {
      if (!isNotFound(err)) return base;
      return `${base}; ${e.winner} claimed the link but its upload never finished (no ${MANIFEST}): the chain in S3 cannot continue until the machine holding ${e.winner} runs collect again, or s3://${loc.bucket}/${e.s3Key} is deleted`;
    }
  }
}

