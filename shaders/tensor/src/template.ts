/**
 * The WGSL template filler: `{{NAME}}` placeholders and line-based `//#if NAME` / `//#else` / `//#endif`
 * blocks. Deliberately tiny: no expressions, no includes (specs concatenate sources themselves).
 * Internal to @dogo/shaders-tensor, exported for tests.
 */

/** Values a template parameter may take; booleans drive `//#if`, everything is printed with String(). */
export type TemplateValue = string | number | boolean;

/** Thrown when a template names a parameter the caller did not give, or blocks are unbalanced. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/**
 * Returns `source` with `//#if`-blocks resolved and every `{{NAME}}` replaced by `params[NAME]`.
 * `//#if NAME` keeps its block when params[NAME] is truthy; `//#if !NAME` when it is falsy.
 */
export function fillTemplate(source: string, params: Readonly<Record<string, TemplateValue>>, label = 'template'): string {
  const out: string[] = [];
  // Each stack entry: is the enclosing region live, is this block's own branch live.
  const stack: { parentLive: boolean; live: boolean; seenElse: boolean }[] = [];
  let live = true;
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const directive = /^\s*\/\/#(if|else|endif)\b\s*(!?)\s*([A-Za-z_][A-Za-z0-9_]*)?\s*$/.exec(line);
    if (!directive) {
      if (live) out.push(line);
      continue;
    }
    const [, kind, negate, name] = directive;
    if (kind === 'if') {
      if (!name) throw new TemplateError(`${label}:${i + 1}: //#if needs a parameter name`);
      if (!(name in params)) throw new TemplateError(`${label}:${i + 1}: //#if ${name}: parameter ${name} not given`);
      const cond = negate ? !params[name] : !!params[name];
      stack.push({ parentLive: live, live: cond, seenElse: false });
      live = live && cond;
    } else if (kind === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.seenElse) throw new TemplateError(`${label}:${i + 1}: //#else without //#if`);
      top.seenElse = true;
      top.live = !top.live;
      live = top.parentLive && top.live;
    } else {
      const top = stack.pop();
      if (!top) throw new TemplateError(`${label}:${i + 1}: //#endif without //#if`);
      live = top.parentLive;
    }
  }
  if (stack.length) throw new TemplateError(`${label}: ${stack.length} //#if block(s) not closed`);
  return out.join('\n').replace(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g, (_, name: string) => {
    if (!(name in params)) throw new TemplateError(`${label}: placeholder {{${name}}} has no value`);
    return String(params[name]);
  });
}
