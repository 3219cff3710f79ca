import { existsSync } from 'node:fs';
import path from 'node:path';
import { collectors as registry } from '../../collectors/registry.js';
import { loadConfig } from '../config/load.js';
import { ExitCode } from '../core/errors.js';
import { loadRegister } from '../mapping/controls.js';
import { criteriaInScope, loadMappings } from '../mapping/index.js';

export interface ControlRow {
  id: string;
  category: string;
  title: string;
  inScope: boolean;
  artifacts: string[];
  checks: string[];
  controls: string[];
  /** register controls addressing it (config `controls:`, else the shipped controls/) */
  register: string[];
  automated: boolean;
}

export function controlRows(configFile: string | undefined): { scope: string[]; rows: ControlRow[] } {
  let scope = ['security'];
  let userFiles: string[] = [];
  let register = loadRegister();
  if (configFile && existsSync(configFile)) {
    const loaded = loadConfig(configFile, registry);
    scope = ['security', ...loaded.config.scope.filter((s) => s !== 'security')];
    userFiles = loaded.config.mappings.map((m) => path.resolve(loaded.baseDir, m));
    if (loaded.config.controls) register = loadRegister(path.resolve(loaded.baseDir, loaded.config.controls), `${configFile}: controls: `);
  }
  const m = loadMappings(userFiles);
  const inScope = new Set(criteriaInScope(m, scope).map((c) => c.id));
  const rows = m.catalog.map((c) => {
    const artifacts = Object.entries(m.artifacts).filter(([, e]) => e.criteria.includes(c.id)).map(([k]) => k);
    const checks = Object.entries(m.checks).filter(([, e]) => e.criteria.includes(c.id)).map(([k]) => k);
    const controls = m.controls.filter((x) => x.criteria.includes(c.id)).map((x) => x.id);
    const addressing = register.controls.filter((x) => x.criteria.includes(c.id)).map((x) => x.id);
    return { id: c.id, category: c.category, title: c.title, inScope: inScope.has(c.id), artifacts, checks, controls, register: addressing, automated: artifacts.length + checks.length > 0 };
  });
  return { scope, rows };
}

export async function controlsCommand(o: { config: string; json?: boolean; all?: boolean }): Promise<number> {
  const { scope, rows } = controlRows(o.config);
  const shown = o.all ? rows : rows.filter((r) => r.inScope);
  if (o.json) {
    process.stdout.write(JSON.stringify({ scope, criteria: shown, manual: shown.filter((r) => !r.automated).map((r) => r.id) }) + '\n');
    return ExitCode.ok;
  }
  process.stdout.write(`Scope: ${scope.join(', ')}\n\n`);
  for (const r of shown) {
    process.stdout.write(`${r.id.padEnd(6)} ${r.title}\n`);
    if (r.automated) {
      if (r.checks.length) process.stdout.write(`       checks:    ${r.checks.join(', ')}\n`);
      if (r.artifacts.length) process.stdout.write(`       artifacts: ${r.artifacts.join(', ')}\n`);
    } else process.stdout.write('       no automated evidence: needs manual evidence\n');
    if (r.register.length) process.stdout.write(`       controls:  ${r.register.join(', ')}\n`);
    if (r.controls.length) process.stdout.write(`       your controls: ${r.controls.join(', ')}\n`);
  }
  const manual = shown.filter((r) => !r.automated).length;
  process.stdout.write(`\n${shown.length - manual} of ${shown.length} criteria have automated evidence; ${manual} need manual evidence.\n`);
  return ExitCode.ok;
}
