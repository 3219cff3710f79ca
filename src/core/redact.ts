// Credential redaction for values registries hand back verbatim (MLflow params, tags, dataset
// sources, descriptions, webhook URLs; Vertex labels). Shared by the MLflow and Vertex collectors. A redacted value is
// replaced (in whole or in part) by REDACTED and counted per category; the value itself is never
// logged, thrown or stored anywhere.

export const REDACTED = '[REDACTED]';

/** Key names whose value is a secret, whatever it looks like (camelCase is split first). */
const SECRET_KEY = /(^|[^a-z])(password|passwd|passphrase|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|credentials?|client[_-]?secret|auth[_-]?header|authorization)($|[^a-z])/i;

/** Key names that are secret only as a whole: ODBC `Pwd`, pre-signed URL signatures (S3, GCS, Azure SAS `sig`). */
const SECRET_WHOLE_KEY = /^(pwd|sig|signature|x-(amz|goog)-signature|x-(amz|goog)-security-token)$/i;

/** `scheme://userinfo@`: the userinfo runs to the authority's last "@", as URL parsers read it */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

/** A URI (or text holding URIs) with every userinfo masked whole, user included: for what is printed. */
export function maskUserinfo(text: string): string {
  return text.replace(USERINFO, '$1***@');
}

/** True when a URI carries userinfo (a user, a password or a token before "@"). */
export function hasUserinfo(uri: string): boolean {
  return new RegExp(USERINFO.source, 'i').test(uri);
}

export function isSecretKey(key: string): boolean {
  if (SECRET_WHOLE_KEY.test(key)) return true;
  const k = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  return SECRET_KEY.test(k);
}

interface Rule {
  re: RegExp;
  replace: (m: string, ...groups: string[]) => string;
}

const whole = () => REDACTED;

/** Value patterns, applied in order; each replaces only the secret part of the string. */
const RULES: Rule[] = [
  // PEM private keys (RSA, EC, OPENSSH, ENCRYPTED …), also when cut off before the END line
  { re: /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g, replace: whole },
  // scheme://user:password@host — keeps the user, drops the password up to the authority's last "@"
  // (a raw "@" in a password is common: URL parsers take the last one as the end of the userinfo)
  { re: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#]*):([^\s/?#]+)@/gi, replace: (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@` },
  // AWS access key ids (long-term and temporary)
  { re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, replace: whole },
  // Authorization header values
  { re: /\b(Bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi, replace: (_m, scheme: string) => `${scheme} ${REDACTED}` },
  {
    re: /\b(Basic)\s+([A-Za-z0-9+/]{8,}={0,2})/g,
    replace: (m: string, scheme: string, b64: string) => (Buffer.from(b64, 'base64').toString('utf8').includes(':') ? `${scheme} ${REDACTED}` : m),
  },
  // GitHub, Slack, Hugging Face, Databricks, Google API, OpenAI/Anthropic-style tokens and JWTs
  { re: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, replace: whole },
  { re: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g, replace: whole },
  { re: /\bhf_[A-Za-z0-9]{30,}\b/g, replace: whole },
  { re: /\bdapi[0-9a-f]{32}(?:-\d+)?\b/g, replace: whole },
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: whole },
  { re: /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/g, replace: whole },
  { re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: whole },
  // name=value / "name": "value" pairs inside a string (command lines, URLs, JSON) whose name is secret
  // (ODBC values may be {braced}; a value an earlier rule already redacted in part is redacted whole, once)
  {
    re: /(["']?)([A-Za-z_][\w.-]*)\1(\s*[=:](?!\/\/)\s*)("[^"]*"|'[^']*'|\{[^}]*\}|(?:\[REDACTED\]|[^\s&;,'"})\][])+)/g,
    replace: (m: string, q: string, name: string, sep: string, value: string) => {
      // an auth scheme ("Authorization: Bearer …") is not the secret: the header rules above handle what follows
      if (!isSecretKey(name) || value === REDACTED || /^(bearer|basic|token|digest)$/i.test(value)) return m;
      const open = value[0] === '"' || value[0] === "'" || value[0] === '{' ? value[0] : '';
      const close = open === '{' ? '}' : open;
      return `${q}${name}${q}${sep}${open}${REDACTED}${close}`;
    },
  },
];

/** Redacts credentials in one string; returns the input itself when nothing matched. */
export function redactString(s: string): string {
  let out = s;
  for (const r of RULES) out = out.replace(r.re, r.replace as (m: string, ...g: string[]) => string);
  return out;
}

/** Counts redactions per category, for provenance notes. */
export class Redactor {
  readonly counts: Record<string, number> = {};

  private hit(category: string): void {
    this.counts[category] = (this.counts[category] ?? 0) + 1;
  }

  /** counts of the given categories (zeros included), for one artifact's provenance notes */
  only(...categories: string[]): Record<string, number> {
    return Object.fromEntries(categories.map((c) => [c, this.counts[c] ?? 0]));
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  /** A free-text value (description, source URI, comment). */
  value(v: string, category: string): string;
  value(v: string | undefined, category: string): string | undefined;
  value(v: string | undefined, category: string): string | undefined {
    if (v === undefined || v === '') return v;
    const r = redactString(v);
    if (r !== v) this.hit(category);
    return r;
  }

  /** A keyed value (param, tag): the whole value when the key names a secret, else the patterns. */
  keyed(key: string, v: string, category: string): string {
    if (v !== '' && isSecretKey(key)) {
      this.hit(category);
      return REDACTED;
    }
    return this.value(v, category);
  }

  /** MLflow [{key, value}] → {key: value}, redacted. Later duplicates win, as MLflow's own dicts do. */
  tags(list: { key: string; value?: string }[] | undefined, category: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const t of list ?? []) out[t.key] = this.keyed(t.key, t.value ?? '', category);
    return out;
  }

  /** Any JSON value (a parsed dataset source): strings redacted, keyed strings by their key. */
  json(v: unknown, category: string, key?: string): unknown {
    if (typeof v === 'string') return key !== undefined ? this.keyed(key, v, category) : this.value(v, category);
    if (Array.isArray(v)) return v.map((x) => this.json(x, category));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.json(x, category, k);
      return out;
    }
    return v;
  }

  /**
   * A webhook URL: userinfo, query string and fragment dropped, and path segments of services that
   * put the secret in the path (Slack, Discord, Teams, generic long tokens) replaced.
   */
  url(raw: string | undefined, category: string): { url: string | undefined; redacted: boolean } {
    if (raw === undefined || raw === '') return { url: raw, redacted: false };
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      const v = this.value(raw, category);
      return { url: v, redacted: v !== raw };
    }
    let redacted = false;
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
      redacted = true;
    }
    if (u.search) {
      u.search = '';
      redacted = true;
    }
    if (u.hash) {
      u.hash = '';
      redacted = true;
    }
    const host = u.hostname.toLowerCase();
    const segs = u.pathname.split('/');
    const keep = (n: number) => {
      if (segs.length > n + 1) {
        u.pathname = [...segs.slice(0, n + 1), REDACTED].join('/');
        redacted = true;
      }
    };
    if (host === 'hooks.slack.com') keep(3); // /services/T…/B…/secret
    else if (/(^|\.)discord(app)?\.com$/.test(host) && u.pathname.startsWith('/api/webhooks')) keep(3);
    else if (/(^|\.)webhook\.office\.com$/.test(host) || (host === 'outlook.office.com' && u.pathname.startsWith('/webhook'))) keep(1);
    else {
      const next = segs.map((s) => (s.length >= 24 && /[A-Za-z]/.test(s) && /\d/.test(s) && /^[A-Za-z0-9_\-.~%]+$/.test(s) ? REDACTED : s));
      if (next.some((s, i) => s !== segs[i])) {
        u.pathname = next.join('/');
        redacted = true;
      }
    }
    if (redacted) this.hit(category);
    return { url: u.toString().replace(/%5BREDACTED%5D/g, REDACTED), redacted };
  }
}
