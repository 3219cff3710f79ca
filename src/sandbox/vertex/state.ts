// The sandbox's mutable world: a validated deep copy of the seed, lookups, mutators for tests
// (alias moves, new versions, logging switches, deployments), and rendering to wire messages.
import { createHash } from 'node:crypto';
import type {
  VertexSeed,
  VertexSeedArtifact,
  VertexSeedDataset,
  VertexSeedDeployedModel,
  VertexSeedEndpoint,
  VertexSeedEvent,
  VertexSeedExecution,
  VertexSeedModel,
  VertexSeedModelVersion,
  VertexSeedProject,
  VertexSeedTrainingPipeline,
} from './types.js';
import { failedPrecondition, invalidArgument, isoNow, notFound, timestamp, toStruct, toValue } from './wire.js';

type Located<T> = T & { location: string };

export interface AddVersionInput extends Partial<Omit<VertexSeedModelVersion, 'versionId'>> {
  versionId?: string;
}

export interface DeployModelInput {
  /** DeployedModel id; default: a fresh numeric id. */
  id?: string;
  modelId: string;
  versionId: string;
  displayName?: string;
  /** New traffic split for the endpoint; default: 100 % to the new deployment. */
  trafficSplit?: Record<string, number>;
}

export interface LineageResult {
  artifacts: Located<VertexSeedArtifact>[];
  executions: Located<VertexSeedExecution>[];
  events: (VertexSeedEvent & { location: string })[];
}

const ALIAS_RE = /^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]$/;
const key = (location: string, id: string) => `${location}/${id}`;
const byVersion = (a: VertexSeedModelVersion, b: VertexSeedModelVersion) => Number(a.versionId) - Number(b.versionId);

function etag(...parts: string[]): string {
  return createHash('sha1').update(parts.join('|')).digest('base64url').slice(0, 16);
}

function encryption(kmsKeyName: string | null | undefined) {
  return kmsKeyName ? { kmsKeyName } : undefined;
}

export class VertexState {
  readonly project: VertexSeedProject;
  readonly locations: string[];
  readonly models: Located<VertexSeedModel>[];
  readonly endpoints: Located<VertexSeedEndpoint>[];
  readonly artifacts: Located<VertexSeedArtifact>[];
  readonly executions: Located<VertexSeedExecution>[];
  readonly events: (VertexSeedEvent & { location: string })[];
  readonly datasets: Located<VertexSeedDataset>[];
  readonly trainingPipelines: Located<VertexSeedTrainingPipeline>[];
  private readonly now: () => number;
  private nextDeployedId = 9_000_000_000_000_000_000n;

  constructor(seed: VertexSeed, now: () => number = Date.now) {
    const s = structuredClone(seed);
    this.now = now;
    this.project = s.project;
    this.locations = s.locations.length ? s.locations : ['us-central1'];
    const loc = <T extends { location?: string }>(x: T): Located<T> => ({ ...x, location: x.location ?? this.locations[0]! });
    this.models = s.models.map(loc);
    for (const m of this.models) m.versions.sort(byVersion);
    this.endpoints = s.endpoints.map(loc);
    this.artifacts = s.metadata.artifacts.map(loc);
    this.executions = s.metadata.executions.map(loc);
    this.datasets = s.datasets.map(loc);
    this.trainingPipelines = s.trainingPipelines.map(loc);
    const artifactLoc = new Map(this.artifacts.map((a) => [a.id, a.location]));
    this.events = s.metadata.events.map((e) => ({ ...e, location: artifactLoc.get(e.artifactId) ?? this.locations[0]! }));
    this.validate();
  }

  // ---- names ---------------------------------------------------------------------------------

  locationName(location: string): string {
    return `projects/${this.project.number}/locations/${location}`;
  }
  modelName(location: string, id: string): string {
    return `${this.locationName(location)}/models/${id}`;
  }
  endpointName(location: string, id: string): string {
    return `${this.locationName(location)}/endpoints/${id}`;
  }
  artifactName(location: string, id: string): string {
    return `${this.locationName(location)}/metadataStores/default/artifacts/${id}`;
  }
  executionName(location: string, id: string): string {
    return `${this.locationName(location)}/metadataStores/default/executions/${id}`;
  }
  datasetName(location: string, id: string): string {
    return `${this.locationName(location)}/datasets/${id}`;
  }
  trainingPipelineName(location: string, id: string): string {
    return `${this.locationName(location)}/trainingPipelines/${id}`;
  }

  /** True when `p` is this project's id or number. */
  isProject(p: string): boolean {
    return p === this.project.id || p === this.project.number;
  }

  // ---- lookups -------------------------------------------------------------------------------

  findModel(location: string, id: string): Located<VertexSeedModel> | undefined {
    return this.models.find((m) => m.location === location && m.id === id);
  }
  findEndpoint(location: string, id: string): Located<VertexSeedEndpoint> | undefined {
    return this.endpoints.find((e) => e.location === location && e.id === id);
  }
  findArtifact(location: string, id: string): Located<VertexSeedArtifact> | undefined {
    return this.artifacts.find((a) => a.location === location && a.id === id);
  }
  findDataset(location: string, id: string): Located<VertexSeedDataset> | undefined {
    return this.datasets.find((d) => d.location === location && d.id === id);
  }
  findTrainingPipeline(location: string, id: string): Located<VertexSeedTrainingPipeline> | undefined {
    return this.trainingPipelines.find((t) => t.location === location && t.id === id);
  }

  /** The version holding the `default` alias. */
  defaultVersion(m: VertexSeedModel): VertexSeedModelVersion {
    return m.versions.find((v) => v.aliases.includes('default')) ?? m.versions[m.versions.length - 1]!;
  }

  /** `2` (version id) or `production` (alias) → the version; undefined when absent. */
  resolveVersion(m: VertexSeedModel, ref: string | undefined): VertexSeedModelVersion | undefined {
    if (ref === undefined) return this.defaultVersion(m);
    if (/^\d+$/.test(ref)) return m.versions.find((v) => v.versionId === ref);
    return m.versions.find((v) => v.aliases.includes(ref));
  }

  // ---- mutators (used by tests, the demo and the benchmark) ----------------------------------

  private model(modelId: string, location?: string): Located<VertexSeedModel> {
    const m = this.models.find((x) => x.id === modelId && (location === undefined || x.location === location));
    if (!m) throw new Error(`vertex sandbox: no model ${modelId}${location ? ` in ${location}` : ''}`);
    return m;
  }
  private endpoint(endpointId: string, location?: string): Located<VertexSeedEndpoint> {
    const e = this.endpoints.find((x) => x.id === endpointId && (location === undefined || x.location === location));
    if (!e) throw new Error(`vertex sandbox: no endpoint ${endpointId}${location ? ` in ${location}` : ''}`);
    return e;
  }

  /** MergeVersionAliases: puts `alias` on `versionId`, taking it off whichever version held it. */
  moveAlias(modelId: string, alias: string, versionId: string, location?: string): void {
    if (!ALIAS_RE.test(alias)) throw new Error(`vertex sandbox: invalid alias ${alias}`);
    const m = this.model(modelId, location);
    const target = m.versions.find((v) => v.versionId === versionId);
    if (!target) throw new Error(`vertex sandbox: model ${modelId} has no version ${versionId}`);
    const t = isoNow(this.now());
    for (const v of m.versions) {
      if (v !== target && v.aliases.includes(alias)) {
        v.aliases = v.aliases.filter((a) => a !== alias);
        v.updateTime = t;
      }
    }
    if (!target.aliases.includes(alias)) {
      target.aliases.push(alias);
      target.updateTime = t;
    }
  }

  /** Removes an alias from the model. `default` cannot be removed (Vertex always keeps one). */
  removeAlias(modelId: string, alias: string, location?: string): void {
    if (alias === 'default') throw new Error('vertex sandbox: the default alias cannot be removed, only moved');
    const m = this.model(modelId, location);
    const t = isoNow(this.now());
    for (const v of m.versions) {
      if (v.aliases.includes(alias)) {
        v.aliases = v.aliases.filter((a) => a !== alias);
        v.updateTime = t;
      }
    }
  }

  /** Uploads a new version (versionId = highest + 1 unless given); its aliases move to it. */
  addVersion(modelId: string, input: AddVersionInput = {}, location?: string): VertexSeedModelVersion {
    const m = this.model(modelId, location);
    const versionId = input.versionId ?? String(Math.max(0, ...m.versions.map((v) => Number(v.versionId))) + 1);
    if (m.versions.some((v) => v.versionId === versionId)) throw new Error(`vertex sandbox: model ${modelId} already has version ${versionId}`);
    const t = isoNow(this.now());
    const { aliases = [], ...rest } = input;
    const v: VertexSeedModelVersion = { createTime: t, updateTime: t, ...rest, versionId, aliases: [] };
    m.versions.push(v);
    m.versions.sort(byVersion);
    for (const a of aliases) this.moveAlias(modelId, a, versionId, m.location);
    return v;
  }

  /** Replaces a version's labels (e.g. adds `approved-by`). */
  setVersionLabels(modelId: string, versionId: string, labels: Record<string, string>, location?: string): void {
    const m = this.model(modelId, location);
    const v = m.versions.find((x) => x.versionId === versionId);
    if (!v) throw new Error(`vertex sandbox: model ${modelId} has no version ${versionId}`);
    v.labels = { ...labels };
    v.updateTime = isoNow(this.now());
  }

  /** Turns request-response logging on or off (keeps the BigQuery destination). */
  setEndpointLogging(endpointId: string, enabled: boolean, samplingRate?: number, location?: string): void {
    const e = this.endpoint(endpointId, location);
    e.logging = { ...(e.logging ?? { samplingRate: 1 }), enabled, ...(samplingRate !== undefined ? { samplingRate } : {}) };
    e.updateTime = isoNow(this.now());
  }

  /** Deploys a model version to an endpoint. */
  deployModel(endpointId: string, input: DeployModelInput, location?: string): VertexSeedDeployedModel {
    const e = this.endpoint(endpointId, location);
    const m = this.model(input.modelId, e.location);
    if (!m.versions.some((v) => v.versionId === input.versionId)) throw new Error(`vertex sandbox: model ${input.modelId} has no version ${input.versionId}`);
    const id = input.id ?? String(this.nextDeployedId++);
    const t = isoNow(this.now());
    const dm: VertexSeedDeployedModel = { id, modelId: input.modelId, versionId: input.versionId, displayName: input.displayName ?? `${m.displayName}-v${input.versionId}`, createTime: t };
    e.deployedModels.push(dm);
    e.trafficSplit = input.trafficSplit ?? { [id]: 100 };
    e.updateTime = t;
    this.validateEndpoint(e);
    return dm;
  }

  /** Undeploys; its traffic share goes to the remaining deployments unless a split is given. */
  undeployModel(endpointId: string, deployedModelId: string, trafficSplit?: Record<string, number>, location?: string): void {
    const e = this.endpoint(endpointId, location);
    const before = e.deployedModels.length;
    e.deployedModels = e.deployedModels.filter((d) => d.id !== deployedModelId);
    if (e.deployedModels.length === before) throw new Error(`vertex sandbox: endpoint ${endpointId} has no deployed model ${deployedModelId}`);
    if (trafficSplit) e.trafficSplit = trafficSplit;
    else {
      const rest = { ...e.trafficSplit };
      const removed = rest[deployedModelId] ?? 0;
      delete rest[deployedModelId];
      const first = e.deployedModels[0];
      if (first && removed) rest[first.id] = (rest[first.id] ?? 0) + removed;
      e.trafficSplit = rest;
    }
    e.updateTime = isoNow(this.now());
    this.validateEndpoint(e);
  }

  // ---- rendering (camelCase objects for @grpc/proto-loader) ----------------------------------

  renderModel(m: Located<VertexSeedModel>, v: VertexSeedModelVersion): Record<string, unknown> {
    const name = this.modelName(m.location, m.id);
    const deployedModels = this.endpoints
      .filter((e) => e.location === m.location)
      .flatMap((e) => e.deployedModels.filter((d) => d.modelId === m.id && d.versionId === v.versionId).map((d) => ({ endpoint: this.endpointName(e.location, e.id), deployedModelId: d.id })));
    return {
      name,
      versionId: v.versionId,
      versionAliases: [...v.aliases],
      versionCreateTime: timestamp(v.createTime),
      versionUpdateTime: timestamp(v.updateTime),
      displayName: m.displayName,
      description: m.description ?? '',
      versionDescription: v.description ?? '',
      trainingPipeline: v.trainingPipelineId ? this.trainingPipelineName(m.location, v.trainingPipelineId) : '',
      artifactUri: v.artifactUri ?? '',
      containerSpec: v.containerImageUri ? { imageUri: v.containerImageUri } : undefined,
      supportedDeploymentResourcesTypes: ['DEDICATED_RESOURCES'],
      createTime: timestamp(m.createTime),
      updateTime: timestamp(v.updateTime),
      deployedModels,
      etag: etag(name, v.versionId, v.updateTime),
      labels: { ...(v.labels ?? {}) },
      encryptionSpec: encryption(m.kmsKeyName),
      modelSourceInfo: { sourceType: m.sourceType ?? 'CUSTOM' },
      metadataArtifact: v.metadataArtifactId ? this.artifactName(m.location, v.metadataArtifactId) : '',
    };
  }

  renderEndpoint(e: Located<VertexSeedEndpoint>): Record<string, unknown> {
    const name = this.endpointName(e.location, e.id);
    const psc = e.privateServiceConnect;
    return {
      name,
      displayName: e.displayName,
      description: e.description ?? '',
      deployedModels: e.deployedModels.map((d) => ({
        id: d.id,
        model: this.modelName(e.location, d.modelId),
        modelVersionId: d.versionId,
        displayName: d.displayName,
        createTime: timestamp(d.createTime),
        dedicatedResources: { machineSpec: { machineType: d.machineType ?? 'n1-standard-4' }, minReplicaCount: 1, maxReplicaCount: 2 },
      })),
      trafficSplit: { ...e.trafficSplit },
      etag: etag(name, e.updateTime),
      labels: { ...(e.labels ?? {}) },
      createTime: timestamp(e.createTime),
      updateTime: timestamp(e.updateTime),
      encryptionSpec: encryption(e.kmsKeyName),
      network: e.network ?? '',
      privateServiceConnectConfig: psc ? { enablePrivateServiceConnect: true, projectAllowlist: [...psc.projectAllowlist] } : undefined,
      predictRequestResponseLoggingConfig: e.logging
        ? {
            enabled: e.logging.enabled,
            samplingRate: e.logging.samplingRate,
            bigqueryDestination: e.logging.bigqueryOutputUri ? { outputUri: e.logging.bigqueryOutputUri } : undefined,
          }
        : undefined,
    };
  }

  renderArtifact(a: Located<VertexSeedArtifact>): Record<string, unknown> {
    const name = this.artifactName(a.location, a.id);
    return {
      name,
      displayName: a.displayName ?? '',
      uri: a.uri ?? '',
      etag: etag(name, a.updateTime),
      labels: { ...(a.labels ?? {}) },
      createTime: timestamp(a.createTime),
      updateTime: timestamp(a.updateTime),
      state: a.state ?? 'LIVE',
      schemaTitle: a.schemaTitle,
      schemaVersion: a.schemaVersion ?? '0.0.1',
      metadata: toStruct(a.metadata ?? {}),
      description: a.description ?? '',
    };
  }

  renderExecution(x: Located<VertexSeedExecution>): Record<string, unknown> {
    const name = this.executionName(x.location, x.id);
    return {
      name,
      displayName: x.displayName ?? '',
      state: x.state ?? 'COMPLETE',
      etag: etag(name, x.updateTime),
      labels: { ...(x.labels ?? {}) },
      createTime: timestamp(x.createTime),
      updateTime: timestamp(x.updateTime),
      schemaTitle: x.schemaTitle,
      schemaVersion: x.schemaVersion ?? '0.0.1',
      metadata: toStruct(x.metadata ?? {}),
      description: x.description ?? '',
    };
  }

  renderEvent(e: VertexSeedEvent & { location: string }): Record<string, unknown> {
    return {
      artifact: this.artifactName(e.location, e.artifactId),
      execution: this.executionName(e.location, e.executionId),
      eventTime: timestamp(e.eventTime),
      type: e.type,
      labels: { ...(e.labels ?? {}) },
    };
  }

  renderDataset(d: Located<VertexSeedDataset>): Record<string, unknown> {
    const name = this.datasetName(d.location, d.id);
    return {
      name,
      displayName: d.displayName,
      description: d.description ?? '',
      metadataSchemaUri: d.metadataSchemaUri,
      metadata: d.metadata === undefined ? undefined : toValue(d.metadata),
      dataItemCount: String(d.dataItemCount ?? 0),
      createTime: timestamp(d.createTime),
      updateTime: timestamp(d.updateTime),
      etag: etag(name, d.updateTime),
      labels: { ...(d.labels ?? {}) },
      encryptionSpec: encryption(d.kmsKeyName),
      metadataArtifact: d.metadataArtifactId ? this.artifactName(d.location, d.metadataArtifactId) : '',
    };
  }

  renderTrainingPipeline(t: Located<VertexSeedTrainingPipeline>): Record<string, unknown> {
    const m = t.modelId ? this.findModel(t.location, t.modelId) : undefined;
    return {
      name: this.trainingPipelineName(t.location, t.id),
      displayName: t.displayName,
      inputDataConfig: t.datasetId
        ? { datasetId: t.datasetId, fractionSplit: { trainingFraction: 0.8, validationFraction: 0.1, testFraction: 0.1 } }
        : undefined,
      trainingTaskDefinition: t.trainingTaskDefinition,
      trainingTaskInputs: t.trainingTaskInputs === undefined ? undefined : toValue(t.trainingTaskInputs),
      modelToUpload: t.modelId
        ? { name: this.modelName(t.location, t.modelId), versionId: t.modelVersionId ?? '', displayName: m?.displayName ?? t.modelId }
        : undefined,
      modelId: t.modelId ?? '',
      state: t.state ?? 'PIPELINE_STATE_SUCCEEDED',
      createTime: timestamp(t.createTime),
      startTime: timestamp(t.startTime),
      endTime: timestamp(t.endTime),
      updateTime: timestamp(t.updateTime),
      labels: { ...(t.labels ?? {}) },
      encryptionSpec: encryption(t.kmsKeyName),
    };
  }

  // ---- lineage -------------------------------------------------------------------------------

  /**
   * The connected subgraph around an artifact, walking events in both directions. One hop is one
   * artifact–execution edge; maxHops 0 (proto3 cannot tell it from "unset") is the transitive
   * closure. Above `nodeLimit` artifacts, executions or events: FAILED_PRECONDITION, as the real
   * service does above 1000.
   */
  lineage(location: string, artifactId: string, maxHops: number, nodeLimit: number, keepArtifact: (a: Located<VertexSeedArtifact>) => boolean): LineageResult {
    const start = this.findArtifact(location, artifactId);
    if (!start) throw notFound(`Artifact ${this.artifactName(location, artifactId)} not found.`);
    if (maxHops < 0) throw invalidArgument('max_hops must not be negative.');
    const limit = maxHops === 0 ? Infinity : maxHops;
    const events = this.events.filter((e) => e.location === location);
    const byArtifact = new Map<string, typeof events>();
    const byExecution = new Map<string, typeof events>();
    for (const e of events) {
      (byArtifact.get(e.artifactId) ?? byArtifact.set(e.artifactId, []).get(e.artifactId)!).push(e);
      (byExecution.get(e.executionId) ?? byExecution.set(e.executionId, []).get(e.executionId)!).push(e);
    }
    const seenA = new Set<string>([artifactId]);
    const seenE = new Set<string>();
    let frontier: { kind: 'a' | 'e'; id: string }[] = [{ kind: 'a', id: artifactId }];
    for (let hop = 0; hop < limit && frontier.length; hop++) {
      const next: typeof frontier = [];
      for (const n of frontier) {
        if (n.kind === 'a') {
          for (const e of byArtifact.get(n.id) ?? []) if (!seenE.has(e.executionId)) (seenE.add(e.executionId), next.push({ kind: 'e', id: e.executionId }));
        } else {
          for (const e of byExecution.get(n.id) ?? []) if (!seenA.has(e.artifactId)) (seenA.add(e.artifactId), next.push({ kind: 'a', id: e.artifactId }));
        }
      }
      frontier = next;
    }
    const artifacts = this.artifacts.filter((a) => a.location === location && seenA.has(a.id) && keepArtifact(a));
    const keptA = new Set(artifacts.map((a) => a.id));
    const executions = this.executions.filter((x) => x.location === location && seenE.has(x.id));
    const subEvents = events.filter((e) => keptA.has(e.artifactId) && seenE.has(e.executionId));
    const over = [
      ['Artifacts', artifacts.length],
      ['Executions', executions.length],
      ['Events', subEvents.length],
    ].find(([, n]) => (n as number) > nodeLimit);
    if (over) {
      throw failedPrecondition(
        `The number of ${over[0]} in the lineage subgraph (${over[1]}) exceeds the limit of ${nodeLimit}. Try a smaller max_hops or a filter.`,
      );
    }
    return { artifacts, executions, events: subEvents };
  }

  // ---- seed validation -----------------------------------------------------------------------

  private validate(): void {
    const fail = (m: string): never => {
      throw new Error(`vertex seed: ${m}`);
    };
    const unique = (what: string, xs: { id: string; location: string }[]) => {
      const seen = new Set<string>();
      for (const x of xs) {
        const k = key(x.location, x.id);
        if (seen.has(k)) fail(`duplicate ${what} ${k}`);
        seen.add(k);
      }
    };
    unique('model', this.models);
    unique('endpoint', this.endpoints);
    unique('artifact', this.artifacts);
    unique('execution', this.executions);
    unique('dataset', this.datasets);
    unique('trainingPipeline', this.trainingPipelines);
    for (const m of this.models) {
      if (!m.versions.length) fail(`model ${m.id} has no versions`);
      const defaults = m.versions.filter((v) => v.aliases.includes('default'));
      if (defaults.length !== 1) fail(`model ${m.id} must have exactly one version with the "default" alias (has ${defaults.length})`);
      const aliases = m.versions.flatMap((v) => v.aliases);
      if (new Set(aliases).size !== aliases.length) fail(`model ${m.id}: an alias is on more than one version`);
      for (const a of aliases) if (!ALIAS_RE.test(a)) fail(`model ${m.id}: invalid alias "${a}"`);
      for (const v of m.versions) {
        if (!/^\d+$/.test(v.versionId)) fail(`model ${m.id}: versionId must be numeric, got ${v.versionId}`);
        if (v.trainingPipelineId && !this.findTrainingPipeline(m.location, v.trainingPipelineId)) fail(`model ${m.id}@${v.versionId}: unknown trainingPipelineId ${v.trainingPipelineId}`);
        if (v.metadataArtifactId && !this.findArtifact(m.location, v.metadataArtifactId)) fail(`model ${m.id}@${v.versionId}: unknown metadataArtifactId ${v.metadataArtifactId}`);
      }
    }
    for (const e of this.endpoints) this.validateEndpoint(e);
    for (const ev of this.events) {
      if (!this.findArtifact(ev.location, ev.artifactId)) fail(`event: unknown artifact ${ev.artifactId}`);
      if (!this.executions.some((x) => x.location === ev.location && x.id === ev.executionId)) fail(`event: unknown execution ${ev.executionId} in ${ev.location}`);
    }
    for (const t of this.trainingPipelines) {
      if (t.datasetId && !this.findDataset(t.location, t.datasetId)) fail(`trainingPipeline ${t.id}: unknown datasetId ${t.datasetId}`);
      if (t.modelId && !this.findModel(t.location, t.modelId)) fail(`trainingPipeline ${t.id}: unknown modelId ${t.modelId}`);
    }
    for (const d of this.datasets) {
      if (d.metadataArtifactId && !this.findArtifact(d.location, d.metadataArtifactId)) fail(`dataset ${d.id}: unknown metadataArtifactId ${d.metadataArtifactId}`);
    }
  }

  private validateEndpoint(e: Located<VertexSeedEndpoint>): void {
    const ids = new Set(e.deployedModels.map((d) => d.id));
    if (ids.size !== e.deployedModels.length) throw new Error(`vertex seed: endpoint ${e.id}: duplicate deployed model id`);
    for (const d of e.deployedModels) {
      const m = this.findModel(e.location, d.modelId);
      if (!m) throw new Error(`vertex seed: endpoint ${e.id}: deployed model ${d.id} names unknown model ${d.modelId}`);
      if (!m.versions.some((v) => v.versionId === d.versionId)) throw new Error(`vertex seed: endpoint ${e.id}: model ${d.modelId} has no version ${d.versionId}`);
    }
    for (const k of Object.keys(e.trafficSplit)) if (!ids.has(k)) throw new Error(`vertex seed: endpoint ${e.id}: trafficSplit names unknown deployed model ${k}`);
    const total = Object.values(e.trafficSplit).reduce((a, b) => a + b, 0);
    if (e.deployedModels.length && total !== 100) throw new Error(`vertex seed: endpoint ${e.id}: trafficSplit sums to ${total}, not 100`);
  }
}
