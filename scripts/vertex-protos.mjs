// Writes the lean Vertex AI protos the bundled CLI loads its five v1 service clients with: from the
// installed @google-cloud/aiplatform's own build/protos/protos.json (v1 and v1beta1 of every
// service, 4 MB), only the services src/clients/vertex.ts uses and every type they reach (request,
// response, field and long-running-operation types, transitively). Everything outside
// google.cloud.aiplatform (google.api, google.protobuf, google.longrunning …: 30 kB) is kept whole.
// The file records the package version and the source's sha256 (test/build/vertex-protos.test.ts
// checks both against what is installed), so an upgrade without a rebuild is caught.
//
// Usage: node scripts/vertex-protos.mjs OUT_FILE   (scripts/bundle.mjs calls generateLeanProtos)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
// protobufjs as google-gax resolves it: the very version the clients parse the JSON with
const protobuf = createRequire(require.resolve('google-gax'))('protobufjs');

export const VERTEX_V1 = 'google.cloud.aiplatform.v1';
/** the services of src/clients/vertex.ts (its VERTEX_READ_METHODS keys) */
export const LEAN_SERVICES = ['ModelService', 'EndpointService', 'MetadataService', 'DatasetService', 'PipelineService'];

/** the installed package's directory (it has no exports map: walk up from its entry point) */
export function aiplatformDir() {
  return path.resolve(path.dirname(require.resolve('@google-cloud/aiplatform')), '..', '..');
}

function fail(message) {
  throw new Error(`vertex-protos: ${message}`);
}

/** Full names (without the leading dot) of the services and of every type they reach. */
function reachable(full, services) {
  const r = protobuf.Root.fromJSON(full);
  r.resolveAll();
  const keep = new Set();
  const visit = (t) => {
    if (!t || keep.has(t.fullName)) return;
    keep.add(t.fullName);
    if (t instanceof protobuf.Type) {
      for (const f of t.fieldsArray) visit(f.resolvedType);
      for (const n of t.nestedArray) visit(n);
    }
  };
  for (const name of services) {
    const s = r.lookupService(`${VERTEX_V1}.${name}`);
    keep.add(s.fullName);
    for (const m of s.methodsArray) {
      visit(m.resolvedRequestType);
      visit(m.resolvedResponseType);
      // the client constructors look up each long-running method's response and metadata types
      for (const n of [m.options?.['(google.longrunning.operation_info).response_type'], m.options?.['(google.longrunning.operation_info).metadata_type']]) {
        if (n) visit(s.parent.lookup(n) ?? fail(`${s.fullName}.${m.name}: no operation type ${n}`));
      }
    }
  }
  return new Set([...keep].map((n) => n.replace(/^\./, '')));
}

/** The JSON tree with, under google.cloud.aiplatform, only the kept names (a kept message stays whole). */
function prune(node, prefix, keep) {
  if (!node.nested) return node;
  const nested = {};
  for (const [k, v] of Object.entries(node.nested)) {
    const name = prefix ? `${prefix}.${k}` : k;
    const inAiplatform = name === 'google.cloud.aiplatform' || name.startsWith('google.cloud.aiplatform.');
    const isNamespace = !v.fields && !v.methods && !v.values;
    const ancestor = 'google.cloud.aiplatform'.startsWith(`${name}.`);
    if (ancestor) nested[k] = prune(v, name, keep);
    else if (!inAiplatform || keep.has(name)) nested[k] = v;
    else if (isNamespace && [...keep].some((n) => n.startsWith(`${name}.`))) nested[k] = prune(v, name, keep);
  }
  return { ...node, nested };
}

/** The lean protos JSON (an object), with `generatedFrom` recording its source. */
export function generateLeanProtos() {
  const dir = aiplatformDir();
  const source = readFileSync(path.join(dir, 'build', 'protos', 'protos.json'));
  const full = JSON.parse(source.toString('utf8'));
  const keep = reachable(full, LEAN_SERVICES);
  const lean = prune(full, '', keep);
  return {
    // Root.fromJSON and proto-loader read only `nested` (and `options`): this key is ours
    generatedFrom: {
      package: '@google-cloud/aiplatform',
      version: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version,
      file: 'build/protos/protos.json',
      sha256: createHash('sha256').update(source).digest('hex'),
      services: LEAN_SERVICES.map((s) => `${VERTEX_V1}.${s}`),
      types: keep.size,
    },
    ...lean,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node scripts/vertex-protos.mjs OUT_FILE\n');
    process.exit(2);
  }
  writeFileSync(out, JSON.stringify(generateLeanProtos()));
}
