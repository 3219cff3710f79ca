// How a lineage subgraph becomes a record: only datasets upstream of the model count as training
// data; google.protobuf.Value metadata becomes JSON.
import { describe, expect, it } from 'vitest';
import { summarizeSubgraph, toDatasetRecord } from '../../../collectors/vertex-lineage/record.js';
import { describeVertexError, fromValue, iso } from '../../../collectors/vertex-registry/vertex.js';

const S = 'projects/1/locations/us-central1/metadataStores/default';
const art = (id: string, schemaTitle: string) => ({ name: `${S}/artifacts/${id}`, schemaTitle, uri: `gs://b/${id}`, createTime: { seconds: '1788228000', nanos: 0 } });
const exe = (id: string) => ({ name: `${S}/executions/${id}`, schemaTitle: 'system.ContainerExecution', state: 'COMPLETE' });
const ev = (a: string, x: string, type: 'INPUT' | 'OUTPUT') => ({ artifact: `${S}/artifacts/${a}`, execution: `${S}/executions/${x}`, type });

describe('summarizeSubgraph', () => {
  it('walks OUTPUT → execution → INPUT backwards from the model; downstream datasets do not count', () => {
    const g = {
      artifacts: [art('raw', 'system.Dataset'), art('features', 'system.Dataset'), art('model', 'system.Model'), art('scores', 'system.Dataset'), art('other', 'system.Dataset')],
      executions: [exe('prep'), exe('train'), exe('batch')],
      events: [ev('raw', 'prep', 'INPUT'), ev('features', 'prep', 'OUTPUT'), ev('features', 'train', 'INPUT'), ev('model', 'train', 'OUTPUT'), ev('model', 'batch', 'INPUT'), ev('scores', 'batch', 'OUTPUT')],
    };
    const m = summarizeSubgraph(g, `${S}/artifacts/model`, 5);
    expect(m.datasets.map((d) => [d.name.split('/').pop(), d.upstream])).toEqual([
      ['features', true],
      ['raw', true],
      ['other', false],
      ['scores', false],
    ]);
    expect(m.datasets[0]!.createTime).toBe('2026-09-01T02:00:00.000Z');
    expect(m.executions.map((x) => [x.name.split('/').pop(), x.upstream])).toEqual([
      ['prep', true],
      ['train', true],
      ['batch', false],
    ]);
    expect(m).toMatchObject({ maxHops: 5, artifacts: 5, events: 6 });
  });
});

describe('values', () => {
  it('decodes google.protobuf.Value, timestamps and gRPC errors', () => {
    expect(fromValue({ structValue: { fields: { a: { listValue: { values: [{ numberValue: 1 }, { stringValue: 'x' }, { boolValue: true }, { nullValue: 'NULL_VALUE' }] } } } }, kind: 'structValue' } as never)).toEqual({ a: [1, 'x', true, null] });
    expect(iso({ seconds: '0', nanos: 0 })).toBeNull();
    expect(iso({ seconds: '1788228000', nanos: 5_000_000 })).toBe('2026-09-01T02:00:00.005Z');
    expect(describeVertexError(Object.assign(new Error('9 FAILED_PRECONDITION: too big'), { code: 9 }))).toEqual({ code: 'FAILED_PRECONDITION', message: 'too big' });
    expect(describeVertexError(Object.assign(new Error('x'), { code: 7, details: 'denied' }))).toEqual({ code: 'PERMISSION_DENIED', message: 'denied' });
  });

  it('reads a Dataset’s source from metadata.inputConfig', () => {
    const sv = (fields: Record<string, unknown>) => ({ structValue: { fields } });
    const metadata = sv({ inputConfig: sv({ gcsSource: sv({ uri: { listValue: { values: [{ stringValue: 'gs://b/a.csv' }] } } }) }) });
    const d = toDatasetRecord({ name: 'projects/1/locations/l/datasets/7', metadata } as never);
    expect(d.source).toEqual({ gcsUris: ['gs://b/a.csv'], bigqueryUri: null });
  });
});
