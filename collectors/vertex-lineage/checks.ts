// Pure functions from vertex.lineage.production-versions to findings.
import type { Check, Exception } from '../../src/core/types.js';
import type { LineageRecord } from './record.js';

const KIND = 'vertex.lineage.production-versions';
const vid = (r: LineageRecord) => `${r.displayName ?? r.modelId}@${r.versionId} (model ${r.modelId})`;

export const checks: Check[] = [
  {
    id: 'vertex-lineage.datasets-traced',
    title: 'Each production model version traces to at least one training dataset',
    severity: 'medium',
    reads: [KIND],
    async run(i) {
      const ex: Exception[] = [];
      let n = 0;
      let viaMetadata = 0;
      let viaPipeline = 0;
      for await (const r of i.artifacts.iterate<LineageRecord>(KIND)) {
        n++;
        if (r.datasets.some((d) => d.via === 'metadata')) viaMetadata++;
        if (r.datasets.some((d) => d.via === 'training-pipeline')) viaPipeline++;
        if (r.traced) continue;
        // a record with errors makes the artifact incomplete, so the runner reports `error` before
        // this runs; kept for artifacts read outside the runner
        const reason = r.errors.length ? `lineage unknown: ${r.errors.map((e) => `${e.api}: ${e.code}`).join('; ')}` : `no training dataset traced: ${r.untracedReason ?? 'unknown'}`;
        ex.push({ resource: vid(r), reason });
      }
      if (n === 0) return { status: 'not_applicable', summary: 'no production model version (a version carrying a production alias) in this location', exceptions: [] };
      const how = `${viaMetadata} through ML Metadata, ${viaPipeline} through a training pipeline’s Dataset`;
      return ex.length
        ? { status: 'fail', summary: `${ex.length} of ${n} production versions trace to no training dataset (${how})`, exceptions: ex }
        : { status: 'pass', summary: `all ${n} production versions trace to at least one training dataset (${how})`, exceptions: [] };
    },
  },
];
