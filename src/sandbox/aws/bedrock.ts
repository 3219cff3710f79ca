// The Bedrock control plane as the AWS sandbox speaks it: restJson1 over GET paths, written from the
// Bedrock API reference (moto 5.2.1 has these actions but sends custom models' and jobs' times as
// "YYYY-MM-DD HH:MM:SS", which the SDK rightly refuses). A separate loopback server, since the main
// sandbox routes only `POST /` protocols; point AWS_ENDPOINT_URL_BEDROCK at it. Requests are
// recorded; faults deny an action. A test oracle: it imports nothing of the project.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BedrockCustomModel {
  modelName: string;
  baseModelId: string;
  jobName: string;
  kmsKeyArn?: string;
  trainingS3Uri: string;
  validationS3Uris?: string[];
  outputS3Uri: string;
  hyperParameters?: Record<string, string>;
  createdAt: string;
}

export interface BedrockSeed {
  account: string;
  region: string;
  /** the GetModelInvocationLoggingConfiguration answer's loggingConfig, or null (none) */
  logging: Record<string, unknown> | null;
  models: BedrockCustomModel[];
  /** customization jobs still running (they have no model yet) */
  runningJobs?: Omit<BedrockCustomModel, 'createdAt'>[];
}

export interface BedrockRequest {
  action: string;
  params: Record<string, string>;
  status: number;
}

export interface BedrockSandbox {
  url: string;
  requests: BedrockRequest[];
  /** actions answered with AccessDeniedException */
  denied: Set<string>;
  close(): Promise<void>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** maxResults is 1–1000 (API reference); nextToken is the offset this server handed out */
function page<T>(items: T[], q: URLSearchParams, cap?: number): { items: T[]; nextToken?: string } {
  const max = q.has('maxResults') ? Number(q.get('maxResults')) : 100;
  if (!Number.isInteger(max) || max < 1 || max > 1000) throw new ApiError(400, 'ValidationException', `1 validation error detected: Value '${q.get('maxResults')}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000`);
  const token = q.get('nextToken');
  const start = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new ApiError(400, 'ValidationException', 'The provided nextToken is not valid');
  // a page may be shorter than asked (maxPageItems of the main sandbox), as AWS's may
  const end = start + (cap !== undefined && cap > 0 ? Math.min(max, cap) : max);
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}) };
}

/** The Bedrock action a GET path names (and the model or job it names), or undefined: not a Bedrock read. */
export function bedrockAction(method: string, path: string): { action: string; id?: string } | undefined {
  if (method !== 'GET') return undefined;
  if (path === '/logging/modelinvocations') return { action: 'GetModelInvocationLoggingConfiguration' };
  if (path === '/custom-models') return { action: 'ListCustomModels' };
  if (path === '/model-customization-jobs') return { action: 'ListModelCustomizationJobs' };
  const m = /^\/(custom-models|model-customization-jobs)\/([^/]+)$/.exec(path);
  if (m) return { action: m[1] === 'custom-models' ? 'GetCustomModel' : 'GetModelCustomizationJob', id: decodeURIComponent(m[2]!) };
  return undefined;
}

/** One Bedrock read answered from the seed of an account and region; ApiError for what AWS refuses. */
export function answerBedrock(seed: BedrockSeed, action: string, id: string | undefined, q: URLSearchParams, maxPageItems?: number): unknown {
  const arn = (type: string, id: string) => `arn:aws:bedrock:${seed.region}:${seed.account}:${type}/${id}`;
  const base = (id: string) => `arn:aws:bedrock:${seed.region}::foundation-model/${id}`;
  const job = (m: Omit<BedrockCustomModel, 'createdAt'> & { createdAt?: string }, running: boolean) => ({
    jobArn: arn('model-customization-job', m.jobName),
    jobName: m.jobName,
    outputModelName: m.modelName,
    ...(running ? {} : { outputModelArn: arn('custom-model', m.modelName) }),
    roleArn: `arn:aws:iam::${seed.account}:role/bedrock-customization`,
    status: running ? 'InProgress' : 'Completed',
    creationTime: m.createdAt ?? new Date(0).toISOString(),
    ...(running ? {} : { endTime: m.createdAt, lastModifiedTime: m.createdAt }),
    baseModelArn: base(m.baseModelId),
    customizationType: 'FINE_TUNING',
    hyperParameters: m.hyperParameters ?? {},
    trainingDataConfig: { s3Uri: m.trainingS3Uri },
    validationDataConfig: { validators: (m.validationS3Uris ?? []).map((s3Uri) => ({ s3Uri })) },
    outputDataConfig: { s3Uri: m.outputS3Uri },
    ...(m.kmsKeyArn ? { outputModelKmsKeyArn: m.kmsKeyArn } : {}),
  });
  const jobs = [...seed.models.map((m) => job(m, false)), ...(seed.runningJobs ?? []).map((m) => job(m, true))];
  const model = (m: BedrockCustomModel) => ({
    modelArn: arn('custom-model', m.modelName),
    modelName: m.modelName,
    jobName: m.jobName,
    jobArn: arn('model-customization-job', m.jobName),
    baseModelArn: base(m.baseModelId),
    customizationType: 'FINE_TUNING',
    ...(m.kmsKeyArn ? { modelKmsKeyArn: m.kmsKeyArn } : {}),
    hyperParameters: m.hyperParameters ?? {},
    trainingDataConfig: { s3Uri: m.trainingS3Uri },
    validationDataConfig: { validators: (m.validationS3Uris ?? []).map((s3Uri) => ({ s3Uri })) },
    outputDataConfig: { s3Uri: m.outputS3Uri },
    creationTime: m.createdAt,
    modelStatus: 'Active',
  });
  const models = seed.models.map(model);
  const find = <T extends Record<string, unknown>>(items: T[], id: string, keys: string[], what: string): T => {
    const hit = items.find((x) => keys.some((k) => x[k] === id));
    if (!hit) throw new ApiError(404, 'ResourceNotFoundException', `${what} ${id} not found`);
    return hit;
  };
  switch (action) {
    case 'GetModelInvocationLoggingConfiguration':
      return seed.logging ? { loggingConfig: seed.logging } : {};
    case 'ListCustomModels': {
      const p = page(models, q, maxPageItems);
      return { modelSummaries: p.items.map((m) => ({ modelArn: m.modelArn, modelName: m.modelName, creationTime: m.creationTime, baseModelArn: m.baseModelArn, baseModelName: '', customizationType: m.customizationType, ownerAccountId: seed.account, modelStatus: m.modelStatus })), ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
    }
    case 'ListModelCustomizationJobs': {
      const p = page(jobs, q, maxPageItems);
      return { modelCustomizationJobSummaries: p.items.map((j) => ({ jobArn: j.jobArn, baseModelArn: j.baseModelArn, jobName: j.jobName, status: j.status, creationTime: j.creationTime, ...(j.outputModelArn ? { customModelArn: j.outputModelArn } : {}), customModelName: j.outputModelName, customizationType: j.customizationType })), ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
    }
    case 'GetCustomModel':
      return find(models, id ?? '', ['modelArn', 'modelName'], 'Custom model');
    case 'GetModelCustomizationJob':
      return find(jobs, id ?? '', ['jobArn', 'jobName'], 'Model customization job');
    default:
      throw new ApiError(404, 'UnknownOperationException', `no operation ${action}`);
  }
}

export async function startBedrockSandbox(seed: BedrockSeed): Promise<BedrockSandbox> {
  const requests: BedrockRequest[] = [];
  const denied = new Set<string>();
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://sandbox');
    const reply = (status: number, body: unknown, type?: string) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': `req-${requests.length}`, ...(type ? { 'x-amzn-errortype': type } : {}) });
      res.end(JSON.stringify(body));
    };
    let action = 'unknown';
    try {
      const r = bedrockAction(req.method ?? 'GET', u.pathname);
      if (!r) throw new ApiError(404, 'UnknownOperationException', `no operation at ${req.method} ${u.pathname}`);
      action = r.action;
      if (denied.has(action)) throw new ApiError(403, 'AccessDeniedException', `User: arn:aws:sts::${seed.account}:assumed-role/soc2/collector is not authorized to perform: bedrock:${action}`);
      const body = answerBedrock(seed, r.action, r.id, u.searchParams);
      requests.push({ action, params: Object.fromEntries(u.searchParams), status: 200 });
      reply(200, body);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, 'InternalServerException', String(e));
      requests.push({ action, params: Object.fromEntries(u.searchParams), status: err.status });
      reply(err.status, { message: err.message }, err.type);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, denied, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
