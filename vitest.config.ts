import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files, longest first (seconds alone on the 2-core machine, roughly): they start first
 * so that the two workers end together instead of one finishing a three-minute file alone at the end.
 * A fresh clone (CI) has no duration cache, and vitest would otherwise order by file size. Add a file
 * here when it takes more than ~30 s.
 */
export const SLOW_FILES = [
  'test/genuine-mlflow/mlflow-3.6.test.ts',
  'test/reliability/faults.test.ts',
  'test/collectors/aws-iam/differential.test.ts',
  'test/reliability/crash.test.ts',
  'test/collectors/prometheus-availability/prometheus.test.ts',
  'test/bundle/s3.test.ts',
  'test/genuine-mlflow/mlflow-2.22.test.ts',
  'test/commands/demo.test.ts',
  'test/collectors/aws-audit-trail/sandbox.test.ts',
];

/** Vitest's order (cached durations, else size), with SLOW_FILES moved to the front in their order. */
class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOW_FILES.indexOf(path.relative(this.ctx.config.root, f.moduleId).split(path.sep).join('/'));
      return i < 0 ? SLOW_FILES.length : i;
    };
    return base.map((f, i) => ({ f, i, r: rank(f) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.f);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start loopback servers and child processes; two cores on every machine.
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: SlowFirst },
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
  },
});
