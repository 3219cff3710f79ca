// An organization of hundreds of accounts for the AWS sandbox: the management account lives in the
// seed; every member account is generated from its id when a request first needs it (AssumeRole, or a
// call signed with its session), kept in a small LRU cache and generated again, identically, after
// eviction — so the sandbox's memory is bounded by the cache, not by the number of accounts.
// Sizes come from a seeded distribution: most accounts small, some medium, a few large.

// one PRNG stream per account, so an account is the same whatever else is asked
import { generateAwsCompany, prng } from './generate.js';
import type { AwsAccountSeed, AwsSeed } from './seed.js';
import type { MemberAccounts } from './types.js';

export interface ScaledOrganizationOptions {
  /** accounts of the organization, the management account included */
  accounts: number;
  regions: string[];
  /** the role every account trusts the management account to assume (default soc2-audit) */
  roleName?: string;
  /** PRNG seed of the size distribution and the accounts' contents (default 1) */
  seed?: number;
  /** reference "now" of the generated dates (default 2026-01-01) */
  now?: string;
  /** member accounts kept generated at once (default 32) */
  cacheSize?: number;
}

/** The resources one account is generated with. */
export interface AccountSize {
  tier: 'small' | 'medium' | 'large';
  roles: number;
  users: number;
  groups: number;
  policies: number;
  secretsPerRegion: number;
}

export interface ScaledOrganization {
  /** the management account and the organization's account list: pass as the sandbox's seed */
  seed: AwsSeed;
  /** pass as the sandbox's `members` */
  members: MemberAccounts & { generations: number };
  /** every account id, the management account first (the order ListAccounts lists them) */
  ids: string[];
  sizeOf(id: string): AccountSize;
  roleName: string;
}

/** 80 % small, 17 % medium, 3 % large (the management account is small). */
export function accountSize(seed: number, index: number): AccountSize {
  const rnd = prng(seed * 1_000_003 + index * 7919 + 17);
  const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const u = index === 0 ? 0 : rnd();
  if (u < 0.8) return { tier: 'small', roles: between(8, 40), users: between(1, 8), groups: between(1, 4), policies: between(4, 20), secretsPerRegion: between(0, 6) };
  if (u < 0.97) return { tier: 'medium', roles: between(80, 250), users: between(15, 60), groups: between(4, 10), policies: between(40, 120), secretsPerRegion: between(10, 40) };
  return { tier: 'large', roles: between(600, 1200), users: between(120, 300), groups: between(12, 24), policies: between(250, 500), secretsPerRegion: between(100, 250) };
}

export function scaledOrganization(o: ScaledOrganizationOptions): ScaledOrganization {
  if (!Number.isInteger(o.accounts) || o.accounts < 1) throw new RangeError(`scaledOrganization: accounts must be a whole number ≥ 1, got ${o.accounts}`);
  const seedNo = o.seed ?? 1;
  const roleName = o.roleName ?? 'soc2-audit';
  const ids = Array.from({ length: o.accounts }, (_, i) => String(300_000_000_000 + i * 1_013));
  const index = new Map(ids.map((id, i) => [id, i]));
  const sizeOf = (id: string) => accountSize(seedNo, index.get(id)!);
  const make = (id: string): AwsAccountSeed => {
    const i = index.get(id)!;
    const size = sizeOf(id);
    const [account] = generateAwsCompany({ ...size, accountIds: [id], regions: o.regions, seed: seedNo * 100_003 + i, ...(o.now ? { now: o.now } : {}) }).accounts;
    account!.alias = `org-${i}`;
    account!.iam.roles.push({
      name: roleName,
      created: '2024-01-01T00:00:00Z',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ids[0]}:root` }, Action: 'sts:AssumeRole' }] },
      attachedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
    return account!;
  };

  const cacheSize = Math.max(1, o.cacheSize ?? 32);
  const cache = new Map<string, AwsAccountSeed>();
  const members: ScaledOrganization['members'] = {
    generations: 0,
    get(id) {
      if (!index.has(id) || id === ids[0]) return undefined;
      let a = cache.get(id);
      if (a) cache.delete(id);
      else {
        a = make(id);
        members.generations++;
      }
      // Map order is insertion order: re-inserting marks it most recently used, the first key is the eldest
      cache.set(id, a);
      if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
      return a;
    },
  };

  const seed: AwsSeed = {
    accounts: [make(ids[0]!)],
    organization: {
      managementAccountId: ids[0]!,
      accounts: ids.map((id, i) => ({ id, name: `org-${i}`, email: `aws+org-${i}@example.com`, joined: '2020-01-01T00:00:00Z' })),
    },
    assumableRoles: ids.map((id) => `arn:aws:iam::${id}:role/${roleName}`),
  };
  return { seed, members, ids, sizeOf, roleName };
}
