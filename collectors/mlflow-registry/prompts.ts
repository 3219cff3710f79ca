// Prompts (MLflow ≥ 2.21): registered models tagged mlflow.prompt.is_prompt = true, whose versions
// hold the template in the version tag mlflow.prompt.text. The default searches hide them, so they
// are listed with the prompt-tag filter and kept in their own artifact; their alias moves join the
// promotion log like a model's.
import type { ModelVersion, RegisteredModel } from '../../src/clients/mlflow.js';
import type { Redactor } from '../_shared/redact.js';
import { isProductionVersion, PROMPT_TAG } from './mlflow.js';

export const PROMPT_TEXT_TAG = 'mlflow.prompt.text';

/** One line of mlflow.registry.prompts: a prompt version. */
export interface PromptVersionRecord {
  name: string;
  version: string;
  aliases: string[];
  /** an alias in productionAliases */
  production: boolean;
  /** the template (mlflow.prompt.text), credentials redacted */
  template: string | null;
  /** MLflow keeps a version's commit message as its description */
  commit_message: string | null;
  /** the version's other tags (the prompt marker and the template left out) */
  tags: Record<string, string>;
  /** the prompt's own tags */
  prompt_tags: Record<string, string>;
  status: string | null;
  user_id: string | null;
  creation_timestamp: number | null;
  last_updated_timestamp: number | null;
  /** the prompt could not be read (permissions): aliases unknown */
  aliases_unknown?: true;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function promptTagsOf(m: RegisteredModel, r: Redactor): Record<string, string> {
  const tags = r.tags(m.tags, 'promptTags');
  delete tags[PROMPT_TAG];
  return tags;
}

export function toPromptVersionRecord(v: ModelVersion, aliases: string[], promptTags: Record<string, string>, productionAliases: readonly string[], r: Redactor, aliasesKnown: boolean): PromptVersionRecord {
  const all = r.tags(v.tags, 'promptVersionTags');
  const template = (v.tags ?? []).find((t) => t.key === PROMPT_TEXT_TAG)?.value;
  delete all[PROMPT_TAG];
  delete all[PROMPT_TEXT_TAG];
  return {
    name: v.name,
    version: String(v.version),
    aliases,
    production: isProductionVersion({ current_stage: null, aliases }, productionAliases),
    template: template === undefined ? null : r.value(template, 'promptTemplates'),
    commit_message: str(r.value(v.description, 'promptVersionTags')),
    tags: all,
    prompt_tags: promptTags,
    status: str(v.status),
    user_id: str(v.user_id),
    creation_timestamp: num(v.creation_timestamp),
    last_updated_timestamp: num(v.last_updated_timestamp),
    ...(aliasesKnown ? {} : { aliases_unknown: true as const }),
  };
}
