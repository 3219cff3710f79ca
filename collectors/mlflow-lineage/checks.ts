// Pure functions from mlflow.lineage.training-runs to findings, over the production versions (stage
// Production or a production alias, as recorded at collection). Staging versions are in the
// artifact for context but not judged.
import type { MlflowSourceConfig } from '../../src/config/schema.js';
import type { Check, CheckInput, CheckResult, Exception } from '../../src/core/types.js';
import { approvalOf } from '../_shared/promotions.js';
import { promotionOptions } from '../mlflow-registry/mlflow.js';
import { isTrainingDataset, type LineageRecord } from './record.js';

const KIND = 'mlflow.lineage.training-runs';
const id = (v: LineageRecord) => `${v.model}/${v.version}`;

async function production(i: CheckInput, fn: (v: LineageRecord) => void): Promise<number> {
  let n = 0;
  for await (const v of i.artifacts.iterate<LineageRecord>(KIND)) {
    if (!v.production) continue;
    n++;
    fn(v);
  }
  return n;
}

const NO_PROD = 'no production version (stage Production or a production alias) in the registry';

function verdict(population: number, ex: Exception[], pass: string, fail: (k: number) => string, empty = NO_PROD): CheckResult {
  if (population === 0) return { status: 'not_applicable', summary: empty, exceptions: [] };
  return ex.length ? { status: 'fail', summary: fail(ex.length), exceptions: ex } : { status: 'pass', summary: pass, exceptions: [] };
}

const norm = (s: string) => s.trim().toLowerCase();
const CLIENT_DECLARED = 'run users are declared by the client that created the run (the mlflow.user tag, else user_id), not verified by the server';

const noRun = (v: LineageRecord) => `no training run: ${v.reason ?? 'unknown'}${v.run_id ? ` (run_id ${v.run_id})` : ''}`;

export const checks: Check[] = [
  {
    id: 'mlflow-lineage.datasets-recorded',
    title: 'Production model versions record at least one training dataset with digest and source',
    severity: 'medium',
    reads: [KIND],
    async run(i) {
      const ex: Exception[] = [];
      const n = await production(i, (v) => {
        if (!v.run) return void ex.push({ resource: id(v), reason: noRun(v) });
        const training = v.run.datasets.filter(isTrainingDataset);
        if (training.some((d) => d.digest && d.source !== null && d.source !== undefined && d.source !== '')) return;
        const ds = v.run.datasets;
        const reason =
          ds.length === 0
            ? `run ${v.run.run_id} logged no dataset inputs`
            : training.length === 0
              ? `run ${v.run.run_id} logged ${ds.length} dataset input${ds.length === 1 ? '' : 's'}, none with context training (contexts: ${[...new Set(ds.map((d) => d.context ?? 'none'))].join(', ')})`
              : `run ${v.run.run_id}: no training dataset has both a digest and a source`;
        ex.push({ resource: id(v), reason });
      });
      return verdict(n, ex, `all ${n} production versions have a training dataset with digest and source`, (k) => `${k} of ${n} production versions have no training dataset with digest and source`);
    },
  },
  {
    id: 'mlflow-lineage.git-commit-recorded',
    title: 'Production model versions trace to a git commit of the training code',
    severity: 'medium',
    reads: [KIND],
    async run(i) {
      const ex: Exception[] = [];
      const n = await production(i, (v) => {
        if (!v.run) ex.push({ resource: id(v), reason: noRun(v) });
        else if (!v.run.git_commit) ex.push({ resource: id(v), reason: `run ${v.run.run_id} has no mlflow.source.git.commit tag${v.run.source_name ? ` (source ${v.run.source_name})` : ''}` });
      });
      return verdict(n, ex, `all ${n} production versions trace to a git commit`, (k) => `${k} of ${n} production versions have no git commit recorded`);
    },
  },
  {
    id: 'mlflow-lineage.classification-tagged',
    title: 'Production model versions carry the data-classification tags',
    severity: 'medium',
    reads: [KIND],
    async run(i) {
      const tags = (i.source as MlflowSourceConfig).classificationTags;
      if (tags.length === 0) return { status: 'not_applicable', summary: 'no classification tags are configured (classificationTags: [])', exceptions: [] };
      const ex: Exception[] = [];
      const n = await production(i, (v) => {
        const missing = tags.filter((t) => !v.classification[t]);
        if (missing.length) ex.push({ resource: id(v), reason: `no ${missing.join(', ')} tag on the training run, the model version or the registered model` });
      });
      return verdict(n, ex, `all ${n} production versions carry ${tags.join(', ')}`, (k) => `${k} of ${n} production versions lack classification tags (${tags.join(', ')})`);
    },
  },
  {
    id: 'mlflow-lineage.logged-models-present',
    title: 'Production model versions registered from a LoggedModel still have it',
    severity: 'medium',
    reads: [KIND],
    async run(i) {
      const ex: Exception[] = [];
      let population = 0;
      await production(i, (v) => {
        if (!v.model_id) return;
        population++;
        if (v.logged_model_deleted) ex.push({ resource: id(v), reason: `the LoggedModel ${v.model_id} it was registered from was deleted: its params, metrics and datasets are gone` });
        else if (!v.logged_model) ex.push({ resource: id(v), reason: `the LoggedModel ${v.model_id} ${v.logged_model_reason ?? 'could not be read'}` });
      });
      return verdict(population, ex, `all ${population} production versions registered from a LoggedModel still have it`, (k) => `${k} of ${population} production versions registered from a LoggedModel have lost it`, 'no production version was registered from a LoggedModel (MLflow 3)');
    },
  },
  {
    id: 'mlflow-lineage.separation-of-duties',
    title: 'Production versions were approved by someone other than the user of their training run',
    severity: 'high',
    reads: [KIND],
    async run(i) {
      const o = promotionOptions(i.source as MlflowSourceConfig);
      const ex: Exception[] = [];
      let evaluated = 0;
      let unknown = 0;
      await production(i, (v) => {
        const approving = approvalOf({ model: v.model, version: v.version, aliases: v.aliases, tags: v.approval_tags ?? {} }, o).tags;
        const approvers = Object.entries(approving);
        if (approvers.length === 0) return; // production-approved reports it
        if (!v.run?.user) return void unknown++;
        evaluated++;
        const self = approvers.filter(([, who]) => norm(who) === norm(v.run!.user!));
        if (self.length) ex.push({ resource: id(v), reason: `approved (${self.map(([t]) => t).join(', ')}) by ${v.run.user}, the user of its training run ${v.run.run_id}` });
      });
      const tail = `; ${CLIENT_DECLARED}${unknown ? `; ${unknown} approved production version${unknown === 1 ? ' has' : 's have'} no known run user: not evaluated` : ''}`;
      const r = verdict(evaluated, ex, `approver differs from the training run’s user on all ${evaluated} production versions where both are known`, (k) => `${k} of ${evaluated} production versions were approved by the user who trained them`, 'no approved production version has a known training-run user');
      return { ...r, summary: r.summary + tail };
    },
  },
];
