/**
 * Renders docs/OPS.md, the op x backend coverage matrix, from the op registry. Every backend keeps its code in
 * tables typed over the op names (pointwise code tables, kernel tables), so a backend that compiles covers every
 * op; the matrix records each op's kind (how backends run it), what kind of gradient it has and which vectors
 * exercise it. `tools/ops_doc.test.ts` fails when the file is stale;
 * `WRITE_OPS_DOC=1 npx vitest run tools/ops_doc.test.ts` rewrites it.
 */
import { OPS, opKind, type OpName } from '@dogo/core';

const VECTOR_OPS: Partial<Record<OpName, string>> = {
  matmul: 'matmul_*, linear', conv2d: 'conv*', conv2d_backward_data: 'conv* (grads)', conv2d_backward_weight: 'conv* (grads)',
  max_pool2d: 'maxpool3x3_s2', max_pool2d_backward: 'maxpool3x3_s2 (grads)', avg_pool2d: 'avgpool2x2', avg_pool2d_backward: 'avgpool2x2 (grads)',
  relu: 'relu', add: 'add, every composite', one_hot: 'cross_entropy', resized_crop: 'resized_crop*', sum: 'every composite', max: 'softmax, log_softmax',
  gelu: 'gelu, gelu_tanh', leaky_relu: 'leaky_relu*', elu: 'elu*', erf: 'erf', moments: 'batchnorm*_train (batch_norm)',
};

/** How each kind runs, for the table. */
const KIND_TEXT = {
  leaf: 'leaf (bound to a buffer)', view: 'view (shares storage)', pointwise: 'pointwise (fused groups)', reduce: 'reduction (fused groups on wasm)',
  broadcast: 'broadcast (zero strides in groups)', kernel: 'kernel',
} as const;

export function renderOpsDoc(): string {
  const rows = (Object.keys(OPS) as OpName[]).sort().map((name) => {
    const def = OPS[name];
    const grad = def.leaf ? 'leaf' : def.grad ? 'rule (other ops)' : def.zeroGradient ? 'zero' : 'none (error)';
    return `| ${name} | ${KIND_TEXT[opKind(name)]} | ${def.reference ? 'yes' : def.leaf ? 'bound at compile' : '-'} | ${grad} | yes | yes | ${VECTOR_OPS[name] ?? ''} |`;
  });
  return [
    '# Ops and backends',
    '',
    'Generated from the op registry by `tools/ops_doc.ts`; `tools/ops_doc.test.ts` fails when this file is stale.',
    '',
    'Every primitive op has one registry entry (`packages/core/src/ops/`). Pointwise ops are rows of the core\'s tables',
    'with one row in each backend\'s code table (`tools/wat/pointwise_ops.ts`, `packages/backend-webgpu/src/backend/pointwise_wgsl.ts`)',
    'and run in fused groups; kernel ops have one WGSL kernel (`shaders/tensor`, `packages/backend-webgpu/src/backend/op_kernels.ts`)',
    'and one wasm kernel (`tools/wat/`, `packages/backend-wasm/src/backend/kernels.ts`). Every table is typed over the op names,',
    'so a missing op does not compile. How to add one: `docs/core.md`.',
    'Composites (linear, batch_norm, softmax, log_softmax, l2_normalize, cross_entropy, global_avg_pool, nt_xent, dogo_kl,',
    'simsiam, sgd_momentum, adamw, lars) are built from these and pass the conformance vectors on every backend.',
    '',
    '| op | kind | reference kernel | gradient | wasm | webgpu | conformance vectors |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
