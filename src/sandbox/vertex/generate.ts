// Deterministic synthetic companies for the Vertex sandbox (benchmark: 300 models × 10 versions,
// 50 endpoints). Same options → byte-identical seed; no clock, no Math.random.
import type {
  VertexSeed,
  VertexSeedArtifact,
  VertexSeedDataset,
  VertexSeedEndpoint,
  VertexSeedEvent,
  VertexSeedExecution,
  VertexSeedModel,
  VertexSeedModelVersion,
  VertexSeedTrainingPipeline,
} from './types.js';

export interface GenerateVertexCompanyOptions {
  /** Number of models (default 4). */
  models?: number;
  /** Versions per model (default 3). */
  versionsPerModel?: number;
  /** Number of endpoints (default 3). */
  endpoints?: number;
  /** A count (taken from a fixed list of regions) or the region names (default 1: us-central1). */
  locations?: number | string[];
  project?: { id: string; number: string };
  /** PRNG seed (default 42). */
  seed?: number;
}

const REGIONS = ['us-central1', 'europe-west4', 'us-east4', 'asia-northeast1', 'europe-west1', 'us-west1', 'asia-southeast1', 'northamerica-northeast1'];
const WORDS = ['fraud', 'churn', 'ranking', 'search', 'pricing', 'forecast', 'support', 'vision', 'speech', 'recsys', 'ads', 'risk', 'ocr', 'nlp'];
const TEAMS = ['risk', 'growth', 'search', 'support', 'platform', 'supply-chain'];
const APPROVERS = ['maria-chen', 'omar-haddad', 'li-wei', 'jonas-berg', 'ada-okafor'];
const BASE = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
/** 19-digit numeric ids like the real API's. */
const numericId = (prefix: number, n: number) => String(BigInt(prefix) * 10n ** 17n + BigInt(n) * 7_919n + 1_000_003n);

export function generateVertexCompany(options: GenerateVertexCompanyOptions = {}): VertexSeed {
  const nModels = options.models ?? 4;
  const nVersions = Math.max(1, options.versionsPerModel ?? 3);
  const nEndpoints = options.endpoints ?? 3;
  const locations =
    typeof options.locations === 'number' || options.locations === undefined
      ? REGIONS.slice(0, Math.max(1, Math.min(REGIONS.length, options.locations ?? 1)))
      : options.locations;
  const project = options.project ?? { id: 'synthetic-ml-prod', number: '598765432109' };
  const rnd = mulberry32(options.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const kms = (location: string, ring: string) => `projects/${project.id}/locations/${location}/keyRings/ml/cryptoKeys/${ring}`;

  const models: VertexSeedModel[] = [];
  const artifacts: VertexSeedArtifact[] = [];
  const executions: VertexSeedExecution[] = [];
  const events: VertexSeedEvent[] = [];
  const datasets: VertexSeedDataset[] = [];
  const trainingPipelines: VertexSeedTrainingPipeline[] = [];
  /** production (or champion, else default) version per model, for deployments */
  const served = new Map<string, string>();

  for (let i = 0; i < nModels; i++) {
    const location = locations[i % locations.length]!;
    const id = numericId(14, i);
    const name = `${WORDS[i % WORDS.length]}-model-${String(i).padStart(4, '0')}`;
    const team = pick(TEAMS);
    const created = BASE + i * 6 * HOUR;
    const productionAt = chance(0.7) ? nVersions - 1 : chance(0.5) && nVersions > 1 ? nVersions - 2 : -1;
    const championAt = productionAt < 0 && chance(0.4) ? nVersions - 1 : -1;
    const defaultAt = chance(0.8) ? nVersions - 1 : 0;
    const lineage = i % 3; // 0: metadata lineage, 1: training pipeline → dataset, 2: neither
    const versions: VertexSeedModelVersion[] = [];
    for (let v = 0; v < nVersions; v++) {
      const vCreated = created + v * 7 * 24 * HOUR + Math.floor(rnd() * 12) * HOUR;
      const aliases: string[] = [];
      if (v === defaultAt) aliases.push('default');
      if (v === productionAt) aliases.push('production');
      if (v === championAt) aliases.push('champion');
      const promoted = v === productionAt || v === championAt;
      const labels: Record<string, string> = { team };
      if (promoted && chance(0.75)) labels['approved-by'] = pick(APPROVERS);
      const version: VertexSeedModelVersion = {
        versionId: String(v + 1),
        aliases,
        createTime: iso(vCreated),
        updateTime: iso(vCreated + (promoted ? 26 * HOUR : 0)),
        labels,
        artifactUri: `gs://${project.id}-models/${name}/v${v + 1}/`,
        containerImageUri: 'us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest',
      };
      if (promoted || v === nVersions - 1) {
        if (lineage === 0) {
          const modelArt = `${name}-v${v + 1}-model`;
          const dataArt = `${name}-v${v + 1}-data`;
          const exec = `${name}-v${v + 1}-train`;
          artifacts.push(
            { id: dataArt, location, displayName: dataArt, schemaTitle: 'system.Dataset', uri: `gs://${project.id}-data/${name}/snapshot-${v + 1}/`, createTime: iso(vCreated - 8 * HOUR), updateTime: iso(vCreated - 8 * HOUR) },
            { id: modelArt, location, displayName: name, schemaTitle: 'system.Model', uri: version.artifactUri!, metadata: { resourceName: `projects/${project.number}/locations/${location}/models/${id}@${v + 1}` }, createTime: iso(vCreated), updateTime: iso(vCreated) },
          );
          executions.push({ id: exec, location, displayName: `train-${name}`, schemaTitle: 'system.ContainerExecution', state: 'COMPLETE', createTime: iso(vCreated - 6 * HOUR), updateTime: iso(vCreated) });
          events.push(
            { artifactId: dataArt, executionId: exec, type: 'INPUT', eventTime: iso(vCreated - 6 * HOUR) },
            { artifactId: modelArt, executionId: exec, type: 'OUTPUT', eventTime: iso(vCreated) },
          );
          version.metadataArtifactId = modelArt;
        } else if (lineage === 1) {
          const dsId = numericId(77, i * nVersions + v);
          const tpId = numericId(53, i * nVersions + v);
          datasets.push({
            id: dsId,
            location,
            displayName: `${name}-training-v${v + 1}`,
            metadataSchemaUri: 'gs://google-cloud-aiplatform/schema/dataset/metadata/tabular_1.0.0.yaml',
            metadata: { inputConfig: { bigquerySource: { uri: `bq://${project.id}.${name.replace(/-/g, '_')}.training_v${v + 1}` } } },
            labels: { team },
            createTime: iso(vCreated - 24 * HOUR),
            updateTime: iso(vCreated - 24 * HOUR),
            kmsKeyName: kms(location, 'datasets'),
          });
          trainingPipelines.push({
            id: tpId,
            location,
            displayName: `${name}-automl-v${v + 1}`,
            datasetId: dsId,
            trainingTaskDefinition: 'gs://google-cloud-aiplatform/schema/trainingjob/definition/automl_tabular_1.0.0.yaml',
            trainingTaskInputs: { targetColumn: 'label', predictionType: 'classification' },
            state: 'PIPELINE_STATE_SUCCEEDED',
            modelId: id,
            modelVersionId: String(v + 1),
            createTime: iso(vCreated - 6 * HOUR),
            startTime: iso(vCreated - 6 * HOUR + 60_000),
            endTime: iso(vCreated),
            updateTime: iso(vCreated),
            labels: { team },
          });
          version.trainingPipelineId = tpId;
        }
      }
      versions.push(version);
    }
    const servedAt = productionAt >= 0 ? productionAt : championAt >= 0 ? championAt : defaultAt;
    served.set(id, String(servedAt + 1));
    models.push({
      id,
      location,
      displayName: name,
      description: `Synthetic model ${i}.`,
      kmsKeyName: chance(0.9) ? kms(location, 'models') : null,
      sourceType: lineage === 1 ? 'AUTOML' : 'CUSTOM',
      createTime: iso(created),
      versions,
    });
  }

  const endpoints: VertexSeedEndpoint[] = [];
  for (let j = 0; j < nEndpoints; j++) {
    let location = locations[j % locations.length]!;
    let pool = models.filter((m) => m.location === location);
    if (!pool.length) {
      location = models[0]?.location ?? location;
      pool = models.filter((m) => m.location === location);
    }
    const id = numericId(66, j);
    const created = BASE + 30 * 24 * HOUR + j * 5 * HOUR;
    const deployedModels: VertexSeedEndpoint['deployedModels'] = [];
    const trafficSplit: Record<string, number> = {};
    if (pool.length) {
      const m = pool[(j * 7) % pool.length]!;
      const primary = served.get(m.id)!;
      const dmId = numericId(88, j * 2);
      deployedModels.push({ id: dmId, modelId: m.id, versionId: primary, displayName: `${m.displayName}-v${primary}`, createTime: iso(created + HOUR) });
      if (Number(primary) > 1 && chance(0.3)) {
        const canary = String(Number(primary) - 1);
        const cId = numericId(88, j * 2 + 1);
        deployedModels.push({ id: cId, modelId: m.id, versionId: canary, displayName: `${m.displayName}-v${canary}`, createTime: iso(created + 2 * HOUR) });
        trafficSplit[dmId] = 80;
        trafficSplit[cId] = 20;
      } else trafficSplit[dmId] = 100;
    }
    const roll = rnd();
    const logging = roll < 0.75 ? { enabled: true, samplingRate: pick([1, 0.5, 0.1]), bigqueryOutputUri: `bq://${project.id}.prediction_logs.endpoint_${j}` } : roll < 0.9 ? { enabled: false, samplingRate: 0 } : null;
    const net = rnd();
    endpoints.push({
      id,
      location,
      displayName: `endpoint-${String(j).padStart(3, '0')}`,
      labels: { env: j % 4 === 0 ? 'staging' : 'prod' },
      createTime: iso(created),
      updateTime: iso(created + 2 * HOUR),
      kmsKeyName: chance(0.7) ? kms(location, 'endpoints') : null,
      network: net < 0.5 ? `projects/${project.number}/global/networks/ml-vpc` : null,
      privateServiceConnect: net >= 0.5 && net < 0.7 ? { projectAllowlist: [project.id] } : null,
      logging,
      deployedModels,
      trafficSplit,
    });
  }

  return {
    project,
    locations,
    models,
    endpoints,
    metadata: { artifacts, executions, events },
    datasets,
    trainingPipelines,
  };
}
