// Starts the AWS sandbox from a fixture: `node dist/src/sandbox/aws/main.js [fixture.json|name] [--port N]
// [--latency MS] [--credential-report-polls N]`. Prints the URL on stdout; Ctrl-C stops it.
// Point the SDK at it with AWS_ENDPOINT_URL=<url> (any credentials).

import { existsSync } from 'node:fs';
import { loadAwsFixture, loadAwsSeed } from './seed.js';
import { startAwsSandbox } from './server.js';

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: main.js [fixture.json | fixture-name] [--port N] [--latency MS] [--credential-report-polls N]\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let fixture = 'small-company';
  let port = 0;
  let latencyMs: number | undefined;
  let polls: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) usage(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === '--port') port = num();
    else if (a === '--latency') latencyMs = num();
    else if (a === '--credential-report-polls') polls = num();
    else if (a === '--help' || a === '-h') usage('AWS sandbox (IAM, STS, Secrets Manager, Organizations)');
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else fixture = a;
  }
  const looksLikePath = fixture.includes('/') || fixture.includes('\\') || fixture.endsWith('.json');
  if (looksLikePath && !existsSync(fixture)) usage(`no such fixture file: ${fixture}`);
  const seed = looksLikePath ? loadAwsSeed(fixture) : loadAwsFixture(fixture);
  const opts: Parameters<typeof startAwsSandbox>[0] = { seed, port };
  if (latencyMs !== undefined) opts.latencyMs = latencyMs;
  if (polls !== undefined) opts.credentialReportPolls = polls;
  const sandbox = await startAwsSandbox(opts);
  process.stdout.write(`${sandbox.url}\n`);
  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
