// Who owns a reviewed principal: an owners.yaml mapping (config `review.owners`), else the principal's
// owner tag (config `review.ownerTag`, default "owner"), else nobody — the worksheet then says so, and
// the reviewer must decide it without an owner to ask.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';

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

const pathOf = (p: PropertyKey[]) => p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '') || '(top level)';
const glob = (p: string) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');

/** Reads and validates owners.yaml; any problem is one UsageError naming the file and the path in it. */
export function loadOwners(file: string, flag = ''): Owners {
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'), { maxAliasCount: 100, uniqueKeys: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new UsageError(`${flag}${file}: owners file not found`);
    if (err.syscall) throw new UsageError(`${flag}${file}: cannot be read (${err.code})`);
    throw new UsageError(`${flag}${file}: not valid YAML: ${err.message.split('\n')[0]}`);
  }
  const r = ownersFile.safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsageError(`${flag}${file}: ${pathOf(i.path)}: ${i.message}`);
  }
  return { file, entries: r.data.owners.map((o) => ({ owner: o.owner, patterns: o.principals.map(glob) })) };
}

/** The owner of a principal known by these names (ARN, name, email): the first matching entry, else its tag, else null. */
export function ownerOf(owners: Owners, names: string[], tagOwner: string | null): { owner: string | null; by: 'owners-file' | 'tag' | null } {
  for (const e of owners.entries) if (e.patterns.some((p) => names.some((n) => p.test(n)))) return { owner: e.owner, by: 'owners-file' };
  return tagOwner ? { owner: tagOwner, by: 'tag' } : { owner: null, by: null };
}
