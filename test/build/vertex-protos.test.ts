// The bundled CLI builds its Vertex clients from dist/bundle/vertex-v1-protos.json (scripts/vertex-protos.mjs)
// instead of the package's 4 MB protos.json. It must come from the installed package (an upgrade
// without a rebuild fails here) and hold everything the clients and collectors use, unchanged.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { VERTEX_READ_METHODS } from '../../src/clients/vertex.js';
import { repoRoot } from '../helpers/cli.js';
import { READ_METHODS } from '../collectors/vertex-registry/helpers.js';

const require = createRequire(import.meta.url);
// protobufjs as google-gax (the clients' runtime) resolves it
const protobuf = createRequire(require.resolve('google-gax'))('protobufjs') as typeof import('protobufjs');
const aiplatform = path.resolve(path.dirname(require.resolve('@google-cloud/aiplatform')), '..', '..');
const sourceBytes = readFileSync(path.join(aiplatform, 'build', 'protos', 'protos.json'));
const full = JSON.parse(sourceBytes.toString('utf8'));
const leanFile = path.join(repoRoot, 'dist', 'bundle', 'vertex-v1-protos.json');
const leanText = readFileSync(leanFile, 'utf8');
const lean = JSON.parse(leanText);
const V1 = 'google.cloud.aiplatform.v1';
const SERVICES = Object.keys(VERTEX_READ_METHODS);
const FILES: Record<string, string> = { ModelService: 'model', EndpointService: 'endpoint', MetadataService: 'metadata', DatasetService: 'dataset', PipelineService: 'pipeline' };

const v1 = (j: any) => j.nested.google.nested.cloud.nested.aiplatform.nested.v1.nested;

describe('lean Vertex protos (dist/bundle/vertex-v1-protos.json)', () => {
  it('records the installed @google-cloud/aiplatform version and the sha256 of its protos.json', () => {
    const installed = JSON.parse(readFileSync(path.join(aiplatform, 'package.json'), 'utf8')).version;
    expect(lean.generatedFrom).toMatchObject({ package: '@google-cloud/aiplatform', version: installed, file: 'build/protos/protos.json', sha256: createHash('sha256').update(sourceBytes).digest('hex') });
    expect(lean.generatedFrom.services).toEqual(SERVICES.map((s) => `${V1}.${s}`));
  });

  it('is a small part of the full file: no v1beta1, no other v1 service', () => {
    expect(lean.nested.google.nested.cloud.nested.aiplatform.nested.v1beta1).toBeUndefined();
    const services = Object.entries(v1(lean)).filter(([, v]: [string, any]) => v.methods).map(([k]) => k);
    expect(services.sort()).toEqual([...SERVICES].sort());
    expect(leanText.length).toBeLessThan(sourceBytes.length / 10);
  });

  it('holds the five services and every aiplatform type it keeps exactly as the package defines them', () => {
    for (const [name, def] of Object.entries(v1(lean))) expect(def, name).toEqual(v1(full)[name]);
  });

  it('has every method the collectors call and every read method the clients configure', () => {
    const root = protobuf.Root.fromJSON(lean);
    const methods = SERVICES.flatMap((s) => Object.keys(root.lookupService(`${V1}.${s}`).methods));
    for (const m of READ_METHODS) expect(methods, m).toContain(m);
    for (const [s, ms] of Object.entries(VERTEX_READ_METHODS)) for (const m of ms) expect(root.lookupService(`${V1}.${s}`).methods[m], `${s}.${m}`).toBeDefined();
  });

  it('resolves every type (proto-loader, as google-gax loads it) and every type the client constructors look up', () => {
    const def = protoLoader.fromJSON(lean, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
    for (const s of SERVICES) expect(def[`${V1}.${s}`], s).toBeDefined();
    const root = protobuf.Root.fromJSON(lean);
    for (const s of SERVICES) {
      const src = readFileSync(path.join(aiplatform, 'build', 'src', 'v1', `${FILES[s]}_service_client.js`), 'utf8');
      const names = [...src.matchAll(/lookup\('([^']+)'\)/g)].map((m) => m[1]!);
      expect(names.length, s).toBeGreaterThan(0);
      for (const n of names) expect(root.lookup(n), `${s}: ${n}`).not.toBeNull();
    }
  });

  it('is what the bundle embeds in place of the package protos.json, which no chunk requires', () => {
    const dir = path.join(repoRoot, 'dist', 'bundle', 'chunks');
    const chunks = readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8'));
    const literals = chunks.flatMap((c) => [...c.matchAll(/JSON\.parse\(('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\)/g)].map((m) => m[1]!));
    const embedded = literals.filter((l) => l.includes(lean.generatedFrom.sha256));
    expect(embedded).toHaveLength(1);
    // the string literal esbuild wrote, read back as JavaScript
    expect(JSON.parse(new Function(`return ${embedded[0]}`)())).toEqual(lean);
    expect(chunks.filter((c) => /protos\/protos\.json['"]\)/.test(c))).toEqual([]);
  });
});
