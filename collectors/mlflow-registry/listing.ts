// One registry population (the models, or the prompts) listed whole: registered models page by page
// (their aliases are the authoritative alias → version map), then every version with its aliases
// joined. A version whose model the model listing did not return is held back and its model asked
// for by name: on a server with permissions (MLflow basic-auth) model-versions/search is not
// filtered but registered-models/search is, so those versions belong to models this identity
// cannot read — their aliases and tags are unknown, and the listing is not complete. That is a gap
// naming the models, never a quietly partial population.
import { MlflowError, type ModelVersion, type RegisteredModel } from '../../src/clients/mlflow.js';
import { describeError } from '../../src/core/errors.js';
import type { Gap, OperationRecord } from '../../src/core/types.js';
import { MAX_ITEM_GAPS } from '../_shared/item-gaps.js';
import { forEachModel, forEachVersion, gapOf, indexAliases, isUnauthenticated, op, versionKey, type AliasIndex, type MlflowContext } from './mlflow.js';

export interface ListingSpec {
  /** registered-models/search and model-versions/search filter ('' for every model) */
  filter: string;
  /** max_results of both listings; default the largest each allows */
  pageSize?: number;
  /** called once per model: every listed model, then each model found by name */
  onModel(m: RegisteredModel): Promise<void>;
  /** called once per version with its aliases; `aliasesKnown` false when its model could not be read */
  onVersion(v: ModelVersion, aliases: string[], aliasesKnown: boolean): Promise<void>;
}

export interface ListingResult {
  modelsOk: boolean;
  versionsOk: boolean;
  /** models whose versions were listed but which this identity cannot read (or could not be asked) */
  hidden: { name: string; versions: number; error: { code: string; message: string } }[];
  /** models the model listing missed but registered-models/get answered (created while we listed) */
  foundByName: string[];
  aliasIndex: AliasIndex;
  operations: OperationRecord[];
  unauthenticated: boolean;
}

export async function listRegistry(ctx: MlflowContext, s: ListingSpec, gap: (g: Gap) => void): Promise<ListingResult> {
  const filterParam = s.filter ? { filter: s.filter } : {};
  const modelsOp = op('mlflow:SearchRegisteredModels', 'GET', 'registered-models/search', filterParam);
  const versionsOp = op('mlflow:SearchModelVersions', 'GET', 'model-versions/search', filterParam);
  const getOp = op('mlflow:GetRegisteredModel', 'GET', 'registered-models/get', { name: '<each model whose versions were listed but which registered-models/search did not return>' });
  getOp.calls = 0;
  const res: ListingResult = { modelsOk: true, versionsOk: true, hidden: [], foundByName: [], aliasIndex: new Map(), operations: [modelsOp, versionsOp], unauthenticated: false };
  const fail = (api: string, e: unknown) => {
    gap(gapOf(api, e));
    if (isUnauthenticated(e)) res.unauthenticated = true;
  };

  try {
    await forEachModel(ctx, modelsOp, async (m) => {
      indexAliases(res.aliasIndex, m);
      await s.onModel(m);
    }, { filter: s.filter, pageSize: s.pageSize });
  } catch (e) {
    res.modelsOk = false;
    fail(modelsOp.api, e);
  }
  if (res.unauthenticated) return res;

  const held = new Map<string, ModelVersion[]>();
  const seen = new Set<string>();
  try {
    await forEachVersion(ctx, versionsOp, async (v) => {
      const k = versionKey(v.name, String(v.version));
      if (seen.has(k)) return; // offset pagination can repeat a version when the registry changes between pages
      seen.add(k);
      if (res.modelsOk && !res.aliasIndex.has(v.name)) {
        const list = held.get(v.name) ?? [];
        list.push(v);
        held.set(v.name, list);
        return;
      }
      await s.onVersion(v, res.aliasIndex.get(v.name)?.get(String(v.version)) ?? [], res.modelsOk);
    }, { filter: s.filter, pageSize: s.pageSize });
  } catch (e) {
    res.versionsOk = false;
    fail(versionsOp.api, e);
  }
  if (held.size === 0) return res;

  res.operations.push(getOp);
  let asked = 0;
  for (const [name, versions] of held) {
    let model: RegisteredModel | null = null;
    let error: { code: string; message: string } | null = null;
    if (res.unauthenticated || asked >= MAX_ITEM_GAPS) error = { code: 'NOT_CHECKED', message: `not asked: ${res.unauthenticated ? 'the server refused the credentials' : `more than ${MAX_ITEM_GAPS} such models`}` };
    else {
      asked++;
      getOp.calls!++;
      getOp.pages++;
      try {
        model = await ctx.mlflow.getRegisteredModel(name);
      } catch (e) {
        error = describeError(e);
        if (isUnauthenticated(e)) res.unauthenticated = true;
        if (!(e instanceof MlflowError)) throw e;
      }
    }
    if (model) {
      indexAliases(res.aliasIndex, model);
      res.foundByName.push(name);
      await s.onModel(model);
    } else res.hidden.push({ name, versions: versions.length, error: error! });
    for (const v of versions) await s.onVersion(v, res.aliasIndex.get(name)?.get(String(v.version)) ?? [], model !== null);
  }
  if (res.hidden.length) gap(hiddenGap(res.hidden));
  return res;
}

/** One gap naming the models this identity cannot read (their versions are listed, their aliases are not). */
function hiddenGap(hidden: ListingResult['hidden']): Gap {
  const denied = hidden.filter((h) => h.error.code === 'PERMISSION_DENIED').length;
  const shown = hidden.slice(0, MAX_ITEM_GAPS).map((h) => `${h.name} (${h.versions} version${h.versions === 1 ? '' : 's'}; registered-models/get: ${h.error.code})`);
  const more = hidden.length > shown.length ? ` and ${hidden.length - shown.length} more` : '';
  return {
    api: 'mlflow:SearchRegisteredModels',
    code: denied === hidden.length ? 'PERMISSION_FILTERED' : 'INCOMPLETE_LISTING',
    message: `registered-models/search did not return ${hidden.length} model${hidden.length === 1 ? '' : 's'} whose versions model-versions/search listed: ${shown.join(', ')}${more}. ${denied ? 'This identity lacks READ on them: ' : ''}their aliases, tags and production status are unknown, so the registry snapshot is incomplete`,
  };
}
