/** Shape arithmetic shared by shape rules, kernels and passes. Public. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Numpy broadcasting of two shapes, or null where they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): number[] | null {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises possibly negative axes against a rank; throws on out-of-range axes. */
export function normalizeAxes(axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => (a < 0 ? a + rank : a));
  for (const a of out) if (a < 0 || a >= rank) throw new RangeError(`axis ${a} out of range for rank ${rank}`);
  return [...new Set(out)].sort((x, y) => x - y);
}
