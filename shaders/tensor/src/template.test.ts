import { describe, expect, test } from 'vitest';
import { TemplateError, fillTemplate } from './template.js';

describe('fillTemplate', () => {
  test('substitutes placeholders and resolves nested //#if / //#else blocks', () => {
    const src = ['a {{X}}', '//#if F', 'f', '//#if !G', 'not g', '//#else', 'g', '//#endif', '//#else', 'not f', '//#endif', 'end'].join('\n');
    expect(fillTemplate(src, { X: 3, F: true, G: false })).toBe('a 3\nf\nnot g\nend');
    expect(fillTemplate(src, { X: 'y', F: true, G: true })).toBe('a y\nf\ng\nend');
    expect(fillTemplate(src, { X: 0, F: false, G: true })).toBe('a 0\nnot f\nend');
  });

  test('names the missing parameter and unbalanced blocks', () => {
    expect(() => fillTemplate('{{Y}}', {})).toThrow(/\{\{Y\}\} has no value/);
    expect(() => fillTemplate('//#if Z\n//#endif', {})).toThrow(TemplateError);
    expect(() => fillTemplate('//#if Z', { Z: true })).toThrow(/not closed/);
    expect(() => fillTemplate('//#endif', {})).toThrow(/without/);
  });
});
