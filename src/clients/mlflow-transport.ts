// The one HTTP exchange the MLflow client needs: send a request, read the whole body as text.
// Plain http (and https with the default trust store) goes through Node's global fetch. A custom
// CA bundle or disabled verification needs a TLS agent, and fetch only takes one through an undici
// dispatcher — undici is not a dependency of this project — so those https requests go through
// node:https instead. Both transports behave the same towards the client: redirects are NOT
// followed (the caller decides), a body cut short rejects, the signal aborts the whole exchange.
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

export function fetchTransport(): Transport {
  return {
    async send(req) {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal: req.signal,
        redirect: 'manual',
      });
      // Reading the body is under the same signal: a stalled body times out like a stalled header.
      const body = await res.text();
      return { status: res.status, header: (n) => res.headers.get(n), body };
    },
    close() {},
  };
}

export interface TlsOptions {
  /** PEM CA bundle that replaces the default trust store (as MLFLOW_TRACKING_SERVER_CERT_PATH does in MLflow) */
  ca?: string | Buffer;
  /** skip certificate verification (MLFLOW_TRACKING_INSECURE_TLS=true) */
  insecure?: boolean;
}

export function httpsTransport(tls: TlsOptions): Transport {
  const agent = new https.Agent({
    keepAlive: true,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    rejectUnauthorized: !tls.insecure,
  });
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
        const r = https.request(req.url, { method: req.method, headers, agent, signal: req.signal }, (res) => {
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
      agent.destroy();
    },
  };
}
