// The ODH fork's multi-tenant mode (--enable-workspaces): each request names its workspace in the
// X-MLFLOW-WORKSPACE header. The collectors list the workspaces and collect each one (or the
// configured ones) as its own target; a bundle of the default workspace alone is never "complete".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/cli.js';
import { collect, mlflowEnv, type Collected } from '../collectors/mlflow-registry/helpers.js';
import type { GenuineServer } from './server.js';
import { available, genuineConfig, HOOK, modeServer } from './suite.js';

const WORKSPACES = ['default', 'team-a', 'team-b'];

async function rest(url: string, endpoint: string, body: unknown, workspace: string): Promise<void> {
  const res = await fetch(`${url}/api/2.0/mlflow/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mlflow-workspace': workspace }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${endpoint} in ${workspace}: HTTP ${res.status} ${await res.text()}`);
}

export function describeWorkspaces(): void {
  describe.skipIf(!available)('genuine MLflow 3.6 with several workspaces (--enable-workspaces)', () => {
    let server: GenuineServer;
    let all: Collected;
    let some: Collected;
    beforeAll(async () => {
      ({ server } = await modeServer('3.6', 'workspaces'));
      for (const w of WORKSPACES.slice(1)) await rest(server.url, 'workspaces', { name: w, description: `workspace ${w}` }, 'default');
      for (const w of WORKSPACES) {
        const name = `${w}-scorer`;
        await rest(server.url, 'registered-models/create', { name }, w);
        await rest(server.url, 'model-versions/create', { name, source: `s3://acme-models/${w}/scorer` }, w);
        await rest(server.url, 'registered-models/alias', { name, alias: 'champion', version: '1' }, w);
      }
      all = await collect(genuineConfig(tmpDir('soc2-genuine-ws-all-'), server.url), mlflowEnv(server.url));
      some = await collect(genuineConfig(tmpDir('soc2-genuine-ws-some-'), server.url, 'workspaces: [team-a, team-z]'), mlflowEnv(server.url));
    }, HOOK);
    afterAll(() => server?.stop());

    it('collects every workspace as its own target, each with only its own models', () => {
      expect(all.code, all.stderr).toBe(0);
      expect(all.manifest.status).toBe('complete');
      const scopes = all.manifest.collectors.filter((e: any) => e.id === 'mlflow-registry').map((e: any) => e.scope.workspace).sort();
      expect(scopes).toEqual(WORKSPACES);
      for (const w of WORKSPACES) {
        expect(all.ndjson(`mlflow-registry/${w}/models.ndjson`).map((m) => m.name), w).toEqual([`${w}-scorer`]);
        expect(all.ndjson(`mlflow-registry/${w}/versions.ndjson`).map((v) => [v.name, v.aliases, v.production]), w).toEqual([[`${w}-scorer`, ['champion'], true]]);
        expect(all.provenance(`mlflow-registry/${w}/models.ndjson`).notes.workspace).toEqual({ name: w, onServer: WORKSPACES, collected: WORKSPACES, header: 'X-MLFLOW-WORKSPACE' });
        expect(all.ndjson(`mlflow-lineage/${w}/training-runs.ndjson`).map((r) => r.model), w).toEqual([`${w}-scorer`]);
      }
    });

    it('collects the configured workspaces only, and a configured one the server lacks is a gap', () => {
      expect(some.code).toBe(3);
      expect(some.manifest.status).toBe('partial');
      const entries = some.manifest.collectors.map((e: any) => [e.id, e.scope.workspace, e.status]).sort();
      expect(entries).toEqual([
        ['mlflow-lineage', 'team-a', 'ok'],
        ['mlflow-lineage', 'team-z', 'error'],
        ['mlflow-registry', 'team-a', 'ok'],
        ['mlflow-registry', 'team-z', 'error'],
      ]);
      const gap = some.manifest.collectors.find((e: any) => e.scope.workspace === 'team-z').gaps[0];
      expect(gap).toMatchObject({ api: 'mlflow:ListWorkspaces', code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining('team-z') });
      expect(some.ndjson('mlflow-registry/team-a/models.ndjson').map((m) => m.name)).toEqual(['team-a-scorer']);
    });
  });
}
