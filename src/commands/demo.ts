// `soc2 demo`: plays an observation period of a demo ML company against the built-in sandbox
// servers — the real collectors through the real AWS SDK, MLflow client and Vertex client, with an
// injected clock — then verifies the evidence and writes the report.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import chalk from 'chalk';
import { collectors as registry } from '../../collectors/registry.js';
import { generateSigningKeyPair, type SigningKey } from '../bundle/sign.js';
import { loadTrustedKey } from '../bundle/trust.js';
import { verifyPath } from '../bundle/verify.js';
import { loadConfig } from '../config/load.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { runCollection } from '../core/runner.js';
import type { Finding } from '../core/types.js';
import { DEMO_ML_APPROVED_PRINCIPALS, healthyBaseline } from '../demo/baseline.js';
import { DEMO_START, playDay, type DemoWorld } from '../demo/scenario.js';
import { demoManualPlan, stageDemoManual } from '../demo/manual.js';
import { loadRegister } from '../mapping/controls.js';
import { addDataBrokerDataset, writeDemoVendorFiles } from '../demo/vendors.js';
import { demoAccessReview, demoReviewDay, writeDemoOwners } from '../demo/review.js';
import { lintMappings, loadMappings } from '../mapping/index.js';
import { loadAwsFixture, startAwsSandbox } from '../sandbox/aws/index.js';
import { loadMlflowFixture, startMlflowSandbox } from '../sandbox/mlflow/index.js';
import { useSandboxEnv } from '../sandbox/process-env.js';
import { loadVertexFixture, startVertexSandbox } from '../sandbox/vertex/index.js';
import '../clients/preparers.js';

export interface DemoOptions {
  days?: string;
  out?: string;
  start?: string;
  quiet?: boolean;
}

function demoConfig(o: { aws: string; mlflow: string; vertex: string; from: string; to: string; project: string; locations: string[] }): string {
  return `# Written by soc2 demo: the demo company, collected from the built-in sandbox servers.
organization: Acme ML (demo)
scope: [security, availability, confidentiality, processing-integrity]
observationPeriod: {from: ${o.from}, to: ${o.to}}
evidence:
  dir: evidence
concurrency: 8
# the collectors the sandboxes serve
collectors: [aws-iam, aws-secrets-manager, mlflow-registry, mlflow-lineage, vertex-registry, vertex-lineage, vertex-endpoints, sagemaker-endpoints, sagemaker-registry, sagemaker-training, aws-audit-trail, aws-monitoring, bedrock, aws-data-stores]
sources:
  aws:
    - name: acme-prod
      regions: [us-east-1, eu-west-1]
      trainingDataBuckets: [acme-ml-training-data]
  mlflow:
    - name: registry
      trackingUri: ${o.mlflow}
      productionAliases: [champion, production]
      approvalTags: [approved_by]
  vertex:
    - name: ml-prod
      project: ${o.project}
      locations: [${o.locations.join(', ')}]
      apiEndpoint: ${o.vertex}
      insecure: true
      productionAliases: [production, champion]
      approvalLabels: [approved-by]
      requireCmek: true
settings:
  aws-iam:
    mlApprovedPrincipals: [${DEMO_ML_APPROVED_PRINCIPALS.map((p) => `'${p}'`).join(', ')}]
`;
}

/** Why the demo has no availability story: the collector needs a real Prometheus, the demo ships no fake. */
export const PROMETHEUS_SKIPPED =
  'not in the demo: it reads a real Prometheus server (Debian\'s prometheus package; the tests and the bench use it where it is installed), which a fresh clone does not have, and the demo runs no imitation of one';

/** Distinct checks that failed, and distinct checks judged (pass, fail or error), in one day's findings. */
export function checkTally(findings: Pick<Finding, 'check' | 'status'>[]): { failing: number; judged: number } {
  const judged = new Set(findings.filter((f) => f.status !== 'not_applicable').map((f) => f.check));
  const failing = new Set(findings.filter((f) => f.status === 'fail').map((f) => f.check));
  return { failing: failing.size, judged: judged.size };
}

export async function demoCommand(o: DemoOptions): Promise<number> {
  const days = o.days === undefined ? 30 : Number(o.days);
  if (!Number.isInteger(days) || days < 10 || days > 400) throw new UsageError(`--days: expected a whole number from 10 to 400, got "${o.days}"`);
  const start = o.start ? new Date(`${o.start}T02:00:00Z`) : DEMO_START;
  if (Number.isNaN(start.getTime())) throw new UsageError(`--start: expected a date as YYYY-MM-DD, got "${o.start}"`);
  const out = path.resolve(o.out ?? 'demo-out');
  const say = (s: string) => {
    if (!o.quiet) process.stderr.write(s + '\n');
  };
  const t0 = Date.now();
  // A fresh demo each time: evidence from an earlier run would extend its chain.
  rmSync(path.join(out, 'evidence'), { recursive: true, force: true });
  rmSync(path.join(out, 'report'), { recursive: true, force: true });
  rmSync(path.join(out, 'documents'), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const clock = { now: start };
  const seeds = { aws: loadAwsFixture('small-company'), mlflow: loadMlflowFixture('small-company'), vertex: loadVertexFixture('small-company') };
  // the fixtures' standing findings remediated: the company is healthy until the story says otherwise
  healthyBaseline(seeds, start);
  addDataBrokerDataset(seeds.mlflow); // a data broker in the lineage, missing from the vendor register (src/demo/vendors.ts)
  const vertexSeed = seeds.vertex;
  const [aws, mlflow, vertex] = await Promise.all([
    startAwsSandbox({ seed: seeds.aws }),
    startMlflowSandbox({ seed: seeds.mlflow, now: () => clock.now.getTime() }),
    startVertexSandbox({ seed: vertexSeed, now: () => clock.now.getTime() }),
  ]);
  const world: DemoWorld = { aws, mlflow, vertex, clock };
  const restoreEnv = useSandboxEnv({ url: aws.url, accessKeyId: 'AKIADEMODEMODEMO0001', secretAccessKey: 'demo-secret-access-key', region: 'us-east-1' });
  try {

    const last = new Date(start.getTime() + (days - 1) * 86_400_000);
    const configFile = path.join(out, 'soc2.config.yaml');
    writeFileSync(
      configFile,
      demoConfig({ aws: aws.url, mlflow: mlflow.url, vertex: vertex.endpoint, from: start.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10), project: vertexSeed.project.id, locations: vertexSeed.locations }) +
        writeDemoVendorFiles(out, start, days) +
        writeDemoOwners(out, days),
    );
    const loaded = loadConfig(configFile, registry);
    const mappings = loadMappings();
    const problems = lintMappings(mappings, registry);
    if (problems.length) throw new Error(`mappings are inconsistent: ${problems[0]}`);
    const k = generateSigningKeyPair();
    const signKey: SigningKey = { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId };
    const publicKeyFile = path.join(out, 'demo-signing-key.pub.pem');
    writeFileSync(publicKeyFile, k.publicPem);
    const trustedKeys = [loadTrustedKey(publicKeyFile, '--public-key')];
    const evidenceDir = path.join(out, 'evidence');
    // gaps show in each day's line and in the report; the collectors' own warnings would only repeat them
    const log = createLogger({ quiet: true, secrets: [], write: () => undefined });

    say(chalk.bold(`Acme ML (demo): ${days} days from ${start.toISOString().slice(0, 10)}, collected from sandbox AWS ${aws.url}, MLflow ${mlflow.url}, Vertex ${vertex.endpoint}`));
    say(`prometheus-availability: ${PROMETHEUS_SKIPPED}`);
    let collected = 0;
    let partial = 0;
    /** distinct failing checks of each collected day */
    const tallies: number[] = [];
    const manualPlan = demoManualPlan(start.toISOString().slice(0, 10), days);
    for (let d = 0; d < days; d++) {
      clock.now = new Date(start.getTime() + d * 86_400_000);
      const plan = playDay(world, d, days);
      const date = clock.now.toISOString().slice(0, 10);
      // manual evidence the company adds that day (src/demo/manual.ts): the day's bundle takes it in
      const docs = manualPlan.get(d);
      if (docs) for (const line of stageDemoManual(docs, { docsDir: path.join(out, 'documents'), evidenceDir, controls: loadRegister().controls, at: clock.now })) say(`${date}  evidence add ${line}`);
      // the quarter's access review (src/demo/review.ts): from the newest verified bundle, taken into today's
      if (d === demoReviewDay(days)) say(`${date}  ${await demoAccessReview({ loaded, controls: loadRegister().controls, evidenceDir, trustedKeys, docsDir: path.join(out, 'documents'), now: () => clock.now })}`);
      if (plan.skip) {
        say(`${date}  ${chalk.yellow('skipped')}  ${plan.events.join('; ')}`);
        continue;
      }
      // collectedAt advances a little within the day's run, like a real job
      let tick = 0;
      const now = () => new Date(clock.now.getTime() + tick++ * 10);
      const r = await runCollection({ loaded, collectors: registry, mappings, evidenceDir, now, signKey, log, env: process.env });
      plan.after?.();
      collected++;
      if (r.manifest.status !== 'complete') partial++;
      const s = r.manifest.findings.summary;
      const status = r.manifest.status === 'complete' ? chalk.green('complete') : chalk.yellow(r.manifest.status);
      const t = checkTally(r.findings);
      tallies.push(t.failing);
      say(`${date}  ${status}  ${s.pass} pass / ${s.fail} fail / ${s.error} error, ${t.failing} of ${t.judged} checks failing${plan.events.length ? '  — ' + plan.events.join('; ') : ''}`);
    }

    say(`checks failing per day: ${tallies[0]} on the first day, at most ${Math.max(...tallies)}, ${tallies[tallies.length - 1]} on the last day: the company starts healthy, so the failures are the story's events`);
    const v = await verifyPath(evidenceDir, { trustedKeys });
    say(v.ok ? chalk.green(`verified: ${v.bundles.length} bundles, every hash, signature and chain link intact, every one signed by the demo key ${k.keyId}`) : chalk.red(`verification found ${v.problems.length} problems`));
    if (!v.ok) return ExitCode.verifyFailed;

    const { reportCommand } = await import('./report.js');
    const reportDir = path.join(out, 'report');
    const code = await reportCommand({ config: configFile, evidence: evidenceDir, out: reportDir, publicKey: [publicKeyFile], seed: 'demo', sampledBy: 'soc2 demo (the demo chooses its own seed)', json: false }, () => new Date(last.getTime() + 6 * 3600_000));
    if (code !== ExitCode.ok) return code;
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    say(`${collected} bundles (${partial} partial), 1 day without collection; demo took ${secs} s`);
    process.stdout.write(path.join(reportDir, 'index.html') + '\n');
    return ExitCode.ok;
  } finally {
    restoreEnv();
    await Promise.all([aws.close(), mlflow.close(), vertex.close()]);
  }
}
