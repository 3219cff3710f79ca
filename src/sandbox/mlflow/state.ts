// In-memory registry + tracking state of the sandbox, with mutators for tests and the day-by-day
// demo. Timestamp behaviour follows MLflow's SQL store (mlflow/store/model_registry/sqlalchemy_store.py):
//   create version      → version created/updated = now, registered model last_updated = now
//   transition stage    → version (and archived siblings) last_updated = now, model last_updated = now
//   delete version      → model last_updated = now; its aliases are removed; numbers are never reused
//   set/delete alias    → NO timestamp changes (MLflow does not touch last_updated for aliases)
//   set version tag     → NO timestamp changes
// So a collector cannot detect alias moves from last_updated_timestamp: it must diff snapshots.
import type {
  MlflowKeyValue,
  MlflowModelVersionStatus,
  MlflowSeed,
  MlflowSeedExperiment,
  MlflowSeedLoggedModel,
  MlflowSeedModelVersion,
  MlflowSeedRegisteredModel,
  MlflowSeedRegistryWebhook,
  MlflowSeedRun,
  MlflowSeedTransitionRequest,
  MlflowSeedWebhook,
  MlflowStage,
} from './types.js';

export interface ModelVersionRecord {
  name: string;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  current_stage: MlflowStage;
  description?: string;
  source: string;
  run_id?: string;
  run_link?: string;
  status: MlflowModelVersionStatus;
  status_message?: string;
  tags: MlflowKeyValue[];
}

export interface ModelRecord {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description?: string;
  tags: MlflowKeyValue[];
  /** alias → version number */
  aliases: Map<string, number>;
  /** live (not deleted) versions, ascending by version number */
  versions: ModelVersionRecord[];
  /** next version number; deleted numbers are never reused */
  nextVersion: number;
}

export interface AddModelVersionInput {
  source: string;
  run_id?: string;
  user_id?: string;
  description?: string;
  tags?: MlflowKeyValue[];
  status?: MlflowModelVersionStatus;
  status_message?: string;
  run_link?: string;
  /** Stage at creation; MLflow always creates in 'None', tests may want something else. */
  current_stage?: MlflowStage;
}

export interface AddRegisteredModelInput {
  name: string;
  description?: string;
  tags?: MlflowKeyValue[];
}

const STAGES: Record<string, MlflowStage> = {
  none: 'None',
  staging: 'Staging',
  production: 'Production',
  archived: 'Archived',
};

/** MLflow's get_canonical_stage: case-insensitive stage names. */
export function canonicalStage(stage: string): MlflowStage {
  const s = STAGES[stage.toLowerCase()];
  if (!s) throw new Error(`Invalid Model Version stage: ${stage}. Value must be one of None, Staging, Production, Archived.`);
  return s;
}

function upsertTag(tags: MlflowKeyValue[], key: string, value: string): void {
  const existing = tags.find((t) => t.key === key);
  if (existing) existing.value = value;
  else tags.push({ key, value });
}

export class MlflowState {
  readonly experiments = new Map<string, MlflowSeedExperiment>();
  readonly models = new Map<string, ModelRecord>();
  readonly runs = new Map<string, MlflowSeedRun>();
  webhooks: MlflowSeedWebhook[];
  registryWebhooks: MlflowSeedRegistryWebhook[];
  transitionRequests: MlflowSeedTransitionRequest[];
  /** MLflow 3 LoggedModels by id, deleted ones included (lifecycle_stage deleted) */
  readonly loggedModels = new Map<string, MlflowSeedLoggedModel>();
  private sortedNames: string[] | null = null;
  private runOrder: MlflowSeedRun[] | null = null;
  private byRunId: Map<string, ModelVersionRecord[]> | null = null;
  /** Bumped by every mutator; lets handlers cache sorted search results between pages. */
  revision = 0;

  constructor(
    seed: MlflowSeed,
    readonly now: () => number = Date.now,
  ) {
    for (const e of seed.experiments) this.experiments.set(e.experiment_id, structuredClone(e));
    for (const rm of seed.registeredModels) this.loadRegisteredModel(rm);
    for (const mv of seed.modelVersions) this.loadModelVersion(mv);
    for (const m of this.models.values()) m.versions.sort((a, b) => a.version - b.version);
    for (const rm of seed.registeredModels) {
      const model = this.models.get(rm.name)!;
      for (const a of rm.aliases) {
        const v = Number(a.version);
        if (!model.versions.some((mv) => mv.version === v)) {
          throw new Error(`seed: alias ${rm.name}@${a.alias} points to missing version ${a.version}`);
        }
        model.aliases.set(a.alias, v);
      }
    }
    // Runs are kept by reference (not cloned) so a large generated seed is not held twice.
    for (const r of seed.runs) this.runs.set(r.info.run_id, r);
    this.webhooks = (seed.webhooks ?? []).map((w) => structuredClone(w));
    this.registryWebhooks = (seed.registryWebhooks ?? []).map((w) => structuredClone(w));
    this.transitionRequests = (seed.transitionRequests ?? []).map((t) => structuredClone(t));
    for (const lm of seed.loggedModels ?? []) this.loggedModels.set(lm.model_id, structuredClone(lm));
  }

  private loadRegisteredModel(rm: MlflowSeedRegisteredModel): void {
    if (this.models.has(rm.name)) throw new Error(`seed: duplicate registered model ${rm.name}`);
    const rec: ModelRecord = {
      name: rm.name,
      creation_timestamp: rm.creation_timestamp,
      last_updated_timestamp: rm.last_updated_timestamp,
      tags: (rm.tags ?? []).map((t) => ({ ...t })),
      aliases: new Map(),
      versions: [],
      nextVersion: 1,
    };
    if (rm.description !== undefined) rec.description = rm.description;
    this.models.set(rm.name, rec);
  }

  private loadModelVersion(mv: MlflowSeedModelVersion): void {
    const model = this.models.get(mv.name);
    if (!model) throw new Error(`seed: model version ${mv.name}/${mv.version} has no registered model`);
    const version = Number(mv.version);
    if (!Number.isInteger(version) || version < 1) throw new Error(`seed: bad version ${mv.name}/${mv.version}`);
    if (model.versions.some((v) => v.version === version)) throw new Error(`seed: duplicate version ${mv.name}/${mv.version}`);
    const rec: ModelVersionRecord = {
      name: mv.name,
      version,
      creation_timestamp: mv.creation_timestamp,
      last_updated_timestamp: mv.last_updated_timestamp,
      current_stage: canonicalStage(mv.current_stage),
      source: mv.source,
      status: mv.status,
      tags: (mv.tags ?? []).map((t) => ({ ...t })),
    };
    if (mv.user_id !== undefined) rec.user_id = mv.user_id;
    if (mv.description !== undefined) rec.description = mv.description;
    if (mv.run_id !== undefined) rec.run_id = mv.run_id;
    if (mv.run_link !== undefined) rec.run_link = mv.run_link;
    if (mv.status_message !== undefined) rec.status_message = mv.status_message;
    model.versions.push(rec);
    model.nextVersion = Math.max(model.nextVersion, version + 1);
  }

  // ---- queries ----

  sortedModelNames(): string[] {
    if (!this.sortedNames) this.sortedNames = [...this.models.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sortedNames;
  }

  getModel(name: string): ModelRecord | undefined {
    return this.models.get(name);
  }

  getVersion(name: string, version: number): ModelVersionRecord | undefined {
    return this.models.get(name)?.versions.find((v) => v.version === version);
  }

  aliasesOf(mv: ModelVersionRecord): string[] {
    const model = this.models.get(mv.name);
    if (!model) return [];
    const out: string[] = [];
    for (const [alias, v] of model.aliases) if (v === mv.version) out.push(alias);
    return out.sort();
  }

  /** Live model versions registered from a run (index rebuilt after version mutations). */
  versionsForRun(runId: string): ModelVersionRecord[] {
    if (!this.byRunId) {
      this.byRunId = new Map();
      for (const m of this.models.values()) {
        for (const mv of m.versions) {
          if (mv.run_id === undefined) continue;
          const list = this.byRunId.get(mv.run_id);
          if (list) list.push(mv);
          else this.byRunId.set(mv.run_id, [mv]);
        }
      }
    }
    return this.byRunId.get(runId) ?? [];
  }

  /** All runs in insertion order (cached until addRun). */
  allRuns(): MlflowSeedRun[] {
    if (!this.runOrder) this.runOrder = [...this.runs.values()];
    return this.runOrder;
  }

  // ---- mutators ----

  private requireModel(name: string): ModelRecord {
    const m = this.models.get(name);
    if (!m) throw new Error(`Registered Model with name=${name} not found`);
    return m;
  }

  private requireVersion(name: string, version: string | number): ModelVersionRecord {
    const mv = this.getVersion(name, Number(version));
    if (!mv) throw new Error(`Model Version (name=${name}, version=${version}) not found`);
    return mv;
  }

  addRegisteredModel(input: AddRegisteredModelInput): ModelRecord {
    this.revision++;
    if (this.models.has(input.name)) throw new Error(`Registered Model (name=${input.name}) already exists.`);
    const t = this.now();
    const seed: MlflowSeedRegisteredModel = {
      name: input.name,
      creation_timestamp: t,
      last_updated_timestamp: t,
      tags: input.tags ?? [],
      aliases: [],
    };
    if (input.description !== undefined) seed.description = input.description;
    this.loadRegisteredModel(seed);
    this.sortedNames = null;
    return this.models.get(input.name)!;
  }

  /** Point `alias` at `version` (moving it when it exists). No timestamps change, as in MLflow. */
  setAlias(model: string, alias: string, version: string | number): void {
    this.revision++;
    const m = this.requireModel(model);
    const mv = this.requireVersion(model, version);
    m.aliases.set(alias, mv.version);
  }

  /** Remove an alias; removing a missing alias is a no-op, as in MLflow. */
  deleteAlias(model: string, alias: string): void {
    this.revision++;
    this.requireModel(model).aliases.delete(alias);
  }

  transitionStage(
    model: string,
    version: string | number,
    stage: string,
    opts: { archiveExistingVersions?: boolean } = {},
  ): ModelVersionRecord {
    this.revision++;
    const m = this.requireModel(model);
    const mv = this.requireVersion(model, version);
    const target = canonicalStage(stage);
    if (opts.archiveExistingVersions && target !== 'Staging' && target !== 'Production') {
      throw new Error(`Model version transition cannot archive existing model versions because '${stage}' is not an Active stage.`);
    }
    const t = this.now();
    if (opts.archiveExistingVersions) {
      for (const other of m.versions) {
        if (other !== mv && other.current_stage === target) {
          other.current_stage = 'Archived';
          other.last_updated_timestamp = t;
        }
      }
    }
    mv.current_stage = target;
    mv.last_updated_timestamp = t;
    m.last_updated_timestamp = t;
    return mv;
  }

  addModelVersion(model: string, input: AddModelVersionInput): ModelVersionRecord {
    this.revision++;
    const m = this.requireModel(model);
    const t = this.now();
    const rec: ModelVersionRecord = {
      name: model,
      version: m.nextVersion,
      creation_timestamp: t,
      last_updated_timestamp: t,
      current_stage: input.current_stage ? canonicalStage(input.current_stage) : 'None',
      source: input.source,
      status: input.status ?? 'READY',
      tags: (input.tags ?? []).map((x) => ({ ...x })),
      run_link: input.run_link ?? '',
    };
    if (input.user_id !== undefined) rec.user_id = input.user_id;
    if (input.description !== undefined) rec.description = input.description;
    if (input.run_id !== undefined) rec.run_id = input.run_id;
    if (input.status_message !== undefined) rec.status_message = input.status_message;
    m.versions.push(rec);
    m.nextVersion += 1;
    this.byRunId = null;
    m.last_updated_timestamp = t;
    return rec;
  }

  /** Delete a version: its aliases go with it, the model's last_updated moves, the number is not reused. */
  deleteModelVersion(model: string, version: string | number): void {
    this.revision++;
    const m = this.requireModel(model);
    const mv = this.requireVersion(model, version);
    m.versions = m.versions.filter((v) => v !== mv);
    this.byRunId = null;
    for (const [alias, v] of [...m.aliases]) if (v === mv.version) m.aliases.delete(alias);
    m.last_updated_timestamp = this.now();
  }

  /** Set (or overwrite) a version tag. No timestamps change, as in MLflow. */
  setModelVersionTag(model: string, version: string | number, key: string, value: string): void {
    this.revision++;
    upsertTag(this.requireVersion(model, version).tags, key, value);
  }

  deleteModelVersionTag(model: string, version: string | number, key: string): void {
    this.revision++;
    const mv = this.requireVersion(model, version);
    mv.tags = mv.tags.filter((t) => t.key !== key);
  }

  setRegisteredModelTag(model: string, key: string, value: string): void {
    this.revision++;
    upsertTag(this.requireModel(model).tags, key, value);
  }

  addRun(run: MlflowSeedRun): MlflowSeedRun {
    this.revision++;
    if (this.runs.has(run.info.run_id)) throw new Error(`Run ${run.info.run_id} already exists`);
    this.runs.set(run.info.run_id, run);
    this.runOrder = null;
    return run;
  }

  addExperiment(e: MlflowSeedExperiment): void {
    this.revision++;
    this.experiments.set(e.experiment_id, structuredClone(e));
  }

  addTransitionRequest(r: MlflowSeedTransitionRequest): void {
    this.revision++;
    this.transitionRequests.push(structuredClone(r));
  }

  /** Add a LoggedModel (MLflow 3). */
  addLoggedModel(lm: MlflowSeedLoggedModel): void {
    this.revision++;
    if (this.loggedModels.has(lm.model_id)) throw new Error(`Logged model ${lm.model_id} already exists`);
    this.loggedModels.set(lm.model_id, structuredClone(lm));
  }

  /** Delete a LoggedModel as MLflow does: it stays in the store, marked deleted; search and get stop returning it. */
  deleteLoggedModel(modelId: string): void {
    this.revision++;
    const lm = this.loggedModels.get(modelId);
    if (!lm) throw new Error(`Logged model with ID '${modelId}' not found.`);
    lm.lifecycle_stage = 'deleted';
    lm.last_updated_timestamp_ms = this.now();
  }

  addWebhook(w: MlflowSeedWebhook): void {
    this.revision++;
    this.webhooks.push(structuredClone(w));
  }

  /** The current state as a seed (e.g. to save a demo day or start a second server). */
  snapshot(): MlflowSeed {
    const registeredModels: MlflowSeedRegisteredModel[] = [];
    const modelVersions: MlflowSeedModelVersion[] = [];
    for (const name of this.sortedModelNames()) {
      const m = this.models.get(name)!;
      const rm: MlflowSeedRegisteredModel = {
        name: m.name,
        creation_timestamp: m.creation_timestamp,
        last_updated_timestamp: m.last_updated_timestamp,
        tags: m.tags.map((t) => ({ ...t })),
        aliases: [...m.aliases].map(([alias, v]) => ({ alias, version: String(v) })),
      };
      if (m.description !== undefined) rm.description = m.description;
      registeredModels.push(rm);
      for (const mv of m.versions) {
        const { version, tags, ...rest } = mv;
        modelVersions.push({ ...rest, version: String(version), tags: tags.map((t) => ({ ...t })) });
      }
    }
    return {
      experiments: [...this.experiments.values()].map((e) => structuredClone(e)),
      registeredModels,
      modelVersions,
      runs: this.allRuns().map((r) => structuredClone(r)),
      webhooks: this.webhooks.map((w) => structuredClone(w)),
      registryWebhooks: this.registryWebhooks.map((w) => structuredClone(w)),
      transitionRequests: this.transitionRequests.map((t) => structuredClone(t)),
      loggedModels: [...this.loggedModels.values()].map((l) => structuredClone(l)),
    };
  }
}
