/**
 * A first-fit allocator over one WebAssembly.Memory, handing out 64-byte aligned byte offsets and growing
 * the memory when no free block fits. Freed blocks coalesce with their neighbours. Internal to the runtime;
 * it does not zero memory, and it never moves a block (offsets stay valid until freed).
 */

/** Thrown when the memory cannot grow to hold a request (wasm32 caps it at 4 GiB). */
export class OutOfWasmMemoryError extends Error {
  override name = 'OutOfWasmMemoryError';
}

const ALIGN = 64;
const PAGE = 65536;
/**
 * Kernels compare byte addresses as signed i32 in places (and form `end - 12`): no block may lie within
 * 64 KiB of 2 GiB, so comparisons within one block agree in signed and unsigned order.
 */
const HALF = 2 ** 31;
const GUARD = 65536;
const straddles = (off: number, size: number) => off < HALF + GUARD && off + size > HALF - GUARD;

/** Byte-offset allocator over a WebAssembly.Memory. */
export class Arena {
  private readonly free: { off: number; size: number }[] = [];
  private readonly used = new Map<number, number>();
  private top: number;
  /** Number of alloc calls so far (tests check that a compiled step allocates nothing per run). */
  allocations = 0;

  /** Manages memory from `base` (bytes below it are reserved by the caller) to the end, growing on demand. */
  constructor(readonly memory: WebAssembly.Memory, base: number, private readonly maxPages = 65536) {
    this.top = align(base);
  }

  /** Allocates `bytes` (rounded up to 64) and returns the block's byte offset. */
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    this.allocations++;
    for (let k = 0; k < this.free.length; k++) {
      const blk = this.free[k];
      if (blk.size < size || straddles(blk.off, size)) continue;
      const off = blk.off;
      if (blk.size === size) this.free.splice(k, 1);
      else { blk.off += size; blk.size -= size; }
      this.used.set(off, size);
      return off;
    }
    let off = this.top;
    if (straddles(off, size)) {
      // leave the gap below 2 GiB as a free block
      this.ensure(HALF + GUARD);
      this.free.push({ off, size: HALF + GUARD - off });
      off = HALF + GUARD;
    }
    this.ensure(off + size);
    this.top = off + size;
    this.used.set(off, size);
    return off;
  }

  /** Returns a block to the allocator. */
  release(off: number): void {
    const size = this.used.get(off);
    if (size === undefined) throw new Error(`Arena.release: ${off} is not an allocated block`);
    this.used.delete(off);
    let k = 0;
    while (k < this.free.length && this.free[k].off < off) k++;
    this.free.splice(k, 0, { off, size });
    // coalesce with the next and the previous block, then give the tail back to `top`
    const cur = this.free[k];
    const next = this.free[k + 1];
    if (next && cur.off + cur.size === next.off) { cur.size += next.size; this.free.splice(k + 1, 1); }
    const prev = this.free[k - 1];
    if (prev && prev.off + prev.size === cur.off) { prev.size += cur.size; this.free.splice(k, 1); }
    const last = this.free[this.free.length - 1];
    if (last && last.off + last.size === this.top) { this.top = last.off; this.free.pop(); }
  }

  /** Size in bytes of an allocated block. */
  sizeOf(off: number): number {
    const size = this.used.get(off);
    if (size === undefined) throw new Error(`Arena.sizeOf: ${off} is not an allocated block`);
    return size;
  }

  /** Bytes currently allocated. */
  get allocatedBytes(): number {
    let n = 0;
    for (const s of this.used.values()) n += s;
    return n;
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > this.maxPages) {
      throw new OutOfWasmMemoryError(`wasm memory would exceed ${this.maxPages} pages (${end} bytes requested); free tensors or use smaller batches`);
    }
    // grow a little ahead so a sequence of allocations does not grow page by page
    const extra = Math.min(this.maxPages - have / PAGE - pages, Math.ceil(pages / 4));
    this.memory.grow(pages + Math.max(0, extra));
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
