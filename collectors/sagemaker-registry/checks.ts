// Pure functions from sagemaker-registry's artifacts to findings; exceptions name package ARNs
// (endpoint/variant for deployed-approved). A package whose DescribeModelPackage failed cannot be
// judged: it makes the finding `error`, listed with the rest, never a silent pass.
import type { Check, CheckInput } from '../../src/core/types.js';
import { judgeEach, verdict, type Judgement } from '../_shared/sagemaker-checks.js';
import { identityOf } from '../_shared/sagemaker.js';
import type { Deployments } from './deployments.js';
import type { RegistrySettings } from './index.js';
import { KIND } from './kinds.js';
import type { PackageRecord } from './record.js';

async function allPackages(i: CheckInput): Promise<PackageRecord[]> {
  const load = async () => {
    const out: PackageRecord[] = [];
    for await (const r of i.artifacts.iterate<PackageRecord>(KIND.packages)) out.push(r);
    return out;
  };
  return i.memo ? i.memo('packages', load) : load();
}

const label = (r: PackageRecord) => `${r.ModelPackageGroupName ?? '?'} v${r.ModelPackageVersion ?? '?'}`;
const arnOf = (r: PackageRecord) => r.ModelPackageArn;
const unread = (r: PackageRecord) => ({ unread: `DescribeModelPackage failed (${r.error})` });

/** A package nobody updated since it was registered: its status is the one it was registered with. */
const neverUpdated = (r: PackageRecord) => !r.LastModifiedTime && !r.LastModifiedBy;

/** The Approved packages, and those whose describe failed and whose status is Approved or unknown (they may be). */
async function approved(i: CheckInput): Promise<PackageRecord[]> {
  return (await allPackages(i)).filter((r) => r.ModelApprovalStatus === 'Approved' || (r.error && r.ModelApprovalStatus === null));
}

function approvalOnCreation(r: PackageRecord): Judgement {
  if (r.error) return unread(r);
  if (r.ModelApprovalStatus === null) return `${label(r)} carries no ModelApprovalStatus: whether it needs approval cannot be shown`;
  if (r.ModelApprovalStatus === 'Approved' && neverUpdated(r)) return `${label(r)} was registered already Approved (never updated since ${r.CreationTime ?? 'its creation'}): no manual approval step`;
  return null;
}

function separateApprover(r: PackageRecord): Judgement {
  if (r.error) return unread(r);
  const creator = identityOf(r.CreatedBy);
  const approver = identityOf(r.LastModifiedBy);
  if (neverUpdated(r)) return `${label(r)} was registered already Approved by ${creator ?? 'an unnamed identity'}: nobody else approved it`;
  if (!approver) return `${label(r)}: LastModifiedBy names nobody, so the approver is unknown`;
  if (!creator) return `${label(r)}: CreatedBy names nobody, so approver ${approver} cannot be shown to differ from the creator`;
  return creator === approver ? `${label(r)} was created and approved by the same identity, ${approver}` : null;
}

export const checks: Check[] = [
  {
    id: 'sagemaker-registry.approval-required',
    title: 'The newest model package of each group was not registered already Approved',
    severity: 'high',
    reads: [KIND.packages],
    async run(i) {
      const newest = new Map<string, PackageRecord>();
      for (const r of await allPackages(i)) {
        const g = r.ModelPackageGroupName ?? r.ModelPackageArn;
        const cur = newest.get(g);
        if (!cur || (r.ModelPackageVersion ?? 0) > (cur.ModelPackageVersion ?? 0)) newest.set(g, r);
      }
      const n = newest.size;
      return verdict(judgeEach([...newest.values()], arnOf, approvalOnCreation), {
        pass: `the newest package of each of ${n} groups went through an approval status change or awaits approval`,
        fail: (k) => `${k} of ${n} groups' newest package was registered already Approved or has no approval status`,
        empty: 'no model package groups with packages in this region',
        noun: 'packages',
      });
    },
  },
  {
    id: 'sagemaker-registry.validation-evidence',
    title: 'Approved model packages carry model quality and bias metrics',
    severity: 'medium',
    reads: [KIND.packages],
    async run(i) {
      const required = (i.settings as RegistrySettings).requiredMetrics;
      if (required.length === 0) return { status: 'not_applicable', summary: 'no metrics are required (requiredMetrics: [])', exceptions: [] };
      const list = await approved(i);
      const j = judgeEach(list, arnOf, (r) => {
        if (r.error) return unread(r);
        const missing = required.filter((s) => !r.ModelMetrics[s] || Object.keys(r.ModelMetrics[s]!).length === 0);
        return missing.length ? `${label(r)} is Approved without ${missing.join(', ')} metrics (ModelMetrics has ${Object.keys(r.ModelMetrics).join(', ') || 'nothing'})` : null;
      });
      return verdict(j, { pass: `all ${list.length} Approved packages carry ${required.join(', ')} reports`, fail: (k) => `${k} of ${list.length} Approved packages lack ${required.join(' or ')} reports`, empty: 'no Approved model packages in this region', noun: 'packages' });
    },
  },
  {
    id: 'sagemaker-registry.separation-of-duties',
    title: 'Approved model packages were approved by someone other than their creator',
    severity: 'high',
    reads: [KIND.packages],
    async run(i) {
      const list = await approved(i);
      return verdict(judgeEach(list, arnOf, separateApprover), {
        pass: `all ${list.length} Approved packages were approved (LastModifiedBy) by an identity other than their creator`,
        fail: (k) => `${k} of ${list.length} Approved packages lack a separate approver`,
        empty: 'no Approved model packages in this region',
        noun: 'packages',
      });
    },
  },
  {
    id: 'sagemaker-registry.deployed-approved',
    title: 'Every model serving on an endpoint comes from an Approved model package',
    severity: 'high',
    reads: [KIND.deployments],
    async run(i) {
      const d = await i.artifacts.readJson<Deployments>(KIND.deployments);
      if (!d.endpointsCollected) return { status: 'not_applicable', summary: 'sagemaker-endpoints did not run for this account and region in this collection: what the endpoints serve is not known here', exceptions: [] };
      const serving = d.variants.filter((v) => v.verdict !== 'not-serving');
      const left = d.variants.length - serving.length;
      const j = judgeEach(serving, (v) => `${v.EndpointArn ?? v.EndpointName}/${v.VariantName}`, (v) => (v.verdict === 'approved' ? null : v.verdict === 'model-unknown' ? { unread: v.reason } : v.reason));
      return verdict(j, {
        pass: `all ${serving.length} production variants serve Approved model packages`,
        fail: (k) => `${k} of ${serving.length} production variants serve a model that is not from an Approved package`,
        empty: 'no serving endpoints in this region',
        tail: left ? `; ${left} variants of Failed or deleting endpoints left out` : '',
        noun: 'models',
      });
    },
  },
];
