// The demo company's observation period, day by day: what changes in the sandbox servers before
// each daily collection. The company starts healthy (baseline.ts), so these events are what the
// report shows as deviations. Days are placed as fractions of the period so any --days ≥ 10 tells the
// same story: approved and unapproved promotions, an alias moved, secrets rotated and one that stops
// rotating, an admin role appearing and going, MFA enabled late, inference logging turned off (Vertex
// and SageMaker) and Bedrock for a few days, the training-data bucket on SSE-S3 for a few days, a
// SageMaker package approved by its own author, one
// day without collection and one day where a collector fails.
import type { AwsSandbox } from '../sandbox/aws/index.js';
import type { MlflowSandbox } from '../sandbox/mlflow/index.js';
import type { VertexSandbox } from '../sandbox/vertex/index.js';

export interface DemoWorld {
  aws: AwsSandbox;
  mlflow: MlflowSandbox;
  vertex: VertexSandbox;
  /** the injected clock every server and the collectors share */
  clock: { now: Date };
}

export interface DayPlan {
  day: number;
  /** no collection this day (the report must show the hole) */
  skip: boolean;
  events: string[];
  /** undo after the day's collection (e.g. a fault that lasts one day) */
  after?: () => void;
}

const ACCOUNT = '111122223333';
const DAY_MS = 86_400_000;
const DATA_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/5d3a7a00-0000-4000-8000-0000000da7a0`;

export const DEMO_START = new Date('2026-11-28T02:00:00Z');

function account(w: DemoWorld) {
  const a = w.aws.state.accounts.find((x) => x.id === ACCOUNT);
  if (!a) throw new Error(`demo seed lacks account ${ACCOUNT}`);
  return a;
}

/** Applies day `d` of an `n`-day period to the servers; returns what happened, for the log. */
export function playDay(w: DemoWorld, d: number, n: number): DayPlan {
  const at = (f: number) => Math.max(1, Math.min(n - 1, Math.round(n * f)));
  const now = w.clock.now;
  const iso = now.toISOString();
  const events: string[] = [];
  const a = account(w);
  const plan: DayPlan = { day: d, skip: false, events };

  // Secrets: every one is read every day and rotates on its schedule, except the rds one: it rotates
  // weekly (its own schedule expression) until it silently stops.
  for (const list of Object.values(a.secrets)) {
    for (const s of list) {
      s.lastAccessed = iso;
      if (s.name.startsWith('rds!db')) {
        if (d % 7 === 0 && d < at(0.25)) {
          s.lastRotated = iso;
          s.lastChanged = iso;
          events.push(`secret ${s.name} rotated`);
        }
        continue;
      }
      const days = s.rotation?.enabled ? s.rotation.days : undefined;
      if (days && s.lastRotated && now.getTime() - Date.parse(s.lastRotated) >= days * DAY_MS) {
        s.lastRotated = iso;
        s.lastChanged = iso;
        events.push(`secret ${s.name} rotated (${days}-day schedule)`);
      }
    }
  }
  if (d === at(0.25)) events.push('rds rotation Lambda starts failing: the secret stops rotating');

  // Registry (MLflow)
  const ml = w.mlflow.state;
  if (d === at(0.15)) {
    ml.setModelVersionTag('fraud-detector', '4', 'approved_by', 'carol@acme.ai');
    ml.setAlias('fraud-detector', 'champion', '4');
    ml.setAlias('fraud-detector', 'production', '4');
    events.push('MLflow: fraud-detector v4 approved by carol and promoted (champion, production moved 3 → 4)');
  }
  if (d === at(0.45)) {
    const v = ml.addModelVersion('churn-model', { source: 's3://acme-ml-models/churn/5', run_id: undefined, user_id: 'dave@acme.ai', tags: [{ key: 'ticket', value: 'CHG-160' }] });
    ml.setAlias('churn-model', 'champion', v.version);
    events.push(`MLflow: churn-model v${v.version} registered by dave and made champion with no approval`);
  }
  if (d === at(0.6)) {
    ml.setModelVersionTag('ranker', '5', 'approved_by', 'carol@acme.ai');
    ml.transitionStage('ranker', '5', 'Production', { archiveExistingVersions: true });
    events.push('MLflow: ranker v5 approved and moved to stage Production (v4 archived)');
  }

  // Vertex AI
  const vx = w.vertex.state;
  if (d === at(0.3)) {
    const v = vx.addVersion('1467238951083851776', { labels: { team: 'risk', 'approved-by': 'maria-chen', 'change-ticket': 'chg-1107' }, aliases: [] });
    vx.moveAlias('1467238951083851776', 'production', v.versionId);
    // deployed where the production traffic goes, so that endpoint's logging is judged from here on
    vx.deployModel('5580311923841662976', { modelId: '1467238951083851776', versionId: v.versionId });
    events.push(`Vertex: fraud-detector v${v.versionId} registered, approved, given the production alias (moved from v3) and deployed to fraud-detector-prod; it was trained outside the pipeline, so no dataset lineage`);
  }
  if (d === at(0.55)) {
    vx.setEndpointLogging('5580311923841662976', false);
    events.push('Vertex: request-response logging turned off on endpoint fraud-detector-prod');
  }
  if (d === at(0.75)) {
    vx.moveAlias('2890145563217035264', 'champion', '1');
    events.push('Vertex: churn-predictor champion alias rolled back to v1, which has no approval label');
  }

  // CloudTrail: one multi-region trail all period; the changes below that it records carry their actor
  a.cloudtrail ??= { trails: [{ name: 'acme-trail', homeRegion: 'us-east-1', bucket: 'acme-cloudtrail-logs', multiRegion: true, logFileValidation: true, kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/cloudtrail` }], events: {} };
  const trail = (name: string, source: string, who: string, resource: { type: string; name: string }) =>
    (a.cloudtrail!.events!['us-east-1'] ??= []).push({ name, source, time: iso, userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ml-engineer/${who}`, accountId: ACCOUNT }, resources: [resource] });

  // SageMaker (us-east-1)
  const sm = a.sagemaker?.['us-east-1'];
  if (sm && d === at(0.2)) {
    const churn = sm.modelPackages?.find((p) => p.group === 'churn-model' && p.version === 2);
    if (churn) Object.assign(churn, { approval: 'Approved', lastModified: iso, lastModifiedBy: { iamArn: `arn:aws:sts::${ACCOUNT}:assumed-role/ml-engineer/dave`, sourceIdentity: 'dave@acme.ai' } });
    trail('UpdateModelPackage', 'sagemaker.amazonaws.com', 'dave', { type: 'AWS::SageMaker::ModelPackage', name: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/churn-model/2` });
    events.push('SageMaker: churn-model v2 approved by dave, who registered it (no second approver, no bias report)');
  }
  if (sm && d === at(0.65)) {
    const cfg = sm.endpointConfigs?.find((c) => c.name === 'fraud-detector-prod-cfg');
    if (cfg?.dataCapture) cfg.dataCapture.enabled = false;
    events.push('SageMaker: data capture turned off on endpoint fraud-detector-prod');
  }

  // Bedrock (us-east-1): invocation logging switched off for a few days (a cost cut), then back on
  const br = a.bedrock?.['us-east-1'];
  if (br && d === at(0.33)) {
    br.logging = null;
    events.push('Bedrock: model invocation logging turned off in us-east-1 (prompts and completions no longer logged)');
  }
  if (br && d === at(0.58) && br.logging === null) {
    br.logging = { cloudWatchConfig: { logGroupName: '/aws/bedrock/invocations', roleArn: `arn:aws:iam::${ACCOUNT}:role/bedrock-logging` }, s3Config: { bucketName: 'acme-ml-invocation-logs', keyPrefix: 'bedrock/us-east-1/' }, textDataDeliveryEnabled: true, imageDataDeliveryEnabled: true, embeddingDataDeliveryEnabled: true };
    events.push('Bedrock: model invocation logging turned back on in us-east-1');
  }

  // S3: the training-data bucket's default encryption switched to SSE-S3 for a few days, then back to the KMS key
  const training = a.s3?.buckets.find((b) => b.name === 'acme-ml-training-data');
  if (training && d === at(0.72)) {
    training.encryption = { algorithm: 'AES256' };
    events.push('S3: default encryption of acme-ml-training-data changed from SSE-KMS to SSE-S3');
  }
  if (training && d === at(0.85) && training.encryption?.algorithm === 'AES256') {
    training.encryption = { algorithm: 'aws:kms', kmsKeyId: DATA_KEY, bucketKey: true };
    events.push('S3: acme-ml-training-data back on SSE-KMS with the data key');
  }

  // IAM
  const iam = a.iam;
  if (d === at(0.35)) {
    iam.roles.push({
      name: 'ml-hotfix-admin',
      created: iso,
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] },
      attachedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    } as (typeof iam.roles)[number]);
    trail('AttachRolePolicy', 'iam.amazonaws.com', 'erin', { type: 'AWS::IAM::Role', name: 'ml-hotfix-admin' });
    events.push('IAM: role ml-hotfix-admin created with AdministratorAccess (CloudTrail: erin attached the policy)');
  }
  if (d === at(0.7)) {
    iam.roles = iam.roles.filter((r) => r.name !== 'ml-hotfix-admin');
    events.push('IAM: role ml-hotfix-admin removed');
  }
  if (d === at(0.5)) {
    const carol = iam.users.find((u) => u.name === 'carol');
    if (carol) carol.mfa = true;
    events.push('IAM: carol enables MFA');
  }

  // Collection incidents
  if (d === at(0.4)) {
    plan.skip = true;
    events.push('no collection today (the scheduled job did not run)');
  }
  if (d === at(0.8)) {
    w.mlflow.faults.add({ kind: 'status401', times: 1_000_000 });
    plan.after = () => w.mlflow.faults.clear();
    events.push("MLflow rejects the collector's token all day (401, the CI secret expired): the MLflow collectors fail");
  }
  return plan;
}
