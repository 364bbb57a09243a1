/**
 * Finds a repeated key in any JSON object of a header. Internal to safetensors/.
 * JSON.parse silently keeps the last of two equal keys, so a file naming one tensor twice would
 * load half of its data unnoticed; this scan sees the raw text first. It assumes the text is
 * already known to be valid JSON and does not validate it.
 */

/** A key that occurs twice in one object, with the character index of its second occurrence. */
export interface DuplicateKey {
  readonly key: string;
  readonly index: number;
  /** Keys of the enclosing objects, outermost first (empty for the top level). */
  readonly path: readonly string[];
}

interface Frame {
  readonly isObject: boolean;
  readonly keys: Set<string>;
  /** In an object: the next string token is a key. */
  expectKey: boolean;
  /** The key under which this container sits in its parent, if any. */
  readonly parentKey: string | undefined;
  lastKey: string | undefined;
}

/** Returns the first duplicate key in valid JSON `text`, or undefined when every key is unique. */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.isObject && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) {
          const path = stack.map((f) => f.parentKey).filter((k): k is string => k !== undefined);
          return { key, index: i, path };
        }
        top.keys.add(key);
        top.lastKey = key;
        top.expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      const parent = stack[stack.length - 1];
      stack.push({ isObject: c === '{', keys: new Set(), expectKey: c === '{', parentKey: parent?.isObject ? parent.lastKey : undefined, lastKey: undefined });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.isObject) top.expectKey = true;
    }
    i++;
  }
  return undefined;
}
