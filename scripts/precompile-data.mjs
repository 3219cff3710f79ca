// Writes dist/data/<path>.json for the package's YAML data (mappings/*.yaml, controls/*.yaml):
// { sha256 of the YAML text, its parsed value }, read by src/mapping/precompiled.ts instead of
// parsing the YAML at every start (when the sha256 still matches). A file that does not parse, or
// whose value JSON cannot carry unchanged, gets no JSON: the loader parses it and reports it.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DATA_DIRS = ['mappings', 'controls'];
// = PRECOMPILE_YAML_OPTIONS of src/mapping/precompiled.ts (a test checks they agree)
export const OPTIONS = { maxAliasCount: 100, uniqueKeys: true };

export function precompileData(outDir = path.join(root, 'dist', 'data')) {
  rmSync(outDir, { recursive: true, force: true });
  const written = [];
  for (const dir of DATA_DIRS) {
    for (const name of readdirSync(path.join(root, dir)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      const text = readFileSync(path.join(root, dir, name), 'utf8');
      let value;
      try {
        value = YAML.parse(text, OPTIONS);
      } catch {
        continue;
      }
      if (!isDeepStrictEqual(JSON.parse(JSON.stringify(value) ?? 'null'), value)) continue;
      mkdirSync(path.join(outDir, dir), { recursive: true });
      writeFileSync(path.join(outDir, dir, name + '.json'), JSON.stringify({ sha256: createHash('sha256').update(text).digest('hex'), value }));
      written.push(`${dir}/${name}`);
    }
  }
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) precompileData();
