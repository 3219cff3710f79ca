// A byte-forwarding HTTP/1.1 front for the sandbox servers that times every exchange: from the
// request's arrival to the end of the answer. The union of those intervals is the time a client
// spent waiting on the API; the rest of its wall time was its own (start-up, parsing, writing,
// checks). It parses nothing but what `pick` reads from the headers.
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  /** what `pick` named the target (a region, "mlflow") */
  target: string;
  path: string;
  /** epoch ms: request arrived at the front, answer fully sent */
  at: number;
  end: number;
}

export interface TimingProxy {
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

/** `delayMs`: added before each request is forwarded (the bench's per-request latency, for a real server that has none). */
export async function startTimingProxy(pick: (req: IncomingMessage) => { name: string; port: number }, o: { delayMs?: number } = {}): Promise<TimingProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const exchanges: Exchange[] = [];
  const server = createServer(async (req, res) => {
    const at = Date.now();
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
    const target = pick(req);
    const up = request({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    res.on('finish', () => exchanges.push({ target: target.name, path: req.url ?? '', at, end: Date.now() }));
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

/** Length of the union of [at, end] intervals: time with at least one call in flight. */
export function inFlightMs(intervals: { at: number; end: number }[]): number {
  const xs = [...intervals].sort((a, b) => a.at - b.at);
  let total = 0;
  let curA = -Infinity;
  let curB = -Infinity;
  for (const { at, end } of xs) {
    if (at > curB) {
      if (curB > curA) total += curB - curA;
      curA = at;
      curB = end;
    } else curB = Math.max(curB, end);
  }
  if (curB > curA) total += curB - curA;
  return Math.round(total);
}
