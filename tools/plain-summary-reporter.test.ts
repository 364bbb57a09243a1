/** The closing line: counts, and skip reasons grouped by the install command they end with. */
import { describe, expect, it } from 'vitest';
import { summaryLine } from './plain-summary-reporter.js';

describe('summaryLine', () => {
  it('is the plain count line when nothing skipped', () => {
    expect(summaryLine(726, 0, [])).toBe('Tests: 726 passed, 0 failed, 0 skipped');
  });

  it('groups skips by the apt-get command at the end of their reason, largest group first', () => {
    const gpu = 'no WebGPU adapter (apt-get install chromium libvulkan1)';
    const browser = '/usr/bin/chromium not found (apt-get install chromium libvulkan1)';
    const data = '/usr/share/datasets/fashion-mnist not found (apt-get install dataset-fashion-mnist)';
    expect(summaryLine(552, 0, [gpu, gpu, browser, data])).toBe('Tests: 552 passed, 0 failed, 4 skipped (3 need: apt-get install chromium libvulkan1; 1 need: apt-get install dataset-fashion-mnist)');
  });

  it('quotes any other reason and counts skips that give none, so they show', () => {
    expect(summaryLine(1, 2, ['flaky on Tuesdays', undefined, undefined])).toBe('Tests: 1 passed, 2 failed, 3 skipped (2: no reason given; 1: "flaky on Tuesdays")');
  });
});
