/**
 * The kernel-runner layer of the WebGPU backend: turns KernelSources (from @dogo/shaders-tensor) into
 * cached pipelines, allocates buffers, binds them once into reusable dispatches, records any number of
 * dispatches into one command encoder with one submit, and reads buffers back asynchronously.
 * Counts every GPU object it creates so tests can assert that a steady-state step creates none.
 * Does not plan memory or know ops: the Plan compiler (backend/compile_plan.ts) decides which buffers feed
 * which kernel.
 */
import { type KernelBinding, type KernelSource, packUniforms } from '@dogo/shaders-tensor';
import { deviceActivity, type DeviceActivity } from './device.js';

/** GPU objects created so far by one runner. */
export interface ResourceCounts {
  buffers: number;
  shaderModules: number;
  pipelines: number;
  bindGroupLayouts: number;
  bindGroups: number;
}

/** A kernel launch with its pipeline, bind group and uniform buffer created: replaying it allocates nothing. */
export interface PreparedDispatch {
  readonly kernel: KernelSource;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  /** The `params` uniform buffer owned by this dispatch, if the kernel has uniforms. */
  readonly uniformBuffer: GPUBuffer | null;
  readonly dispatch: readonly [number, number, number];
}

/** A buffer-to-buffer copy to record in the same command encoder as the dispatches. */
export interface CopyCommand {
  readonly copy: { from: GPUBuffer; to: GPUBuffer; size: number; fromOffset?: number; toOffset?: number };
}

/** A kernel's pipeline failed to compile or validate; carries the WGSL compiler messages. */
export class KernelCompileError extends Error {
  override name = 'KernelCompileError';
}

/** A dispatch was prepared with a buffer binding missing or surplus. */
export class KernelBindingError extends Error {
  override name = 'KernelBindingError';
}

const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST (GPUBufferUsage is a global only on some platforms)
const UNIFORM_USAGE = 0x40 | 0x8; // UNIFORM | COPY_DST
const MAP_READ_USAGE = 0x1 | 0x8; // MAP_READ | COPY_DST
const MAP_MODE_READ = 0x1;

function align4(n: number): number {
  return Math.max(4, Math.ceil(n / 4) * 4);
}

/** Compiles and runs KernelSources on one GPUDevice. */
export class KernelRunner {
  readonly counts: ResourceCounts = { buffers: 0, shaderModules: 0, pipelines: 0, bindGroupLayouts: 0, bindGroups: 0 };
  readonly activity: DeviceActivity;
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly staging = new Map<number, GPUBuffer[]>();

  constructor(readonly device: GPUDevice) {
    this.activity = deviceActivity(device);
  }

  /** A storage buffer (also copy source and destination) of at least `byteSize` bytes. */
  createBuffer(byteSize: number, label = 'tensor', usage = STORAGE_USAGE): GPUBuffer {
    this.activity.throwIfLost();
    this.counts.buffers++;
    return this.device.createBuffer({ size: align4(byteSize), usage, label });
  }

  /** A new storage buffer holding `data`. */
  upload(data: ArrayBufferView, label = 'tensor'): GPUBuffer {
    this.activity.throwIfLost();
    this.counts.buffers++;
    const buffer = this.device.createBuffer({ size: align4(data.byteLength), usage: STORAGE_USAGE, label, mappedAtCreation: true });
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    buffer.unmap();
    return buffer;
  }

  /** Overwrites the start of `buffer` with `data` (queued before the next submit). */
  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** The compute pipeline of `kernel`, compiled once per distinct WGSL text and binding layout. */
  pipeline(kernel: KernelSource): Promise<GPUComputePipeline> {
    const layout = this.bindGroupLayout(kernel.bindings);
    const key = `${kernel.entryPoint}\n${layoutKey(kernel.bindings)}\n${kernel.code}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.compile(kernel, layout);
      this.pipelines.set(key, p);
      p.catch(() => this.pipelines.delete(key));
    }
    return p;
  }

  private async compile(kernel: KernelSource, layout: GPUBindGroupLayout): Promise<GPUComputePipeline> {
    this.activity.throwIfLost();
    const prev = this.activity.set(`compiling ${kernel.label}`);
    try {
      this.counts.shaderModules++;
      // The error scope keeps a bad shader from also surfacing as an uncaptured device error.
      this.device.pushErrorScope('validation');
      const module = this.device.createShaderModule({ code: kernel.code, label: kernel.label });
      const scopeError = await this.device.popErrorScope();
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length) throw new KernelCompileError(`${kernel.label}: WGSL does not compile:\n${formatMessages(errors, kernel.code)}`);
      if (scopeError) throw new KernelCompileError(`${kernel.label}: shader module invalid: ${scopeError.message}`);
      this.counts.pipelines++;
      const pipelineLayout = this.device.createPipelineLayout({ bindGroupLayouts: [layout], label: kernel.label });
      try {
        return await this.device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module, entryPoint: kernel.entryPoint }, label: kernel.label });
      } catch (e) {
        throw new KernelCompileError(`${kernel.label}: pipeline creation failed: ${(e as Error).message}`);
      }
    } finally {
      this.activity.set(prev);
    }
  }

  private bindGroupLayout(bindings: readonly KernelBinding[]): GPUBindGroupLayout {
    const key = layoutKey(bindings);
    let layout = this.layouts.get(key);
    if (!layout) {
      this.counts.bindGroupLayouts++;
      layout = this.device.createBindGroupLayout({
        entries: bindings.map((b) => ({ binding: b.binding, visibility: 0x4 /* COMPUTE */, buffer: { type: b.kind } })),
      });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  /**
   * Creates the pipeline (cached), the uniform buffer and the bind group of one launch of `kernel` over
   * `buffers` (by binding name, `params` excluded). Replaying the result creates no GPU objects.
   */
  async prepare(kernel: KernelSource, buffers: Readonly<Record<string, GPUBuffer>>): Promise<PreparedDispatch> {
    const pipeline = await this.pipeline(kernel);
    let uniformBuffer: GPUBuffer | null = null;
    const entries: GPUBindGroupEntry[] = [];
    const names = new Set(Object.keys(buffers));
    for (const b of kernel.bindings) {
      if (b.kind === 'uniform') {
        const bytes = packUniforms(kernel.uniforms);
        uniformBuffer = this.createBuffer(bytes.byteLength, `${kernel.label}.params`, UNIFORM_USAGE);
        this.device.queue.writeBuffer(uniformBuffer, 0, bytes);
        entries.push({ binding: b.binding, resource: { buffer: uniformBuffer } });
        continue;
      }
      const buffer = buffers[b.name];
      if (!buffer) throw new KernelBindingError(`${kernel.label}: no buffer given for binding ${b.binding} "${b.name}" (given: ${[...names].join(', ') || 'none'})`);
      names.delete(b.name);
      entries.push({ binding: b.binding, resource: { buffer } });
    }
    if (names.size) throw new KernelBindingError(`${kernel.label}: buffers ${[...names].join(', ')} match no binding (bindings: ${kernel.bindings.map((b) => b.name).join(', ')})`);
    this.counts.bindGroups++;
    const bindGroup = this.device.createBindGroup({ layout: this.bindGroupLayout(kernel.bindings), entries, label: kernel.label });
    return { kernel, pipeline, bindGroup, uniformBuffer, dispatch: kernel.dispatch };
  }

  /** Rewrites a prepared dispatch's uniforms (same layout, e.g. a new learning rate); allocates nothing. */
  updateUniforms(prepared: PreparedDispatch, kernel: KernelSource): void {
    if (!prepared.uniformBuffer) return;
    this.device.queue.writeBuffer(prepared.uniformBuffer, 0, packUniforms(kernel.uniforms));
  }

  /** Records `steps` (dispatches in order, copies between them) into one command encoder and submits once. */
  submit(steps: readonly (PreparedDispatch | CopyCommand)[], label = 'step'): void {
    this.activity.throwIfLost();
    this.activity.set(`running ${label} (${steps.length} commands: ${summarize(steps)})`);
    const encoder = this.device.createCommandEncoder({ label });
    let pass: GPUComputePassEncoder | null = null;
    for (const s of steps) {
      if ('copy' in s) {
        pass?.end();
        pass = null;
        const c = s.copy;
        encoder.copyBufferToBuffer(c.from, c.fromOffset ?? 0, c.to, c.toOffset ?? 0, c.size);
        continue;
      }
      pass ??= encoder.beginComputePass({ label });
      pass.setPipeline(s.pipeline);
      pass.setBindGroup(0, s.bindGroup);
      pass.dispatchWorkgroups(s.dispatch[0], s.dispatch[1], s.dispatch[2]);
    }
    pass?.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** Copies `byteSize` bytes of `buffer` (default all) to a reused staging buffer and maps them back. */
  async read(buffer: GPUBuffer, byteSize = buffer.size): Promise<ArrayBuffer> {
    this.activity.throwIfLost();
    const size = align4(byteSize);
    const pool = this.staging.get(size) ?? [];
    this.staging.set(size, pool);
    const staging = pool.pop() ?? this.createBuffer(size, 'readback', MAP_READ_USAGE);
    const encoder = this.device.createCommandEncoder({ label: 'readback' });
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(MAP_MODE_READ, 0, size);
    } catch (e) {
      this.activity.throwIfLost();
      throw e;
    }
    const out = staging.getMappedRange(0, size).slice(0, byteSize);
    staging.unmap();
    pool.push(staging);
    return out;
  }

  /** Reads a float32 buffer back; `length` elements (default the whole buffer). */
  async readFloat32(buffer: GPUBuffer, length = buffer.size / 4): Promise<Float32Array> {
    return new Float32Array(await this.read(buffer, length * 4));
  }

  /** Prepares, submits and waits for one kernel: the convenience path for tests and one-off launches. */
  async run(kernel: KernelSource, buffers: Readonly<Record<string, GPUBuffer>>): Promise<void> {
    const d = await this.prepare(kernel, buffers);
    this.submit([d], kernel.label);
    await this.device.queue.onSubmittedWorkDone();
    d.uniformBuffer?.destroy();
    this.activity.set('idle');
  }
}

function layoutKey(bindings: readonly KernelBinding[]): string {
  return bindings.map((b) => `${b.binding}:${b.kind}`).join(',');
}

function summarize(steps: readonly (PreparedDispatch | CopyCommand)[]): string {
  const labels = steps.map((s) => ('copy' in s ? 'copy' : s.kernel.label));
  return labels.length > 6 ? `${labels.slice(0, 3).join(', ')}, ..., ${labels.slice(-2).join(', ')}` : labels.join(', ');
}

function formatMessages(messages: readonly GPUCompilationMessage[], code: string): string {
  const lines = code.split('\n');
  return messages.map((m) => `  line ${m.lineNum}:${m.linePos}: ${m.message}\n    ${lines[m.lineNum - 1]?.trim() ?? ''}`).join('\n');
}
