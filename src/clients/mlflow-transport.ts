// The one HTTP exchange the MLflow client needs: send a request, read the whole body as text.
// Through node:http / node:https, not the global fetch: fetch's first request loads and compiles
// undici (~25 ms of CPU and 6 MB more before the first MLflow call on Node 20, docs/performance.md),
// and a custom CA bundle or disabled verification needs a TLS agent, which fetch only takes through an
// undici dispatcher (undici is not a dependency of this project). Redirects are NOT followed (the
// caller decides), a body cut short rejects, the signal aborts the whole exchange.
import http from 'node:http';
import https from 'node:https';

export interface RawRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface RawResponse {
  status: number;
  header(name: string): string | null;
  body: string;
}

export interface Transport {
  send(req: RawRequest): Promise<RawResponse>;
  close(): void;
}

export interface TlsOptions {
  /** PEM CA bundle that replaces the default trust store (as MLFLOW_TRACKING_SERVER_CERT_PATH does in MLflow) */
  ca?: string | Buffer;
  /** skip certificate verification (MLFLOW_TRACKING_INSECURE_TLS=true) */
  insecure?: boolean;
}

/** Keep-alive connections, as fetch keeps them; `tls` applies to https URLs. */
export function nodeTransport(tls: TlsOptions = {}): Transport {
  let httpAgent: http.Agent | undefined;
  let httpsAgent: https.Agent | undefined;
  const agentFor = (secure: boolean) =>
    secure
      ? (httpsAgent ??= new https.Agent({ keepAlive: true, ...(tls.ca !== undefined ? { ca: tls.ca } : {}), rejectUnauthorized: !tls.insecure }))
      : (httpAgent ??= new http.Agent({ keepAlive: true }));
  return {
    send(req) {
      return new Promise<RawResponse>((resolve, reject) => {
        let settled = false;
        const fail = (e: unknown) => {
          if (settled) return;
          settled = true;
          reject(e);
        };
        const headers: Record<string, string> = { ...req.headers };
        if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
        const secure = req.url.protocol === 'https:';
        const r = (secure ? https : http).request(req.url, { method: req.method, headers, agent: agentFor(secure), signal: req.signal }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('aborted', () => fail(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
          res.on('end', () => {
            if (!res.complete) return fail(Object.assign(new Error('response ended before it was complete'), { code: 'ECONNRESET' }));
            if (settled) return;
            settled = true;
            const h = res.headers;
            resolve({
              status: res.statusCode ?? 0,
              header: (n) => {
                const v = h[n.toLowerCase()];
                return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
              },
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
          res.on('close', () => {
            if (!res.complete) fail(Object.assign(new Error('connection closed before the response was complete'), { code: 'ECONNRESET' }));
          });
        });
        r.on('error', fail);
        r.end(req.body);
      });
    },
    close() {
      httpAgent?.destroy();
      httpsAgent?.destroy();
    },
  };
}
