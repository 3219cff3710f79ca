// Pure functions from aws.sagemaker.endpoints to findings; exceptions name endpoint ARNs (variant
// names in the reason). Endpoints that are Failed or being deleted serve nothing and are left out
// (the summary counts them). An endpoint whose describe failed makes the finding `error`.
import type { Check, CheckInput } from '../../src/core/types.js';
import { judgeEach, verdict, type Judgement } from '../_shared/sagemaker-checks.js';
import { hasLocalStorage } from '../_shared/sagemaker.js';
import type { EndpointsSettings } from './index.js';
import { KIND } from './kinds.js';
import type { EndpointRecord, VariantRecord } from './record.js';

const NOT_SERVING = new Set(['Failed', 'Deleting']);

async function serving(i: CheckInput): Promise<{ list: EndpointRecord[]; tail: string }> {
  const load = async () => {
    const list: EndpointRecord[] = [];
    let skipped = 0;
    for await (const r of i.artifacts.iterate<EndpointRecord>(KIND.endpoints)) {
      if (r.EndpointStatus && NOT_SERVING.has(r.EndpointStatus)) skipped++;
      else list.push(r);
    }
    return { list, tail: skipped ? `; ${skipped} Failed or deleting endpoint${skipped === 1 ? '' : 's'} left out` : '' };
  };
  return i.memo ? i.memo('serving', load) : load();
}

const arnOf = (e: EndpointRecord) => e.EndpointArn ?? e.EndpointName;
const EMPTY = 'no serving endpoints in this region';

/** The endpoint could not be read (enough to judge it): its describe or, when `config` is needed, its config's failed. */
function unreadable(e: EndpointRecord, config: boolean): { unread: string } | null {
  if (e.error) return { unread: `DescribeEndpoint failed (${e.error})` };
  if (config && e.config && 'error' in e.config) return { unread: `DescribeEndpointConfig failed (${e.config.error})` };
  return null;
}

/** `*` matches any run of characters; everything else literally. */
function matcher(patterns: string[] | undefined): (name: string) => boolean {
  if (!patterns) return () => true;
  const res = patterns.map((p) => new RegExp(`^${p.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  return (name) => res.some((r) => r.test(name));
}

const instancesOf = (v: VariantRecord) => v.CurrentInstanceCount ?? v.DesiredInstanceCount ?? v.InitialInstanceCount;

function logging(e: EndpointRecord, min: number): Judgement {
  const d = e.DataCaptureConfig;
  if (!d || !d.EnableCapture) return 'data capture is not enabled: no inference requests or responses are logged';
  if (!d.DestinationS3Uri) return 'data capture is enabled without a destination';
  if (d.SamplingPercentage !== null && d.SamplingPercentage < min) return `data capture samples ${d.SamplingPercentage}% of requests (required ${min}%) to ${d.DestinationS3Uri}`;
  if (d.CaptureModes.length && !(d.CaptureModes.includes('Input') && d.CaptureModes.includes('Output'))) return `data capture logs only ${d.CaptureModes.join(', ')} (requests and responses are both needed)`;
  return null;
}

function redundancy(e: EndpointRecord, min: number): Judgement {
  if (!e.variants.length) return 'the endpoint has no production variants';
  const reasons: string[] = [];
  for (const v of e.variants) {
    if (v.Serverless) continue; // serverless capacity is spread by the service, not instance-counted
    const n = instancesOf(v);
    if (n === null) reasons.push(`variant ${v.VariantName}: the instance count is unknown`);
    else if (n < min) reasons.push(`variant ${v.VariantName} runs ${n}${v.InstanceType ? ` ${v.InstanceType}` : ''} instance${n === 1 ? '' : 's'} (at least ${min} for redundancy across Availability Zones)`);
  }
  return reasons.length ? reasons : null;
}

function drift(e: EndpointRecord, types: readonly string[]): Judgement {
  if (e.monitoringSchedules === null) return { unread: 'ListMonitoringSchedules failed' };
  if (e.monitoringSchedules.some((m) => m.MonitoringScheduleStatus === 'Scheduled' && m.MonitoringType && types.includes(m.MonitoringType))) return null;
  const other = [...e.monitoringSchedules].sort((a, b) => a.MonitoringScheduleName.localeCompare(b.MonitoringScheduleName)).map((m) => `${m.MonitoringScheduleName} (${m.MonitoringType ?? '?'}, ${m.MonitoringScheduleStatus ?? '?'})`);
  return other.length ? `no Scheduled ${types.join(' or ')} monitor; schedules: ${other.join(', ')}` : `no Model Monitor schedule watches this endpoint (${types.join(' or ')} needed)`;
}

function encryption(e: EndpointRecord): Judgement {
  const reasons: string[] = [];
  const volumes = e.variants.filter((v) => !v.Serverless && !hasLocalStorage(v.InstanceType));
  if (!(e.config && 'KmsKeyId' in e.config && e.config.KmsKeyId) && volumes.length) reasons.push(`the endpoint config sets no KmsKeyId: the ML storage volumes of ${volumes.map((v) => `${v.VariantName} (${v.InstanceType ?? '?'})`).join(', ')} use the AWS-managed key`);
  if (e.DataCaptureConfig?.EnableCapture && !e.DataCaptureConfig.KmsKeyId) reasons.push(`captured inference data goes to ${e.DataCaptureConfig.DestinationS3Uri ?? 'S3'} without a KMS key (only the bucket's default encryption)`);
  return reasons.length ? reasons.join('; ') : null;
}

export const checks: Check[] = [
  {
    id: 'sagemaker-endpoints.inference-logging',
    title: 'Endpoints capture inference requests and responses (data capture) at the required sampling',
    severity: 'medium',
    reads: [KIND.endpoints],
    async run(i) {
      const min = (i.settings as EndpointsSettings).minSamplingPercentage;
      const { list, tail } = await serving(i);
      const j = judgeEach(list, arnOf, (e) => unreadable(e, false) ?? logging(e, min));
      return verdict(j, { pass: `all ${list.length} endpoints capture inference data at ${min}% or more`, fail: (k) => `${k} of ${list.length} endpoints do not log inference requests and responses as required`, empty: EMPTY, tail, noun: 'endpoints' });
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
      const { list, tail } = await serving(i);
      const prod = list.filter((e) => isProd(e.EndpointName));
      const j = judgeEach(prod, arnOf, (e) => unreadable(e, true) ?? redundancy(e, s.minInstances));
      const scope = s.productionEndpoints ? `${prod.length} production endpoints (productionEndpoints: ${s.productionEndpoints.join(', ')})` : `${prod.length} endpoints (all are treated as production)`;
      return verdict(j, {
        pass: `every variant of the ${scope} runs on ${s.minInstances}+ instances or is serverless`,
        fail: (k) => `${k} variants of the ${scope} run on fewer than ${s.minInstances} instances`,
        empty: s.productionEndpoints ? 'no endpoint matches productionEndpoints' : EMPTY,
        tail,
        noun: 'endpoints',
      });
    },
  },
  {
    id: 'sagemaker-endpoints.drift-monitoring',
    title: 'Endpoints have a scheduled Model Monitor for data or model quality drift',
    severity: 'medium',
    reads: [KIND.endpoints],
    async run(i) {
      const types = (i.settings as EndpointsSettings).driftMonitoringTypes;
      const { list, tail } = await serving(i);
      const j = judgeEach(list, arnOf, (e) => drift(e, types));
      return verdict(j, { pass: `all ${list.length} endpoints have a Scheduled ${types.join(' or ')} monitor`, fail: (k) => `${k} of ${list.length} endpoints have no scheduled drift monitor`, empty: EMPTY, tail, noun: 'endpoints' });
    },
  },
  {
    id: 'sagemaker-endpoints.encryption',
    title: 'Endpoint storage and captured inference data are encrypted with a customer-managed KMS key',
    severity: 'medium',
    reads: [KIND.endpoints],
    async run(i) {
      const { list, tail } = await serving(i);
      const j = judgeEach(list, arnOf, (e) => unreadable(e, true) ?? encryption(e));
      return verdict(j, {
        pass: `all ${list.length} endpoints encrypt storage volumes and captured data with a customer-managed key (or run on instance storage encrypted by the hardware)`,
        fail: (k) => `${k} of ${list.length} endpoints rely on AWS-managed or no KMS keys`,
        empty: EMPTY,
        tail,
        noun: 'endpoints',
      });
    },
  },
];
