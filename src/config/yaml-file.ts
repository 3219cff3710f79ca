// A YAML data file named by the config (vendors.yaml, policies/index.yaml, owners.yaml): read, parsed
// and validated against its schema; every problem is one UsageError naming the file and the path in it.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../core/errors.js';

/** A zod issue's path as the messages print it: `owners[0].principals`. */
export const pathOf = (p: PropertyKey[]) => p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '') || '(top level)';

/** `what` names the file in the not-found message ("vendor register"); `flag` prefixes every message. */
export function readYamlFile<S extends z.ZodType>(file: string, schema: S, o: { what: string; flag?: string; empty?: unknown }): z.infer<S> {
  const flag = o.flag ?? '';
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8'), { maxAliasCount: 100, uniqueKeys: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new UsageError(`${flag}${file}: ${o.what} not found`);
    if (err.syscall) throw new UsageError(`${flag}${file}: cannot be read (${err.code})`);
    throw new UsageError(`${flag}${file}: not valid YAML: ${err.message.split('\n')[0]}`);
  }
  const r = schema.safeParse(raw ?? o.empty);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsageError(`${flag}${file}: ${pathOf(i.path)}: ${i.message}`);
  }
  return r.data;
}
