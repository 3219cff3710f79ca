// Generates an observation period of daily bundles for the report benchmark:
//   node dist/src/bench/evidence.js --company mid|small --days N --out DIR
// Every collector, in-process through runCollection (as `soc2 demo` does), against sandboxes seeded
// with the company, with an injected clock one day apart and small changes each day: secrets
// rotated and read, MLflow versions registered and promoted (most approved), Vertex aliases moved,
// IAM users losing or gaining MFA. Writes DIR/evidence and DIR/soc2.config.yaml; prints a JSON summary
// (partial bundles and the first ones' gaps, wall and CPU time).
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { collectors as registry } from '../../collectors/registry.js';
import type { CollectorEntry } from '../bundle/manifest.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../core/log.js';
import { setPacingScale } from '../core/rate-limit.js';
import { runCollection } from '../core/runner.js';
import { lintMappings, loadMappings } from '../mapping/index.js';
import '../clients/preparers.js';
import { useSandboxEnv } from '../sandbox/process-env.js';
import { generateCompany, MID, TINY } from './company.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, startWorld, stopWorld, writeConfig, type World } from './world.js';

const DAY = 86_400_000;
/**
 * The sandboxes run without quotas on an injected clock, so the collectors' client-side pacing
 * (aws-audit-trail's LookupEvents at 2/s per region, the SageMaker/Bedrock describes) runs this many
 * times faster, and the sandbox's LookupEvents quota with it: the same calls and pages, never
 * throttled, without ~12 s of real-time waiting per day.
 */
export const GENERATOR_PACING_SCALE = 1000;
export const PERIOD_START = Date.parse('2025-11-01T02:00:00Z');

function arg(argv: string[], name: string, dflt: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
}

/** Day d's changes, deterministic. */
function playDay(w: World, d: number, now: number): void {
  const iso = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const acct = w.aws.sandboxes.get(w.company.spec.aws.regions[0]!)!.state.accounts[0]!;
  for (const [region, sb] of w.aws.sandboxes) {
    const list = sb.state.accounts[0]!.secrets[region] ?? [];
    list.forEach((s, i) => {
      if ((i + d) % 30 === 0 && s.rotation?.enabled) s.lastRotated = iso;
      if ((i + d) % 3 === 0) s.lastAccessed = iso.slice(0, 10) + 'T00:00:00Z';
    });
  }
  const users = acct.iam.users;
  if (d % 7 === 3 && users.length) users[d % users.length]!.mfa = !users[d % users.length]!.mfa;

  const ml = w.mlflow.state;
  const names = ml.sortedModelNames();
  if (names.length) {
    const name = names[(d * 7) % names.length]!;
    const v = ml.addModelVersion(name, { source: `s3://acme-models/${name}/d${d}`, user_id: 'dave@acme.ai', tags: [{ key: 'ticket', value: `CHG-${5000 + d}` }] });
    if (d % 5 !== 0) ml.setModelVersionTag(name, v.version, 'approved_by', 'carol@acme.ai');
    ml.setAlias(name, 'champion', v.version);
  }
  const vx = w.vertex.state;
  if (d % 2 === 0 && vx.models.length) {
    const m = vx.models[(d * 5) % vx.models.length]!;
    const v = vx.addVersion(m.id, { labels: d % 4 === 0 ? { team: 'ml' } : { team: 'ml', 'approved-by': 'maria-chen' } }, m.location);
    vx.moveAlias(m.id, 'production', v.versionId, m.location);
  }
}

/** This process's CPU time (user + system) so far, ms: under load the wall time says little. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return Math.round((u.user + u.system) / 1000);
}

/** A bundle's first gaps and collector errors, as `collector: api code`. */
function firstGaps(m: { collectors: CollectorEntry[] }): string[] {
  const out = m.collectors.flatMap((c) => [...(c.error ? [c.error] : []), ...c.gaps].map((g) => `${c.id}: ${g.api} ${g.code}`));
  return out.slice(0, 5);
}

async function main(argv: string[]): Promise<void> {
  const spec = arg(argv, '--company', 'mid') === 'small' ? TINY : MID;
  const days = Number(arg(argv, '--days', '365'));
  const out = path.resolve(arg(argv, '--out', 'bench-evidence'));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  setPacingScale(GENERATOR_PACING_SCALE);
  const clock = { now: PERIOD_START };
  const company = generateCompany(spec);
  const w = await startWorld(company, { latencyMs: 0, rateLimits: false, quotaScale: GENERATOR_PACING_SCALE, now: () => clock.now });
  const t0 = Date.now();
  const restoreEnv = useSandboxEnv(
    { url: w.aws.url, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, region: spec.aws.regions[0]! },
    { AWS_CONFIG_FILE: '/nonexistent/soc2-bench/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/soc2-bench/credentials' },
  );
  let partial = 0;
  // the first partial bundles, each with its first gaps: a synthetic company collects cleanly, so
  // a partial bundle means the generator or a collector broke
  const partialBundles: { day: string; status: string; gaps: string[] }[] = [];
  try {
    const configFile = writeConfig(w, out, { concurrency: 8, organization: `Bench ML (${spec.name}, ${days} days)` });
    const loaded = loadConfig(configFile, registry);
    const mappings = loadMappings();
    const problems = lintMappings(mappings, registry);
    if (problems.length) throw new Error(`mappings are inconsistent: ${problems[0]}`);
    const log = createLogger({ quiet: true, secrets: [] });
    const evidenceDir = path.join(out, 'evidence');
    for (let d = 0; d < days; d++) {
      clock.now = PERIOD_START + d * DAY;
      if (d > 0) playDay(w, d, clock.now);
      let tick = 0;
      const now = () => new Date(clock.now + tick++ * 10);
      const r = await runCollection({ loaded, collectors: registry, mappings, evidenceDir, now, signKey: null, log, env: process.env });
      if (r.manifest.status !== 'complete') {
        partial++;
        if (partialBundles.length < 5) partialBundles.push({ day: new Date(clock.now).toISOString().slice(0, 10), status: r.manifest.status, gaps: firstGaps(r.manifest) });
      }
      if (argv.includes('--progress') && (d + 1) % 30 === 0) process.stderr.write(`  evidence: ${d + 1}/${days} bundles, ${((Date.now() - t0) / 1000).toFixed(0)} s, CPU ${(cpuMs() / 1000).toFixed(0)} s\n`);
    }
    process.stdout.write(JSON.stringify({ evidenceDir, configFile, days, partial, partialBundles, ms: Date.now() - t0, msPerDay: Math.round((Date.now() - t0) / days), cpuMs: cpuMs(), from: new Date(PERIOD_START).toISOString(), to: new Date(PERIOD_START + (days - 1) * DAY).toISOString() }) + '\n');
  } finally {
    restoreEnv();
    await stopWorld(w);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
