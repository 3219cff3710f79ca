// The extractors of third parties, one per artifact kind, on fixture artifacts (fixtures/vendors/).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/paths.js';
import { EXTRACTORS, uriSighting, type Sighting } from '../../src/report/vendor-sightings.js';

const dir = path.join(packageRoot, 'fixtures', 'vendors');
/** every record of a fixture artifact through its kind's extractor, as "type id @ resource" */
function sightings(kind: string, file: string): string[] {
  const text = readFileSync(path.join(dir, file), 'utf8');
  const records = file.endsWith('.ndjson') ? text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [JSON.parse(text)];
  return records.flatMap((r) => EXTRACTORS[kind]!(r)).map((s: Sighting) => `${s.type} ${s.id} @ ${s.resource}`);
}

describe('third parties named per artifact kind', () => {
  it('aws.iam.authorization-details: accounts and identity providers a role trusts (Allow only, services are not third parties)', () => {
    expect(sightings('aws.iam.authorization-details', 'authorization-details.ndjson')).toEqual([
      'aws-account 999988887777 @ arn:aws:iam::111122223333:role/vendor-audit',
      'aws-account 111122223333 @ arn:aws:iam::111122223333:role/vendor-audit',
      'oidc-provider token.actions.githubusercontent.com @ arn:aws:iam::111122223333:role/ci',
      'saml-provider Okta @ arn:aws:iam::111122223333:role/ci',
    ]);
  });
  it('aws.iam.identity-providers: the SAML and OIDC providers of the account', () => {
    expect(sightings('aws.iam.identity-providers', 'identity-providers.json')).toEqual(['saml-provider Okta @ arn:aws:iam::111122223333:saml-provider/Okta', 'oidc-provider accounts.google.com @ arn:aws:iam::111122223333:oidc-provider/accounts.google.com']);
  });
  it('aws.secretsmanager.secrets: accounts a secret policy grants; an unread policy names nobody', () => {
    expect(sightings('aws.secretsmanager.secrets', 'secrets.ndjson')).toEqual(['aws-account 222233334444 @ shared/partner-api']);
  });
  it('aws.datastores.buckets and kms-keys: policy grants, and a key of another account', () => {
    expect(sightings('aws.datastores.buckets', 'buckets.ndjson')).toEqual(['aws-account 333344445555 @ s3://acme-ml-training-data']);
    expect(sightings('aws.datastores.kms-keys', 'kms-keys.json')).toEqual(['aws-account 666677778888 @ arn:aws:kms:us-east-1:111122223333:key/k1', 'aws-account 777788889999 @ arn:aws:kms:us-east-1:777788889999:key/k2']);
  });
  it('aws.sagemaker.model-package-groups: accounts a group policy grants', () => {
    expect(sightings('aws.sagemaker.model-package-groups', 'model-package-groups.ndjson')).toEqual(['aws-account 444455556666 @ arn:aws:sagemaker:us-east-1:111122223333:model-package-group/fraud-detector']);
  });
  it('aws.sagemaker.training-jobs: the buckets of the input channels', () => {
    expect(sightings('aws.sagemaker.training-jobs', 'training-jobs.ndjson')).toEqual(['bucket acme-ml-training-data @ arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-train', 'bucket partner-enrichment-feed @ arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-train']);
  });
  it('mlflow.lineage.training-runs: dataset sources (object or JSON text), hf:// as huggingface.co; local files name nobody', () => {
    expect(sightings('mlflow.lineage.training-runs', 'training-runs.ndjson')).toEqual([
      'bucket acme-data @ churn-model v3 (run r1)',
      'domain datasets.brokerline.example @ churn-model v3 (run r1)',
      'domain huggingface.co @ churn-model v3 (run r1)',
    ]);
  });
  it('vertex.lineage.production-versions: GCS buckets and BigQuery projects', () => {
    expect(sightings('vertex.lineage.production-versions', 'production-versions.ndjson')).toEqual(['bucket acme-ml-data @ churn-predictor v1', 'bucket vendor-labels-out @ churn-predictor v1', 'gcp-project partner-analytics @ churn-predictor v1']);
  });
  it('mlflow.registry.webhooks: the hosts events are sent to', () => {
    expect(sightings('mlflow.registry.webhooks', 'webhooks.json')).toEqual(['domain hooks.slack.com @ webhook wh-1']);
  });
  it('vertex.endpoints.endpoints: projects allowed over Private Service Connect', () => {
    expect(sightings('vertex.endpoints.endpoints', 'endpoints.ndjson')).toEqual(['gcp-project acme-ml-prod @ support-intent', 'gcp-project partner-crm-prod @ support-intent']);
  });
  it('a URI with credentials or a port names only its host', () => {
    expect(uriSighting('https://user:tok@Data.Example.com:8443/x', 'r', 'via')).toMatchObject({ type: 'domain', id: 'data.example.com' });
    expect(uriSighting('runs:/abc/model', 'r', 'via')).toBeNull();
    expect(uriSighting('mlflow-artifacts:/1/abc', 'r', 'via')).toBeNull();
  });
});
