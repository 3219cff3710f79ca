// Pure functions from aws.sagemaker.endpoints to findings; exceptions name endpoint ARNs (variant
// names in the reason). Endpoints that are Failed or being deleted serve nothing and are left out
// (the summary counts them). An endpoint whose describe failed makes the finding `error`.
import type { Check, CheckInput, CheckResult, Exception } from '../../src/core/types.js';
import type { EndpointsSettings } from './index.js';
import { KIND } from './kinds.js';
import { hasLocalStorage } from '../_shared/sagemaker.js';
import type { EndpointRecord, VariantRecord } from './record.js';

const NOT_SERVING = new Set(['Failed', 'Deleting']);


async function serving(i: CheckInput): Promise<{ list: EndpointRecord[]; skipped: number }> {
  const load = async () => {
    const list: EndpointRecord[] = [];
    let skipped = 0;
    for await (const r of i.artifacts.iterate<EndpointRecord>(KIND.endpoints)) {
      if (r.EndpointStatus && NOT_SERVING.has(r.EndpointStatus)) skipped++;
      else list.push(r);
    }
    return { list, skipped };
  };
  return i.memo ? i.memo('serving', load) : load();
}

const arnOf = (e: EndpointRecord) => e.EndpointArn ?? e.EndpointName;
const tail = (skipped: number) => (skipped ? `; ${skipped} Failed or deleting endpoint${skipped === 1 ? '' : 's'} left out` : '');

function verdict(n: number, ex: Exception[], unread: Exception[], pass: string, fail: (k: number) => string, skipped: number, empty = 'no serving endpoints in this region'): CheckResult {
  if (unread.length) return { status: 'error', summary: `${unread.length} endpoints could not be fully read (see the collector's gaps); ${ex.length} exceptions among the rest${tail(skipped)}`, exceptions: [...unread, ...ex] };
  if (n === 0) return { status: 'not_applicable', summary: empty + tail(skipped), exceptions: [] };
  return ex.length ? { status: 'fail', summary: fail(ex.length) + tail(skipped), exceptions: ex } : { status: 'pass', summary: pass + tail(skipped), exceptions: [] };
}

const unreadable = (e: EndpointRecord, what: string): Exception => ({ resource: arnOf(e), reason: `${what}: not evaluated` });

/** `*` matches any run of characters; everything else literally. */
function matcher(patterns: string[] | undefined): (name: string) => boolean {
  if (!patterns) return () => true;
  const res = patterns.map((p) => new RegExp(`^${p.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  return (name) => res.some((r) => r.test(name));
}

const instancesOf = (v: VariantRecord) => v.CurrentInstanceCount ?? v.DesiredInstanceCount ?? v.InitialInstanceCount;

export const checks: Check[] = [
  {
    id: 'sagemaker-endpoints.inference-logging',
    title: 'Endpoints capture inference requests and responses (data capture) at the required sampling',
    severity: 'medium',
    reads: [KIND.endpoints],
    async run(i) {
      const min = (i.settings as EndpointsSettings).minSamplingPercentage;
      const { list, skipped } = await serving(i);
      const ex: Exception[] = [];
      const unread: Exception[] = [];
      for (const e of list) {
        if (e.error) {
          unread.push(unreadable(e, `DescribeEndpoint failed (${e.error})`));
          continue;
        }
        const d = e.DataCaptureConfig;
        if (!d || !d.EnableCapture) ex.push({ resource: arnOf(e), reason: 'data capture is not enabled: no inference requests or responses are logged' });
        else if (!d.DestinationS3Uri) ex.push({ resource: arnOf(e), reason: 'data capture is enabled without a destination' });
        else if (d.SamplingPercentage !== null && d.SamplingPercentage < min) ex.push({ resource: arnOf(e), reason: `data capture samples ${d.SamplingPercentage}% of requests (required ${min}%) to ${d.DestinationS3Uri}` });
        else if (d.CaptureModes.length && !(d.CaptureModes.includes('Input') && d.CaptureModes.includes('Output'))) ex.push({ resource: arnOf(e), reason: `data capture logs only ${d.CaptureModes.join(', ')} (requests and responses are both needed)` });
      }
      return verdict(list.length, ex, unread, `all ${list.length} endpoints capture inference data at ${min}% or more`, (k) => `${k} of ${list.length} endpoints do not log inference requests and responses as required`, skipped);
    },
  },
  {
    id: 'sagemaker-endpoints.redundancy',
    title: 'Production endpoints run every variant on at least two instances',
    severity: 'medium',
    reads: [KIND.endpoints],
    async run(i) {
      const s = i.settings as EndpointsSettings;
      const isProd = matcher(s.productionEndpoints);
      const { list, skipped } = await serving(i);
      const prod = list.filter((e) => isProd(e.EndpointName));
      const ex: Exception[] = [];
      const unread: Exception[] = [];
      for (const e of prod) {
        if (e.error) {
          unread.push(unreadable(e, `DescribeEndpoint failed (${e.error})`));
          continue;
        }
        if (e.config && 'error' in e.config) {
          unread.push(unreadable(e, `DescribeEndpointConfig failed (${e.config.error})`));
          continue;
        }
        if (!e.variants.length) ex.push({ resource: arnOf(e), reason: 'the endpoint has no production variants' });
        for (const v of e.variants) {
          if (v.Serverless) continue; // serverless capacity is spread by the service, not instance-counted
          const n = instancesOf(v);
          if (n === null) ex.push({ resource: arnOf(e), reason: `variant ${v.VariantName}: the instance count is unknown` });
          else if (n < s.minInstances) ex.push({ resource: arnOf(e), reason: `variant ${v.VariantName} runs ${n} ${v.InstanceType ?? ''} instance${n === 1 ? '' : 's'} (at least ${s.minInstances} for redundancy across Availability Zones)`.replace('  ', ' ') });
        }
      }
      const scope = s.productionEndpoints ? `${prod.length} production endpoints (productionEndpoints: ${s.productionEndpoints.join(', ')})` : `${prod.length} endpoints (all are treated as production)`;
      return verdict(prod.length, ex, unread, `every variant of the ${scope} runs on ${s.minInstances}+ instances or is serverless`, (k) => `${k} variants of the ${scope} run on fewer than ${s.minInstances} instances`, skipped, s.productionEndpoints ? 'no endpoint matches productionEndpoints' : undefined);
    },
  },
  {
    id: 'sagemaker-endpoints.drift-monitoring',
    title: 'Endpoints have a scheduled Model Monitor for data or model quality drift',
    severity: 'medium',
    reads: [KIND.endpoints],
    async run(i) {
      const types = (i.settings as EndpointsSettings).driftMonitoringTypes;
      const { list, skipped } = await serving(i);
      const ex: Exception[] = [];
      const unread: Exception[] = [];
      for (const e of list) {
        if (e.monitoringSchedules === null) {
          unread.push(unreadable(e, 'ListMonitoringSchedules failed'));
          continue;
        }
        const active = e.monitoringSchedules.filter((m) => m.MonitoringScheduleStatus === 'Scheduled' && m.MonitoringType && (types as string[]).includes(m.MonitoringType));
        if (active.length) continue;
        const other = [...e.monitoringSchedules].sort((a, b) => a.MonitoringScheduleName.localeCompare(b.MonitoringScheduleName)).map((m) => `${m.MonitoringScheduleName} (${m.MonitoringType ?? '?'}, ${m.MonitoringScheduleStatus ?? '?'})`);
        ex.push({ resource: arnOf(e), reason: other.length ? `no Scheduled ${types.join(' or ')} monitor; schedules: ${other.join(', ')}` : `no Model Monitor schedule watches this endpoint (${types.join(' or ')} needed)` });
      }
      return verdict(list.length, ex, unread, `all ${list.length} endpoints have a Scheduled ${types.join(' or ')} monitor`, (k) => `${k} of ${list.length} endpoints have no scheduled drift monitor`, skipped);
    },
  },
  {
    id: 'sagemaker-endpoints.encryption',
    title: 'Endpoint storage and captured inference data are encrypted with a customer-managed KMS key',
    severity: 'medium',
    reads: [KIND.endpoints],
    async run(i) {
      const { list, skipped } = await serving(i);
      const ex: Exception[] = [];
      const unread: Exception[] = [];
      for (const e of list) {
        if (e.error) {
          unread.push(unreadable(e, `DescribeEndpoint failed (${e.error})`));
          continue;
        }
        if (e.config && 'error' in e.config) {
          unread.push(unreadable(e, `DescribeEndpointConfig failed (${e.config.error})`));
          continue;
        }
        const reasons: string[] = [];
        const volumes = e.variants.filter((v) => !v.Serverless && !hasLocalStorage(v.InstanceType));
        if (!e.config?.KmsKeyId && volumes.length) reasons.push(`the endpoint config sets no KmsKeyId: the ML storage volumes of ${volumes.map((v) => `${v.VariantName} (${v.InstanceType ?? '?'})`).join(', ')} use the AWS-managed key`);
        if (e.DataCaptureConfig?.EnableCapture && !e.DataCaptureConfig.KmsKeyId) reasons.push(`captured inference data goes to ${e.DataCaptureConfig.DestinationS3Uri ?? 'S3'} without a KMS key (only the bucket's default encryption)`);
        if (reasons.length) ex.push({ resource: arnOf(e), reason: reasons.join('; ') });
      }
      return verdict(list.length, ex, unread, `all ${list.length} endpoints encrypt storage volumes and captured data with a customer-managed key (or run on instance storage encrypted by the hardware)`, (k) => `${k} of ${list.length} endpoints rely on AWS-managed or no KMS keys`, skipped);
    },
  },
];
