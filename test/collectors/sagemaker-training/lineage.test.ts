// The processing side of the SageMaker lineage join (collectors/sagemaker-training/lineage.ts): which
// processing job outputs a training channel read — at, under or above its S3 prefix on whole path
// segments, created before the training job — and why none is named otherwise.
import { describe, expect, it } from 'vitest';
import { datasetLineage, ProcessingIndex, type ProcessingOutputs } from '../../../collectors/sagemaker-training/lineage.js';
import type { TrainingJobRecord } from '../../../collectors/sagemaker-training/record.js';

const prep = (name: string, created: string, ...outputs: string[]): ProcessingOutputs => ({
  ProcessingJobName: name,
  ProcessingJobArn: `arn:aws:sagemaker:us-east-1:111122223333:processing-job/${name}`,
  CreationTime: created,
  ProcessingEndTime: null,
  outputs: outputs.map((S3Uri, i) => ({ OutputName: `out-${i}`, S3Uri })),
});
const training = { TrainingJobName: 'train-1', CreationTime: '2026-03-10T00:00:00.000Z' } as TrainingJobRecord;
const channel = (S3Uri: string | null, FileSystem: string | null = null) => ({ ChannelName: 'train', S3Uri, FileSystem });

function index(...jobs: ProcessingOutputs[]) {
  const ix = new ProcessingIndex();
  for (const j of jobs) ix.add(j);
  return ix;
}

describe('sagemaker-training lineage: the processing jobs that prepared a channel', () => {
  it('matches outputs at, under and above the channel on whole path segments, newest first', () => {
    const ix = index(
      prep('same', '2026-03-01T00:00:00.000Z', 's3://data/fraud/train'), // the prefix itself, without the slash
      prep('below', '2026-03-02T00:00:00.000Z', 's3://data/fraud/train/part-0/'), // read by the channel
      prep('above', '2026-03-03T00:00:00.000Z', 's3://data/fraud/'), // wrote the prefix the channel reads from
      prep('sibling', '2026-03-04T00:00:00.000Z', 's3://data/fraud/train2/', 's3://data/fraud-old/train/'), // not on a segment boundary
      prep('other-bucket', '2026-03-04T00:00:00.000Z', 's3://datasets/fraud/train/'),
    );
    const d = datasetLineage(channel('s3://data/fraud/train/'), training, ix, '30 days');
    expect(d.preparedBy.map((p) => `${p.ProcessingJobName} ${p.S3Uri}`)).toEqual(['above s3://data/fraud/', 'below s3://data/fraud/train/part-0/', 'same s3://data/fraud/train']);
    expect(d.reason).toBeUndefined();
  });

  it('leaves out jobs created at or after the training job: they cannot have prepared its data', () => {
    const ix = index(prep('after', '2026-03-10T00:00:00.000Z', 's3://data/train/'), prep('later', '2026-03-11T00:00:00.000Z', 's3://data/train/'));
    const d = datasetLineage(channel('s3://data/train/'), training, ix, '30 days');
    expect(d.preparedBy).toEqual([]);
    expect(d.reason).toBe('no processing job of the window (30 days) created before train-1 wrote at, under or above s3://data/train/: prepared earlier, elsewhere, or outside SageMaker Processing');
  });

  it('says why a file-system channel has no writer, and that undescribed jobs leave the answer open', () => {
    expect(datasetLineage(channel(null, 'FSxLustre:fs-1/train'), training, index(), '30 days').reason).toBe('the channel reads a file system (FSxLustre:fs-1/train): no processing output to match');
    const ix = index({ ...prep('denied', '2026-03-01T00:00:00.000Z'), error: 'AccessDeniedException' });
    expect(datasetLineage(channel('s3://data/train/'), training, ix, '30 days').reason).toMatch(/; 1 processing job of the window could not be described: its outputs, which may include this channel, are unknown$/);
  });
});
