// An independent SigV4 verifier (from the AWS Signature Version 4 specification, on node:crypto)
// for a test proxy standing in for Amazon Managed Prometheus's front door: it recomputes the
// signature of a received GET request and says why it does not match.
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** null when the request carries a valid signature by `accessKeyId`/`secret` for `service` in `region`; else the reason. */
export function sigv4Mismatch(req: IncomingMessage, o: { accessKeyId: string; secret: string; region: string; service: string }): string | null {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `no SigV4 Authorization header (${auth.slice(0, 40)})`;
  const [, akid, date, region, service, signedHeaders, signature] = m;
  if (akid !== o.accessKeyId || region !== o.region || service !== o.service) return `credential scope ${akid}/${region}/${service}`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!)) return 'x-amz-date does not match the credential date';
  const u = new URL(req.url!, 'http://placeholder');
  const query = [...u.searchParams].map(([k, v]) => [enc(k), enc(v)] as const).sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  const headers = signedHeaders!.split(';').map((h) => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payload = String(req.headers['x-amz-content-sha256'] ?? sha256(''));
  const canonical = [req.method, u.pathname.split('/').map((s) => enc(decodeURIComponent(s))).join('/'), query, headers, signedHeaders, payload].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${o.secret}`, date!), region!), service!), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex') === signature ? null : 'The request signature we calculated does not match the signature you provided';
}
