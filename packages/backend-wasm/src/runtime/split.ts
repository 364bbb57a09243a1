/**
 * Work splitting between threads (internal): ranges of an index space, aligned so that register blocks
 * are not cut between threads.
 */

/** Splits [0, total) into at most `parts` contiguous ranges whose inner boundaries are multiples of `align`. */
export function splitRange(total: number, parts: number, align = 1): [number, number][] {
  const blocks = Math.ceil(total / align);
  const n = Math.max(1, Math.min(parts, blocks));
  const out: [number, number][] = [];
  let start = 0;
  for (let t = 0; t < n; t++) {
    const endBlock = Math.round(((t + 1) * blocks) / n);
    const end = Math.min(total, endBlock * align);
    if (end > start) out.push([start, end]);
    start = end;
  }
  if (out.length === 0) out.push([0, total]);
  return out;
}

/** How many threads are worth using for `work` units when one thread should get at least `minPerThread`. */
export function threadsFor(work: number, maxThreads: number, minPerThread: number): number {
  return Math.max(1, Math.min(maxThreads, Math.floor(work / minPerThread)));
}
