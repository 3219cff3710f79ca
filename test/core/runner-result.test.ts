// What runCollection hands back: its manifest and findings are read from the bundle only when asked
// (getters, never materialized on the way out: an organization's are tens of MB), and its summary says
// what `soc2 collect` prints without reading either.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { collectors as registry } from '../../collectors/registry.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/log.js';
import { runCollection } from '../../src/core/runner.js';
import { loadMappings } from '../../src/mapping/index.js';
import { tmpDir, writeConfig } from '../helpers/cli.js';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test("the run's manifest and findings are read back lazily; its summary agrees with them", async () => {
  const base = tmpDir();
  dirs.push(base);
  const file = writeConfig(base, 'organization: Lazy Co\ncollectors: [aws-iam]\n');
  const log = createLogger({ quiet: true, secrets: [], write: () => undefined });
  const r = await runCollection({ loaded: loadConfig(file, registry), collectors: registry, mappings: loadMappings(), evidenceDir: path.join(base, 'evidence'), now: () => new Date(), signKey: null, log, env: {} });
  expect(typeof Object.getOwnPropertyDescriptor(r, 'manifest')?.get).toBe('function');
  expect(typeof Object.getOwnPropertyDescriptor(r, 'findings')?.get).toBe('function');
  const onDisk = JSON.parse(readFileSync(path.join(r.dir, 'manifest.json'), 'utf8'));
  expect(r.manifest).toEqual(onDisk);
  expect(r.summary).toEqual({ status: onDisk.status, collectors: onDisk.collectors, findings: onDisk.findings, artifacts: onDisk.artifacts.length });
  expect(r.findings).toEqual(JSON.parse(readFileSync(path.join(r.dir, 'findings.json'), 'utf8')));
  expect(r.quarantined).toEqual([]);
});
