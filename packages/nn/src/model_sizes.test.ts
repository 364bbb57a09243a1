import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatModelSizeTable, modelSizes } from './model_sizes.js';

describe('model sizes (ResNet encoders, CIFAR stem)', () => {
  it('prints the table, which the README carries verbatim', () => {
    const rows = modelSizes();
    const table = formatModelSizeTable(rows);
    console.log(table);
    const r18 = rows.find((r) => r.arch === 'resnet18' && r.width === '1')!;
    // torchvision's 11,689,512 less fc (513,000) and the 7x7 stem (9,408), plus a 3x3 stem (1,728).
    expect(r18.paramsRgb).toBe(11_689_512 - 513_000 - 9_408 + 1_728);
    expect(r18.paramsGray).toBe(r18.paramsRgb - 64 * 2 * 9);
    expect(r18.flops32x32x3 / 2e9).toBeCloseTo(0.555, 3); // the usual "0.56 GMACs" of CIFAR ResNet-18
    expect(rows.find((r) => r.arch === 'resnet50' && r.width === '0.5')!.featureDim).toBe(1024);
    expect(rows.filter((r) => r.arch === 'resnetSmall').map((r) => r.featureDim)).toEqual([128, 256]);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme, 'packages/nn/README.md: paste the table printed above into "Model sizes"').toContain(table);
  });
});
