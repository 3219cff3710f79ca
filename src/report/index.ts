// Writes the outputs of one report into its directory.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { ReportModel } from './model.js';
import { renderOscal } from './oscal.js';

export const FORMATS = ['html', 'md', 'csv', 'json', 'oscal'] as const;
export type Format = (typeof FORMATS)[number];

/** A relative path (forward slashes, '' or ending in '/') from `fromDir` to `toDir`. */
export function relativeBase(fromDir: string, toDir: string): string {
  const rel = path.relative(path.resolve(fromDir), path.resolve(toDir)).split(path.sep).join('/');
  return rel ? rel + '/' : '';
}

export async function writeReport(m: ReportModel, outDir: string, formats: readonly Format[]): Promise<string[]> {
  const out = path.resolve(outDir);
  await mkdir(out, { recursive: true });
  const evidenceParent = path.dirname(m.evidence.dir);
  const written: string[] = [];
  const put = async (rel: string, text: string) => {
    const abs = path.join(out, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, text);
    written.push(rel);
  };
  // earlier runs' populations (e.g. a sample no longer drawn) must not linger next to new ones
  await rm(path.join(out, 'populations'), { recursive: true, force: true });
  if (formats.includes('json')) await put('report.json', JSON.stringify(m, null, 2) + '\n');
  if (formats.includes('html')) await put('index.html', renderHtml(m, { linkBase: relativeBase(out, evidenceParent) }));
  if (formats.includes('md')) await put('report.md', renderMarkdown(m));
  if (formats.includes('csv')) for (const f of renderCsv(m)) await put(f.path, f.text);
  if (formats.includes('oscal')) await put('oscal/assessment-results.json', JSON.stringify(renderOscal(m, { linkBase: relativeBase(path.join(out, 'oscal'), evidenceParent) }), null, 2) + '\n');
  return written;
}
