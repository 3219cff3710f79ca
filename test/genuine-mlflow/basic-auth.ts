// The genuine server under `--app-name basic-auth` (MLflow's own auth app): seeded by the admin, then
// collected as a reader, with wrong credentials, and as a user lacking READ on one model and one
// experiment. basic-auth filters registered-models/search and experiments/search (and, in MLflow 3,
// the experiments of runs/search) without saying so; the collectors must say it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/cli.js';
import { collect, mlflowEnv, type Collected } from '../collectors/mlflow-registry/helpers.js';
import type { GenuineServer, GenuineVersion } from './server.js';
import { available, genuineConfig, HOOK, key, leakedCanaries, modeServer, type Seeded, type Truth } from './suite.js';

const ADMIN = { MLFLOW_TRACKING_USERNAME: 'admin', MLFLOW_TRACKING_PASSWORD: 'password1234' };

export function describeBasicAuth(version: GenuineVersion): void {
  describe.skipIf(!available)(`genuine MLflow ${version} under basic-auth`, () => {
    let server: GenuineServer;
    let seed: Seeded;
    let truth: Truth;
    let hidden: { model: string; experiment: string };
    let reader: Collected;
    let wrong: Collected;
    let partial: Collected;
    const as = (user: string, password: string) => mlflowEnv(server.url, { MLFLOW_TRACKING_USERNAME: user, MLFLOW_TRACKING_PASSWORD: password });

    beforeAll(async () => {
      // the seeded store of this version's plain server (a copy taken before its tests changed it)
      let plain;
      ({ server, plain } = await modeServer(version, 'basic-auth'));
      ({ seed, truth } = plain);
      const users = await server.py<{ users: Record<string, string>; hidden: { model: string; experiment: string } }>('auth', ADMIN);
      hidden = users.hidden;
      const cfg = (name: string) => genuineConfig(tmpDir(`soc2-genuine-auth-${name}-`), server.url);
      reader = await collect(cfg('reader'), as('reader', users.users.reader!));
      wrong = await collect(cfg('wrong'), as('reader', 'not-the-password'));
      partial = await collect(cfg('partial'), as('partial', users.users.partial!));
    }, HOOK);
    afterAll(() => server?.stop());

    it('collects complete evidence as a user with READ on everything', () => {
      expect(reader.code, reader.stderr).toBe(0);
      expect(reader.manifest.status).toBe('complete');
      expect(reader.manifest.identity.mlflow).toEqual([expect.objectContaining({ user: 'reader' })]);
      const versions = reader.ndjson('mlflow-registry/versions.ndjson');
      expect(versions.map(key).sort()).toEqual(truth.versions.map(key).sort());
      // the genuine server keeps no creator on versions even under basic-auth: the client says the same
      expect(versions.map((v) => v.user_id)).toEqual(versions.map((v) => truth.versions.find((t) => key(t) === key(v))!.user_id));
      expect(leakedCanaries([...seed.canaries, 'password1234', 'reader-pass-1'], reader)).toEqual([]);
    });

    it('turns wrong credentials into one gap per collector and exits 3', () => {
      expect(wrong.code).toBe(3);
      expect(wrong.manifest.status).not.toBe('complete');
      for (const id of ['mlflow-registry', 'mlflow-lineage']) {
        const e = wrong.collector(id);
        expect(e.status, id).toBe('error');
        expect(e.gaps, id).toHaveLength(1);
        expect(e.gaps[0]).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('HTTP 401') });
      }
      expect(leakedCanaries(['not-the-password'], wrong)).toEqual([]);
    });

    it('names the model and the run a user without READ cannot see, and never calls that complete', () => {
      expect(partial.code).toBe(3);
      expect(partial.manifest.status).toBe('partial');
      const reg = partial.collector('mlflow-registry');
      expect(reg.gaps).toEqual([expect.objectContaining({ api: 'mlflow:SearchRegisteredModels', code: 'PERMISSION_FILTERED', message: expect.stringContaining(`${hidden.model} (1 version; registered-models/get: PERMISSION_DENIED)`) })]);
      expect(partial.provenance('mlflow-registry/models.ndjson').complete).toBe(false);
      expect(partial.provenance('mlflow-registry/versions.ndjson').complete).toBe(false);
      expect(partial.ndjson('mlflow-registry/versions.ndjson').find((v) => v.name === hidden.model)).toMatchObject({ aliases_unknown: true });
      const lin = partial.collector('mlflow-lineage');
      expect(lin.status).toBe('error');
      expect(lin.gaps.map((g: any) => g.message).join('\n')).toContain(seed.runs.hidden);
      expect(partial.provenance('mlflow-lineage/training-runs.ndjson').complete).toBe(false);
      const rec = partial.ndjson('mlflow-lineage/training-runs.ndjson').find((r) => r.run_id === seed.runs.hidden);
      expect(rec).toMatchObject({ run: null, reason: expect.stringMatching(/may not read/) });
      for (const f of partial.findings.filter((f: any) => f.check !== 'mlflow-registry.failed-registrations' && f.check !== 'mlflow-registry.production-traceable')) expect(f.status, f.check).toBe('error');
    });
  });
}
