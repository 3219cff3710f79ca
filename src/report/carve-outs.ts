// Subservice organizations, carve-out method (mappings/subservice-organizations.yaml, replaceable with
// config `subserviceOrganizations:`): listed in the report with the controls expected of them and the
// complementary user-entity controls their reports ask of the entity; the criteria normally met there
// (the physical parts of CC6.4, CC6.5, A1.2) are labelled carved out on the criteria they concern.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { UsageError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import { parseDataYaml } from '../mapping/precompiled.js';
import type { ReportModel } from './model.js';

export const DEFAULT_CARVE_OUTS = path.join(packageRoot, 'mappings', 'subservice-organizations.yaml');

const organization = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case id (letters, digits, "-")'),
  name: z.string().min(2),
  services: z.string().min(2),
  /** the report's artifact systems (provenance.system) that run on it */
  systems: z.array(z.string().min(1)).min(1),
  /** only when some artifact's scope value contains this text (e.g. a Databricks MLflow URL) */
  host: z.string().min(1).optional(),
  criteria: z.array(z.string().regex(/^[A-Z]+\d+\.\d+$/, 'expected a criterion id such as CC6.4')).default([]),
  report: z.string().min(2),
  expectedControls: z.array(z.string().min(5)).default([]),
  userEntityControls: z.array(z.strictObject({ id: z.string().min(1), text: z.string().min(5), controls: z.array(z.string()).default([]) })).default([]),
});
const file = z.strictObject({ organizations: z.array(organization) });
export type SubserviceOrganization = z.infer<typeof organization>;

export interface CarveOutSet {
  from: string;
  organizations: SubserviceOrganization[];
}

export function loadCarveOuts(from = DEFAULT_CARVE_OUTS, flag = ''): CarveOutSet {
  let raw: unknown;
  try {
    raw = parseDataYaml(from, readFileSync(from, 'utf8'), { maxAliasCount: 100, uniqueKeys: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag}${from}: ${code === 'ENOENT' ? 'subservice organizations file not found' : `not valid YAML: ${(e as Error).message.split('\n')[0]}`}`);
  }
  const r = file.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsageError(`${flag}${from}: ${i.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '') || '(top level)'}: ${i.message}`);
  }
  return { from, organizations: r.data.organizations };
}

export interface CarveOutReport {
  method: 'carve-out';
  from: string;
  organizations: (SubserviceOrganization & { inUse: boolean; criteriaInScope: string[] })[];
}

/**
 * The systems of the window's artifacts, and for the systems an organization names together with a
 * host, their distinct scope values: a year has tens of thousands of rows and few distinct values.
 */
function systemsSeen(m: ReportModel, orgs: readonly SubserviceOrganization[]): { systems: Set<string>; values: Map<string, Set<string>> } {
  const hosted = new Set(orgs.filter((o) => o.host).flatMap((o) => o.systems));
  const systems = new Set<string>();
  const values = new Map<string, Set<string>>();
  for (const a of m.artifacts) {
    systems.add(a.system);
    if (!hosted.has(a.system)) continue;
    let seen = values.get(a.system);
    if (!seen) values.set(a.system, (seen = new Set()));
    for (const v of Object.values(a.scope)) seen.add(v);
  }
  return { systems, values };
}

/** whether a bundle of the window holds an artifact of one of the organization's systems (and host) */
function inUse(o: SubserviceOrganization, seen: ReturnType<typeof systemsSeen>): boolean {
  const host = o.host?.toLowerCase();
  return o.systems.some((s) => seen.systems.has(s) && (!host || [...(seen.values.get(s) ?? [])].some((v) => v.toLowerCase().includes(host))));
}

/** Adds the carve-outs to the model and labels the criteria normally met at an organization in use. */
export function applyCarveOuts(m: ReportModel, set: CarveOutSet): void {
  const inScope = new Set(m.criteria.map((c) => c.id));
  const seen = systemsSeen(m, set.organizations);
  const orgs = set.organizations.map((o) => ({ ...o, inUse: inUse(o, seen), criteriaInScope: o.criteria.filter((c) => inScope.has(c)) }));
  m.carveOuts = { method: 'carve-out', from: set.from, organizations: orgs };
  for (const c of m.criteria) {
    const at = orgs.filter((o) => o.inUse && o.criteria.includes(c.id));
    if (at.length) c.carvedOut = { organizations: at.map((o) => o.id), note: `Normally met at the subservice organization(s) ${at.map((o) => o.name).join(', ')} (physical parts; carve-out method): relied on through their own SOC 2 reports, not tested here.` };
  }
}
