#!/usr/bin/env node
// The `dogo` command's bin: runs the built CLI (dist/main.js). It lives outside dist/ so npm can link it when the
// workspace is installed, before anything is built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error(`dogo: ${main} is missing; build the workspace first (npm run build)`);
  process.exit(1);
}
await import(main);
