/**
 * Vitest reporter that ends the run with one plain line, `Tests: N passed, M failed, K skipped`,
 * the closing line CI reads in any language. Skips are counted so a hidden skip is visible, and the same line
 * says why they skipped, grouped by reason:
 *
 *   Tests: 552 passed, 0 failed, 159 skipped (159 need: apt-get install chromium libvulkan1)
 *
 * A test's reason is its skip note (`ctx.skip(note)`), else a `skipReason` in the meta of the test, of one of its
 * suites or of its module (helpers such as getTestGpu set it on the module when a whole file skips). A reason
 * ending in `(apt-get install PKGS)` is counted under that command; any other reason is quoted, and a skip with
 * no reason is counted as such, so an unexpected skip shows.
 */
import type { Reporter, TestCase, TestModule } from 'vitest/node';

/** Where a skip reason names what to install. */
const INSTALL = /\((apt-get install [^)]+)\)\s*$/;

/** The reason a skipped test gives: its note, or the nearest skipReason meta up to its module. */
export function skipReason(t: TestCase): string | undefined {
  const r = t.result();
  if (r.state === 'skipped' && r.note) return r.note;
  for (let n: { meta(): object; type: string; parent?: unknown } | undefined = t; n; n = n.type === 'module' ? undefined : (n.parent as typeof n)) {
    const reason = (n.meta() as { skipReason?: unknown }).skipReason;
    if (typeof reason === 'string' && reason) return reason;
  }
  return undefined;
}

/** The closing line from the counts and the reason of every skipped test (undefined: none given). */
export function summaryLine(passed: number, failed: number, skipReasons: (string | undefined)[]): string {
  const line = `Tests: ${passed} passed, ${failed} failed, ${skipReasons.length} skipped`;
  if (skipReasons.length === 0) return line;
  const groups = new Map<string, number>();
  for (const r of skipReasons) {
    const key = r === undefined ? 'no reason given' : INSTALL.exec(r)?.[1] ?? `"${r}"`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const parts = [...groups].sort((a, b) => b[1] - a[1]).map(([key, n]) => (key.startsWith('apt-get') ? `${n} need: ${key}` : `${n}: ${key}`));
  return `${line} (${parts.join('; ')})`;
}

export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    const skipped: (string | undefined)[] = [];
    for (const mod of testModules) {
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
      for (const t of mod.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failed++;
        else skipped.push(skipReason(t));
      }
    }
    process.stdout.write(`\n${summaryLine(passed, failed, skipped)}\n`);
  }
}
