// Pure functions from vertex.endpoints.endpoints to findings. "Serving production" is a deployed
// model whose version carries an alias in the source's productionAliases (whatever its traffic share).
import type { VertexSourceConfig } from '../../src/config/schema.js';
import type { Check, CheckInput, CheckResult, Exception } from '../../src/core/types.js';
import type { EndpointRecord } from './index.js';

const KIND = 'vertex.endpoints.endpoints';
const src = (i: CheckInput) => i.source as VertexSourceConfig;
const eid = (e: EndpointRecord) => `${e.displayName ?? e.endpointId} (endpoint ${e.endpointId})`;

function verdict(population: number, ex: Exception[], pass: string, fail: (k: number) => string, empty: string): CheckResult {
  if (population === 0) return { status: 'not_applicable', summary: empty, exceptions: [] };
  return ex.length ? { status: 'fail', summary: fail(ex.length), exceptions: ex } : { status: 'pass', summary: pass, exceptions: [] };
}

const production = (e: EndpointRecord) =>
  e.deployedModels
    .filter((d) => d.production)
    .map((d) => `${d.displayName ?? d.modelId} (model ${d.modelId}@${d.modelVersionId}, ${d.productionAliases.join(', ')}, ${d.trafficPercent}% traffic)`)
    .join('; ');

const unknownVersions = (e: EndpointRecord) =>
  e.deployedModels
    .filter((d) => d.production === null)
    .map((d) => `${d.displayName ?? d.modelId} (model ${d.modelId}@${d.modelVersionId ?? 'unknown version'}) whose version and aliases are unknown`)
    .join('; ');

export const checks: Check[] = [
  {
    id: 'vertex-endpoints.inference-logging',
    title: 'Endpoints serving a production model version log requests and responses',
    severity: 'medium',
    reads: [KIND],
    async run(i) {
      const ex: Exception[] = [];
      let n = 0;
      for await (const e of i.artifacts.iterate<EndpointRecord>(KIND)) {
        // an endpoint whose deployed version could not be resolved may serve production: judged as if it does
        if (e.servesProduction === false || (e.servesProduction === null && !e.deployedModels.length)) continue;
        n++;
        const l = e.predictRequestResponseLogging;
        const serving = e.servesProduction ? `serves ${production(e)}` : `may serve production: ${unknownVersions(e)}`;
        if (!l) ex.push({ resource: eid(e), reason: `request-response logging was never configured; ${serving}` });
        else if (!l.enabled) ex.push({ resource: eid(e), reason: `request-response logging is disabled; ${serving}` });
        else if (!(l.samplingRate > 0)) ex.push({ resource: eid(e), reason: `request-response logging is enabled with samplingRate ${l.samplingRate}: nothing is logged; ${serving}` });
      }
      return verdict(
        n,
        ex,
        `all ${n} endpoints serving (or possibly serving) a production version log requests and responses (samplingRate > 0)`,
        (k) => `${k} of ${n} endpoints serving (or possibly serving) a production version do not log requests and responses`,
        `no endpoint serves a production version (alias ${src(i).productionAliases.join(', ')}) in this location`,
      );
    },
  },
  {
    id: 'vertex-endpoints.cmek',
    title: 'Endpoints are encrypted with a customer-managed key (CMEK)',
    severity: 'medium',
    reads: [KIND],
    async run(i) {
      if (!src(i).requireCmek) return { status: 'not_applicable', summary: 'CMEK is not required for this source (requireCmek: false)', exceptions: [] };
      const ex: Exception[] = [];
      let n = 0;
      for await (const e of i.artifacts.iterate<EndpointRecord>(KIND)) {
        n++;
        if (!e.encryptionSpec?.kmsKeyName) ex.push({ resource: eid(e), reason: 'no encryptionSpec.kmsKeyName: Google-managed encryption' });
      }
      return verdict(n, ex, `all ${n} endpoints are encrypted with a customer-managed key`, (k) => `${k} of ${n} endpoints are not encrypted with a customer-managed key`, 'no endpoints in this location');
    },
  },
  {
    id: 'vertex-endpoints.private-networking',
    title: 'Endpoints are reachable only privately (VPC peering or Private Service Connect)',
    severity: 'medium',
    reads: [KIND],
    async run(i) {
      if (!src(i).requirePrivateEndpoints) return { status: 'not_applicable', summary: 'private endpoints are not required for this source (requirePrivateEndpoints: false)', exceptions: [] };
      const ex: Exception[] = [];
      let n = 0;
      for await (const e of i.artifacts.iterate<EndpointRecord>(KIND)) {
        n++;
        if (!e.private) ex.push({ resource: eid(e), reason: `public endpoint: no VPC network and no Private Service Connect${e.servesProduction ? `; serves ${production(e)}` : ''}` });
      }
      return verdict(n, ex, `all ${n} endpoints are private (VPC peering or Private Service Connect)`, (k) => `${k} of ${n} endpoints are public`, 'no endpoints in this location');
    },
  },
];
