// SageMaker inference endpoints, per account × region: every endpoint (ListEndpoints, every page)
// described with what runs now (DescribeEndpoint: variants' current instance counts, the data
// capture in force), its endpoint config (KMS key, data capture settings, variants' instance type
// and model) and each model it serves (network isolation, VPC, containers and the model package
// each runs), and the Model Monitor schedules attached to each endpoint (one ListMonitoringSchedules
// listing). sagemaker-registry joins these records with its packages (deployed-approved).
// The calls live in collect.ts, loaded on first use.
import * as z from 'zod';
import { defineCollector, type AwsContext } from '../define.js';
import { describeCallsPerSecond } from '../_shared/sagemaker.js';
import { checks } from './checks.js';
import { KIND, MONITORING_TYPES } from './kinds.js';

export { KIND, MONITORING_TYPES } from './kinds.js';

export const settings = z.strictObject({
  /** endpoints the redundancy check applies to: names, `*` matching any run of characters; absent = every endpoint */
  productionEndpoints: z.array(z.string().min(1)).optional(),
  /** instances each variant of a production endpoint must run (redundancy) */
  minInstances: z.number().int().min(1).default(2),
  /** the data capture sampling an endpoint must log at least (inference-logging), percent */
  minSamplingPercentage: z.number().min(0).max(100).default(100),
  /** monitoring types each endpoint needs a Scheduled monitor of (drift-monitoring); one of them suffices */
  driftMonitoringTypes: z.array(z.enum(MONITORING_TYPES)).min(1).default(['DataQuality', 'ModelQuality']),
  describeCallsPerSecond,
});
export type EndpointsSettings = z.infer<typeof settings>;

export default defineCollector<AwsContext>({
  meta: {
    id: 'sagemaker-endpoints',
    title: 'SageMaker endpoints: data capture, KMS, production variants and instance counts, the models served with their network isolation and model packages, and Model Monitor schedules',
    source: 'aws',
    scope: 'regional',
    settings,
    permissions: ['sagemaker:ListEndpoints', 'sagemaker:DescribeEndpoint', 'sagemaker:DescribeEndpointConfig', 'sagemaker:DescribeModel', 'sagemaker:ListMonitoringSchedules'],
    artifacts: [
      {
        kind: KIND.endpoints,
        file: 'endpoints.ndjson',
        description:
          'One record per endpoint: status, config name, KMS keys, data capture in force (enabled, sampling %, destination, KMS), production variants with instance type and current/desired instance counts, the model each serves (network isolation, VPC, containers and model package) and the monitoring schedules attached to it.',
      },
      {
        kind: KIND.monitoringSchedules,
        file: 'monitoring-schedules.ndjson',
        description: 'One record per Model Monitor schedule of the region: name, status, monitoring type, job definition and the endpoint it watches.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    await (await import('./collect.js')).collect(ctx);
  },
});
