// Writes the outputs of one report into its directory.
import { existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLE_ID, MANIFEST, PARTIAL_SUFFIX } from '../bundle/manifest.js';
import { UsageError } from '../core/errors.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { writeJsonFile } from './json-file.js';
import { renderMarkdown } from './markdown.js';
import type { ReportModel } from './model.js';
import { catalogRef, renderOscal } from './oscal.js';
import { readOscalCatalog } from './oscal-catalog.js';
import { CATALOG_HREF, PLAN_HREF, renderAssessmentPlan } from './oscal-plan.js';

export const FORMATS = ['html', 'md', 'csv', 'json', 'oscal'] as const;
export type Format = (typeof FORMATS)[number];

/** A relative path (forward slashes, '' or ending in '/') from `fromDir` to `toDir`. */
export function relativeBase(fromDir: string, toDir: string): string {
  const rel = path.relative(path.resolve(fromDir), path.resolve(toDir)).split(path.sep).join('/');
  return rel ? rel + '/' : '';
}

/** `p` with every symlink resolved, also when its last components do not exist yet. */
function realpathOfNearest(p: string): string {
  const rest: string[] = [];
  let d = path.resolve(p);
  while (!existsSync(d)) {
    rest.unshift(path.basename(d));
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return path.join(realpathSync(d), ...rest);
}

const isBundleName = (n: string) => BUNDLE_ID.test(n) || (n.endsWith(PARTIAL_SUFFIX) && BUNDLE_ID.test(n.slice(0, -PARTIAL_SUFFIX.length)));

/** A bundle (it holds manifest.json or is named like one) or an evidence dir (it holds bundle dirs). */
function holdsEvidence(dir: string): boolean {
  if (isBundleName(path.basename(dir)) || lstatSync(path.join(dir, MANIFEST), { throwIfNoEntry: false })) return true;
  try {
    return readdirSync(dir).some(isBundleName);
  } catch {
    return false;
  }
}

/**
 * The report never lands inside evidence: `--out` is resolved through symlinks and refused when it,
 * or any folder above it, is the evidence dir, a bundle, or another evidence dir — files added there
 * would alter signed evidence.
 */
export function refuseOutInsideEvidence(outDir: string, evidenceDir: string): void {
  const real = realpathOfNearest(outDir);
  const evidence = realpathOfNearest(evidenceDir);
  const via = real === path.resolve(outDir) ? '' : ` (${real} through a symbolic link)`;
  const rel = path.relative(evidence, real);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)))
    throw new UsageError(`--out: ${outDir}${via} is inside the evidence directory ${evidenceDir}; write the report elsewhere (files added there would alter the evidence)`);
  for (let d = real; ; d = path.dirname(d)) {
    if (holdsEvidence(d)) throw new UsageError(`--out: ${outDir}${via} is inside ${d}, which holds evidence bundles; write the report elsewhere (files added there would alter the evidence)`);
    if (path.dirname(d) === d) break;
  }
}

/** Refuses a folder of the report that is a symlink: writing through it could land anywhere. */
function refuseSymlinkedDirs(out: string, abs: string): void {
  for (let d = path.dirname(abs); d.length > out.length && d.startsWith(out); d = path.dirname(d))
    if (lstatSync(d, { throwIfNoEntry: false })?.isSymbolicLink()) throw new UsageError(`--out: ${d} is a symbolic link; the report writes only into real folders`);
}

export async function writeReport(m: ReportModel, outDir: string, formats: readonly Format[]): Promise<string[]> {
  const out = path.resolve(outDir);
  await mkdir(out, { recursive: true });
  const evidenceParent = path.dirname(m.evidence.dir);
  const written: string[] = [];
  const place = async (rel: string, write: (abs: string) => Promise<void>) => {
    const abs = path.join(out, ...rel.split('/'));
    refuseSymlinkedDirs(out, abs);
    await mkdir(path.dirname(abs), { recursive: true });
    // a symlink left where a report file goes is replaced, never written through
    if (lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink()) await rm(abs);
    await write(abs);
    written.push(rel);
  };
  const put = (rel: string, text: string) => place(rel, (abs) => writeFile(abs, text));
  // the large JSON files are streamed: the same bytes as JSON.stringify(v, null, 2) + '\n'
  const putJson = (rel: string, value: unknown) => place(rel, (abs) => writeJsonFile(abs, value));
  // earlier runs' populations (e.g. a sample no longer drawn) must not linger next to new ones
  await rm(path.join(out, 'populations'), { recursive: true, force: true });
  if (formats.includes('json')) await putJson('report.json', m);
  if (formats.includes('html')) await put('index.html', renderHtml(m, { linkBase: relativeBase(out, evidenceParent) }));
  if (formats.includes('md')) await put('report.md', renderMarkdown(m));
  if (formats.includes('csv')) for (const f of renderCsv(m)) await put(f.path, f.text);
  if (formats.includes('oscal')) {
    // the catalog ships as data (mappings/); the report carries a copy so its OSCAL files resolve offline
    const ref = catalogRef();
    await put(`oscal/${CATALOG_HREF}`, readOscalCatalog().text);
    await putJson(`oscal/${PLAN_HREF}`, renderAssessmentPlan(m, ref));
    await putJson('oscal/assessment-results.json', renderOscal(m, { linkBase: relativeBase(path.join(out, 'oscal'), evidenceParent), ...ref }));
  }
  return written;
}
