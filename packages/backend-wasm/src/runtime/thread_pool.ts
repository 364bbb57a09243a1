/**
 * Threads over one shared WebAssembly.Memory. Every worker instantiates the same kernel module on the same
 * memory; a dispatch writes one kernel call per thread (export index + numeric arguments) into a control
 * region of that memory, bumps a generation counter and wakes the workers with Atomics.notify; each worker
 * runs its call and counts itself done; the dispatching thread runs call 0 itself and then waits for the
 * count. No message passing on the hot path; messages are used only for start-up and errors.
 *
 * Platform-neutral: workers are created through an injected WorkerHost (Node: @dogo/node's
 * nodeWorkerHost(), browsers: a Web Worker host in @dogo/browser).
 *
 * Waiting: run() waits synchronously (a short spin, then Atomics.wait where the thread may block, else a
 * spin). A browser main thread may not block: use runAsync(), which runs call 0 synchronously and then
 * awaits the others with Atomics.waitAsync (or a timer poll where that is missing); or run the whole
 * runtime inside a worker, where run() is fine.
 *
 * Control region (Int32 words at `ctl`): 0 generation, 1 done count, 2 stop, 3 error;
 * per thread t a 256-byte slot at ctl + 64 + 256 t: i32 export index (-1 idle), i32 argument count,
 * then up to 31 f64 arguments.
 */

/** A running worker, as the host returns it. */
export interface WorkerHandle {
  /** Stops the worker. */
  terminate(): unknown;
}

/**
 * Creates workers; implemented by the platform adapters.
 * `spawn` starts a worker that evaluates `source`, the text of a JavaScript function expression
 * `(data, post) => void`, and calls it with `data` (structured-cloned: it holds a WebAssembly.Module and
 * a shared WebAssembly.Memory) and a `post(message)` that delivers `message` to `onMessage` on this side.
 * The worker must not keep the host process alive on its own (Node: unref it).
 */
export interface WorkerHost {
  spawn(source: string, data: unknown, onMessage: (message: unknown) => void): WorkerHandle;
  /** Hardware threads available, used when the runtime is asked for `threads: 'auto'`. */
  readonly hardwareConcurrency?: number;
}

/** Bytes of the control region for `threads` threads. */
export function controlBytes(threads: number): number {
  return 64 + 256 * threads;
}

const GEN = 0, DONE = 1, STOP = 2, ERROR = 3;
const MAX_ARGS = 31;

/** The worker's body, shipped as source text to WorkerHost.spawn. Plain JS: it is evaluated as is. */
export const WORKER_SOURCE = `(data, post) => {
  const { module, memory, ctl, tid, spin } = data;
  let instance;
  try { instance = new WebAssembly.Instance(module, { env: { memory } }); }
  catch (e) { post({ type: 'error', tid, message: 'instantiate: ' + (e && e.message || e) }); return; }
  const names = WebAssembly.Module.exports(module).filter((d) => d.kind === 'function').map((d) => d.name);
  const fns = names.map((n) => instance.exports[n]);
  const i32 = new Int32Array(memory.buffer, ctl, 16 + 64 * (tid + 1));
  const f64 = new Float64Array(memory.buffer, ctl, 8 + 32 * (tid + 1));
  const slot = 16 + 64 * tid;
  const argBase = 8 + 32 * tid + 1;
  // read the generation before reporting ready: a launch posted right after 'ready' must look new
  let gen = Atomics.load(i32, ${GEN});
  post({ type: 'ready', tid });
  for (;;) {
    for (let k = 0; k < spin && Atomics.load(i32, ${GEN}) === gen; k++);
    // timed: a lost wake-up costs at most 100 ms instead of a hang
    Atomics.wait(i32, ${GEN}, gen, 100);
    const now = Atomics.load(i32, ${GEN});
    if (now === gen) continue;
    gen = now;
    if (Atomics.load(i32, ${STOP})) return;
    const fn = i32[slot];
    if (fn >= 0) {
      const n = i32[slot + 1];
      const args = new Array(n);
      for (let k = 0; k < n; k++) args[k] = f64[argBase + k];
      try { fns[fn].apply(null, args); }
      catch (e) { Atomics.store(i32, ${ERROR}, 1); post({ type: 'error', tid, message: String(e && e.stack || e) }); }
    }
    Atomics.add(i32, ${DONE}, 1);
    Atomics.notify(i32, ${DONE});
  }
}`;

/** Thrown when a kernel call fails on a worker. */
export class WorkerKernelError extends Error {
  override name = 'WorkerKernelError';
}

/** A pool of `size - 1` workers plus the dispatching thread. */
export class ThreadPool {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly workers: WorkerHandle[] = [];
  private errors: string[] = [];
  private busy = false;
  private stallTimeoutMs = 120_000;

  private constructor(
    readonly size: number,
    private readonly memory: WebAssembly.Memory,
    private readonly ctl: number,
    private readonly fns: readonly ((...a: number[]) => unknown)[],
    private readonly blocking: boolean,
  ) {
    this.i32 = new Int32Array(memory.buffer, ctl, controlBytes(size) / 4);
    this.f64 = new Float64Array(memory.buffer, ctl, controlBytes(size) / 8);
  }

  /**
   * Starts `size - 1` workers on `module` and `memory` (shared) and resolves when all have instantiated.
   * `fns` are this thread's exports in WebAssembly.Module.exports order (functions only).
   */
  static async start(opts: {
    host: WorkerHost; size: number; module: WebAssembly.Module; memory: WebAssembly.Memory; ctl: number;
    fns: readonly ((...a: number[]) => unknown)[]; blocking: boolean; spin?: number; startTimeoutMs?: number; stallTimeoutMs?: number;
  }): Promise<ThreadPool> {
    const pool = new ThreadPool(opts.size, opts.memory, opts.ctl, opts.fns, opts.blocking);
    pool.stallTimeoutMs = opts.stallTimeoutMs ?? 120_000;
    pool.i32.fill(0);
    const startOne = (tid: number, attempt: number): Promise<void> => new Promise<void>((resolve, reject) => {
      let settled = false;
      const handle = opts.host.spawn(WORKER_SOURCE,
        { module: opts.module, memory: opts.memory, ctl: opts.ctl, tid, spin: opts.spin ?? 20000 },
        (msg) => {
          const m = msg as { type: string; message?: string };
          if (m.type === 'ready') { settled = true; clearTimeout(timer); resolve(); }
          else if (m.type === 'error') {
            pool.errors.push(`thread ${tid}: ${m.message}`);
            if (!settled) { settled = true; clearTimeout(timer); reject(new WorkerKernelError(`wasm worker ${tid} failed to start: ${m.message}`)); }
          }
        });
      pool.workers[tid - 1] = handle;
      // a worker that never reports is stopped and started again once
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        handle.terminate();
        if (attempt === 0) startOne(tid, 1).then(resolve, reject);
        else reject(new WorkerKernelError(`wasm worker ${tid} did not start within ${opts.startTimeoutMs ?? 15000} ms (twice)`));
      }, opts.startTimeoutMs ?? 15000);
    });
    const ready: Promise<void>[] = [];
    for (let tid = 1; tid < opts.size; tid++) ready.push(startOne(tid, 0));
    try { await Promise.all(ready); } catch (e) { pool.terminate(); throw e; }
    return pool;
  }

  /**
   * Runs export `fn` with arguments calls[t] on thread t (0 = this thread) and waits for all of them.
   * Allocates nothing (a replayed step dispatches thousands of launches).
   */
  run(fn: number, calls: readonly (readonly number[])[]): void {
    this.post(fn, calls);
    // the workers are running: wait for them even when this thread's share fails
    const own = this.runOwn(fn, calls[0]!);
    const want = this.size - 1;
    for (let k = 0; k < 200000 && Atomics.load(this.i32, DONE) < want; k++);
    let last = -1, since = 0;
    for (;;) {
      const done = Atomics.load(this.i32, DONE);
      if (done >= want) break;
      if (done !== last) { last = done; since = performance.now(); }
      else if (performance.now() - since > this.stallTimeoutMs) {
        this.busy = false;
        throw new WorkerKernelError(`wasm workers made no progress for ${this.stallTimeoutMs} ms (${done} of ${want} done); a worker has died or is stuck: dispose the runtime and create a new one`);
      }
      if (this.blocking) Atomics.wait(this.i32, DONE, done, 50);
    }
    this.finish();
    if (own !== undefined) throw own;
  }

  /** Runs this thread's share; returns the error it threw, if any. */
  private runOwn(fn: number, args: readonly number[]): unknown {
    try { this.fns[fn]!(...args); return undefined; } catch (error) { return error ?? new Error('kernel failed'); }
  }

  /** As run(), but waits without blocking this thread (for a browser main thread). */
  async runAsync(fn: number, calls: readonly (readonly number[])[]): Promise<void> {
    this.post(fn, calls);
    const own = this.runOwn(fn, calls[0]!);
    try { await this.drain(); } catch (e) { this.busy = false; throw e; }
    this.finish();
    if (own !== undefined) throw own;
  }

  private async drain(): Promise<void> {
    const want = this.size - 1;
    const waitAsync = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t?: number) => { async: boolean; value: Promise<string> | string } }).waitAsync;
    let last = -1, since = performance.now();
    for (;;) {
      const done = Atomics.load(this.i32, DONE);
      if (done >= want) return;
      if (done !== last) { last = done; since = performance.now(); }
      else if (performance.now() - since > this.stallTimeoutMs) {
        throw new WorkerKernelError(`wasm workers made no progress for ${this.stallTimeoutMs} ms; dispose the runtime and create a new one`);
      }
      if (waitAsync) {
        const r = waitAsync(this.i32, DONE, done, 100);
        if (r.async) await r.value;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
  }

  private post(fn: number, calls: readonly (readonly number[])[]): void {
    if (this.busy) throw new Error('ThreadPool: a dispatch is already in flight (await runAsync before the next call)');
    if (calls.length > this.size) throw new Error(`ThreadPool: ${calls.length} calls for ${this.size} threads`);
    this.busy = true;
    for (let t = 1; t < this.size; t++) {
      const slot = 16 + 64 * t;
      const call = calls[t];
      if (!call) { this.i32[slot] = -1; continue; }
      if (call.length > MAX_ARGS) throw new Error(`ThreadPool: more than ${MAX_ARGS} arguments`);
      this.i32[slot] = fn;
      this.i32[slot + 1] = call.length;
      const base = 8 + 32 * t + 1;
      for (let k = 0; k < call.length; k++) this.f64[base + k] = call[k]!;
    }
    Atomics.store(this.i32, DONE, 0);
    Atomics.add(this.i32, GEN, 1);
    Atomics.notify(this.i32, GEN);
  }

  private finish(): void {
    this.busy = false;
    if (Atomics.load(this.i32, ERROR)) {
      Atomics.store(this.i32, ERROR, 0);
      const msg = this.errors.join('\n') || 'a worker failed';
      this.errors = [];
      throw new WorkerKernelError(msg);
    }
  }

  /** Stops the workers (they exit at their next wake-up) and terminates them. */
  terminate(): void {
    Atomics.store(this.i32, STOP, 1);
    Atomics.add(this.i32, GEN, 1);
    Atomics.notify(this.i32, GEN);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }

  /** The shared memory the pool runs on. */
  get sharedMemory(): WebAssembly.Memory { return this.memory; }
  /** Byte offset of the control region. */
  get controlOffset(): number { return this.ctl; }
}
