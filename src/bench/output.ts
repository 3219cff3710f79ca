// Renders the benchmark's results: the Markdown tables printed to stdout and kept in
// docs/performance.md (between markers, so the hand-written text around them stays).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CollectorRow } from './collectors.js';
import type { PeerResult } from './peer.js';
import type { ReportResult } from './report-phase.js';
import type { OrgReportResult } from './org-report.js';
import { startupMarkdown, type StartupResult } from './startup.js';
import { organizationMarkdown, type OrganizationResult } from './organization.js';

export interface Goal {
  goal: string;
  target: string;
  result: string;
  met: boolean | null;
}

export interface Results {
  tool: { name: string; version: string; commit: string | null; dirty: boolean | null };
  startedAt: string;
  finishedAt: string;
  totalMs: number;
  mode: 'full' | 'quick';
  machine: Record<string, unknown>;
  parameters: Record<string, unknown>;
  company: Record<string, unknown>;
  costs: Record<string, unknown>;
  collectors: CollectorRow[];
  skipped: { id: string; reason: string }[];
  report: ReportResult | null;
  peer: PeerResult | null;
  comparison: { oursIamSecretsMs: number; cliIamSecretsMs: number; ratio: number; oursCalls: number; cliCalls: number } | null;
  goals: Goal[];
  regressions: string[];
  /** start-up of the bundled and the tsc build (src/bench/startup.ts); absent in older results */
  startup?: StartupResult | null;
  /** `soc2 report` over an organization's year, first and with the verified-bundle cache (src/bench/org-report.ts) */
  orgReport?: OrgReportResult | null;
  /** the organization case (src/bench/organization.ts); absent in older results */
  organization?: OrganizationResult | null;
}

export const MB = 1024 * 1024;
export const mb = (b: number | null | undefined) => (b === null || b === undefined ? 'n/a' : `${Math.round(b / MB)} MB`);
export const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`);
const size = (b: number) => (b < 1024 * 1024 ? `${(b / 1024).toFixed(0)} KB` : `${(b / MB).toFixed(1)} MB`);
const ratio = (x: number) => (x < 0.1 ? x.toFixed(3) : x.toFixed(2));
const int = (n: number) => n.toLocaleString('en-US');

export function markdown(r: Results): string {
  const out: string[] = [];
  const p = r.parameters as { latencyMs: number; concurrency: number };
  out.push(`**${r.mode === 'quick' ? 'Quick run' : 'Full run'}** of ${r.startedAt.slice(0, 10)} — ${(r.company as { name: string }).name} company, ${p.latencyMs} ms per request, concurrency ${p.concurrency}; ${r.machine.cpus} × ${r.machine.cpuModel}, ${Math.round(Number(r.machine.memoryBytes) / 1024 ** 3)} GB, Node ${r.machine.node}, load average ${(r.machine.loadAverage as { atStart: number[] } | undefined)?.atStart?.[0] ?? 'n/a'} at the start; tool ${r.tool.version}${r.tool.commit ? ` @ ${r.tool.commit.slice(0, 10)}${r.tool.dirty ? ' (uncommitted changes)' : ''}` : ''}; bench took ${secs(r.totalMs)}.`);
  out.push('');
  out.push('| collector | calls | minimum | calls / min | throttled | wall | start → 1st call | API phase | last answer → exit | CPU | lower bound | wall / bound | peak RSS | written |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of r.collectors) {
    const flag = (ok: boolean) => (ok ? '' : ' ⚠');
    const ph = c.phases;
    const bad = c.status !== 'complete' ? ` (bundle ${c.status}${c.gapCount ? `, ${c.gapCount} gaps` : ''})` : '';
    const after = c.producers?.length ? ` (after ${c.producers.join(', ')} in the same run: its own calls; wall its own, process ${secs(c.wallMs)}; CPU and RSS the process's)`
      : c.sharedRun?.length ? ` (in one run with ${c.sharedRun.join(', ')}: its own calls; wall its own, process ${secs(c.wallMs)}; CPU and RSS the process's)`
      : '';
    const wall = c.producers?.length || c.sharedRun?.length ? c.collectorMs : c.wallMs;
    out.push(
      `| ${c.id}${after}${bad} | ${int(c.calls.recorded)}${c.calls.manifest !== c.calls.recorded ? ` (manifest ${int(c.calls.manifest)})` : ''} | ${int(c.minimum)} | ${ratio(c.callsRatio)}${flag(c.callsRatio <= 1.05)} | ${int(c.calls.throttled)} | ${secs(wall)} | ${secs(ph?.beforeFirstCallMs)} | ${secs(ph?.apiPhaseMs)} | ${secs(ph?.afterLastAnswerMs)} | ${secs(c.cpuMs)} | ${secs(c.lowerBoundMs)} | ${ratio(c.wallRatio)}${flag(c.wallRatio <= 1.5)} | ${mb(c.peakRssBytes)}${flag((c.peakRssBytes ?? 0) <= 300 * MB)} | ${size(c.bytesWritten)} |`,
    );
  }
  for (const s of r.skipped) out.push(`| ${s.id} (skipped: ${s.reason}) | | | | | | | | | | | | | |`);
  out.push('');
  out.push(
    'Calls are what the sandbox servers received, retries of throttled calls included (the STS call that identifies the AWS account is setup, not counted). ' +
      'Wall is the whole `soc2 collect --only <id>` process, split into start-up (process start to the first call: Node, the CLI, config, mappings, client libraries), ' +
      'the API phase (first call to last answer) and the tail (checks re-reading the artifacts, manifest, rename). CPU is user + system time of the process; unlike wall time it is ' +
      'hardly affected by other work on the machine. The lower bound counts only latency, concurrency and rate limits (docs/performance.md). ⚠ marks a missed goal.',
  );
  if (r.report) {
    const rep = r.report;
    out.push('');
    const partial = rep.generation.partialBundles;
    out.push('| soc2 report | bundles | partial | evidence | wall | peak RSS | CPU | output |');
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    out.push(`| ${rep.days} daily bundles, ${rep.company} company | ${rep.bundles} | ${partial}${partial ? ' ⚠' : ''} | ${size(rep.evidenceBytes)} in ${int(rep.evidenceFiles)} files | ${secs(rep.wallMs)}${rep.wallMs <= 10_000 ? '' : ' ⚠'} | ${mb(rep.peakRssBytes)}${(rep.peakRssBytes ?? 0) <= 500 * MB ? '' : ' ⚠'} | ${secs(rep.cpuMs)} | ${size(rep.outputBytes)} in ${rep.outputFiles} files |`);
    out.push('');
    out.push(`The bundles were ${rep.generation.cached ? 'reused from bench/.cache (generated' : 'generated'} in ${secs(rep.generation.ms)}${rep.generation.cached ? ')' : ''}, ${partial} partial${partial ? ` ⚠ (a synthetic company collects cleanly: a partial bundle means the generator or a collector broke; \`node dist/src/bench/evidence.js\` prints the first ones' gaps)` : ''}.`);
  }
  if (r.peer?.available && r.comparison) {
    const peer = r.peer;
    const ours = (id: string) => r.collectors.find((c) => c.id === id);
    const iam = ours('aws-iam');
    const sm = ours('aws-secrets-manager');
    out.push('');
    const thr = (xs: { throttled: number }[]) => xs.reduce((n, x) => n + x.throttled, 0);
    const iamSteps = peer.steps.filter((s) => s.name.startsWith('iam'));
    const smSteps = peer.steps.filter((s) => s.name.startsWith('secrets'));
    out.push(`| same evidence, same endpoint | calls | throttled | wall | peak RSS |`);
    out.push('|---|---:|---:|---:|---:|');
    out.push(`| AWS CLI: IAM (authorization details, credential report) | ${int(peer.iam.calls)} | ${int(thr(iamSteps))} | ${secs(peer.iam.wallMs)} | ${mb(peer.iam.peakRssBytes)} |`);
    if (iam) out.push(`| soc2 aws-iam (everything it collects) | ${int(iam.calls.recorded)} | ${int(iam.calls.throttled)} | ${secs(iam.wallMs)} | ${mb(iam.peakRssBytes)} |`);
    out.push(`| AWS CLI: Secrets Manager (list-secrets, get-resource-policy per secret${peer.secrets.extrapolated ? ', extrapolated' : ''}) | ${int(peer.secrets.calls)} | ${int(thr(smSteps))} | ${secs(peer.secrets.wallMs)} | ${mb(peer.secrets.peakRssBytes)} |`);
    if (sm) out.push(`| soc2 aws-secrets-manager | ${int(sm.calls.recorded)} | ${int(sm.calls.throttled)} | ${secs(sm.wallMs)} | ${mb(sm.peakRssBytes)} |`);
    out.push(`| **IAM + Secrets: soc2 / AWS CLI** | ${int(r.comparison.oursCalls)} / ${int(r.comparison.cliCalls)} | | **${ratio(r.comparison.ratio)}×** (${secs(r.comparison.oursIamSecretsMs)} / ${secs(r.comparison.cliIamSecretsMs)}) | |`);
    out.push('');
    const loops = peer.steps.filter((s) => s.sample);
    out.push(`${peer.version?.split(' ')[0] ?? 'aws'}, one process per command, sequential as in a shell script; peak RSS is the largest single process.${loops.length ? ` The per-secret loop ran for ${loops.map((s) => `${s.sample!.measured} of ${s.sample!.of}`).join(', ')} secrets per region and was extrapolated linearly (each iteration is a separate process).` : ''}`);
  } else if (r.peer && !r.peer.available) {
    out.push('');
    out.push(`AWS CLI peer not run: ${r.peer.reason}.`);
  }
  if (r.startup) out.push('', startupMarkdown(r.startup).trimEnd());
  if (r.organization) out.push('', organizationMarkdown(r.organization).trimEnd());
  out.push('');
  out.push('| goal | target | result | met |');
  out.push('|---|---|---|---|');
  for (const g of r.goals) out.push(`| ${g.goal} | ${g.target} | ${g.result} | ${g.met === null ? 'n/a' : g.met ? 'yes' : '**no**'} |`);
  if (r.regressions.length) {
    out.push('');
    out.push(`**Gross regressions (a quick run fails on these):** ${r.regressions.join('; ')}`);
  }
  return out.join('\n') + '\n';
}

export const BEGIN = '<!-- bench:begin (generated by npm run bench; edits between these markers are overwritten) -->';
export const END = '<!-- bench:end -->';

/** Replaces the generated block of docs/performance.md, keeping everything around it. */
export function updateDocs(file: string, block: string, template: () => string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : template();
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  const body = `${BEGIN}\n${block}${END}`;
  const next = a >= 0 && b > a ? text.slice(0, a) + body + text.slice(b + END.length) : `${text.trimEnd()}\n\n${body}\n`;
  writeFileSync(file, next);
}
