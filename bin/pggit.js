#!/usr/bin/env node
// Runs the compiled CLI. `npm ci` builds dist/ through the "prepare" script.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/run.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('pggit: dist/ is missing; run "npm ci" or "npm run build" in the pggit checkout first\n');
  process.exit(1);
}
await import(entry.href);
