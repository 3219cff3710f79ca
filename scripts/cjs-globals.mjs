// Injected by scripts/bundle.mjs into the chunks whose inlined CommonJS code uses `require`,
// `__filename` or `__dirname` (esbuild imports it only where such a free name occurs). All chunks
// live in dist/bundle/chunks/, so `__dirname` is theirs; `require` loads Node's built-ins.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const __filename = fileURLToPath(import.meta.url);
const __dirname = dirname(__filename);
export { require, __filename, __dirname };
