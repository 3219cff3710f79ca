// Who owns a reviewed principal: an owners.yaml mapping (config `review.owners`), else the principal's
// owner tag (config `review.ownerTag`, default "owner"), else nobody — the worksheet then says so, and
// the reviewer must decide it without an owner to ask.
import * as z from 'zod';
import { readYamlFile } from '../config/yaml-file.js';

const entry = z.strictObject({
  owner: z.string().trim().min(1),
  /** principal ids or names, `*` matching any run of characters: ARNs, user names, emails, service accounts */
  principals: z.array(z.string().trim().min(1)).min(1),
});
const ownersFile = z.strictObject({ owners: z.array(entry).default([]) });

export interface Owners {
  file: string | null;
  entries: { owner: string; patterns: RegExp[] }[];
}

export const NO_OWNERS: Owners = { file: null, entries: [] };

const glob = (p: string) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');

/** Reads and validates owners.yaml; any problem is one UsageError naming the file and the path in it. */
export function loadOwners(file: string, flag = ''): Owners {
  const data = readYamlFile(file, ownersFile, { what: 'owners file', flag, empty: {} });
  return { file, entries: data.owners.map((o) => ({ owner: o.owner, patterns: o.principals.map(glob) })) };
}

/** The owner of a principal known by these names (ARN, name, email): the first matching entry, else its tag, else null. */
export function ownerOf(owners: Owners, names: string[], tagOwner: string | null): { owner: string | null; by: 'owners-file' | 'tag' | null } {
  for (const e of owners.entries) if (e.patterns.some((p) => names.some((n) => p.test(n)))) return { owner: e.owner, by: 'owners-file' };
  return tagOwner ? { owner: tagOwner, by: 'tag' } : { owner: null, by: null };
}
