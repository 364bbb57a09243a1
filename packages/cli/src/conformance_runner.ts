/**
 * The conformance runner behind `npm run conformance -- --backend NAME --vectors DIR`: every *.json case
 * under DIR (recursively) through the named backend; prints each failing case with its relative errors and
 * ends with `N passed, M failed`. Failure (exit 1): any failing case, an unknown op, or no case at all.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeCase, formatFailure, runCase, type Backend, type CaseResult } from '@dogo/core';

export interface ConformanceSummary {
  passed: number;
  failed: number;
  results: CaseResult[];
  /** 0 when every case passed and there was at least one. */
  exitCode: number;
}

export function listCaseFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export async function runConformance(backend: Backend, dir: string, log: (line: string) => void = console.log): Promise<ConformanceSummary> {
  const files = listCaseFiles(dir);
  const results: CaseResult[] = [];
  for (const file of files) {
    const name = path.relative(dir, file);
    let r: CaseResult;
    try {
      r = await runCase(backend, decodeCase(name, JSON.parse(readFileSync(file, 'utf8'))));
    } catch (e) {
      r = { name, op: '?', passed: false, checks: [], error: `cannot read case: ${(e as Error).message}` };
    }
    results.push(r);
    if (!r.passed) log(formatFailure(r));
  }
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  if (files.length === 0) log(`no *.json case found under ${dir}`);
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed, results, exitCode: failed > 0 || files.length === 0 ? 1 : 0 };
}
