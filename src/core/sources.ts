// Turns configured sources into targets: accounts × regions for AWS (through assumed roles or an
// organization), one target per MLflow server, project × locations for Vertex. Failures here
// (a role that cannot be assumed) become gaps for the collectors that would have run there.
import type { Config } from '../config/schema.js';
import type { CallCounter, Credentials } from '../clients/aws.js';
import { AdaptiveLimits, type WindowStats } from './adaptive.js';
import { Circuits } from './circuit.js';
import { mapPool } from './pool.js';
import { describeError } from './errors.js';
import type { Identity } from '../bundle/manifest.js';
import type { Gap, SourceKind, Target } from './types.js';

export interface PreparedTarget {
  target: Target;
  scope: Record<string, string>;
  /** source-specific members merged into the collector's context (e.g. `aws`) */
  extras(counter: CallCounter): Record<string, unknown>;
}

export interface PreparedSource {
  kind: SourceKind;
  name: string;
  system: string;
  settings: unknown;
  targets(scope: 'global' | 'regional'): PreparedTarget[];
  /** setup failures, each with the scope it prevents collecting */
  failures: { scope: Record<string, string>; regional: boolean; gap: Gap }[];
  setupCalls: CallCounter;
  /**
   * an organization's source: each account's adaptive-concurrency figures (attempts, throttled answers,
   * narrowest window), recorded per account in the manifest with the account's timing
   */
  accountStats?(account: string): WindowStats;
  close(): Promise<void>;
}

export interface PrepareOptions {
  bundleId: string;
  env: NodeJS.ProcessEnv;
  identity: Identity;
}

export type SourcePreparer = (config: Config, kind: SourceKind, source: any, o: PrepareOptions) => Promise<PreparedSource>;

export interface AwsContextExtras {
  aws: {
    account: string;
    region: string;
    credentials: Credentials;
    counter: CallCounter;
    /** the source's adaptive concurrency per account and region: every call of the account goes through its window */
    limits: AdaptiveLimits;
    /** shared by every collector of the source: an unreachable endpoint is tried once per run */
    circuits: Circuits;
    /**
     * with `organization` configured: the credentials that listed the organization (its management or
     * delegated administrator account, not the assumed member role), for organization-level reads such
     * as SCPs, and a cache shared by every account of the source (one answer per OU, root or policy)
     */
    organization?: OrganizationAccess;
  };
}

export interface OrganizationAccess {
  credentials: Credentials;
  region: string;
  cache: Map<string, Promise<unknown>>;
}

async function prepareAws(config: Config, _kind: SourceKind, source: Config['sources']['aws'][number], o: PrepareOptions): Promise<PreparedSource> {
  // loaded only when an AWS source is configured: the SDK clients take ~0.3 s to load
  const { assumeRole, baseCredentials, callerIdentity, listOrganizationAccounts } = await import('../clients/aws.js');
  const counter: CallCounter = { calls: 0, retries: 0 };
  const circuits = new Circuits();
  const limits = new AdaptiveLimits(config.concurrency);
  const homeRegion = source.regions[0]!;
  const base = baseCredentials(source);
  const failures: PreparedSource['failures'] = [];
  const sessionName = `soc2-${o.bundleId}`.replace(/[^\w+=,.@-]/g, '-');
  const accounts: { account: string; credentials: Credentials }[] = [];
  const multi = !!source.organization;
  const organization: OrganizationAccess | undefined = source.organization ? { credentials: base, region: homeRegion, cache: new Map() } : undefined;

  type Checked = { who?: { account: string; arn: string; userId?: string }; account: string; credentials: Credentials; failure?: PreparedSource['failures'][number] };
  const record = (c: Checked) => {
    if (c.failure) failures.push(c.failure);
    else {
      o.identity.aws.push({ source: source.name, ...c.who! });
      accounts.push({ account: c.account, credentials: c.credentials });
    }
  };
  /** the account the credentials act in; with `later`, returned for the caller to record in its order */
  const addAccount = async (credentials: Credentials, expected?: string, later = false): Promise<Checked | null> => {
    let c: Checked;
    try {
      const who = await callerIdentity(credentials, homeRegion, counter, circuits);
      c = { who, account: who.account || expected || 'unknown', credentials };
    } catch (e) {
      c = { account: expected ?? 'unknown', credentials, failure: { scope: { account: expected ?? 'unknown' }, regional: false, gap: { api: 'sts:GetCallerIdentity', ...describeError(e) } } };
    }
    if (later) return c;
    record(c);
    return null;
  };

  if (source.organization) {
    let list: { id: string; status?: string }[] = [];
    try {
      list = await listOrganizationAccounts(base, homeRegion, counter, circuits);
    } catch (e) {
      failures.push({ scope: { organization: 'ListAccounts' }, regional: false, gap: { api: 'organizations:ListAccounts', ...describeError(e) } });
    }
    const inc = source.organization.include ? new Set(source.organization.include) : null;
    const exc = new Set(source.organization.exclude ?? []);
    const members = list.filter((a) => !((a.status && a.status !== 'ACTIVE') || exc.has(a.id) || (inc && !inc.has(a.id))));
    // hundreds of accounts: roles are assumed and identities read `concurrency` at a time; the accounts
    // keep the organization's order
    const got = await mapPool(members, config.concurrency, async (a) => {
      const roleArn = `arn:aws:iam::${a.id}:role/${source.organization!.roleName}`;
      try {
        return { a, creds: await assumeRole(base, homeRegion, counter, circuits, { roleArn, sessionName }) };
      } catch (e) {
        return { a, roleArn, error: e };
      }
    });
    for (const g of got) {
      if ('error' in g) failures.push({ scope: { account: g.a.id }, regional: false, gap: { api: `sts:AssumeRole ${g.roleArn}`, ...describeError(g.error) } });
    }
    const identities = await mapPool(got, config.concurrency, async (g) => ('creds' in g ? addAccount(g.creds!, g.a.id, true) : null));
    for (const i of identities) if (i) record(i);
  } else if (source.assumeRoleArn) {
    const expected = source.assumeRoleArn.split(':')[4];
    try {
      const creds = await assumeRole(base, homeRegion, counter, circuits, { roleArn: source.assumeRoleArn, externalId: source.externalId, sessionName });
      await addAccount(creds, expected);
    } catch (e) {
      failures.push({ scope: { account: expected ?? 'unknown' }, regional: false, gap: { api: `sts:AssumeRole ${source.assumeRoleArn}`, ...describeError(e) } });
    }
  } else {
    await addAccount(base);
  }

  return {
    kind: 'aws',
    name: source.name,
    system: 'aws',
    settings: source,
    failures,
    setupCalls: counter,
    targets(scope) {
      const out: PreparedTarget[] = [];
      for (const a of accounts) {
        const regions = scope === 'global' ? [homeRegion] : source.regions;
        for (const region of regions) {
          const pathSegments = [...(multi ? [a.account] : []), ...(scope === 'regional' ? [region] : [])];
          out.push({
            target: { kind: 'aws', source: source.name, account: a.account, ...(scope === 'regional' ? { region } : {}), pathSegments },
            scope: { account: a.account, ...(scope === 'regional' ? { region } : {}) },
            extras: (c) => ({ aws: { account: a.account, region, credentials: a.credentials, counter: c, limits, circuits, ...(organization ? { organization } : {}) } }),
          });
        }
      }
      return out;
    },
    ...(multi ? { accountStats: (account: string) => limits.account(account) } : {}),
    close: async () => undefined,
  };
}

const preparers: Partial<Record<SourceKind, SourcePreparer>> = { aws: prepareAws as SourcePreparer };

/** Lets src/clients register the MLflow and Vertex preparers without a cycle. */
export function registerPreparer(kind: SourceKind, p: SourcePreparer): void {
  preparers[kind] = p;
}

export async function prepareSource(config: Config, kind: SourceKind, source: any, o: PrepareOptions): Promise<PreparedSource> {
  const p = preparers[kind];
  if (!p) throw new Error(`no preparer for source kind ${kind}`);
  return p(config, kind, source, o);
}
