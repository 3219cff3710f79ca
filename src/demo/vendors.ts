// The demo company's vendor register and policies, and the data broker in its lineage (issue 18):
// - a production MLflow model was trained partly on a data broker's dataset (an https:// source in its
//   run's inputs) and the broker is missing from vendors.yaml: an unregistered third party all period;
// - the labeling vendor's DPA expires 40% into the period: open from that day on;
// - the model-risk policy falls due for review 60% into the period and is not reviewed.
// Dates are fractions of the period so any --days ≥ 10 tells the same story.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MlflowSeed } from '../sandbox/mlflow/index.js';

export const DATA_BROKER_URI = 'https://datasets.brokerline.example/consumer-signals/2026-09.parquet';
export const DATA_BROKER_HOST = 'datasets.brokerline.example';
export const LABELING_VENDOR = 'Labelwise';
export const OVERDUE_POLICY = 'model-risk-management';

const DAY_MS = 86_400_000;
const day = (start: Date, days: number, f: number) => new Date(start.getTime() + Math.round(days * f) * DAY_MS).toISOString().slice(0, 10);
const monthsBefore = (d: string, m: number) => {
  const t = new Date(`${d}T00:00:00Z`);
  t.setUTCMonth(t.getUTCMonth() - m);
  return t.toISOString().slice(0, 10);
};

/** The churn model's production run also read the broker's enrichment data (MLflow records the https source). */
export function addDataBrokerDataset(seed: MlflowSeed): void {
  const prod = seed.modelVersions?.find((v) => v.name === 'churn-model' && v.current_stage === 'Production' && v.run_id);
  const run = seed.runs?.find((r) => r.info.run_id === prod?.run_id);
  if (!run) throw new Error('demo seed lacks the churn-model production run');
  run.inputs.dataset_inputs.push({
    tags: [{ key: 'mlflow.data.context', value: 'training' }],
    dataset: { name: 'consumer-signals', digest: '5e1f0a77', source_type: 'http', source: JSON.stringify({ url: DATA_BROKER_URI }), schema: '', profile: '' },
  });
}

/** Writes vendors.yaml and policies/ into the demo folder; returns the config lines naming them. */
export function writeDemoVendorFiles(out: string, start: Date, days: number): string {
  const dpaExpires = day(start, days, 0.4);
  const policyDue = day(start, days, 0.6);
  writeFileSync(
    path.join(out, 'vendors.yaml'),
    `# Written by soc2 demo: the demo company's vendor register (see docs/report.md, "Vendors and policies").
vendors:
  - name: GitHub
    services: Source control and CI (GitHub Actions assumes the evidence role through OIDC)
    dataShared: {classification: internal, description: source code and CI logs}
    dpa: {signed: 2025-01-10}
    riskAssessment: {last: ${monthsBefore(dpaExpires, 3)}, intervalMonths: 12}
    owner: Platform engineering
    identifiers: {oidcProviders: [token.actions.githubusercontent.com]}
  - name: Okta
    services: Workforce identity (SAML into AWS)
    dataShared: {classification: personal, description: employee identities}
    dpa: {signed: 2024-03-01, expires: 2027-03-01}
    riskAssessment: {last: ${monthsBefore(dpaExpires, 5)}, intervalMonths: 12}
    owner: Security engineering
    identifiers: {samlProviders: [Okta]}
  - name: ${LABELING_VENDOR}
    services: Human labeling of support tickets for the support-intent model
    dataShared: {classification: personal, description: customer support tickets}
    dpa: {signed: 2024-06-01, expires: ${dpaExpires}}
    riskAssessment: {last: ${monthsBefore(dpaExpires, 6)}, intervalMonths: 12}
    owner: ML data
    identifiers: {domains: [labelwise.example]}
# the company's own identifiers beyond its configured sources (its staging account, data buckets, support project)
own:
  awsAccounts: ['444455556666']
  buckets: [acme-data, acme-ml-models, acme-ml-data, acme-corpus]
  gcpProjects: [acme-support-prod]
`,
  );
  mkdirSync(path.join(out, 'policies'), { recursive: true });
  writeFileSync(path.join(out, 'policies', 'information-security.md'), '# Information Security Policy (demo)\n\nAcme ML protects the confidentiality, integrity and availability of customer data and models.\n');
  writeFileSync(path.join(out, 'policies', `${OVERDUE_POLICY}.md`), '# Model Risk Management Policy (demo)\n\nEvery production model is validated, approved and monitored.\n');
  writeFileSync(
    path.join(out, 'policies', 'index.yaml'),
    `# Written by soc2 demo: the policy index (documents next to it).
policies:
  - id: information-security
    title: Information Security Policy
    file: information-security.md
    version: '4.0'
    owner: CISO
    approver: CEO
    approvalDate: ${monthsBefore(policyDue, 2)}
    reviewIntervalMonths: 12
  - id: ${OVERDUE_POLICY}
    title: Model Risk Management Policy
    file: ${OVERDUE_POLICY}.md
    version: '1.2'
    owner: Head of ML
    approver: CTO
    approvalDate: ${monthsBefore(policyDue, 12)}
    reviewIntervalMonths: 12
`,
  );
  return 'vendors: vendors.yaml\npolicies: policies/index.yaml\n';
}
