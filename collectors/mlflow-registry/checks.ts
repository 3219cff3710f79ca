// Pure functions from the registry artifacts to findings. "Production" is recomputed from the
// source's configuration (stage Production, or an alias in productionAliases); exceptions name
// each version as `model/version`.
import type { MlflowSourceConfig } from '../../src/config/schema.js';
import type { Check, CheckInput, CheckResult, Exception } from '../../src/core/types.js';
import { approvalOf, describeApproval, type PromotionLog } from '../_shared/promotions.js';
import { isProductionVersion, promotionOptions, toVersionState, type VersionRecord } from './mlflow.js';

const VERSIONS = 'mlflow.registry.versions';
const PROMOTIONS = 'mlflow.registry.promotions';

const src = (i: CheckInput) => i.source as MlflowSourceConfig;
const id = (v: { name: string; version: string }) => `${v.name}/${v.version}`;
/** why a version counts as production: its stage and/or its production aliases */
const whyProduction = (v: VersionRecord, productionAliases: readonly string[]) => {
  const parts: string[] = [];
  if ((v.current_stage ?? '').toLowerCase() === 'production') parts.push('stage Production');
  const prod = v.aliases.filter((a) => productionAliases.includes(a));
  if (prod.length) parts.push(`alias${prod.length === 1 ? '' : 'es'} ${prod.join(', ')}`);
  return parts.join(', ');
};

/** Streams the production versions of the snapshot; returns the total count of versions. */
async function production(i: CheckInput, fn: (v: VersionRecord, why: string) => void): Promise<{ all: number; production: number }> {
  const aliases = src(i).productionAliases;
  const n = { all: 0, production: 0 };
  for await (const v of i.artifacts.iterate<VersionRecord>(VERSIONS)) {
    n.all++;
    if (!isProductionVersion(v, aliases)) continue;
    n.production++;
    fn(v, whyProduction(v, aliases));
  }
  return n;
}

function verdict(population: number, ex: Exception[], pass: string, fail: (k: number) => string, empty: string, tail = ''): CheckResult {
  if (population === 0) return { status: 'not_applicable', summary: empty + tail, exceptions: [] };
  return ex.length ? { status: 'fail', summary: fail(ex.length) + tail, exceptions: ex } : { status: 'pass', summary: pass + tail, exceptions: [] };
}

const NO_PROD = 'no production version (stage Production or a production alias) in the registry';
const norm = (s: string) => s.trim().toLowerCase();

export const checks: Check[] = [
  {
    id: 'mlflow-registry.production-approved',
    title: 'Production model versions carry the approval tags',
    severity: 'high',
    reads: [VERSIONS],
    async run(i) {
      const tags = src(i).approvalTags;
      const o = promotionOptions(src(i));
      const ex: Exception[] = [];
      const n = await production(i, (v, why) => {
        const a = approvalOf(toVersionState(v, tags), o);
        if (!a.approved) ex.push({ resource: id(v), reason: `production (${why}) without approval: ${describeApproval(a)}` });
      });
      if (tags.length === 0) return { status: 'not_applicable', summary: 'no approval tags are configured (approvalTags: [])', exceptions: [] };
      return verdict(n.production, ex, `all ${n.production} production versions carry ${tags.join(', ')}`, (k) => `${k} of ${n.production} production versions lack approval tags (${tags.join(', ')})`, NO_PROD);
    },
  },
  {
    id: 'mlflow-registry.separation-of-duties',
    title: 'Production versions were approved by someone other than their creator',
    severity: 'high',
    reads: [VERSIONS],
    async run(i) {
      const tags = src(i).approvalTags;
      const o = promotionOptions(src(i));
      const ex: Exception[] = [];
      let evaluated = 0;
      let noCreator = 0;
      let noApprover = 0;
      const n = await production(i, (v) => {
        // only values that approve (not "pending", "no", …): the same reading as production-approved
        const approvers = approvalOf(toVersionState(v, tags), o).relied.filter((r) => r.accepted).map((r) => r.tag);
        if (approvers.length === 0) {
          noApprover++;
          return;
        }
        if (!v.user_id) {
          noCreator++;
          return;
        }
        evaluated++;
        const self = approvers.filter((t) => norm(v.tags[t]!) === norm(v.user_id!));
        if (self.length) ex.push({ resource: id(v), reason: `approved by its own creator ${v.user_id} (${self.join(', ')})` });
      });
      const tail =
        (noCreator ? `; ${noCreator} approved production version${noCreator === 1 ? ' has' : 's have'} no user_id (server without auth): not evaluated` : '') +
        (noApprover ? `; ${noApprover} without approval tags (see production-approved)` : '');
      return verdict(
        evaluated,
        ex,
        `approver differs from creator on all ${evaluated} production versions where both are known`,
        (k) => `${k} of ${evaluated} production versions were approved by their creator`,
        n.production === 0 ? NO_PROD : 'no production version has both an approver tag and a user_id',
        tail,
      );
    },
  },
  {
    id: 'mlflow-registry.production-traceable',
    title: 'Production model versions trace to a training run or a LoggedModel',
    severity: 'medium',
    reads: [VERSIONS],
    async run(i) {
      const ex: Exception[] = [];
      let viaLoggedModel = 0;
      const n = await production(i, (v, why) => {
        if (v.run_id) return;
        // MLflow 3: a version registered from a LoggedModel (models:/m-…) traces to it, even when
        // the LoggedModel is external (no run); mlflow-lineage checks that it still exists
        if (v.model_id) return void viaLoggedModel++;
        ex.push({ resource: id(v), reason: `production (${why}) with no run_id and no LoggedModel${v.source ? `: registered from ${v.source}` : ''}` });
      });
      const tail = viaLoggedModel ? ` (${viaLoggedModel} through a LoggedModel only, without a run_id)` : '';
      return verdict(n.production, ex, `all ${n.production} production versions have a run_id or a LoggedModel${tail}`, (k) => `${k} of ${n.production} production versions have neither a run_id nor a LoggedModel`, NO_PROD);
    },
  },
  {
    id: 'mlflow-registry.promotions-approved',
    title: 'Every promotion to production in this window carries the approval tags',
    severity: 'high',
    reads: [PROMOTIONS],
    exceptions: 'event',
    async run(i) {
      const log = await i.artifacts.readJson<PromotionLog>(PROMOTIONS);
      if (log.baseline) return { status: 'not_applicable', summary: `baseline bundle: no previous snapshot, so no promotions can be derived yet (snapshot taken ${log.window.to})`, exceptions: [] };
      const window = `${log.window.from} → ${log.window.to}`;
      const promos = log.events.filter((e) => e.toProduction);
      const ex: Exception[] = promos
        .filter((e) => !e.approval.approved)
        .map((e) => ({
          resource: `${e.model}/${e.version}`,
          reason: `${e.type.replace('_', ' ')}${e.alias ? ` ${e.alias}` : ''} ${e.from ?? '∅'} → ${e.to ?? '∅'} between ${window} without approval (${describeApproval(e.approval)})${e.actor ? `; by ${e.actor.user} (${e.actor.source})` : ''}`,
        }));
      return verdict(
        promos.length,
        ex,
        `all ${promos.length} promotions to production between ${window} carry approval tags`,
        (k) => `${k} of ${promos.length} promotions to production between ${window} lack approval tags`,
        `no promotion to production between ${window} (${log.events.length} registry changes)`,
      );
    },
  },
  {
    id: 'mlflow-registry.failed-registrations',
    title: 'Model versions in FAILED_REGISTRATION are listed for review',
    severity: 'low',
    reads: [VERSIONS],
    async run(i) {
      const ex: Exception[] = [];
      let all = 0;
      for await (const v of i.artifacts.iterate<VersionRecord>(VERSIONS)) {
        all++;
        if (v.status === 'FAILED_REGISTRATION') ex.push({ resource: id(v), reason: `FAILED_REGISTRATION${v.status_message ? `: ${v.status_message}` : ''}` });
      }
      return ex.length
        ? { status: 'fail', summary: `${ex.length} of ${all} model versions failed registration: review that none is used and each is cleaned up`, exceptions: ex }
        : { status: 'pass', summary: `no model version in FAILED_REGISTRATION (${all} versions)`, exceptions: [] };
    },
  },
];
