/**
 * What every kernel spec produces: a `KernelSource` (final WGSL, entry point, bindings, workgroup size,
 * dispatch size and uniform values) that a runner can turn into a pipeline and one dispatch without
 * knowing the op. Also the shared helpers the specs use (uniform packing, 1-D dispatch splitting).
 * Public: the WebGPU backend consumes these types.
 */

/** How a kernel sees one buffer binding (all in bind group 0). */
export type BindingKind = 'uniform' | 'read-only-storage' | 'storage';

/** One buffer binding of a kernel: `@group(0) @binding(binding) var<...> name`. */
export interface KernelBinding {
  readonly binding: number;
  readonly name: string;
  readonly kind: BindingKind;
}

/** WGSL types a uniform field may have; `vec4u_x2` is `array<vec4<u32>, 2>` (8 u32s, 16-byte aligned). */
export type UniformType = 'u32' | 'i32' | 'f32' | 'vec4u_x2';

/** One field of a kernel's `Params` uniform struct, in declaration order. */
export interface UniformField {
  readonly name: string;
  readonly type: UniformType;
  readonly value: number | readonly number[];
}

/** Everything a runner needs to create a pipeline and dispatch one kernel launch. */
export interface KernelSource {
  /** Short label for pipelines, errors and profiles, e.g. `matmul_nt`. */
  readonly label: string;
  /** Final WGSL text, template parameters substituted; pipelines are cached by this text. */
  readonly code: string;
  readonly entryPoint: string;
  readonly workgroupSize: readonly [number, number, number];
  /** Workgroup counts for dispatchWorkgroups(x, y, z). */
  readonly dispatch: readonly [number, number, number];
  /** Buffer bindings; the `uniform` one (if any) is named `params` and filled from `uniforms`. */
  readonly bindings: readonly KernelBinding[];
  readonly uniforms: readonly UniformField[];
}

/** Static description of a kernel family: what a reader needs without running the spec function. */
export interface KernelSpec<P> {
  readonly name: string;
  /** Core op names (packages/core op registry) this family implements. */
  readonly ops: readonly string[];
  /** Template parameters with their defaults. */
  readonly defaults: Readonly<P>;
  readonly bindings: readonly KernelBinding[] | ((params: P) => readonly KernelBinding[]);
}

/** Thrown when a spec is asked for a shape or parameter combination it cannot serve. */
export class KernelShapeError extends Error {
  override name = 'KernelShapeError';
}

/** WebGPU's default maxComputeWorkgroupsPerDimension; specs split larger 1-D grids into x*y. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/**
 * Splits `groups` workgroups over x and y so neither exceeds 65535; kernels recover the flat index as
 * `wg.y * num_workgroups.x + wg.x` and must ignore the few extra groups of the last row.
 */
export function dispatch1d(groups: number): [number, number, number] {
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [Math.max(1, groups), 1, 1];
  const y = ceilDiv(groups, MAX_WORKGROUPS_PER_DIM);
  if (y > MAX_WORKGROUPS_PER_DIM) throw new KernelShapeError(`${groups} workgroups exceed ${MAX_WORKGROUPS_PER_DIM}^2`);
  return [ceilDiv(groups, y), y, 1];
}

function alignTo(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Byte size of a uniform struct with these fields (WGSL uniform layout rules, rounded to 16). */
export function uniformByteSize(fields: readonly UniformField[]): number {
  let offset = 0;
  for (const f of fields) offset = f.type === 'vec4u_x2' ? alignTo(offset, 16) + 32 : offset + 4;
  return Math.max(16, alignTo(offset, 16));
}

/** Packs uniform fields into the bytes of the matching WGSL `Params` struct. */
export function packUniforms(fields: readonly UniformField[]): ArrayBuffer {
  const buf = new ArrayBuffer(uniformByteSize(fields));
  const view = new DataView(buf);
  let offset = 0;
  for (const f of fields) {
    if (f.type === 'vec4u_x2') {
      offset = alignTo(offset, 16);
      const v = f.value as readonly number[];
      if (!Array.isArray(v) || v.length > 8) throw new KernelShapeError(`uniform ${f.name} needs at most 8 values`);
      for (let i = 0; i < 8; i++) view.setUint32(offset + 4 * i, v[i] ?? 0, true);
      offset += 32;
      continue;
    }
    const v = f.value as number;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new KernelShapeError(`uniform ${f.name} must be a finite number, got ${String(v)}`);
    if (f.type === 'f32') view.setFloat32(offset, v, true);
    else if (f.type === 'i32') view.setInt32(offset, v, true);
    else {
      if (v < 0 || v > 0xffffffff || !Number.isInteger(v)) throw new KernelShapeError(`uniform ${f.name} = ${v} is not a u32`);
      view.setUint32(offset, v, true);
    }
    offset += 4;
  }
  return buf;
}

/** WGSL spelling of a uniform type, for consistency checks against a shader's `struct Params`. */
export function wgslUniformType(t: UniformType): string {
  return t === 'vec4u_x2' ? 'array<vec4<u32>, 2>' : t;
}

/** Shorthand for the specs: a list of u32 uniform fields from an object, in key order. */
export function u32Fields(values: Readonly<Record<string, number>>): UniformField[] {
  return Object.entries(values).map(([name, value]) => ({ name, type: 'u32' as const, value }));
}
