// prometheus-availability against the real Prometheus server (Debian's 2.42): 36 days of probe
// history and firing alerts backfilled with promtool (fixtures/prometheus/history.json), rules from
// fixtures/prometheus/rules.yml, collected in this process through the real runner (through the built
// CLI where its output or a user's AWS environment is the point). The fixture is the oracle.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleText, collectBundle, collectBundleInProcess, type CollectedBundle } from '../../helpers/collected.js';
import { cleanEnv, repoRoot, runCli, tmpDir, writeConfig } from '../../helpers/cli.js';
import { alertmanagerAvailable, prometheusAvailable, startAlertmanager, startPrometheus, type PrometheusServer, type Sample } from '../../helpers/prometheus.js';
import { sigv4Mismatch } from '../../helpers/sigv4.js';
import { removeTempDirs } from '../../reliability/fault-helpers.js';
import { collectors } from '../../../collectors/registry.js';

const SOURCE = 'metrics';
const DAY = 86_400;
const LOOKBACK = 35;
const fixture = JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/prometheus/history.json'), 'utf8'));
const rules = readFileSync(path.join(repoRoot, 'fixtures/prometheus/rules.yml'), 'utf8');
const todaySec = Math.floor(Date.now() / 1000 / DAY) * DAY;
const dayOf = (offset: number) => new Date((todaySec + offset * DAY) * 1000).toISOString().slice(0, 10);

/** The probe and ALERTS samples the fixture describes, relative to today (UTC). */
function historySamples(): Sample[] {
  const out: Sample[] = [];
  const perDay = DAY / fixture.sampleSeconds;
  for (const [, s] of Object.entries<any>(fixture.services)) {
    for (let d = -fixture.days; d <= -1; d++) {
      if (s.missingDays.includes(d)) continue;
      const badShare = s.badDays[String(d)] ?? 0;
      for (let i = 0; i < perDay; i++) {
        out.push({ metric: 'probe_success', labels: { job: s.job, instance: `${s.job}:443` }, t: todaySec + d * DAY + fixture.firstSampleOffsetSeconds + i * fixture.sampleSeconds, value: i < badShare * perDay ? 0 : 1 });
      }
    }
  }
  for (const a of fixture.alerts) {
    const start = todaySec + a.day * DAY + a.startMinute * 60;
    for (let m = 0; m < a.minutes; m++) out.push({ metric: 'ALERTS', labels: { alertname: a.alertname, alertstate: a.alertstate ?? 'firing', ...a.labels }, t: start + m * 60, value: 1 });
  }
  return out;
}

const SERVICES: Record<string, string[]> = {
  inference: ['- name: inference', '  query: avg_over_time(probe_success{job="inference"}[1d])', '  target: 0.999'],
  batch: ['- name: batch', '  query: avg_over_time(probe_success{job="batch"}[1d])', '  target: 0.999'],
  'training-api': ['- name: training-api', '  query: avg_over_time(probe_success{job="training-api"}[1d])', '  target: 0.99'],
  'feature-store': ['- name: feature-store', '  query: avg_over_time(probe_success{job="feature-store"}[1d])', '  target: 0.999'],
};

function config(dir: string, url: string, o: { services?: string[]; extra?: string[]; raw?: string[] } = {}): string {
  const services = o.raw ?? (o.services ?? Object.keys(SERVICES)).flatMap((s) => SERVICES[s]!);
  return writeConfig(
    dir,
    [
      'evidence:',
      `  dir: ${JSON.stringify(path.join(dir, 'evidence'))}`,
      'scope: [security, availability]',
      'sources:',
      '  prometheus:',
      `    - name: ${SOURCE}`,
      `      url: ${url}`,
      `      lookbackDays: ${LOOKBACK}`,
      '      incidentStepSeconds: 60',
      ...(o.extra ?? []).map((l) => `      ${l}`),
      '      services:',
      ...services.map((l) => `        ${l}`),
      'collectors: [prometheus-availability]',
    ].join('\n') + '\n',
  );
}

/** Through the CLI: for what the CLI itself prints (the token never in its output) and SigV4 from the AWS chain of a user's environment. */
const collectCli = (dir: string, url: string, o: Parameters<typeof config>[2] = {}, env: NodeJS.ProcessEnv = cleanEnv()) => collectBundle(config(dir, url, o), env, SOURCE);
/** In this process through the real runner (no CLI start-up): the collector's evidence, gaps and exit code. */
const collect = (dir: string, url: string, o: Parameters<typeof config>[2] = {}, env: NodeJS.ProcessEnv = cleanEnv()) =>
  collectBundleInProcess(readFileSync(config(dir, url, o), 'utf8'), env, SOURCE, path.join(dir, 'evidence'));
const finding = (r: CollectedBundle, id: string) => r.findings.find((f) => f.check === id);
const C = 'prometheus-availability';

const available = prometheusAvailable();
const withAlertmanager = available.ok ? alertmanagerAvailable() : { ok: false };
const ALERTMANAGER_CONFIG = readFileSync(path.join(repoRoot, 'fixtures/prometheus/alertmanager.yml'), 'utf8');

describe.skipIf(!available.ok)('prometheus-availability against the real Prometheus', () => {
  let prom: PrometheusServer;
  let all: CollectedBundle;

  beforeAll(async () => {
    prom = await startPrometheus({ samples: historySamples(), rules });
    all = await collect(tmpDir('soc2-prom-all-'), prom.url);
  }, 180_000);
  afterAll(() => {
    removeTempDirs();
    return prom?.stop();
  });

  it('measures every service on every day of the window, completely', () => {
    expect(all.code, all.stderr).toBe(0);
    expect(all.manifest.status).toBe('complete');
    const daily = all.ndjson(`${C}/daily.ndjson`);
    expect(daily).toHaveLength(4 * LOOKBACK);
    const days = [...new Set(daily.map((d) => d.day))];
    expect(days).toEqual(Array.from({ length: LOOKBACK }, (_, i) => dayOf(i - LOOKBACK)));
    expect(daily.find((d) => d.service === 'inference' && d.day === dayOf(-1))).toEqual({ service: 'inference', day: dayOf(-1), availability: 1, target: 0.999, met: true, series: 1 });
    expect(daily.find((d) => d.service === 'batch' && d.day === dayOf(-3))).toMatchObject({ availability: expect.closeTo(0.75, 9), met: false });
    // a day without samples is no data, not a pass
    expect(daily.find((d) => d.service === 'training-api' && d.day === dayOf(-5))).toMatchObject({ availability: null, met: null, series: 0 });
    expect(all.provenance(`${C}/daily.ndjson`)).toMatchObject({ complete: true, periodCovered: { from: `${dayOf(-LOOKBACK)}T00:00:00.000Z`, to: `${dayOf(0)}T00:00:00.000Z` } });
  });

  it('fails the SLO naming the day below target, and lists the day without data', () => {
    const f = finding(all, `${C}.slo-met`);
    expect(f.status).toBe('fail');
    expect(f.summary).toContain(`batch ${dayOf(-3)}`);
    expect(f.exceptions).toEqual([
      { resource: `batch ${dayOf(-3)}`, reason: 'availability 75% is below the target 99.9%' },
      { resource: `training-api ${dayOf(-5)}`, reason: 'no data: the query gave no value for this day' },
    ]);
    expect(f.criteria[0]).toBe('A1.1');
  });

  it('passes the SLO when every day met it, and cannot judge it when a day has no data', async () => {
    const met = await collect(tmpDir('soc2-prom-met-'), prom.url, { services: ['inference', 'feature-store'] });
    expect(finding(met, `${C}.slo-met`)).toMatchObject({ status: 'pass', summary: `all ${2 * LOOKBACK} service-days (2 services) met their targets` });
    const gap = await collect(tmpDir('soc2-prom-nodata-'), prom.url, { services: ['training-api'] });
    expect(gap.code).toBe(0);
    const f = finding(gap, `${C}.slo-met`);
    expect(f.status).toBe('error');
    expect(f.summary).toContain(`training-api ${dayOf(-5)}`);
  });

  it('finds the alerting rules covering each service, through recording rules and regex job matchers', () => {
    const a = all.json(`${C}/rules.json`);
    expect(a.rules.filter((r: any) => r.type === 'alerting').map((r: any) => r.name).sort()).toEqual(['BatchDown', 'FeatureStoreLatencyHigh', 'InferenceDown', 'TrainingApiDown']);
    expect(Object.fromEntries(a.services.map((s: any) => [s.service, s.coveringRules]))).toEqual({
      inference: ['availability/InferenceDown'],
      batch: ['availability/BatchDown'],
      'training-api': ['availability/TrainingApiDown'],
      'feature-store': [],
    });
    const f = finding(all, `${C}.alerting-covered`);
    expect(f.status).toBe('fail');
    expect(f.exceptions).toEqual([{ resource: 'feature-store', reason: 'no alerting rule (not in error) selects probe_success with job="feature-store"' }]);
  });

  it('records every firing episode in the window as an incident, across the points-limit pages', () => {
    const incidents = all.ndjson(`${C}/incidents.ndjson`);
    const firing = fixture.alerts.filter((a: any) => (a.alertstate ?? 'firing') === 'firing');
    expect(incidents.map((i) => [i.alertname, i.start])).toEqual(
      firing.map((a: any) => [a.alertname, new Date((todaySec + a.day * DAY + a.startMinute * 60) * 1000).toISOString()]).sort((x: any, y: any) => (x[1] < y[1] ? -1 : 1)),
    );
    for (const i of incidents) {
      const a = firing.find((x: any) => x.alertname === i.alertname && new Date((todaySec + x.day * DAY + x.startMinute * 60) * 1000).toISOString() === i.start);
      const last = (todaySec + a.day * DAY + (a.startMinute + a.minutes - 1) * 60) * 1000;
      // without a staleness marker a sample stays visible for the 5-minute lookback delta
      expect(Date.parse(i.end) - last).toBeGreaterThanOrEqual(0);
      expect(Date.parse(i.end) - last).toBeLessThanOrEqual(5 * 60_000);
      expect(i).toMatchObject({ ongoing: false, labels: { alertname: a.alertname, ...a.labels } });
    }
    expect(incidents.find((i) => i.alertname === 'BatchDown')!.services).toEqual(['batch']);
    // 35 days at 60 s are 50,401 points per series: five requests of at most 11,000
    expect(all.provenance(`${C}/incidents.ndjson`).operations[0]).toMatchObject({ api: 'prometheus:QueryRange', pages: 5, calls: 5 });
  });

  it('without alertmanagerUrl, says the receivers were not collected', () => {
    expect(all.json(`${C}/receivers.json`)).toEqual({ configured: false, receivers: [] });
  });

  it.skipIf(!withAlertmanager.ok)('collects the receiver names from the real Alertmanager, and its absence is a gap', async () => {
    const am = await startAlertmanager(ALERTMANAGER_CONFIG);
    try {
      const r = await collect(tmpDir('soc2-prom-am-'), prom.url, { services: ['inference'], extra: [`alertmanagerUrl: ${am.url}`] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json(`${C}/receivers.json`)).toEqual({ configured: true, server: am.url, receivers: [{ name: 'oncall-pager' }, { name: 'ml-platform-chat' }] });
      // receiver settings (webhook URLs, keys) are never read
      expect(bundleText(r.bundle)).not.toContain('hooks.example.com');
    } finally {
      await am.stop();
    }
    const gone = await collect(tmpDir('soc2-prom-am-gone-'), prom.url, { services: ['inference'], extra: [`alertmanagerUrl: ${am.url}`] });
    expect(gone.code).toBe(3);
    expect(gone.manifest.collectors.flatMap((x: any) => x.gaps ?? [])).toEqual([expect.objectContaining({ api: 'alertmanager:Receivers', code: 'ECONNREFUSED' })]);
  }, 120_000);

  it('the server itself refuses a range query over its 11,000-points limit', async () => {
    const start = todaySec - LOOKBACK * DAY;
    const r = await fetch(`${prom.url}/api/v1/query_range?${new URLSearchParams({ query: 'ALERTS', start: String(start), end: String(todaySec), step: '60s' })}`);
    const body = await r.json();
    expect(r.status).toBe(400);
    expect(body).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(body.error).toContain('11,000');
  });

  it('a bad query is a gap naming the call and the server’s error, exit 3, and the SLO cannot be judged', async () => {
    const raw = ['- name: broken', '  query: avg_over_time(probe_success{job="inference"}[1d]', '  target: 0.999', ...SERVICES.inference!];
    const r = await collect(tmpDir('soc2-prom-bad-'), prom.url, { raw });
    expect(r.code, r.stderr).toBe(3);
    expect(r.manifest.status).toBe('partial');
    const gaps = r.manifest.collectors.flatMap((c: any) => c.gaps ?? []);
    expect(gaps).toEqual([expect.objectContaining({ api: 'prometheus:QueryRange', code: 'bad_data', message: expect.stringContaining('prometheus:QueryRange (GET /api/v1/query_range) answered HTTP 400 bad_data') })]);
    expect(r.provenance(`${C}/daily.ndjson`).complete).toBe(false);
    expect(finding(r, `${C}.slo-met`).status).toBe('error');
    // the other calls still ran
    expect(finding(r, `${C}.alerting-covered`).status).toBe('pass');
  });

  describe('behind an authenticating proxy', () => {
    const TOKEN = 'prom-test-token-4f9a1c';
    let proxy: Server;
    let proxyUrl: string;
    let answer: 'forward' | 403 | 'flaky' | 'warnings' = 'forward';
    let failuresLeft = 0;
    let sigv4 = false;
    const seen: string[] = [];
    const AKID = 'AKIAPROMTEST00000001';
    const SECRET = 'prom-test-secret-key-9b2e';

    beforeAll(async () => {
      // an auth gateway as commonly put in front of Prometheus: 401 without the bearer token
      proxy = createServer(async (req, res) => {
        seen.push(new URL(req.url!, 'http://x').pathname);
        if (sigv4) {
          const why = sigv4Mismatch(req, { accessKeyId: AKID, secret: SECRET, region: 'us-east-1', service: 'aps' });
          if (why) return res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: why }));
        } else if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized\n');
        if (answer === 403) return res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden: tenant has no read access\n');
        const range = req.url!.startsWith('/api/v1/query_range');
        if (answer === 'flaky' && range && failuresLeft-- > 0) return res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' }).end('upstream busy\n');
        const up = await fetch(prom.url + req.url);
        let body = Buffer.from(await up.arrayBuffer());
        // as a Thanos querier does when a store did not answer: the data, and a warning that it is partial
        if (answer === 'warnings' && range) body = Buffer.from(JSON.stringify({ ...JSON.parse(body.toString()), warnings: ['No StoreAPIs matched for this query'] }));
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' }).end(body);
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((r) => proxy?.close(() => r())));

    const bearer = ['auth:', '  type: bearer', '  tokenEnv: PROM_TOKEN'];

    it('collects with the token from the named environment variable and never writes it', async () => {
      answer = 'forward';
      const r = await collectCli(tmpDir('soc2-prom-auth-'), proxyUrl, { services: ['inference'], extra: bearer }, cleanEnv({ PROM_TOKEN: TOKEN }));
      expect(r.code, r.stderr).toBe(0);
      expect(finding(r, `${C}.slo-met`).status).toBe('pass');
      expect(bundleText(r.bundle)).not.toContain(TOKEN);
      expect(r.stdout + r.stderr).not.toContain(TOKEN);
    });

    it('a 401 and a 403 from the proxy are gaps naming the call, exit 3', async () => {
      answer = 'forward';
      const denied = await collect(tmpDir('soc2-prom-401-'), proxyUrl, { services: ['inference'], extra: bearer }, cleanEnv({ PROM_TOKEN: 'wrong-token' }));
      expect(denied.code).toBe(3);
      const gaps = denied.manifest.collectors.flatMap((c: any) => c.gaps ?? []);
      expect(gaps.map((g: any) => `${g.api} ${g.code}`).sort()).toEqual(['prometheus:QueryRange UNAUTHENTICATED', 'prometheus:QueryRange UNAUTHENTICATED', 'prometheus:Rules UNAUTHENTICATED']);
      expect(bundleText(denied.bundle)).not.toContain('wrong-token');
      answer = 403;
      const forbidden = await collect(tmpDir('soc2-prom-403-'), proxyUrl, { services: ['inference'], extra: bearer }, cleanEnv({ PROM_TOKEN: TOKEN }));
      expect(forbidden.code).toBe(3);
      expect(forbidden.manifest.collectors.flatMap((c: any) => c.gaps ?? [])).toContainEqual(expect.objectContaining({ api: 'prometheus:Rules', code: 'PERMISSION_DENIED', message: expect.stringContaining('Forbidden: tenant has no read access') }));
      expect(finding(forbidden, `${C}.alerting-covered`).status).toBe('error');
    });

    it('retries a 503 with Retry-After and counts the retries', async () => {
      answer = 'flaky';
      failuresLeft = 2;
      const r = await collect(tmpDir('soc2-prom-retry-'), proxyUrl, { services: ['inference'], extra: bearer }, cleanEnv({ PROM_TOKEN: TOKEN }));
      expect(r.code, r.stderr).toBe(0);
      expect(r.manifest.status).toBe('complete');
      const c = r.manifest.collectors.find((x: any) => x.id === C);
      // 1 daily query + 1 rules + 5 ALERTS pages, and the two refused attempts
      expect(c).toMatchObject({ apiCalls: 9, retries: 2 });
    });

    it('an answer with warnings is a gap: its data may be partial', async () => {
      answer = 'warnings';
      const r = await collect(tmpDir('soc2-prom-warn-'), proxyUrl, { services: ['inference'], extra: bearer }, cleanEnv({ PROM_TOKEN: TOKEN }));
      expect(r.code).toBe(3);
      const gaps = r.manifest.collectors.flatMap((x: any) => x.gaps ?? []);
      expect(gaps.map((g: any) => g.code)).toEqual(['PARTIAL_RESPONSE', 'PARTIAL_RESPONSE']);
      expect(gaps[0].message).toContain('No StoreAPIs matched for this query');
      expect(finding(r, `${C}.slo-met`).status).toBe('error');
    });

    it('signs every request with SigV4 from the AWS credential chain (Amazon Managed Prometheus)', async () => {
      answer = 'forward';
      sigv4 = true;
      try {
        const extra = ['auth:', '  type: sigv4', '  region: us-east-1'];
        // a query with spaces and a "+" operator: the signature must cover exactly what the server decodes
        const raw = ['- name: inference', '  query: (avg_over_time(probe_success{job="inference"}[1d]) + 0) * 1', '  target: 0.999'];
        const ok = await collectCli(tmpDir('soc2-prom-sigv4-'), proxyUrl, { raw, extra }, cleanEnv({ AWS_ACCESS_KEY_ID: AKID, AWS_SECRET_ACCESS_KEY: SECRET }));
        expect(ok.code, JSON.stringify(ok.manifest.collectors)).toBe(0);
        expect(finding(ok, `${C}.slo-met`).status).toBe('pass');
        expect(bundleText(ok.bundle)).not.toContain(SECRET);
        const bad = await collectCli(tmpDir('soc2-prom-sigv4-bad-'), proxyUrl, { raw, extra }, cleanEnv({ AWS_ACCESS_KEY_ID: AKID, AWS_SECRET_ACCESS_KEY: 'not-the-secret' }));
        expect(bad.code).toBe(3);
        expect(bad.manifest.collectors.flatMap((x: any) => x.gaps ?? [])).toContainEqual(expect.objectContaining({ api: 'prometheus:QueryRange', code: 'PERMISSION_DENIED', message: expect.stringContaining('signature we calculated does not match') }));
      } finally {
        sigv4 = false;
      }
    });

    it('calls only what soc2 permissions declares for the source', async () => {
      const declared = new Set(collectors.find((c) => c.meta.id === C)!.meta.permissions);
      const ACTION: Record<string, string> = { '/api/v1/query_range': 'prometheus:QueryRange', '/api/v1/rules': 'prometheus:Rules' };
      expect(seen.length).toBeGreaterThan(0);
      for (const p of new Set(seen)) expect(declared.has(ACTION[p] ?? p), p).toBe(true);
      const dir = tmpDir('soc2-prom-perm-');
      const r = await runCli(['permissions', '--config', config(dir, proxyUrl, { services: ['inference'] }), '--format', 'markdown'], { env: cleanEnv() });
      expect(r.code, r.stderr).toBe(0);
      for (const a of declared) expect(r.stdout).toContain(`\`${a}\``);
      expect(r.stdout).toContain('## Prometheus');
    });

    it('a token variable that is not set is a usage error naming the key, exit 2', async () => {
      const dir = tmpDir('soc2-prom-noenv-');
      const r = await runCli(['collect', '--config', config(dir, proxyUrl, { services: ['inference'], extra: bearer })], { env: cleanEnv() });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('sources.prometheus[0].auth.tokenEnv: environment variable PROM_TOKEN is not set');
    });
  });
});
