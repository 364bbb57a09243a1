/** Checks a pointwise node's attributes against its row's declaration (inside the shape rule). Internal. */
import { ShapeRuleError, type Attrs } from '../op_def.js';

/** The declaration of one attribute: its default, and the allowed values of a string attribute. */
interface AttrDecl {
  readonly default: unknown;
  readonly choices?: readonly unknown[];
}

/** Throws ShapeRuleError when `attrs` lacks a declared attribute, has an undeclared one, or a value of the wrong kind. */
export function checkAttrs(op: string, spec: { readonly [key: string]: AttrDecl } | undefined, attrs: Attrs): void {
  const declared = spec ?? {};
  for (const key of Object.keys(attrs)) {
    if (!(key in declared)) {
      const known = Object.keys(declared);
      throw new ShapeRuleError(`unknown attribute "${key}"; ${known.length > 0 ? `${op} takes ${known.join(', ')}` : `${op} takes none`}`);
    }
  }
  for (const [key, decl] of Object.entries(declared)) {
    const v = attrs[key];
    if (v === undefined) throw new ShapeRuleError(`attribute "${key}" is missing (build the node with ops' ${op} builder, which fills the default ${JSON.stringify(decl.default)})`);
    if (decl.choices) {
      if (!decl.choices.includes(v)) throw new ShapeRuleError(`attribute "${key}" is ${JSON.stringify(v)}; allowed: ${decl.choices.map((c) => JSON.stringify(c)).join(', ')}`);
    } else if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ShapeRuleError(`attribute "${key}" must be a finite number, got ${String(v)}`);
    }
  }
}
