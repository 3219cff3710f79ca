// Pure functions from the Vertex registry artifacts to findings. "Production" is recomputed from
// the source's configuration (a version carrying an alias in productionAliases); exceptions name
// each version as `displayName@version (model id)`.
import type { VertexSourceConfig } from '../../src/config/schema.js';
import type { Check, CheckInput, CheckResult, Exception } from '../../src/core/types.js';
import { approvalOf, describeApproval, type PromotionEvent, type PromotionLog } from '../_shared/promotions.js';
import { productionAliasesOf, promotionOptions, toVersionState, type ModelRecord, type VersionRecord } from './vertex.js';

const MODELS = 'vertex.registry.models';
const VERSIONS = 'vertex.registry.versions';
const PROMOTIONS = 'vertex.registry.promotions';

const src = (i: CheckInput) => i.source as VertexSourceConfig;
const vid = (v: { displayName: string | null; modelId: string; versionId: string }) => `${v.displayName ?? v.modelId}@${v.versionId} (model ${v.modelId})`;

function verdict(population: number, ex: Exception[], pass: string, fail: (k: number) => string, empty: string): CheckResult {
  if (population === 0) return { status: 'not_applicable', summary: empty, exceptions: [] };
  return ex.length ? { status: 'fail', summary: fail(ex.length), exceptions: ex } : { status: 'pass', summary: pass, exceptions: [] };
}

const NO_PROD = (aliases: string[]) => `no version carries a production alias (${aliases.join(', ')}) in this location`;

export const checks: Check[] = [
  {
    id: 'vertex-registry.production-approved',
    title: 'Production model versions carry the approval labels',
    severity: 'high',
    reads: [VERSIONS],
    async run(i) {
      const { productionAliases, approvalLabels } = src(i);
      if (approvalLabels.length === 0) return { status: 'not_applicable', summary: 'no approval labels are configured (approvalLabels: [])', exceptions: [] };
      const o = promotionOptions(src(i));
      const ex: Exception[] = [];
      let n = 0;
      for await (const v of i.artifacts.iterate<VersionRecord>(VERSIONS)) {
        const prod = productionAliasesOf(v.versionAliases, productionAliases);
        if (!prod.length) continue;
        n++;
        const a = approvalOf(toVersionState(v, approvalLabels), o);
        if (a.approved) continue;
        ex.push({ resource: vid(v), reason: `production (alias${prod.length === 1 ? '' : 'es'} ${prod.join(', ')}) without approval: ${describeApproval(a)}` });
      }
      return verdict(n, ex, `all ${n} production versions carry ${approvalLabels.join(', ')}`, (k) => `${k} of ${n} production versions lack approval labels (${approvalLabels.join(', ')})`, NO_PROD(productionAliases));
    },
  },
  {
    id: 'vertex-registry.cmek',
    title: 'Models are encrypted with a customer-managed key (CMEK)',
    severity: 'medium',
    reads: [MODELS],
    async run(i) {
      if (!src(i).requireCmek) return { status: 'not_applicable', summary: 'CMEK is not required for this source (requireCmek: false)', exceptions: [] };
      const ex: Exception[] = [];
      let n = 0;
      for await (const m of i.artifacts.iterate<ModelRecord>(MODELS)) {
        n++;
        if (!m.encryptionSpec?.kmsKeyName) ex.push({ resource: `${m.displayName ?? m.modelId} (model ${m.modelId})`, reason: 'no encryptionSpec.kmsKeyName: Google-managed encryption' });
      }
      return verdict(n, ex, `all ${n} models are encrypted with a customer-managed key`, (k) => `${k} of ${n} models are not encrypted with a customer-managed key`, 'no models in this location');
    },
  },
  {
    id: 'vertex-registry.promotions-approved',
    title: 'Every promotion to production in this window carries the approval labels',
    severity: 'high',
    reads: [PROMOTIONS],
    exceptions: 'event',
    async run(i) {
      const log = await i.artifacts.readJson<Omit<PromotionLog, 'events'> & { events: (PromotionEvent & { modelDisplayName?: string | null })[] }>(PROMOTIONS);
      if (log.baseline) return { status: 'not_applicable', summary: `baseline bundle: no previous snapshot, so no promotions can be derived yet (snapshot taken ${log.window.to})`, exceptions: [] };
      const window = `${log.window.from} → ${log.window.to}`;
      const promos = log.events.filter((e) => e.toProduction);
      const labels = src(i).approvalLabels;
      if (labels.length === 0) return { status: 'not_applicable', summary: `no approval labels are configured (approvalLabels: []); ${promos.length} promotions to production between ${window}`, exceptions: [] };
      const ex: Exception[] = promos
        .filter((e) => !e.approval.approved)
        .map((e) => ({
          resource: `${e.modelDisplayName ?? e.model}@${e.version} (model ${e.model})`,
          reason: `${e.type.replace('_', ' ')}${e.alias ? ` ${e.alias}` : ''} ${e.from ?? '∅'} → ${e.to ?? '∅'} between ${window} without approval (${describeApproval(e.approval)})`,
        }));
      return verdict(
        promos.length,
        ex,
        `all ${promos.length} promotions to production between ${window} carry approval labels`,
        (k) => `${k} of ${promos.length} promotions to production between ${window} lack approval labels`,
        `no promotion to production between ${window} (${log.events.length} registry changes)`,
      );
    },
  },
];
