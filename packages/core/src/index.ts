/**
 * @dogo/core: the graph IR, op registry, autodiff, graph passes, memory planner, the Backend interface and
 * the reference backend. Platform-neutral: no DOM and no Node imports.
 * @module @dogo/core
 */
export * from './dtype.js';
export * from './shape.js';
export * from './errors.js';
export { Graph } from './graph/graph.js';
export { Node, type Tensor } from './graph/node.js';
export { ops, type OpsBuilder, type Operand, type MatmulOptions, type ConvOptions, type PoolOptions, type UnaryBuilders, type BinaryBuilders } from './graph/builder.js';
export { OPS, getOp, isOpName, attrsOf, type OpAttrs } from './ops/registry.js';
export { defineOp, ShapeRuleError, type OpDef, type Attrs, type AttrValue, type TensorType, type RefArray, type GradContext, type RefContext } from './ops/op_def.js';
export { UNARY_TABLE, type UnaryRow, type UnaryAttrs } from './ops/pointwise/unary.js';
export { BINARY_TABLE, type BinaryRow } from './ops/pointwise/binary.js';
export * from './ops/op_names.js';
export * from './ops/pointwise/pointwise.js';
export type { Domain, AttrSpec, NumericAttrKey, ChoiceAttrKey, UnaryCode, UnaryImpl, BinaryCode } from './ops/pointwise/pointwise_types.js';
export { momentsView, type MomentsView, type MomentsAttrs } from './ops/reduce/moments.js';
export { convOutSize, type ConvAttrs } from './ops/conv/conv2d.js';
export { matmulDims, type MatmulAttrs } from './ops/linalg/matmul.js';
export type { PoolAttrs } from './ops/pool/pool2d.js';
export { grad, type GradOptions } from './autodiff/grad.js';
export { createPlan, type Plan, type PlanValue, type PlanSpec, type PlanOptions, type ValueKind, type Step, type FusedStep, type KernelStep } from './passes/plan.js';
export { eliminateDeadNodes } from './passes/dce.js';
export { eliminateCommonSubexpressions } from './passes/cse.js';
export { planStepMemory, stepRoots, type MemoryPlan } from './passes/memory_planner.js';
export { lowerValues, type FusionRules, type Lowered } from './passes/lowering.js';
export { recomputeSegments, residualBlockSegment, type RecomputeOptions, type RecomputeReport, type SegmentOf } from './passes/recompute.js';
export { groupProgram, type GroupProgram, type GroupOperand, type GroupArg, type GroupInstr } from './passes/group_program.js';
export { isScalarConstant, scalarConstantValue } from './passes/scalar_constant.js';
export * from './backend/backend.js';
export * from './backend/tuning.js';
export * from './backend/profile.js';
export { checkFeed, checkFeedNames } from './backend/feeds.js';
export { BACKEND_KINDS, UnknownBackendError, checkBackendKind, type BackendKind, type BackendChoice, type CreateBackendOptions } from './backend/backend_choice.js';
export { sharedStateOwner } from './backend/shared_state.js';
export { planBytes, type PlanBytes } from './passes/plan_bytes.js';
export { ReferenceBackend } from './reference/reference_backend.js';
export * from './composite/nn.js';
export * from './composite/losses.js';
export * from './composite/simsiam.js';
export * from './composite/optim.js';
export * from './random/index.js';
export * from './conformance/index.js';
export * from './testing/gradcheck.js';
export * from './testing/domain.js';
export * from './testing/shared_state.js';
