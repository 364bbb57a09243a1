#!/usr/bin/env node
/** Entry point: `node packages/cli/dist/conformance.js --backend NAME --vectors DIR`. */
import { parseArgs } from 'node:util';
import { createBackend } from './backends.js';
import { runConformance } from './conformance_runner.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { backend: { type: 'string', default: 'reference' }, vectors: { type: 'string' } } });
  if (!values.vectors) {
    console.error('usage: npm run conformance -- --backend NAME --vectors DIR');
    return 2;
  }
  const backend = await createBackend(values.backend!);
  console.log(`conformance: backend ${backend.name}, vectors ${values.vectors}`);
  return (await runConformance(backend, values.vectors)).exitCode;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`error: ${e.message}`);
    process.exit(1);
  },
);
