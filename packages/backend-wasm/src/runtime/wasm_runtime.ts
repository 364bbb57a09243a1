/**
 * WasmRuntime: the low-level CPU kernel layer of @dogo/backend-wasm. It owns one WebAssembly.Memory
 * (shared when the platform allows), an arena allocator handing out byte offsets, typed views, and a thread
 * pool whose workers run the same kernel module on the same memory. Each kernel method takes byte offsets
 * and sizes and runs one launch split between threads; `record` captures launches instead of running them,
 * for replay as a fixed step (the backend's compiled plan). It knows nothing of graphs or tensors.
 *
 * Synchronous methods block the calling thread until all threads finish (fine in Node and in workers).
 * A browser main thread may not block: record the launches and `replayAsync` them, or host the runtime in
 * a worker. Where shared memory is unavailable the runtime runs single-threaded and says so once via `log`.
 */
import { GEMM_BLOCKING, GEMM_SCRATCH_BYTES } from '../kernels.gen.js';
import { Arena } from './arena.js';
import { planConv2dBackwardData, planConv2dBackwardWeight, planConv2dForward,
  type Conv2dBackwardDataParams, type Conv2dBackwardWeightParams, type Conv2dForwardParams } from './conv2d.js';
import { planPool, type Pool2dGeometry } from './pool2d.js';
import { planMoments, type MomentsParams } from './moments.js';
import { planGemm, type GemmParams } from './gemm.js';
import { canBlock, compileKernels, resolveVariant, sharedMemorySupported, type KernelVariant } from './kernel_module.js';
import type { HostLaunch, KernelLaunch, Launch, PlanContext } from './launch.js';
import { FUSED_LIMITS, planCopy4d, planFused, type Copy4dParams, type FusedParams } from './fused.js';
import { controlBytes, ThreadPool, type WorkerHost } from './thread_pool.js';
import { warmUp } from './warmup.js';

/** Options of WasmRuntime.create. */
export interface WasmRuntimeOptions {
  /** Threads including the calling one; 'auto' = the host's hardware concurrency (1 without a host). */
  threads?: number | 'auto';
  /** Creates workers; without one the runtime is single-threaded. */
  workerHost?: WorkerHost;
  /** Kernel build; 'auto' = relaxed SIMD when the engine has it, else plain SIMD. */
  variant?: KernelVariant | 'auto';
  /** One-line notices (single-threaded fallback, variant chosen). */
  log?: (message: string) => void;
  /** Initial memory size in bytes (grows on demand up to 4 GiB). */
  initialBytes?: number;
  /** Run every kernel a few times on tiny inputs at start so the optimising tier compiles them (default true). */
  warmUp?: boolean;
  /** A threaded launch that makes no progress for this long throws WorkerKernelError (default 120 s). */
  stallTimeoutMs?: number;
}

const CTL_OFFSET = 64;
const PAGE = 65536;

/** The WebAssembly CPU kernel runtime; see the module comment. */
export class WasmRuntime {
  /** The arena over `memory`; offsets it returns are what the kernel methods take. */
  readonly arena: Arena;
  private readonly fnIndex = new Map<string, number>();
  private readonly fns: ((...a: number[]) => unknown)[] = [];
  private readonly gemmScratches: number[] = [];
  private readonly colScratches: { off: number; bytes: number }[] = [];
  private shared = { off: 0, bytes: 0 };
  private readonly fusedScratches: number[] = [];
  private recording: Launch[] | null = null;
  private recordings = 0;
  private readonly ctx: PlanContext;

  private constructor(
    /** The memory every kernel and thread works on. */
    readonly memory: WebAssembly.Memory,
    /** The instance on this thread. */
    readonly instance: WebAssembly.Instance,
    /** The kernel build in use. */
    readonly variant: KernelVariant,
    private pool: ThreadPool | null,
    /** Threads used, including the calling one. */
    readonly threads: number,
    module: WebAssembly.Module,
  ) {
    const names = WebAssembly.Module.exports(module).filter((d) => d.kind === 'function').map((d) => d.name);
    names.forEach((n, k) => { this.fnIndex.set(n, k); this.fns.push(instance.exports[n] as (...a: number[]) => unknown); });
    this.arena = new Arena(memory, CTL_OFFSET + controlBytes(threads) + 1024);
    for (let t = 0; t < threads; t++) {
      this.gemmScratches.push(this.arena.alloc(GEMM_SCRATCH_BYTES));
      this.colScratches.push({ off: 0, bytes: 0 });
    }
    const blk = GEMM_BLOCKING[variant];
    this.ctx = {
      threads, variant, mr: blk.MR, nr: blk.NR,
      fn: (name) => {
        const k = this.fnIndex.get(name);
        if (k === undefined) throw new Error(`wasm kernel '${name}' does not exist`);
        return k;
      },
      gemmScratch: (t) => this.gemmScratches[t],
      colScratch: (t, bytes) => this.colScratch(t, bytes),
      sharedScratch: (bytes) => {
        this.shared = this.grow(this.shared, bytes);
        return this.shared.off;
      },
    };
  }

  /** Compiles the kernels, creates the memory and starts the workers. */
  static async create(options: WasmRuntimeOptions = {}): Promise<WasmRuntime> {
    const log = options.log ?? (() => {});
    const variant = resolveVariant(options.variant ?? 'auto');
    let threads = options.threads === 'auto' || options.threads === undefined
      ? (options.workerHost?.hardwareConcurrency ?? 1) : Math.max(1, Math.floor(options.threads));
    const shared = sharedMemorySupported();
    if (threads > 1 && !shared) { log('wasm: shared memory is unavailable (needs cross-origin isolation in browsers); running single-threaded'); threads = 1; }
    if (threads > 1 && !options.workerHost) { log('wasm: no worker host given; running single-threaded'); threads = 1; }
    const module = await compileKernels(variant, shared);
    const initial = Math.max(16, Math.ceil((options.initialBytes ?? 0) / PAGE));
    const memory = new WebAssembly.Memory({ initial, maximum: 65536, shared } as WebAssembly.MemoryDescriptor);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const rt = new WasmRuntime(memory, instance, variant, null, threads, module);
    if (threads > 1) {
      rt.pool = await ThreadPool.start({
        host: options.workerHost!, size: threads, module, memory, ctl: CTL_OFFSET, fns: rt.fns, blocking: canBlock(),
        stallTimeoutMs: options.stallTimeoutMs,
      });
    }
    log(`wasm: ${variant} kernels, ${threads} thread${threads > 1 ? 's' : ''}`);
    if (options.warmUp !== false) warmUp(rt);
    return rt;
  }

  // ---- memory -------------------------------------------------------------------------------------

  /** Allocates `bytes` (64-byte aligned) and returns the byte offset. */
  alloc(bytes: number): number { return this.arena.alloc(bytes); }
  /** Allocates room for `count` float32 values. */
  allocF32(count: number): number { return this.arena.alloc(count * 4); }
  /** Frees a block from alloc. */
  free(offset: number): void { this.arena.release(offset); }
  /** A Float32Array view of `count` floats at `offset` (invalidated when memory grows: take views late). */
  f32(offset: number, count: number): Float32Array { return new Float32Array(this.memory.buffer, offset, count); }
  /** An Int32Array view. */
  i32(offset: number, count: number): Int32Array { return new Int32Array(this.memory.buffer, offset, count); }
  /** Copies `data` into memory at `offset`. */
  write(offset: number, data: ArrayLike<number>): void { this.f32(offset, data.length).set(data); }
  /** Copies `count` floats out of memory. */
  read(offset: number, count: number): Float32Array { return this.f32(offset, count).slice(); }
  /** Allocates and fills a float32 block; returns its offset. */
  upload(data: ArrayLike<number>): number { const off = this.allocF32(data.length); this.write(off, data); return off; }

  // ---- kernels ------------------------------------------------------------------------------------

  /** C (+)= op(A) . op(B). */
  gemm(p: GemmParams): void { this.exec(planGemm(this.ctx, p)); }
  /** 2-D convolution forward, NCHW; `p.algorithm` picks im2col (default) or a Winograd transform. */
  conv2dForward(p: Conv2dForwardParams): void { for (const l of planConv2dForward(this.ctx, p)) this.exec(l); }
  /** Gradient of a convolution with respect to its input (overwrites dx); `p.algorithm` as for conv2dForward. */
  conv2dBackwardData(p: Conv2dBackwardDataParams): void { for (const l of planConv2dBackwardData(this.ctx, p)) this.exec(l); }
  /** Gradient of a convolution with respect to its weights; `p.algorithm` as for conv2dForward. */
  conv2dBackwardWeight(p: Conv2dBackwardWeightParams): void { this.exec(planConv2dBackwardWeight(this.ctx, p)); }
  /** Max pooling forward over NCHW planes. */
  maxPool2dForward(p: Pool2dGeometry & { x: number; y: number }): void {
    this.exec(planPool(this.ctx, 'max_pool2d_fwd', p, [p.x, p.y], [true, false], []));
  }
  /** Max pooling backward (recomputes the argmax from x; overwrites dx). */
  maxPool2dBackward(p: Pool2dGeometry & { x: number; dy: number; dx: number }): void {
    this.exec(planPool(this.ctx, 'max_pool2d_bwd', p, [p.x, p.dy, p.dx], [true, false, true], []));
  }
  /** Average pooling forward; countIncludePad defaults to true (PyTorch). */
  avgPool2dForward(p: Pool2dGeometry & { x: number; y: number; countIncludePad?: boolean }): void {
    this.exec(planPool(this.ctx, 'avg_pool2d_fwd', p, [p.x, p.y], [true, false], [p.countIncludePad === false ? 0 : 1]));
  }
  /** Average pooling backward (overwrites dx). */
  avgPool2dBackward(p: Pool2dGeometry & { dy: number; dx: number; countIncludePad?: boolean }): void {
    this.exec(planPool(this.ctx, 'avg_pool2d_bwd', p, [p.dy, p.dx], [false, true], [p.countIncludePad === false ? 0 : 1]));
  }
  /** Per-channel mean and biased variance of x [outer, channels, inner]. */
  moments(p: MomentsParams): void { this.exec(planMoments(this.ctx, p)); }

  /** Runs the fused pointwise program at `p.desc` (tools/wat/fused.mjs) over a 4-D space. */
  fused(p: FusedParams): void { this.exec(planFused(this.ctx, p, (t) => this.fusedScratch(t))); }
  /** Strided copy of 4-byte elements (any dtype) over a 4-D space; a stride-0 source fills. */
  copy4d(p: Copy4dParams): void { this.exec(planCopy4d(this.ctx, p)); }
  /**
   * Runs host code in order with the kernels (recorded like a kernel while recording). `fn` must take its
   * views of the memory when called (see memoryF32 / memoryI32).
   */
  host(kernel: string, fn: () => void): void {
    const l: HostLaunch = { kernel, host: fn };
    if (this.recording) this.recording.push(l);
    else fn();
  }

  /** A Float32Array over the whole memory, cached until the memory grows (no allocation in steady state). */
  memoryF32(): Float32Array {
    if (this.viewBuffer !== this.memory.buffer) this.refreshViews();
    return this.viewF32!;
  }
  /** An Int32Array over the whole memory, cached like memoryF32. */
  memoryI32(): Int32Array {
    if (this.viewBuffer !== this.memory.buffer) this.refreshViews();
    return this.viewI32!;
  }
  private viewBuffer: ArrayBufferLike | null = null;
  private viewF32: Float32Array | null = null;
  private viewI32: Int32Array | null = null;
  private refreshViews(): void {
    this.viewBuffer = this.memory.buffer;
    this.viewF32 = new Float32Array(this.viewBuffer);
    this.viewI32 = new Int32Array(this.viewBuffer);
  }

  // ---- launches -----------------------------------------------------------------------------------

  /**
   * Runs `body` with kernel methods capturing their launches instead of running them, and returns the list.
   * The list stays valid while the offsets it names are allocated (the runtime keeps scratch it refers to).
   */
  record(body: () => void): Launch[] {
    if (this.recording) throw new Error('WasmRuntime.record: already recording');
    const list: Launch[] = [];
    this.recording = list;
    this.recordings++;
    try { body(); } finally { this.recording = null; }
    return list;
  }

  /** Runs recorded launches in order. Allocates nothing. */
  replay(list: readonly Launch[]): void {
    for (let k = 0; k < list.length; k++) this.run(list[k]!);
  }

  /** Runs recorded launches in order without blocking this thread between them (browser main thread). */
  async replayAsync(list: readonly Launch[]): Promise<void> {
    for (const l of list) {
      if ('host' in l) l.host();
      else if (this.pool && l.calls.length > 1) await this.pool.runAsync(l.fn, l.calls);
      else for (const c of l.calls) this.fns[l.fn](...c);
    }
  }

  /** Stops the workers. The runtime must not be used afterwards. */
  dispose(): void {
    this.pool?.terminate();
    this.pool = null;
  }

  private exec(l: KernelLaunch): void {
    if (this.recording) this.recording.push(l);
    else this.run(l);
  }

  private run(l: Launch): void {
    if ('host' in l) { l.host(); return; }
    if (l.calls.length === 1 || !this.pool) {
      for (let k = 0; k < l.calls.length; k++) this.fns[l.fn](...l.calls[k]);
      return;
    }
    this.pool.run(l.fn, l.calls);
  }

  private fusedScratch(t: number): number {
    while (this.fusedScratches.length <= t) this.fusedScratches.push(this.arena.alloc(FUSED_LIMITS.scratchBytes));
    return this.fusedScratches[t];
  }

  private colScratch(t: number, bytes: number): number {
    this.colScratches[t] = this.grow(this.colScratches[t]!, bytes);
    return this.colScratches[t]!.off;
  }

  /** A scratch block of at least `bytes`: `cur` when it is large enough, else a larger one. */
  private grow(cur: { off: number; bytes: number }, bytes: number): { off: number; bytes: number } {
    if (cur.bytes >= bytes) return cur;
    // scratch referenced by recorded launches is never freed
    if (cur.bytes > 0 && this.recordings === 0) this.arena.release(cur.off);
    const grown = Math.max(bytes, Math.floor(cur.bytes * 1.5));
    return { off: this.arena.alloc(grown), bytes: grown };
  }
}
