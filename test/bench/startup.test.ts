// The start-up part of the benchmark: its goals and the quick run's gate (fast: no servers, no child
// processes; the probes themselves run with `npm run bench`).
import { describe, expect, it } from 'vitest';
import { BASELINE, startupGoals, startupMarkdown, startupRegressions, type Probe, type StartupResult } from '../../src/bench/startup.js';

const MB = 1024 * 1024;
const p = (ms: number, cpuMs: number, rssMb: number): Probe => ({ ms, cpuMs, peakRssBytes: rssMb * MB, runs: [ms] });
const fc = (id: string, bundle: Probe, tsc: Probe, codes = [0]) => ({ bundle: { ...bundle, id, exitCodes: codes }, tsc: { ...tsc, id, exitCodes: [0] } });

function result(o: { node?: number; version?: Probe; vertex?: Probe; vertexCodes?: number[] } = {}): StartupResult {
  return {
    runs: 1,
    node: p(o.node ?? 40, 30, 39),
    version: { bundle: o.version ?? p(55, 50, 46), tsc: p(90, 80, 50) },
    firstCall: {
      AWS: fc('aws-iam', p(140, 600, 130), p(380, 900, 144)),
      MLflow: fc('mlflow-registry', p(120, 400, 110), p(330, 600, 119)),
      Vertex: fc('vertex-registry', o.vertex ?? p(350, 500, 120), p(1500, 2500, 180), o.vertexCodes),
    },
    bundleBytes: 8 * MB,
  };
}

describe('start-up goals', () => {
  it('are the issue targets for the bundled build, and RSS not above the tsc build', () => {
    const goals = startupGoals(result());
    expect(goals.map((g) => [g.goal, g.target, g.met])).toEqual([
      ['soc2 --version (bundled build)', '≤ 60 ms', true],
      ['AWS start → first call (bundled, aws-iam)', '≤ 150 ms', true],
      ['MLflow start → first call (bundled, mlflow-registry)', '≤ 150 ms', true],
      ['Vertex start → first call (bundled, vertex-registry)', '≤ 400 ms', true],
      ["start-up peak RSS of the bundled build ≤ the tsc build's", '≤ tsc build', true],
    ]);
    const missed = startupGoals(result({ version: p(61, 50, 60), vertex: p(401, 900, 120) }));
    expect(missed.filter((g) => !g.met).map((g) => g.result)).toEqual(['61 ms (tsc build 90 ms, bare node 40 ms)', '401 ms (tsc build 1500 ms)', 'over: --version 60 MB > 50 MB']);
  });
});

describe('the quick run gate', () => {
  it('passes at the baseline and fails above 1.5 × it, in wall or in CPU', () => {
    const at = result({ node: BASELINE.nodeMs, version: p(BASELINE.version.ms, BASELINE.version.cpuMs, 46), vertex: p(BASELINE.firstCall.Vertex!.ms * 1.5, BASELINE.firstCall.Vertex!.cpuMs, 120) });
    expect(startupRegressions(at)).toEqual([]);
    const slow = result({ node: BASELINE.nodeMs, vertex: p(BASELINE.firstCall.Vertex!.ms * 1.5 + 1, BASELINE.firstCall.Vertex!.cpuMs * 1.5 + 10, 120) });
    expect(startupRegressions(slow)).toEqual([
      `start-up: Vertex start → first call (bundled) ${BASELINE.firstCall.Vertex!.ms * 1.5 + 1} ms > 1.5 × ${BASELINE.firstCall.Vertex!.ms} ms`,
      `start-up: Vertex start → first call (bundled): CPU ${BASELINE.firstCall.Vertex!.cpuMs * 1.5 + 10} ms > 1.5 × ${BASELINE.firstCall.Vertex!.cpuMs} ms`,
    ]);
  });

  it('allows a slower machine its bare-Node factor in wall time, never in CPU', () => {
    const wall = BASELINE.firstCall.Vertex!.ms * 2.5;
    expect(startupRegressions(result({ node: BASELINE.nodeMs * 2, vertex: p(wall, BASELINE.firstCall.Vertex!.cpuMs, 120) }))).toEqual([]);
    expect(startupRegressions(result({ node: BASELINE.nodeMs, vertex: p(wall, BASELINE.firstCall.Vertex!.cpuMs, 120) }))).toHaveLength(1);
  });

  it("allows CPU only bare Node's own CPU above the baseline's", () => {
    const at = (nodeCpu: number, versionCpu: number) => startupRegressions({ ...result(), node: p(BASELINE.nodeMs, nodeCpu, 39), version: { bundle: p(BASELINE.version.ms, versionCpu, 46), tsc: p(90, 80, 50) } });
    const limit = BASELINE.version.cpuMs * 1.5;
    expect(at(BASELINE.nodeCpuMs + 20, limit + 20)).toEqual([]);
    expect(at(BASELINE.nodeCpuMs + 20, limit + 30)).toEqual([`start-up: --version (bundled): CPU ${limit + 30} ms > 1.5 × ${BASELINE.version.cpuMs} ms + 20 ms (bare node ${BASELINE.nodeCpuMs + 20} ms vs ${BASELINE.nodeCpuMs} ms)`]);
    expect(at(BASELINE.nodeCpuMs - 20, limit + 10)).toHaveLength(1);
  });

  it('fails when there is no bundle or a bundled probe failed', () => {
    expect(startupRegressions({ ...result(), version: { tsc: p(90, 80, 50) } })).toEqual(['start-up: no bundled build (dist/bundle/cli.mjs): run npm run build']);
    expect(startupRegressions(result({ vertexCodes: [0, 3] }))).toEqual(['start-up: Vertex vertex-registry (bundled) exited 0, 3']);
  });
});

describe('start-up table', () => {
  it('shows both builds side by side', () => {
    const md = startupMarkdown(result());
    expect(md).toContain('| `soc2 --version` | 55 ms | 50 ms | 46 MB | 90 ms | 80 ms | 50 MB |');
    expect(md).toContain('| Vertex: process start → first call (vertex-registry) | 350 ms | 500 ms | 120 MB | 1500 ms | 2500 ms | 180 MB |');
    expect(md).toContain('dist/bundle/ (8 MB)');
  });
});
