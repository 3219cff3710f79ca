#!/usr/bin/env node
// Launcher only: all logic lives in the compiled CLI. The bundled build (dist/bundle/, made by
// `npm run build`: a few files instead of ~1 500 modules, so it starts faster) when present, else
// tsc's output.
import { existsSync } from 'node:fs';

const bundled = new URL('../dist/bundle/cli.js', import.meta.url);
await import(existsSync(bundled) ? bundled.href : '../dist/src/cli.js');
