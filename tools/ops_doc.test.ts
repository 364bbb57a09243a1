import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderOpsDoc } from './ops_doc.js';

it("docs/OPS.md matches the op registry", async () => {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/OPS.md');
  const fresh = renderOpsDoc();
  if (process.env.WRITE_OPS_DOC === '1') (await import('node:fs')).writeFileSync(file, fresh);
  expect(readFileSync(file, 'utf8'), 'docs/OPS.md is stale: run `WRITE_OPS_DOC=1 npx vitest run tools/ops_doc.test.ts`').toBe(fresh);
});
