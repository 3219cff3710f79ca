// Pure functions from aws-monitoring's artifacts to findings. Each population comes from another
// collector of the same run (endpoints, training jobs) or the settings; when that collector did not
// run the check is not_applicable and says why. A record that could not be read makes it `error`.
import type { Check } from '../../src/core/types.js';
import { judgeEach, verdict } from '../_shared/sagemaker-checks.js';
import type { MonitoringSettings } from './index.js';
import { KIND, type BackupCoverageArtifact, type EndpointAlarmsArtifact, type ImageFindingsRecord } from './kinds.js';

const NOT_SERVING = new Set(['Failed', 'Deleting']);

export const checks: Check[] = [
  {
    id: 'aws-monitoring.endpoint-alarms',
    title: 'Every inference endpoint has a CloudWatch alarm with actions on its metrics',
    severity: 'medium',
    reads: [KIND.endpointAlarms],
    async run(i) {
      const d = await i.artifacts.readJson<EndpointAlarmsArtifact>(KIND.endpointAlarms);
      if (!d.endpointsCollected) return { status: 'not_applicable', summary: 'sagemaker-endpoints did not run for this account and region in this collection: the endpoints to alarm on are not known here', exceptions: [] };
      const serving = d.endpoints.filter((e) => !(e.EndpointStatus && NOT_SERVING.has(e.EndpointStatus)));
      const left = d.endpoints.length - serving.length;
      const j = judgeEach(serving, (e) => e.EndpointArn ?? e.EndpointName, (e) => {
        if (!d.alarmsComplete) return { unread: 'DescribeAlarms failed' };
        if (e.alarms.some((a) => a.actions)) return null;
        if (e.alarms.length) return `alarms ${e.alarms.map((a) => `${a.AlarmName} (${a.MetricName ?? 'metric math'})`).join(', ')} have no enabled alarm action: nobody is notified`;
        return 'no CloudWatch alarm on its EndpointName dimension (e.g. Invocation5XXErrors, ModelLatency)';
      });
      return verdict(j, {
        pass: `all ${serving.length} endpoints have an alarm with actions on their metrics`,
        fail: (k) => `${k} of ${serving.length} endpoints have no alarm that notifies anyone`,
        empty: 'no serving endpoints in this region',
        tail: left ? `; ${left} Failed or deleting endpoints left out` : '',
        noun: 'endpoints',
      });
    },
  },
  {
    id: 'aws-monitoring.backups',
    title: 'AWS Backup plans cover the data stores that hold training data and model artifacts',
    severity: 'medium',
    reads: [KIND.backupCoverage],
    async run(i) {
      const d = await i.artifacts.readJson<BackupCoverageArtifact>(KIND.backupCoverage);
      const j = judgeEach(d.dataStores, (r) => r.resource, (r) => {
        if (r.unread) return { unread: r.unread };
        if (r.coveredBy.length) return null;
        if (d.unreadPlans.length) return { unread: `not covered by the plans read; ${d.unreadPlans.length} plans or their selections could not be read` };
        if (r.conditional.length) return `covered only under tag conditions that cannot be verified here: ${r.conditional.map((c) => `${c.plan}/${c.selection}`).join(', ')}`;
        return `no AWS Backup selection covers it (used by ${r.from.join(', ')})`;
      });
      // buckets to cover may be missing from the list: what was judged cannot pass for all
      if (d.bucketsUnknown && !j.unread.length) j.unread.push({ resource: 'S3 buckets of this account', reason: `${d.bucketsUnknown}: not evaluated` });
      return verdict(j, {
        pass: `all ${d.dataStores.length} data stores are named by a backup selection`,
        fail: (k) => `${k} of ${d.dataStores.length} data stores are not shown to be backed up`,
        empty: 'no data stores known in this region (settings.aws-monitoring.dataStores, and no training job of this collection reads S3)',
        noun: 'data stores',
      });
    },
  },
  {
    id: 'aws-monitoring.image-vulnerabilities',
    title: 'The container images that training jobs, processing jobs and endpoints run are scanned and have no critical or high findings',
    severity: 'high',
    reads: [KIND.imageFindings],
    async run(i) {
      const severities = (i.settings as MonitoringSettings).severities;
      const all: ImageFindingsRecord[] = [];
      for await (const r of i.artifacts.iterate<ImageFindingsRecord>(KIND.imageFindings)) all.push(r);
      const own = all.filter((r) => r.state !== 'outside');
      const outside = all.length - own.length;
      const j = judgeEach(own, (r) => r.image, (r) => {
        if (r.state === 'error') return { unread: `DescribeImageScanFindings failed (${r.error})` };
        if (r.state === 'not-scanned') return `never scanned (ScanNotFoundException); run by ${r.usedBy.join(', ')}`;
        if (r.state === 'image-not-found') return `the image is no longer in its ECR repository: what ran cannot be scanned; run by ${r.usedBy.join(', ')}`;
        if (r.scanStatus && r.scanStatus !== 'COMPLETE' && r.scanStatus !== 'ACTIVE') return `the scan is ${r.scanStatus}`;
        const bad = severities.filter((s) => (r.severityCounts[s] ?? 0) > 0);
        if (!bad.length) return null;
        const names = r.findings.filter((f) => severities.includes(f.severity as (typeof severities)[number])).slice(0, 5).map((f) => f.name).filter(Boolean);
        return `${bad.map((s) => `${r.severityCounts[s]} ${s}`).join(', ')} findings${names.length ? ` (${names.join(', ')}${r.findings.length > 5 ? ' …' : ''})` : ''}; run by ${r.usedBy.join(', ')}`;
      });
      return verdict(j, {
        pass: `all ${own.length} images of this account's ECR were scanned with no ${severities.join(' or ')} findings`,
        fail: (k) => `${k} of ${own.length} images are unscanned or have ${severities.join(' or ')} findings`,
        empty: 'no ECR image of this account is run by the training jobs, processing jobs and endpoints collected here',
        tail: outside ? `; ${outside} images from other registries (AWS-managed or other accounts) left out` : '',
        noun: 'images',
      });
    },
  },
];
