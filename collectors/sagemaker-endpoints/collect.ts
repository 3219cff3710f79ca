// The calls of sagemaker-endpoints (see index.ts): ListMonitoringSchedules once (every page), then
// ListEndpoints page by page with, per endpoint, DescribeEndpoint, DescribeEndpointConfig (once per
// distinct config) and DescribeModel (once per distinct model). No call writes anything.
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointsCommand,
  ListMonitoringSchedulesCommand,
  SageMakerClient,
  type DescribeEndpointConfigCommandOutput,
  type EndpointSummary,
} from '@aws-sdk/client-sagemaker';
import { makeClient } from '../../src/clients/aws.js';
import { mapPool } from '../../src/core/pool.js';
import { rateLimiter } from '../../src/core/rate-limit.js';
import { itemGaps } from '../_shared/item-gaps.js';
import { counted, iso, listAll, listingGap, op, PAGE_SIZE } from '../_shared/sagemaker.js';
import type { AwsContext } from '../define.js';
import type { EndpointsSettings } from './index.js';
import { KIND } from './kinds.js';
import { dataCaptureOf, modelRecord, scheduleRecord, variantsOf, type EndpointRecord, type ModelRecord, type ScheduleRecord } from './record.js';

const MAX_POOL = 16;
export const LIST_PARAMS = { MaxResults: PAGE_SIZE } as const;

/** Runs `fn` once per key; later callers share its promise (one Describe per distinct config or model). */
function once<T>(fn: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const seen = new Map<string, Promise<T>>();
  return (key) => {
    let p = seen.get(key);
    if (!p) seen.set(key, (p = fn(key)));
    return p;
  };
}

export async function collect(ctx: AwsContext): Promise<void> {
  const s = ctx.settings as EndpointsSettings;
  const sm = makeClient(SageMakerClient, ctx.aws);
  const opts = { abortSignal: ctx.signal };
  const pool = Math.min(MAX_POOL, Math.max(1, ctx.concurrency));
  const schedulesOp = op('sagemaker:ListMonitoringSchedules', { ...LIST_PARAMS });
  const listOp = op('sagemaker:ListEndpoints', { ...LIST_PARAMS });
  const endpointOp = op('sagemaker:DescribeEndpoint', { EndpointName: '<each endpoint>' });
  const configOp = op('sagemaker:DescribeEndpointConfig', { EndpointConfigName: '<each distinct endpoint config>' });
  const modelOp = op('sagemaker:DescribeModel', { ModelName: '<each distinct model>' });
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'items', where: KIND.endpoints });
  const call = counted(rateLimiter(s.describeCallsPerSecond, ctx.signal));
  try {
    // ── Model Monitor schedules, all of the region in one listing ──
    const schedulesOut = await ctx.artifacts.ndjson(KIND.monitoringSchedules);
    const byEndpoint = new Map<string, ScheduleRecord[]>();
    let schedulesOk = true;
    let scheduleCount = 0;
    try {
      await listAll(ctx, schedulesOp, (NextToken) => sm.send(new ListMonitoringSchedulesCommand({ ...LIST_PARAMS, NextToken }), opts), async (page) => {
        for (const x of page.MonitoringScheduleSummaries ?? []) {
          const r = scheduleRecord(x);
          scheduleCount++;
          if (r.EndpointName) byEndpoint.set(r.EndpointName, [...(byEndpoint.get(r.EndpointName) ?? []), r]);
          await schedulesOut.write(r);
        }
      });
    } catch (e) {
      listingGap(ctx, schedulesOp.api, e);
      schedulesOk = false;
    }
    await schedulesOut.finish({ operations: [{ ...schedulesOp }], complete: schedulesOk, notes: { schedules: scheduleCount, endpointsWatched: byEndpoint.size } });

    // ── endpoints ──
    const config = once(async (name): Promise<DescribeEndpointConfigCommandOutput | { error: string }> => {
      try {
        return await call(configOp, () => sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }), opts));
      } catch (e) {
        return { error: gaps.add(configOp.api, name, e).code };
      }
    });
    const model = once(async (name): Promise<ModelRecord | { error: string }> => {
      try {
        return modelRecord(await call(modelOp, () => sm.send(new DescribeModelCommand({ ModelName: name }), opts)));
      } catch (e) {
        return { error: gaps.add(modelOp.api, name, e).code };
      }
    });
    const describe = async (x: EndpointSummary): Promise<EndpointRecord> => {
      const name = x.EndpointName ?? '';
      const base = {
        EndpointName: name,
        EndpointArn: x.EndpointArn ?? null,
        EndpointStatus: x.EndpointStatus ?? null,
        CreationTime: iso(x.CreationTime),
        LastModifiedTime: iso(x.LastModifiedTime),
        monitoringSchedules: schedulesOk ? (byEndpoint.get(name) ?? []) : null,
      };
      let e;
      try {
        e = await call(endpointOp, () => sm.send(new DescribeEndpointCommand({ EndpointName: name }), opts));
      } catch (err) {
        return { ...base, EndpointConfigName: null, config: null, DataCaptureConfig: null, variants: [], error: gaps.add(endpointOp.api, name, err).code };
      }
      const c = e.EndpointConfigName ? await config(e.EndpointConfigName) : null;
      const cfg = c && !('error' in c) ? c : null;
      const models = new Map<string, ModelRecord | { error: string }>();
      for (const v of cfg?.ProductionVariants ?? []) if (v.ModelName && !models.has(v.ModelName)) models.set(v.ModelName, await model(v.ModelName));
      return {
        ...base,
        EndpointStatus: e.EndpointStatus ?? base.EndpointStatus,
        EndpointConfigName: e.EndpointConfigName ?? null,
        config: c === null ? null : 'error' in c ? { error: c.error as string } : { KmsKeyId: c.KmsKeyId ?? null, AsyncOutputKmsKeyId: c.AsyncInferenceConfig?.OutputConfig?.KmsKeyId ?? null },
        DataCaptureConfig: dataCaptureOf(e, cfg),
        variants: variantsOf(e, cfg, (m) => models.get(m) ?? null),
      };
    };
    const out = await ctx.artifacts.ndjson(KIND.endpoints);
    const counts = { endpoints: 0, describeErrors: 0, dataCaptureEnabled: 0, monitored: 0 };
    let listed = true;
    try {
      await listAll(ctx, listOp, (NextToken) => sm.send(new ListEndpointsCommand({ ...LIST_PARAMS, NextToken }), opts), async (page) => {
        for (const r of await mapPool(page.Endpoints ?? [], pool, describe)) {
          counts.endpoints++;
          if (r.error) counts.describeErrors++;
          if (r.DataCaptureConfig?.EnableCapture) counts.dataCaptureEnabled++;
          if (r.monitoringSchedules?.length) counts.monitored++;
          await out.write(r);
        }
      });
    } catch (e) {
      listingGap(ctx, listOp.api, e);
      listed = false;
    }
    gaps.flush();
    await out.finish({
      operations: [{ ...listOp }, { ...endpointOp }, { ...configOp }, { ...modelOp }, { ...schedulesOp }],
      complete: listed,
      notes: { ...counts, ...(schedulesOk ? {} : { monitoringSchedules: 'ListMonitoringSchedules failed (see the gaps): monitoringSchedules is null on every endpoint' }), ...(listed ? {} : { stoppedAfterPages: listOp.pages }) },
    });
  } finally {
    sm.destroy();
  }
}
