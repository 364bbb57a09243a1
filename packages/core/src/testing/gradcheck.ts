/**
 * gradcheck: holds autodiff to central finite differences, in float64 on the reference backend. Public, for
 * tests of the core and of packages that build graphs from its ops. Given a function that builds outputs from
 * named input nodes, it forms L = Σ_k sum(output_k · seed_k) with random float64 seeds, takes grad(L, inputs)
 * and compares every element of each checked input's gradient with (L(x + eps) - L(x - eps)) / 2eps.
 * An element passes when |analytic - numeric| ≤ atol + rtol·|numeric|. It imports no test framework and
 * asserts nothing: callers check `ok` and print `report`.
 */
import type { DType } from '../dtype.js';
import { grad } from '../autodiff/grad.js';
import { ops } from '../graph/builder.js';
import { Graph } from '../graph/graph.js';
import type { Node } from '../graph/node.js';
import type { HostTensor } from '../backend/backend.js';
import { ReferenceBackend } from '../reference/reference_backend.js';
import { Rng } from '../random/rng.js';
import { formatShape, sizeOf, type Shape } from '../shape.js';

/** One named input of the function under test. */
export interface GradcheckInput {
  readonly shape: Shape;
  /** Default float32 (held in float64 by the reference backend); int32 inputs (labels) are never perturbed. */
  readonly dtype?: DType;
  /** Fixed values, e.g. labels or distinct values for max; otherwise drawn from `sample` or `range`. */
  readonly data?: ArrayLike<number>;
  /** Draws one element; use it to stay in an op's domain (positive for log, away from a kink). */
  readonly sample?: (rng: Rng) => number;
  /** Uniform draw range when neither data nor sample is given (default [-1, 1]). */
  readonly range?: readonly [number, number];
  /** Compare this input's gradient against finite differences (default true for float32 inputs). */
  readonly check?: boolean;
}

export interface GradcheckOptions {
  /** Seed for inputs and output seeds (default 0). */
  seed?: number;
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-7). */
  atol?: number;
  /** Relative tolerance (default 1e-6). */
  rtol?: number;
}

/** Worst element of one input's gradient. */
export interface GradcheckInputReport {
  readonly name: string;
  readonly shape: Shape;
  readonly maxAbsError: number;
  /** max |a - n| / (atol + rtol·|n|) over the elements: ≤ 1 passes. */
  readonly maxViolation: number;
  readonly worstIndex: number;
  readonly analytic: number;
  readonly numeric: number;
}

export interface GradcheckResult {
  /** Every checked element is within tolerance. */
  readonly ok: boolean;
  /** Analytic gradient of every float32 input (checked or not), in float64. */
  readonly grads: Readonly<Record<string, Float64Array>>;
  /** Finite-difference gradient of each checked input. */
  readonly numeric: Readonly<Record<string, Float64Array>>;
  readonly inputs: readonly GradcheckInputReport[];
  /** One line per checked input: worst element, analytic and numeric values, and whether it passed. */
  readonly report: string;
}

/** The function under test: output node(s) from the named input nodes. */
export type GradcheckBuild = (inputs: Record<string, Node>) => Node | readonly Node[];

/**
 * Compares autodiff against central finite differences for every element of every checked input.
 * Inputs are random float64 (or as specified); seeds of each output are uniform in [-1, 1].
 */
export async function gradcheck(build: GradcheckBuild, inputs: Readonly<Record<string, GradcheckInput>>, options: GradcheckOptions = {}): Promise<GradcheckResult> {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-7;
  const rtol = options.rtol ?? 1e-6;
  const rng = new Rng(options.seed ?? 0);

  const g = new Graph();
  const nodes: Record<string, Node> = {};
  const feeds: Record<string, HostTensor> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    const dtype = spec.dtype ?? 'float32';
    nodes[name] = g.input(name, spec.shape, dtype);
    feeds[name] = { shape: spec.shape, dtype, data: sampleInput(name, spec, dtype, rng) };
  }
  const built = build(nodes);
  const outputs: readonly Node[] = Array.isArray(built) ? built : [built as Node];
  let loss: Node | undefined;
  outputs.forEach((out, k) => {
    const name = `gradcheck:seed${k}`;
    const seed = g.input(name, out.shape, 'float32');
    feeds[name] = { shape: out.shape, dtype: 'float32', data: Float64Array.from({ length: out.size }, () => 2 * rng.uniform() - 1) };
    const term = ops.sum(ops.mul(out, seed));
    loss = loss ? ops.add(loss, term) : term;
  });
  if (!loss) throw new RangeError('gradcheck: build returned no outputs');

  const floatNames = Object.keys(inputs).filter((k) => (inputs[k]!.dtype ?? 'float32') === 'float32');
  const gradNodes = grad(loss, floatNames.map((k) => nodes[k]!));
  const backend = new ReferenceBackend();
  // Two executables: analytic gradients once, and the loss alone for the many finite-difference runs.
  const withGrads = await backend.compile({ outputs: Object.fromEntries(floatNames.map((k, i) => [`grad:${k}`, gradNodes[i]!])) });
  const lossOnly = await backend.compile({ outputs: { loss } });
  const used = (plan: { inputs: ReadonlyMap<string, number> }) => Object.fromEntries(Object.entries(feeds).filter(([k]) => plan.inputs.has(k)));
  const lossFeeds = used(lossOnly.plan);
  try {
    const got = await withGrads.run(used(withGrads.plan));
    const grads: Record<string, Float64Array> = {};
    for (const k of floatNames) grads[k] = Float64Array.from(got[`grad:${k}`]!.data);

    const evalLoss = async (): Promise<number> => (await lossOnly.run(lossFeeds)).loss!.data[0]!;
    const numeric: Record<string, Float64Array> = {};
    const reports: GradcheckInputReport[] = [];
    for (const name of floatNames) {
      if (inputs[name]!.check === false) continue;
      const n = new Float64Array(sizeOf(inputs[name]!.shape));
      // An input the loss never reads has a zero numeric gradient and no feed in the loss plan.
      const x = lossFeeds[name]?.data as Float64Array | undefined;
      if (x) {
        for (let i = 0; i < n.length; i++) {
          const x0 = x[i]!;
          x[i] = x0 + eps;
          const up = await evalLoss();
          x[i] = x0 - eps;
          const down = await evalLoss();
          x[i] = x0;
          n[i] = (up - down) / (2 * eps);
        }
      }
      numeric[name] = n;
      reports.push(compareGrads(name, inputs[name]!.shape, grads[name]!, n, atol, rtol));
    }
    const ok = reports.every((r) => r.maxViolation <= 1);
    const report = reports
      .map((r) => `${r.maxViolation <= 1 ? 'ok  ' : 'FAIL'} ${r.name}${formatShape(r.shape)}: max|a-n| ${r.maxAbsError.toExponential(2)} (${r.maxViolation.toFixed(3)} of tolerance) at [${r.worstIndex}]: analytic ${r.analytic}, numeric ${r.numeric}`)
      .join('\n');
    return { ok, grads, numeric, inputs: reports, report: `gradcheck (eps ${eps}, atol ${atol}, rtol ${rtol})\n${report}` };
  } finally {
    withGrads.destroy();
    lossOnly.destroy();
  }
}

function sampleInput(name: string, spec: GradcheckInput, dtype: DType, rng: Rng): Float64Array | Int32Array {
  const n = sizeOf(spec.shape);
  if (spec.data) {
    if (spec.data.length !== n) throw new RangeError(`gradcheck: input "${name}" has ${spec.data.length} values for shape ${formatShape(spec.shape)} (${n} needed)`);
    return dtype === 'int32' ? Int32Array.from(spec.data) : Float64Array.from(spec.data);
  }
  if (dtype === 'int32') throw new RangeError(`gradcheck: int32 input "${name}" needs data`);
  const [lo, hi] = spec.range ?? [-1, 1];
  const draw = spec.sample ?? ((r: Rng) => lo + (hi - lo) * r.uniform());
  return Float64Array.from({ length: n }, () => draw(rng));
}

function compareGrads(name: string, shape: Shape, a: Float64Array, n: Float64Array, atol: number, rtol: number): GradcheckInputReport {
  let maxAbsError = 0;
  let maxViolation = 0;
  let worstIndex = 0;
  for (let i = 0; i < n.length; i++) {
    const err = Math.abs(a[i]! - n[i]!);
    // A NaN on either side must fail.
    const violation = Number.isNaN(err) ? Infinity : err / (atol + rtol * Math.abs(n[i]!));
    if (violation > maxViolation) {
      maxViolation = violation;
      worstIndex = i;
    }
    maxAbsError = Math.max(maxAbsError, Number.isNaN(err) ? Infinity : err);
  }
  return { name, shape, maxAbsError, maxViolation, worstIndex, analytic: a[worstIndex]!, numeric: n[worstIndex]! };
}
