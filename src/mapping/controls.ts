// The entity control register: controls/*.yaml (shipped default) or the config's `controls:` (a file or
// a directory of *.yaml). Each control names its owner, frequency, the criteria it addresses and its
// tests — automated checks (by id) and manual evidence requests. The report judges controls over the
// period and rolls criteria up from them (src/report/controls.ts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { UsageError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import type { Collector } from '../core/types.js';
import { REPORT_CHECKS, type Mappings } from './index.js';
import { parseDataYaml } from './precompiled.js';

export const FREQUENCIES = ['continuous', 'daily', 'weekly', 'monthly', 'quarterly', 'annually', 'per-event'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/**
 * How often a manual test needs evidence: one piece per calendar month, quarter, half-year or year of the
 * observation window, or once for the whole window ("period", the default of registers written before
 * `every` existed). src/report/manual.ts cuts the window into these periods.
 */
export const EVERY = ['monthly', 'quarterly', 'semiannually', 'annually', 'period'] as const;
export type Every = (typeof EVERY)[number];

const manualTest = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case id (letters, digits, "-")'),
  request: z.string().min(10),
  every: z.enum(EVERY).default('period'),
  /** evidence is needed per employee (e.g. security training): each period's evidence must cover all of them */
  per: z.enum(['employee']).optional(),
});
const control = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'expected an id of letters, digits, ".", "_" or "-"'),
    title: z.string().min(3),
    description: z.string().min(10),
    owner: z.string().min(1),
    frequency: z.enum(FREQUENCIES),
    criteria: z.array(z.string()).min(1),
    supports: z.array(z.string()).default([]),
    /** overrides the sample size the frequency gives (src/report/sampling.ts) */
    sampleSize: z.number().int().min(1).max(1000).optional(),
    tests: z
      .strictObject({ checks: z.array(z.string().min(1)).default([]), manual: z.array(manualTest).default([]) })
      .refine((t) => t.checks.length + t.manual.length > 0, 'expected at least one check or manual test'),
  })
  .transform((c) => ({ ...c, file: '' }));
const registerFile = z.strictObject({ controls: z.array(control).min(1) });

export type Control = z.infer<typeof control>;
export type ManualTest = z.infer<typeof manualTest>;

export interface Register {
  /** the file or directory it was read from */
  from: string;
  controls: Control[];
}

export const DEFAULT_REGISTER = path.join(packageRoot, 'controls');

function yamlFiles(p: string, flag: string): string[] {
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new UsageError(`${flag}${p}: control register not found (expected a YAML file or a directory of *.yaml)`);
  }
  if (!st.isDirectory()) return [p];
  const files = readdirSync(p).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(p, f));
  if (!files.length) throw new UsageError(`${flag}${p}: no *.yaml control files in this directory`);
  return files;
}

function parseFile(file: string): Control[] {
  let raw: unknown;
  try {
    raw = parseDataYaml(file, readFileSync(file, 'utf8'), { maxAliasCount: 100, uniqueKeys: true });
  } catch (e) {
    throw new UsageError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = registerFile.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsageError(`${file}: ${i.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '') || '(top level)'}: ${i.message}`);
  }
  return r.data.controls.map((c) => ({ ...c, file }));
}

/** Reads a register (default: the shipped controls/); `flag` prefixes errors (e.g. "soc2.config.yaml: controls: "). */
export function loadRegister(from = DEFAULT_REGISTER, flag = ''): Register {
  const controls = yamlFiles(from, flag).flatMap(parseFile);
  const seen = new Map<string, string>();
  for (const c of controls) {
    const before = seen.get(c.id);
    if (before) throw new UsageError(`${c.file}: control ${c.id}: id already used in ${before}`);
    seen.set(c.id, c.file);
  }
  return { from, controls };
}

/**
 * Every problem of a register against the mappings and collectors; empty when consistent. A control
 * may address (criteria) only what one of its checks maps to as primary — unless a manual test
 * carries the claim — and support only what its checks map to at all: the register cannot over-claim
 * what the mappings reviewed.
 */
export function lintRegister(r: Register, m: Mappings, collectors: Collector[]): string[] {
  const errors: string[] = [];
  const ids = new Set(m.catalog.map((c) => c.id));
  const checks = new Set([...collectors.flatMap((c) => c.checks.map((k) => k.id)), ...Object.keys(REPORT_CHECKS)]);
  for (const c of r.controls) {
    const at = `${path.basename(c.file)}: control ${c.id}`;
    for (const k of c.tests.checks) if (!checks.has(k)) errors.push(`${at}: unknown check ${k}`);
    for (const x of [...c.criteria, ...c.supports]) if (!ids.has(x)) errors.push(`${at}: unknown criterion ${x}`);
    const primary = new Set(c.tests.checks.flatMap((k) => m.checks[k]?.primary ?? []));
    const any = new Set(c.tests.checks.flatMap((k) => m.checks[k]?.criteria ?? []));
    if (!c.tests.manual.length) for (const x of c.criteria) if (ids.has(x) && !primary.has(x)) errors.push(`${at}: addresses ${x}, but none of its checks maps to ${x} as primary (add a manual test, or list it under supports)`);
    for (const x of c.supports) if (ids.has(x) && !any.has(x) && !c.tests.manual.length) errors.push(`${at}: supports ${x}, but none of its checks maps to ${x}`);
  }
  return errors;
}

/** Checks no control of the register tests (a default register should leave none). */
export function untestedChecks(r: Register, collectors: Collector[]): string[] {
  const used = new Set(r.controls.flatMap((c) => c.tests.checks));
  return [...collectors.flatMap((c) => c.checks.map((k) => k.id)), ...Object.keys(REPORT_CHECKS)].filter((k) => !used.has(k));
}
