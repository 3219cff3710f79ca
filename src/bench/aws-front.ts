// One AWS endpoint for the benchmark made of one sandbox per region, so that rate limits are per
// account AND per region as in AWS (the sandbox's own token buckets are per account only). Requests
// are routed on their SigV4 credential scope: Secrets Manager and SageMaker go to the sandbox of the
// signed region, everything else (IAM, STS: global) to the home region's sandbox, which alone holds IAM.
// The front only forwards bytes: it parses nothing but the Authorization header.
import type { IncomingMessage } from 'node:http';
import { startAwsSandbox, type AwsSandbox, type AwsSeed, type RecordedRequest } from '../sandbox/aws/index.js';
import { startTimingProxy, type Exchange } from './proxy.js';

/** services whose requests go to the sandbox of the signed region */
const REGIONAL = new Set(['secretsmanager', 'sagemaker']);
const SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export interface AwsFront {
  url: string;
  /** region → its sandbox; the home region's also serves IAM and STS */
  sandboxes: Map<string, AwsSandbox>;
  /** every request of every regional sandbox, in arrival order */
  requests(): RecordedRequest[];
  /** every exchange through the front, timed */
  exchanges: Exchange[];
  /** forgets requests, credential reports and rate buckets (each sandbox's reset()) */
  reset(): void;
  close(): Promise<void>;
}

export interface AwsFrontOptions {
  seed: AwsSeed;
  regions: string[];
  latencyMs: number;
  rateLimits: Record<string, number>;
}

/** The seed a regional sandbox serves: the account's secrets and SageMaker of that region; IAM only at home. */
function regionalSeed(seed: AwsSeed, region: string, home: boolean): AwsSeed {
  return {
    ...seed,
    accounts: seed.accounts.map((a) => ({
      ...a,
      iam: home ? a.iam : { users: [], groups: [], roles: [], managedPolicies: [], passwordPolicy: null, root: a.iam.root, samlProviders: [], oidcProviders: [] },
      secrets: { [region]: a.secrets[region] ?? [] },
      ...(a.sagemaker?.[region] ? { sagemaker: { [region]: a.sagemaker[region] } } : {}),
    })),
  };
}

export async function startAwsFront(o: AwsFrontOptions): Promise<AwsFront> {
  const home = o.regions[0]!;
  const sandboxes = new Map<string, AwsSandbox>();
  for (const r of o.regions) {
    sandboxes.set(r, await startAwsSandbox({ seed: regionalSeed(o.seed, r, r === home), latencyMs: o.latencyMs, rateLimits: o.rateLimits, credentialReportPolls: 0 }));
  }
  const pick = (req: IncomingMessage): { name: string; port: number } => {
    const auth = req.headers.authorization ?? '';
    const m = SCOPE.exec(Array.isArray(auth) ? auth[0]! : auth);
    const region = m && REGIONAL.has(m[2]!) && sandboxes.has(m[1]!) ? m[1]! : home;
    return { name: region, port: sandboxes.get(region)!.port };
  };
  const proxy = await startTimingProxy(pick);
  return {
    url: proxy.url,
    sandboxes,
    exchanges: proxy.exchanges,
    requests: () => [...sandboxes.values()].flatMap((s) => s.requests).sort((a, b) => a.at - b.at),
    reset: () => {
      for (const s of sandboxes.values()) s.reset();
      proxy.exchanges.length = 0;
    },
    close: async () => {
      await proxy.close();
      await Promise.all([...sandboxes.values()].map((s) => s.close()));
    },
  };
}
