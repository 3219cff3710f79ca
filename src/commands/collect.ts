import path from 'node:path';
import chalk from 'chalk';
import { collectors as registry } from '../../collectors/registry.js';
import { assertSomethingToCollect, loadConfig } from '../config/load.js';
import { resolveSigningKey } from '../bundle/sign.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { createLogger, redactKnown, secretValues } from '../core/log.js';
import { boundHeapGrowth } from '../core/heap.js';
import { runCollection } from '../core/runner.js';
import { lintMappings, loadMappings } from '../mapping/index.js';
import '../clients/preparers.js';

export interface CollectOptions {
  config: string;
  out?: string;
  only?: string;
  json?: boolean;
  signKey?: string;
  failOnFindings?: boolean;
  verbose?: boolean;
  lockWait?: string;
}

export async function collectCommand(o: CollectOptions, env: NodeJS.ProcessEnv = process.env, now: () => Date = () => new Date()): Promise<number> {
  boundHeapGrowth(env);
  const loaded = loadConfig(o.config, registry);
  let only: string[] | undefined;
  if (o.only !== undefined) {
    const ids = o.only.split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) throw new UsageError(`--only: expected comma-separated collector ids, got ${JSON.stringify(o.only)}`);
    const known = new Set(registry.map((c) => c.meta.id));
    for (const id of ids) if (!known.has(id)) throw new UsageError(`--only: unknown collector "${id}"; expected one of ${[...known].join(', ')}`);
    only = ids;
  }
  assertSomethingToCollect(loaded, registry, only);
  const mappings = loadMappings(loaded.config.mappings.map((m) => path.resolve(loaded.baseDir, m)));
  const problems = lintMappings(mappings, registry);
  if (problems.length) throw new UsageError(`mappings are inconsistent: ${problems[0]}`);
  const signKey = resolveSigningKey({ flag: o.signKey, loaded, env });
  const lockWaitMs = o.lockWait === undefined ? 0 : Number(o.lockWait) * 1000;
  if (!Number.isFinite(lockWaitMs) || lockWaitMs < 0) throw new UsageError(`--lock-wait: expected a number of seconds, got "${o.lockWait}"`);
  const evidenceDir = path.resolve(o.out ?? path.resolve(loaded.baseDir, loaded.config.evidence.dir));
  const quiet = !!o.json || !process.stderr.isTTY || !!env.CI;
  const secrets = secretValues(env);
  const log = createLogger({ quiet, verbose: o.verbose, secrets });
  // human lines on stderr: known secrets and every URI's userinfo masked, like the log
  const say = (line: string) => process.stderr.write(redactKnown(line, secrets) + '\n');

  // the write-once S3 copy: the chain continues from its tip, and the bundle is uploaded after it completes
  const s3cfg = loaded.config.evidence.s3;
  const store = s3cfg ? (await import('../bundle/s3.js')).openS3Store(s3cfg, { env, log }) : null;
  let upload: import('../bundle/s3.js').S3UploadReport | null = null;
  let run: Awaited<ReturnType<typeof runCollection>>;
  try {
    run = await runCollection({ loaded, collectors: registry, mappings, evidenceDir, now, signKey, log, env, lockWaitMs, only, ...(store ? { remotePrevious: store.remotePrevious } : {}) });
    if (store) upload = await store.uploadPending(evidenceDir, loaded.config.evidence.stream ?? null);
  } finally {
    await store?.close();
  }
  // the run's summary, not its manifest or findings: reading those back would hold an organization's whole bundle
  const { dir, summary } = run;
  const quarantined = run.quarantined ?? [];
  if (upload && !upload.ok) say(`${chalk.red('error')}: S3 evidence store: ${upload.error}`);
  else if (upload) log.info(`uploaded ${upload.bundles.length} bundle(s), ${upload.objects} objects to ${upload.location} in ${upload.ms} ms (${upload.calls} S3 calls)`);
  const s = summary.findings.summary;
  if (o.json) {
    process.stdout.write(
      JSON.stringify({
        bundle: dir,
        status: summary.status,
        collectors: summary.collectors.map((c) => ({ id: c.id, source: c.source, scope: c.scope, status: c.status, gaps: c.gaps, durationMs: c.durationMs, apiCalls: c.apiCalls })),
        findings: { pass: s.pass, fail: s.fail, error: s.error },
        ...(upload ? { s3: upload } : {}),
        ...(quarantined.length ? { quarantined } : {}),
      }) + '\n',
    );
  } else {
    const colour = summary.status === 'complete' ? chalk.green : chalk.yellow;
    say(`${colour(summary.status)}: ${summary.artifacts} artifacts, ${summary.collectors.length} collector runs, findings ${s.pass} pass / ${s.fail} fail / ${s.error} error`);
    for (const c of summary.collectors) for (const g of c.gaps) say(`${chalk.yellow('gap')}: ${c.id} ${c.source} ${Object.values(c.scope).join('/')}: ${g.api}: ${g.code}: ${g.message}`);
    for (const f of s.fail ? run.findings.filter((f) => f.status === 'fail') : []) say(`${chalk.red('fail')}: ${f.check} (${f.source}): ${f.summary}`);
    process.stdout.write(dir + '\n');
  }
  // a .partial dir with a manifest may be a finished bundle taken out of the chain: a gap until a person decides
  for (const q of quarantined) say(`${chalk.yellow('gap')}: evidence dir: quarantine/${q}: a leftover .partial bundle with a manifest, moved aside (never deleted); move it back as <id>/ if it belongs to the chain, or remove it`);
  // a bundle missing from the write-once store is a gap in the evidence, like a failed collector
  if (summary.status !== 'complete' || (upload && !upload.ok) || quarantined.length) return ExitCode.gaps;
  if (o.failOnFindings && s.fail > 0) return ExitCode.findingsFailed;
  return ExitCode.ok;
}
