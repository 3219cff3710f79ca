// What a config expects to be collected: one unit per source × collector × scope the config names.
// Written into every bundle (config.json) so the report knows, for each day, what was expected —
// from the config in force, not from what happened to run (`--only`, a failed account, a dropped
// source). A unit's scope holds only what the config itself fixes (region, location, a role's or an
// organization.include account, a workspace); a key it cannot know in advance (the caller's account,
// the server behind MLFLOW_TRACKING_URI) is left out and matches any value.
import type { Config } from './schema.js';
import { Redactor } from '../core/redact.js';

export interface ExpectedUnit {
  /** source name from the config */
  source: string;
  system: 'aws' | 'mlflow' | 'vertex' | 'prometheus';
  collector: string;
  scope: Record<string, string>;
}

/** The part of a collector's meta the plan needs (the report never loads the registry). */
export interface PlannedCollector {
  id: string;
  source: 'aws' | 'mlflow' | 'vertex' | 'prometheus';
  scope: 'global' | 'regional';
}

export const CONFIG_FORMAT = 'soc2-config/1';

/** config.json of a bundle. */
export interface StoredConfig {
  format: typeof CONFIG_FORMAT;
  /** sha256 of the config file's bytes (as manifest.config.sha256) */
  sha256: string;
  /** the parsed config (defaults applied), credentials redacted */
  config: unknown;
  /** collectors of `--only`, or null when the run collected what the config selects */
  only: string[] | null;
  expected: ExpectedUnit[];
}

function accountOfRole(arn: string | undefined): string | undefined {
  return arn?.match(/^arn:aws[a-z-]*:iam::(\d{12}):role\//)?.[1];
}

/** Units the config expects, for the collectors it selects (`collectors: all` or a list). */
export function expectedUnits(config: Config, collectors: PlannedCollector[]): ExpectedUnit[] {
  const selected = config.collectors === 'all' ? collectors : collectors.filter((c) => (config.collectors as string[]).includes(c.id));
  const out: ExpectedUnit[] = [];
  for (const c of selected) {
    if (c.source === 'aws')
      for (const s of config.sources.aws) {
        const role = accountOfRole(s.assumeRoleArn);
        const accounts: (string | undefined)[] = role ? [role] : s.organization?.include?.length ? s.organization.include.filter((a) => !s.organization?.exclude?.includes(a)) : [undefined];
        // a global collector runs once per account (in the first region); a regional one per region
        const regions: (string | undefined)[] = c.scope === 'regional' ? s.regions : [undefined];
        for (const account of accounts) for (const region of regions) out.push({ source: s.name, system: 'aws', collector: c.id, scope: { ...(account ? { account } : {}), ...(region ? { region } : {}) } });
      }
    if (c.source === 'mlflow')
      for (const s of config.sources.mlflow) for (const w of s.workspaces ?? [undefined]) out.push({ source: s.name, system: 'mlflow', collector: c.id, scope: w ? { workspace: w } : {} });
    if (c.source === 'vertex')
      for (const s of config.sources.vertex) for (const location of c.scope === 'regional' ? s.locations : s.locations.slice(0, 1)) out.push({ source: s.name, system: 'vertex', collector: c.id, scope: { project: s.project, location } });
    if (c.source === 'prometheus') for (const s of config.sources.prometheus) out.push({ source: s.name, system: 'prometheus', collector: c.id, scope: {} });
  }
  return out;
}

/** The config as it may be stored: every string redacted, the AWS external id (a shared secret) dropped. */
export function redactedConfig(config: Config): unknown {
  const copy = structuredClone(config) as Config;
  for (const s of copy.sources.aws) if (s.externalId) s.externalId = '[REDACTED]';
  return new Redactor().json(copy, 'config');
}

/** Whether a collected scope (a collector entry's) covers an expected unit's scope. */
export function covers(collected: Record<string, string>, expected: Record<string, string>): boolean {
  return Object.entries(expected).every(([k, v]) => collected[k] === v);
}
