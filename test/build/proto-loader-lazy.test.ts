// The bundle's patch of @grpc/proto-loader (scripts/bundle.mjs, PROTO_LOADER_PATCHES): message and
// enum descriptors and the file descriptors become lazy getters. The patched loader must give, for the
// Vertex protos the bundle loads, the same package definition as the package's own loader.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Module from 'node:module';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript
import { patchProtoLoader, PROTO_LOADER_PATCHES } from '../../scripts/bundle.mjs';
// @ts-expect-error: a build script, plain JavaScript
import { generateLeanProtos } from '../../scripts/vertex-protos.mjs';

const require = createRequire(import.meta.url);
const loaderFile = require.resolve('@grpc/proto-loader');
type Loader = typeof import('@grpc/proto-loader');

/** the patched index.js, compiled as if it were the package's own file (its requires resolve alike) */
function patchedLoader(): Loader {
  const m = new Module(loaderFile) as Module & { _compile(code: string, file: string): void; paths: string[] };
  m.filename = loaderFile;
  m.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(loaderFile));
  m._compile(patchProtoLoader(readFileSync(loaderFile, 'utf8')), loaderFile);
  return m.exports as Loader;
}

describe('the lazy proto-loader patch', () => {
  it('applies to the installed @grpc/proto-loader, each replaced text found once', () => {
    const text = readFileSync(loaderFile, 'utf8');
    for (const [from] of PROTO_LOADER_PATCHES as [string, string][]) expect(text.split(from).length - 1, from.slice(0, 60)).toBe(1);
    expect(() => patchProtoLoader(text.replace((PROTO_LOADER_PATCHES as [string, string][])[1]![0], ''))).toThrow(/proto-loader changed/);
  });

  it('gives the same package definition for the lean Vertex protos as the package', () => {
    const protobuf = createRequire(loaderFile)('protobufjs') as typeof import('protobufjs');
    const json = generateLeanProtos();
    const options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };
    const original = (require('@grpc/proto-loader') as Loader).fromJSON(protobuf.Root.fromJSON(json), options);
    const patched = patchedLoader().fromJSON(protobuf.Root.fromJSON(json), options);
    expect(Object.keys(patched)).toEqual(Object.keys(original));
    // node's deep equality: vitest's takes minutes over ~300 descriptors and their shared file descriptors
    const differ: string[] = [];
    const same = (what: string, a: unknown, b: unknown) => isDeepStrictEqual(a, b) || differ.push(what);
    let messages = 0;
    let methods = 0;
    for (const [name, def] of Object.entries(original)) {
      const p = patched[name] as typeof def;
      if ('format' in def) {
        messages++;
        const q = p as typeof def;
        same(`${name} format`, q.format, def.format);
        same(`${name} type`, q.type, def.type);
        if (messages === 1) same('fileDescriptorProtos', q.fileDescriptorProtos, def.fileDescriptorProtos);
        else if (q.fileDescriptorProtos !== (Object.values(patched).find((d) => 'format' in d) as typeof def).fileDescriptorProtos) differ.push(`${name}: fileDescriptorProtos not shared`);
      } else {
        for (const [m, md] of Object.entries(def)) {
          methods++;
          const pm = (p as typeof def)[m]!;
          const plain = (d: typeof md) => ({ path: d.path, requestStream: d.requestStream, responseStream: d.responseStream, originalName: d.originalName, options: d.options, request: d.requestType.type, response: d.responseType.type });
          same(`${name}.${m}`, plain(pm), plain(md));
        }
      }
    }
    expect(differ).toEqual([]);
    expect(messages).toBeGreaterThan(100);
    expect(methods).toBeGreaterThan(20);
  }, 60_000);
});
