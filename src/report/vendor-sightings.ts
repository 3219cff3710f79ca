// Third parties named in the evidence: small pure extractors, one per artifact kind, from a record
// (an NDJSON line, or the whole document of a JSON artifact) to the identifiers it names — other AWS
// accounts granted by trust, secret, bucket, KMS key and model package group policies; OIDC and SAML
// identity providers; dataset sources (hf://, https:// hosts, s3:// and gs:// buckets, bq:// projects);
// MLflow webhook targets; GCP projects a Vertex endpoint accepts Private Service Connect traffic from.
// What is the company's own is decided by the aggregator (src/report/vendors.ts), not here.
import { externalGrants, list, principalAccount } from '../../collectors/_shared/resource-policy.js';

export const IDENTIFIER_TYPES = ['aws-account', 'oidc-provider', 'saml-provider', 'domain', 'bucket', 'gcp-project'] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

export interface Sighting {
  type: IdentifierType;
  /** the identifier as matched against the register: account id, provider host/path or name, host, bucket, project */
  id: string;
  /** the resource of the evidence that names it (a role ARN, a secret, a dataset URI…) */
  resource: string;
  /** how it is named there, for people */
  via: string;
}

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** Accounts an Allow statement of a resource policy grants (own-account grants included: the aggregator filters). */
function policyAccounts(doc: unknown, resource: string, what: string): Sighting[] {
  return externalGrants(doc, undefined)
    .filter((g) => g.kind === 'account' && g.account)
    .map((g) => ({ type: 'aws-account' as const, id: g.account!, resource, via: `${what} grants ${g.principal}${g.actions.length ? ` ${g.actions.join(', ')}` : ''}` }));
}

/** An IAM identity provider from its ARN (or a bare federated principal such as accounts.google.com). */
export function providerOf(arnOrName: string): { type: 'oidc-provider' | 'saml-provider'; id: string } {
  const saml = /:saml-provider\/(.+)$/.exec(arnOrName);
  if (saml) return { type: 'saml-provider', id: saml[1]! };
  const oidc = /:oidc-provider\/(.+)$/.exec(arnOrName);
  return { type: 'oidc-provider', id: (oidc ? oidc[1]! : arnOrName).replace(/^https?:\/\//, '').replace(/\/$/, '') };
}

/** The third-party identifier of a dataset or artifact location, or null when it names none (a local path, an MLflow URI). */
export function uriSighting(uri: string, resource: string, what: string): Sighting | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i.exec(uri.trim());
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  const host = m[2]!.replace(/^[^@]*@/, '').replace(/:\d+$/, '').toLowerCase();
  const via = `${what} ${uri}`;
  if (scheme === 's3' || scheme === 's3a' || scheme === 'gs') return host ? { type: 'bucket', id: host, resource, via } : null;
  if (scheme === 'bq') return host ? { type: 'gcp-project', id: host.split('.')[0]!, resource, via } : null;
  if (scheme === 'hf') return { type: 'domain', id: 'huggingface.co', resource, via };
  if ((scheme === 'https' || scheme === 'http') && host) return { type: 'domain', id: host, resource, via };
  return null;
}

/** aws.iam.authorization-details: who each role's trust policy lets in (other accounts, identity providers). */
function iamRole(r: Rec): Sighting[] {
  if (r.type !== 'role') return [];
  const role = str(r.Arn) ?? str(r.RoleName) ?? '(role)';
  const out: Sighting[] = [];
  for (const s of list(obj(r.AssumeRolePolicyDocument)?.Statement)) {
    const st = obj(s);
    if (!st || st.Effect !== 'Allow') continue;
    const p = obj(st.Principal);
    for (const a of list(p?.AWS).filter((x): x is string => typeof x === 'string')) {
      const account = principalAccount(a);
      if (account) out.push({ type: 'aws-account', id: account, resource: role, via: `trust policy lets ${a} assume the role` });
    }
    for (const f of list(p?.Federated).filter((x): x is string => typeof x === 'string')) out.push({ ...providerOf(f), resource: role, via: `trust policy lets identities of ${f} assume the role` });
  }
  return out;
}

/** aws.iam.identity-providers: the account's SAML and OIDC providers. */
function iamProviders(doc: Rec): Sighting[] {
  const out: Sighting[] = [];
  for (const k of ['saml', 'oidc'] as const)
    for (const p of list(doc[k])) {
      const arn = str(obj(p)?.Arn);
      if (arn) out.push({ ...providerOf(arn), resource: arn, via: `${k.toUpperCase()} identity provider of the account` });
    }
  return out;
}

/** aws.datastores.kms-keys: key policies granting other accounts, and keys that belong to another account. */
function kmsKeys(doc: unknown): Sighting[] {
  return list(doc).flatMap((k) => {
    const r = obj(k);
    const arn = str(r?.KeyArn);
    if (!r || !arn) return [];
    const out = policyAccounts(obj(r.policy)?.document, arn, 'key policy');
    const account = /^arn:aws[a-z-]*:kms:[^:]*:(\d{12}):/.exec(arn)?.[1];
    if (r.owner === 'another-account' && account) out.push({ type: 'aws-account', id: account, resource: arn, via: 'ML data encrypted with a KMS key of this account' });
    return out;
  });
}

/** The URI of an MLflow dataset source: `{uri}`, `{url}`, `{path}` or the JSON text of one. */
function mlflowSourceUri(src: unknown): string | null {
  if (typeof src === 'string') {
    try {
      return mlflowSourceUri(JSON.parse(src)) ?? src;
    } catch {
      return src;
    }
  }
  const o = obj(src);
  return o ? (str(o.uri) ?? str(o.url) ?? str(o.path) ?? str(o.source)) : null;
}

/** mlflow.lineage.training-runs: the sources of the datasets each production run was trained on. */
function mlflowRun(r: Rec): Sighting[] {
  const run = obj(r.run);
  const at = `${str(r.model) ?? '?'} v${str(r.version) ?? '?'} (run ${str(run?.run_id) ?? '?'})`;
  return list(run?.datasets).flatMap((d) => {
    const uri = mlflowSourceUri(obj(d)?.source);
    const s = uri ? uriSighting(uri, at, `dataset ${str(obj(d)?.name) ?? ''} from`.replace('  ', ' ')) : null;
    return s ? [s] : [];
  });
}

/** vertex.lineage.production-versions: dataset URIs (metadata artifacts, managed datasets' GCS/BigQuery sources). */
function vertexVersion(r: Rec): Sighting[] {
  const at = `${str(r.displayName) ?? str(r.model) ?? '?'} v${str(r.versionId) ?? '?'}`;
  const uris = list(r.datasets).map((d) => str(obj(d)?.uri));
  const src = obj(obj(r.dataset)?.source);
  uris.push(...list(src?.gcsUris).map(str), str(src?.bigqueryUri));
  return [...new Set(uris.filter((u): u is string => !!u))].flatMap((u) => {
    const s = uriSighting(u, at, 'trained on');
    return s ? [s] : [];
  });
}

/** aws.sagemaker.training-jobs: the S3 input channels of each job. */
function sagemakerJob(r: Rec): Sighting[] {
  const job = str(r.TrainingJobArn) ?? str(r.TrainingJobName) ?? '(training job)';
  return list(r.channels).flatMap((c) => {
    const uri = str(obj(c)?.S3Uri);
    const s = uri ? uriSighting(uri, job, `input channel ${str(obj(c)?.ChannelName) ?? ''} reads`) : null;
    return s ? [s] : [];
  });
}

/** Every `url` / `http_url_spec.url` string under a webhook. */
function urlsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) urlsIn(x, out);
  else if (obj(v)) for (const [k, x] of Object.entries(v as Rec)) typeof x === 'string' && k === 'url' ? out.push(x) : urlsIn(x, out);
  return out;
}

/** mlflow.registry.webhooks: where the registry sends its events. */
function mlflowWebhooks(doc: Rec): Sighting[] {
  const out: Sighting[] = [];
  for (const part of ['oss', 'databricks'] as const)
    for (const w of list(obj(doc[part])?.items)) {
      const id = str(obj(w)?.webhook_id) ?? str(obj(w)?.id) ?? str(obj(w)?.name) ?? '(webhook)';
      for (const u of urlsIn(w)) {
        const s = uriSighting(u, `webhook ${id}`, 'registry events sent to');
        if (s) out.push(s);
      }
    }
  return out;
}

/** vertex.endpoints.endpoints: projects allowed to reach the endpoint over Private Service Connect. */
function vertexEndpoint(r: Rec): Sighting[] {
  const name = str(r.displayName) ?? str(r.name) ?? '(endpoint)';
  return list(obj(r.privateServiceConnect)?.projectAllowlist)
    .filter((p): p is string => typeof p === 'string' && !!p)
    .map((p) => ({ type: 'gcp-project' as const, id: p, resource: name, via: 'Private Service Connect allows project' }));
}

/** artifact kind → extractor of one record (NDJSON line, or the whole JSON document). */
export const EXTRACTORS: Record<string, (record: unknown) => Sighting[]> = {
  'aws.iam.authorization-details': (r) => (obj(r) ? iamRole(obj(r)!) : []),
  'aws.iam.identity-providers': (d) => (obj(d) ? iamProviders(obj(d)!) : []),
  'aws.secretsmanager.secrets': (r) => (obj(r) ? policyAccounts(obj(r)!.resourcePolicy, str(obj(r)!.Name) ?? str(obj(r)!.ARN) ?? '(secret)', 'secret resource policy') : []),
  'aws.datastores.buckets': (r) => (obj(r) ? policyAccounts(obj(obj(r)!.policy)?.document, `s3://${str(obj(r)!.Bucket) ?? '?'}`, 'bucket policy') : []),
  'aws.datastores.kms-keys': kmsKeys,
  'aws.sagemaker.model-package-groups': (r) => (obj(r) ? policyAccounts(obj(r)!.resourcePolicy, str(obj(r)!.ModelPackageGroupArn) ?? '(model package group)', 'model package group policy') : []),
  'aws.sagemaker.training-jobs': (r) => (obj(r) ? sagemakerJob(obj(r)!) : []),
  'mlflow.lineage.training-runs': (r) => (obj(r) ? mlflowRun(obj(r)!) : []),
  'mlflow.registry.webhooks': (d) => (obj(d) ? mlflowWebhooks(obj(d)!) : []),
  'vertex.lineage.production-versions': (r) => (obj(r) ? vertexVersion(obj(r)!) : []),
  'vertex.endpoints.endpoints': (r) => (obj(r) ? vertexEndpoint(obj(r)!) : []),
};
