// Mappings are data: mappings/tsc-2017.yaml (the criteria) and mappings/soc2-ml.yaml (artifact
// kinds and checks → criteria, primary first). This module loads and lints them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { UsageError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import type { Collector } from '../core/types.js';
import { parseDataYaml } from './precompiled.js';

export const CATEGORY_OF_SCOPE: Record<string, string> = {
  security: 'Security',
  availability: 'Availability',
  confidentiality: 'Confidentiality',
  'processing-integrity': 'Processing Integrity',
  privacy: 'Privacy',
};

const criterion = z.strictObject({ id: z.string(), category: z.string(), family: z.string(), title: z.string() });
// primary: the evidence tests the criterion; supporting: it only corroborates it (see the file's header)
const mappingEntry = z
  .strictObject({ primary: z.array(z.string()), supporting: z.array(z.string()).default([]), rationale: z.string().min(10) })
  .refine((e) => e.primary.length + e.supporting.length > 0, 'expected at least one primary or supporting criterion')
  .refine((e) => !e.primary.some((c) => e.supporting.includes(c)), 'a criterion is either primary or supporting, not both')
  .transform((e) => ({ ...e, criteria: [...e.primary, ...e.supporting] }));
const mappingFile = z.strictObject({
  artifacts: z.record(z.string(), mappingEntry),
  checks: z.record(z.string(), mappingEntry),
});
const userControl = z.strictObject({
  id: z.string().min(1),
  title: z.string().min(1),
  criteria: z.array(z.string()).min(1),
  artifacts: z.array(z.string()).default([]),
  checks: z.array(z.string()).default([]),
});
const userMappingFile = z.strictObject({ controls: z.array(userControl).min(1) });

export type Criterion = z.infer<typeof criterion>;
export type UserControl = z.infer<typeof userControl>;

/** One mapping entry; `criteria` is primary then supporting (what bundles record). */
export interface MappingEntry {
  primary: string[];
  supporting: string[];
  criteria: string[];
  rationale: string;
}

/** Checks the report computes itself (not a collector's): lint knows them, mappings map them. */
export const REPORT_CHECKS: Record<string, string> = {
  'soc2.collection-continuity': 'Every expected source × collector × scope collected every day',
};

export interface Mappings {
  catalog: Criterion[];
  artifacts: Record<string, MappingEntry>;
  checks: Record<string, MappingEntry>;
  controls: UserControl[];
}

function readYaml(file: string): unknown {
  try {
    return parseDataYaml(file, readFileSync(file, 'utf8'), { maxAliasCount: 100 });
  } catch (e) {
    throw new UsageError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'mapping file not found' : 'not valid YAML: ' + (e as Error).message.split('\n')[0]}`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsageError(`${file}: ${i.path.map(String).join('.') || '(top level)'}: ${i.message}`);
  }
  return r.data;
}

export function loadMappings(userFiles: string[] = [], dir = path.join(packageRoot, 'mappings')): Mappings {
  const catalogFile = path.join(dir, 'tsc-2017.yaml');
  const catalog = parseWith(z.array(criterion), readYaml(catalogFile), catalogFile);
  const mlFile = path.join(dir, 'soc2-ml.yaml');
  const ml = parseWith(mappingFile, readYaml(mlFile), mlFile);
  const controls: UserControl[] = [];
  for (const f of userFiles) controls.push(...parseWith(userMappingFile, readYaml(f), f).controls);
  return { catalog, artifacts: ml.artifacts, checks: ml.checks, controls };
}

/** Every problem with the mappings relative to the registered collectors; empty when consistent. */
export function lintMappings(m: Mappings, collectors: Collector[]): string[] {
  const errors: string[] = [];
  const ids = new Set(m.catalog.map((c) => c.id));
  if (ids.size !== m.catalog.length) errors.push('tsc-2017.yaml: duplicate criterion ids');
  const kinds = new Set(collectors.flatMap((c) => c.meta.artifacts.map((a) => a.kind)));
  const checks = new Set([...collectors.flatMap((c) => c.checks.map((k) => k.id)), ...Object.keys(REPORT_CHECKS)]);
  for (const [kind, e] of Object.entries(m.artifacts)) {
    if (!kinds.has(kind)) errors.push(`soc2-ml.yaml: artifacts.${kind}: no collector writes this artifact kind`);
    for (const c of e.criteria) if (!ids.has(c)) errors.push(`soc2-ml.yaml: artifacts.${kind}: unknown criterion ${c}`);
  }
  for (const [id, e] of Object.entries(m.checks)) {
    if (!checks.has(id)) errors.push(`soc2-ml.yaml: checks.${id}: no collector has this check`);
    for (const c of e.criteria) if (!ids.has(c)) errors.push(`soc2-ml.yaml: checks.${id}: unknown criterion ${c}`);
  }
  for (const k of kinds) if (!m.artifacts[k]) errors.push(`soc2-ml.yaml: artifact kind ${k} has no mapping`);
  for (const k of checks) if (!m.checks[k]) errors.push(`soc2-ml.yaml: check ${k} has no mapping`);
  for (const ctl of m.controls) {
    for (const c of ctl.criteria) if (!ids.has(c)) errors.push(`control ${ctl.id}: unknown criterion ${c}`);
    for (const a of ctl.artifacts) if (!kinds.has(a)) errors.push(`control ${ctl.id}: unknown artifact kind ${a}`);
    for (const k of ctl.checks) if (!checks.has(k)) errors.push(`control ${ctl.id}: unknown check ${k}`);
  }
  return errors;
}

/** Criteria that count for a scope: Security (CC) always; A/C/PI/P only when in scope. */
export function criteriaInScope(m: Mappings, scope: string[]): Criterion[] {
  const cats = new Set(['Security', ...scope.map((s) => CATEGORY_OF_SCOPE[s]).filter(Boolean)]);
  return m.catalog.filter((c) => cats.has(c.category));
}
