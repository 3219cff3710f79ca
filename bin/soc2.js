#!/usr/bin/env node
// Launcher only: all logic lives in the compiled CLI.
import '../dist/src/cli.js';
