#!/usr/bin/env node
// Launcher only: all logic lives in the compiled CLI. The bundled build (dist/bundle/, made by
// `npm run build`: a few files instead of ~1 500 modules, so it starts faster) when present, else
// tsc's output.
import { existsSync, readFileSync } from 'node:fs';
import module from 'node:module';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // what commander prints for it, without loading the CLI (~30 ms of CPU): the package's version
  process.stdout.write(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version + '\n');
} else {
  // Node ≥ 22.1 keeps the compiled code of the modules on disk between runs (os.tmpdir(), per
  // Node version and file contents); on Node 20 there is no such cache
  module.enableCompileCache?.();
  const bundled = new URL('../dist/bundle/cli.mjs', import.meta.url);
  await import(existsSync(bundled) ? bundled.href : '../dist/src/cli.js');
}
