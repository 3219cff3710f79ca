// Pure functions from sagemaker-registry's artifacts to findings; exceptions name package ARNs
// (endpoint/variant for deployed-approved). A package whose DescribeModelPackage failed cannot be
// judged: it makes the finding `error`, listed with the rest, never a silent pass.
import type { Check, CheckInput, CheckResult, Exception } from '../../src/core/types.js';
import { identityOf } from '../_shared/sagemaker.js';
import type { Deployments } from './deployments.js';
import { KIND } from './kinds.js';
import type { RegistrySettings } from './index.js';
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

/** pass / fail / error over a population; not_applicable when it is empty. */
function verdict(population: number, ex: Exception[], unread: Exception[], pass: string, fail: (n: number) => string, empty: string): CheckResult {
  if (unread.length) return { status: 'error', summary: `${unread.length} packages could not be described (see the collector's gaps); ${ex.length} exceptions among the rest`, exceptions: [...unread, ...ex] };
  if (population === 0) return { status: 'not_applicable', summary: empty, exceptions: [] };
  return ex.length ? { status: 'fail', summary: fail(ex.length), exceptions: ex } : { status: 'pass', summary: pass, exceptions: [] };
}

const unreadable = (r: PackageRecord): Exception => ({ resource: r.ModelPackageArn, reason: `DescribeModelPackage failed (${r.error}): not evaluated` });

/** A package nobody updated since it was registered: its status is the one it was registered with. */
const neverUpdated = (r: PackageRecord) => !r.LastModifiedTime && !r.LastModifiedBy;

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
      const ex: Exception[] = [];
      const unread: Exception[] = [];
      for (const r of newest.values()) {
        if (r.error) unread.push(unreadable(r));
        else if (r.ModelApprovalStatus === null) ex.push({ resource: r.ModelPackageArn, reason: `${label(r)} carries no ModelApprovalStatus: whether it needs approval cannot be shown` });
        else if (r.ModelApprovalStatus === 'Approved' && neverUpdated(r)) ex.push({ resource: r.ModelPackageArn, reason: `${label(r)} was registered already Approved (never updated since ${r.CreationTime ?? 'its creation'}): no manual approval step` });
      }
      return verdict(newest.size, ex, unread, `the newest package of each of ${newest.size} groups went through an approval status change or awaits approval`, (n) => `${n} of ${newest.size} groups' newest package was registered already Approved or has no approval status`, 'no model package groups with packages in this region');
    },
  },
  {
    id: 'sagemaker-registry.validation-evidence',
    title: 'Approved model packages carry model quality and bias metrics',
    severity: 'medium',
    reads: [KIND.packages],
    async run(i) {
      const required = (i.settings as RegistrySettings).requiredMetrics;
      const ex: Exception[] = [];
      const unread: Exception[] = [];
      let approved = 0;
      for (const r of await allPackages(i)) {
        if (r.error) {
          if (r.ModelApprovalStatus === 'Approved' || r.ModelApprovalStatus === null) unread.push(unreadable(r));
          continue;
        }
        if (r.ModelApprovalStatus !== 'Approved') continue;
        approved++;
        const missing = required.filter((s) => !r.ModelMetrics[s] || Object.keys(r.ModelMetrics[s]!).length === 0);
        if (missing.length) ex.push({ resource: r.ModelPackageArn, reason: `${label(r)} is Approved without ${missing.join(', ')} metrics (ModelMetrics has ${Object.keys(r.ModelMetrics).join(', ') || 'nothing'})` });
      }
      if (required.length === 0) return { status: 'not_applicable', summary: 'no metrics are required (requiredMetrics: [])', exceptions: [] };
      return verdict(approved, ex, unread, `all ${approved} Approved packages carry ${required.join(', ')} reports`, (n) => `${n} of ${approved} Approved packages lack ${required.join(' or ')} reports`, 'no Approved model packages in this region');
    },
  },
  {
    id: 'sagemaker-registry.separation-of-duties',
    title: 'Approved model packages were approved by someone other than their creator',
    severity: 'high',
    reads: [KIND.packages],
    async run(i) {
      const ex: Exception[] = [];
      const unread: Exception[] = [];
      let approved = 0;
      for (const r of await allPackages(i)) {
        if (r.error) {
          if (r.ModelApprovalStatus === 'Approved' || r.ModelApprovalStatus === null) unread.push(unreadable(r));
          continue;
        }
        if (r.ModelApprovalStatus !== 'Approved') continue;
        approved++;
        const creator = identityOf(r.CreatedBy);
        const approver = identityOf(r.LastModifiedBy);
        if (neverUpdated(r)) ex.push({ resource: r.ModelPackageArn, reason: `${label(r)} was registered already Approved by ${creator ?? 'an unnamed identity'}: nobody else approved it` });
        else if (!approver) ex.push({ resource: r.ModelPackageArn, reason: `${label(r)}: LastModifiedBy names nobody, so the approver is unknown` });
        else if (!creator) ex.push({ resource: r.ModelPackageArn, reason: `${label(r)}: CreatedBy names nobody, so approver ${approver} cannot be shown to differ from the creator` });
        else if (creator === approver) ex.push({ resource: r.ModelPackageArn, reason: `${label(r)} was created and approved by the same identity, ${approver}` });
      }
      return verdict(approved, ex, unread, `all ${approved} Approved packages were approved (LastModifiedBy) by an identity other than their creator`, (n) => `${n} of ${approved} Approved packages lack a separate approver`, 'no Approved model packages in this region');
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
      const ex: Exception[] = serving.filter((v) => v.verdict !== 'approved').map((v) => ({ resource: `${v.EndpointArn ?? v.EndpointName}/${v.VariantName}`, reason: v.reason }));
      const left = d.variants.length - serving.length;
      const tail = left ? `; ${left} variants of Failed or deleting endpoints left out` : '';
      if (serving.some((v) => v.verdict === 'model-unknown')) return { status: 'error', summary: `${ex.length} of ${serving.length} production variants are not shown to serve an Approved package; some models could not be read${tail}`, exceptions: ex };
      if (serving.length === 0) return { status: 'not_applicable', summary: `no serving endpoints in this region${tail}`, exceptions: [] };
      return ex.length
        ? { status: 'fail', summary: `${ex.length} of ${serving.length} production variants serve a model that is not from an Approved package${tail}`, exceptions: ex }
        : { status: 'pass', summary: `all ${serving.length} production variants serve Approved model packages${tail}`, exceptions: [] };
    },
  },
];
