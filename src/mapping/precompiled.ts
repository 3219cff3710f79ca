// The package's own YAML data (mappings/*.yaml, controls/*.yaml) parsed once at build time:
// scripts/precompile-data.mjs writes dist/data/<path>.json = { sha256 of the YAML text, its parsed
// value }. Parsing the 100 kB of mappings took ~50 ms of every collect's start-up. A file whose text
// no longer matches its sha256 (edited after the build, or no build at all) is parsed as YAML, so the
// JSON can never stand in for other content. Validation (zod) runs on the value either way.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { packageRoot } from '../core/paths.js';

/** the strictest options any loader uses; the value is the same under the others' */
export const PRECOMPILE_YAML_OPTIONS = { maxAliasCount: 100, uniqueKeys: true } as const;

export const sha256Text = (text: string) => createHash('sha256').update(text).digest('hex');

/** dist/data/<path relative to the package>.json, or null for a file outside the package */
export function precompiledPath(file: string, root = packageRoot): string | null {
  const rel = path.relative(root, path.resolve(file));
  return rel.startsWith('..') || path.isAbsolute(rel) ? null : path.join(root, 'dist', 'data', rel + '.json');
}

function precompiled(file: string, text: string, root: string): { value: unknown } | null {
  const json = precompiledPath(file, root);
  if (!json) return null;
  try {
    const j = JSON.parse(readFileSync(json, 'utf8')) as { sha256?: unknown; value?: unknown };
    return j.sha256 === sha256Text(text) ? { value: j.value } : null;
  } catch {
    return null;
  }
}

/** YAML.parse(text), from the build's JSON when it was made from this very text; root: the package's */
export function parseDataYaml(file: string, text: string, options: YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions & YAML.ToJSOptions, root = packageRoot): unknown {
  const pre = precompiled(file, text, root);
  return pre ? pre.value : YAML.parse(text, options);
}
