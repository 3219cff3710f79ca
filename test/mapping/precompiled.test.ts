// The package's YAML data precompiled to JSON at build time (scripts/precompile-data.mjs,
// src/mapping/precompiled.ts): the JSON holds exactly what the YAML parses to, and is used only for
// the very text it was made from.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript
import { DATA_DIRS, OPTIONS, precompileData } from '../../scripts/precompile-data.mjs';
import { parseDataYaml, precompiledPath, PRECOMPILE_YAML_OPTIONS } from '../../src/mapping/precompiled.js';
import { repoRoot, tmpDir } from '../helpers/cli.js';

const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');

describe('precompiled package data', () => {
  it('has one JSON per shipped YAML file, equal to what the YAML parses to, with the sha256 of its text', () => {
    const out = tmpDir('soc2-data-');
    const written = precompileData(out) as string[];
    const shipped = (DATA_DIRS as string[]).flatMap((d) => readdirSync(path.join(repoRoot, d)).filter((f) => /\.ya?ml$/.test(f)).map((f) => `${d}/${f}`));
    expect(written.sort()).toEqual(shipped.sort());
    expect(shipped).toContain('mappings/soc2-ml.yaml');
    for (const f of shipped) {
      const text = readFileSync(path.join(repoRoot, f), 'utf8');
      const j = JSON.parse(readFileSync(path.join(out, f + '.json'), 'utf8'));
      expect(j.sha256, f).toBe(sha256(text));
      expect(j.value, f).toEqual(YAML.parse(text, OPTIONS));
    }
    expect(OPTIONS).toEqual(PRECOMPILE_YAML_OPTIONS);
  });

  it('is read for the text it was made from, and never for other text or files outside the package', () => {
    const root = tmpDir('soc2-data-root-');
    const file = path.join(root, 'mappings', 'x.yaml');
    mkdirSync(path.join(root, 'dist', 'data', 'mappings'), { recursive: true });
    const text = 'a: 1\n';
    // a JSON that differs from the YAML, so the test sees which one answered
    writeFileSync(precompiledPath(file, root)!, JSON.stringify({ sha256: sha256(text), value: { a: 'from json' } }));
    expect(parseDataYaml(file, text, PRECOMPILE_YAML_OPTIONS, root)).toEqual({ a: 'from json' });
    expect(parseDataYaml(file, 'a: 2\n', PRECOMPILE_YAML_OPTIONS, root)).toEqual({ a: 2 });
    expect(precompiledPath(path.join(root, '..', 'elsewhere.yaml'), root)).toBeNull();
    // an edited file is still checked as YAML: a duplicate key is an error, not a stale JSON value
    expect(() => parseDataYaml(file, 'a: 1\na: 2\n', PRECOMPILE_YAML_OPTIONS, root)).toThrow(/unique/i);
  });
});
