// Config: read → parse YAML → schema → rules. Every error names the file, the key path and what
// was expected, and becomes exit code 2.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type * as z from 'zod';
import { UsageError } from '../core/errors.js';
import { printable } from '../core/log.js';
import { hasUserinfo } from '../core/redact.js';
import type { Collector } from '../core/types.js';
import { configSchema, type Config } from './schema.js';

const MAX_CONFIG_BYTES = 1024 * 1024;
const CREDENTIAL_KEY = /^(aws_?)?(access_?key(_?id)?|secret(_?access)?_?key|session_?token|password|token|credentials?|private_?key|api_?key)$/i;

export interface LoadedConfig {
  config: Config;
  file: string;
  /** directory the relative paths in the config are resolved against */
  baseDir: string;
  sha256: string;
  /** settings per collector id, parsed with the collector's schema (defaults applied) */
  settings: Record<string, unknown>;
}

export function formatPath(p: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out || '(top level)';
}

function describeIssue(file: string, issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): string {
  const full = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    const cred = keys.find((k) => CREDENTIAL_KEY.test(k));
    if (cred) {
      return `${file}: ${formatPath([...full, cred])}: credentials are never read from the config file; use the standard credential chain (AWS profiles/env/SSO/OIDC, GOOGLE_APPLICATION_CREDENTIALS, MLFLOW_TRACKING_TOKEN)`;
    }
    return `${file}: ${formatPath(full)}: unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${file}: ${formatPath(full)}: ${issue.message}`;
}

/** Parses and validates config text; throws UsageError naming the file and key path. */
export function parseConfig(text: string, file: string, collectors: Collector[]): Omit<LoadedConfig, 'baseDir'> {
  try {
    return parseAndValidate(text, file, collectors);
  } catch (e) {
    // keys, names and parser excerpts come from the file: keep the message one printable line
    if (e instanceof UsageError) throw new UsageError(printable(e.message));
    throw e;
  }
}

function parseAndValidate(text: string, file: string, collectors: Collector[]): Omit<LoadedConfig, 'baseDir'> {
  let doc: YAML.Document.Parsed;
  try {
    // maxAliasCount guards against alias bombs ("billion laughs")
    doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    throw new UsageError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0] ? ` (line ${err.linePos[0].line}, column ${err.linePos[0].col})` : '';
    throw new UsageError(`${file}: not valid YAML${line}: ${err.message.split('\n')[0]}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new UsageError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (raw === null || raw === undefined) throw new UsageError(`${file}: the config is empty; expected a mapping with at least "sources"`);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`${file}: (top level): expected a mapping of keys, got ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  const proto = protoKeyPath(raw);
  if (proto) throw new UsageError(`${file}: ${formatPath(proto)}: unknown key "__proto__"`);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(describeIssue(file, parsed.error.issues[0]!));
  const config = parsed.data;
  const settings = applyRules(config, file, collectors);
  return { config, file, sha256: createHash('sha256').update(text).digest('hex'), settings };
}

/**
 * The path of a `__proto__` key anywhere in the parsed YAML, or null. The schema rejects it as an unknown
 * key in fixed mappings, but a record (`settings`) would drop it silently: it is never a valid key.
 */
function protoKeyPath(raw: unknown): PropertyKey[] | null {
  const stack: { v: unknown; p: PropertyKey[] }[] = [{ v: raw, p: [] }];
  const seen = new Set<unknown>();
  while (stack.length) {
    const { v, p } = stack.pop()!;
    if (!v || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (!Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, '__proto__')) return p;
    for (const [k, x] of Object.entries(v)) stack.push({ v: x, p: [...p, Array.isArray(v) ? Number(k) : k] });
  }
  return null;
}

function applyRules(config: Config, file: string, collectors: Collector[]): Record<string, unknown> {
  const seen = new Map<string, string>();
  for (const kind of ['aws', 'mlflow', 'vertex', 'prometheus'] as const) {
    config.sources[kind].forEach((s, i) => {
      const where = `sources.${kind}[${i}].name`;
      const before = seen.get(s.name);
      if (before) throw new UsageError(`${file}: ${where}: source name "${s.name}" is already used by ${before}; names must be unique (they become folder names)`);
      seen.set(s.name, where);
    });
  }
  config.sources.aws.forEach((s, i) => {
    if (s.externalId && !s.assumeRoleArn) throw new UsageError(`${file}: sources.aws[${i}].externalId: only meaningful with assumeRoleArn`);
    if (s.organization && s.assumeRoleArn) throw new UsageError(`${file}: sources.aws[${i}].organization: use either organization or assumeRoleArn, not both`);
  });
  config.sources.mlflow.forEach((s, i) => {
    if (s.trackingUri && hasUserinfo(s.trackingUri))
      throw new UsageError(`${file}: sources.mlflow[${i}].trackingUri: credentials are never read from the config file; remove the "user:password@" part and set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN)`);
  });
  config.sources.vertex.forEach((s, i) => {
    if (s.insecure && !s.apiEndpoint) throw new UsageError(`${file}: sources.vertex[${i}].insecure: needs apiEndpoint (insecure is for loopback testing only)`);
  });
  if (config.observationPeriod && config.observationPeriod.from > config.observationPeriod.to) {
    throw new UsageError(`${file}: observationPeriod.from: ${config.observationPeriod.from} is after observationPeriod.to ${config.observationPeriod.to}`);
  }
  const ids = new Map(collectors.map((c) => [c.meta.id, c]));
  if (config.collectors !== 'all') {
    config.collectors.forEach((id, i) => {
      if (!ids.has(id)) throw new UsageError(`${file}: collectors[${i}]: unknown collector "${id}"; expected one of ${[...ids.keys()].join(', ')}`);
    });
  }
  const settings: Record<string, unknown> = {};
  for (const [id, value] of Object.entries(config.settings)) {
    const c = ids.get(id);
    if (!c) throw new UsageError(`${file}: settings.${id}: unknown collector "${id}"; expected one of ${[...ids.keys()].join(', ')}`);
    if (!c.meta.settings) throw new UsageError(`${file}: settings.${id}: this collector takes no settings`);
    const r = c.meta.settings.safeParse(value ?? {});
    if (!r.success) throw new UsageError(describeIssue(file, r.error.issues[0]!, ['settings', id]));
    settings[id] = r.data;
  }
  for (const c of collectors) if (!(c.meta.id in settings)) defineDefaults(settings, c);
  return settings;
}

/**
 * The defaults of a collector the config gives no settings for, parsed when first read: parsing builds
 * zod's parser for the schema (~1 ms a collector), which a collect of one collector need not pay for
 * the other fourteen. Parsing `{}` with defaults cannot fail; the value is kept once parsed.
 */
function defineDefaults(settings: Record<string, unknown>, c: Collector): void {
  let value: unknown;
  Object.defineProperty(settings, c.meta.id, {
    enumerable: true,
    configurable: true,
    get: () => (value ??= c.meta.settings ? c.meta.settings.parse({}) : {}),
  });
}

export function loadConfig(file: string, collectors: Collector[]): LoadedConfig {
  return { ...parseConfig(readConfigText(file), file, collectors), baseDir: path.dirname(path.resolve(file)) };
}

/**
 * The config's text: a regular file of at most MAX_CONFIG_BYTES. Opened without blocking (a FIFO would
 * wait for a writer forever) and checked on the open descriptor, so what is read is what was checked;
 * at most one byte over the limit is read (a device such as /dev/zero never ends).
 */
function readConfigText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${file}: config file not found (give one with --config, or run "soc2 init")`);
    throw new UsageError(`${file}: cannot read config: ${code ?? (e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`${file}: the config must be a regular file, not ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'a special file'}`);
    if (st.size > MAX_CONFIG_BYTES) throw new UsageError(`${file}: config file is ${st.size} bytes; expected at most ${MAX_CONFIG_BYTES}`);
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
    // the file grew since fstat
    if (n > MAX_CONFIG_BYTES) throw new UsageError(`${file}: config file is over ${MAX_CONFIG_BYTES} bytes; expected at most ${MAX_CONFIG_BYTES}`);
    return buf.subarray(0, n).toString('utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file}: cannot read config: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** Collect needs at least one collector with a configured source of its kind; nothing to do is a usage error. */
export function assertSomethingToCollect(loaded: LoadedConfig, collectors: Collector[], only?: string[]): void {
  const { config } = loaded;
  // `--only` picks among all collectors, as the runner does; otherwise the config's selection
  const chosen = only ? collectors.filter((c) => only.includes(c.meta.id)) : config.collectors === 'all' ? collectors : collectors.filter((c) => (config.collectors as string[]).includes(c.meta.id));
  if (chosen.length === 0) throw new UsageError(`${loaded.file}: collectors: no collector selected; nothing to collect`);
  if (chosen.some((c) => config.sources[c.meta.source].length > 0)) return;
  const kinds = [...new Set(chosen.map((c) => c.meta.source))].join(', ');
  throw new UsageError(`${loaded.file}: sources: no ${kinds} source configured for the selected collectors (${chosen.map((c) => c.meta.id).join(', ')}); nothing to collect`);
}
