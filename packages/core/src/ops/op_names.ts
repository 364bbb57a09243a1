/**
 * Every op name, spelled once. The registry and each backend's kernel table are typed Record<OpName, ...>
 * (or Record over a subset), so an op missing from a table fails to compile.
 */
export const UNARY_OP_NAMES = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'relu', 'abs', 'square', 'reciprocal', 'tanh', 'sigmoid', 'step', 'sign'] as const;
export type UnaryOpName = (typeof UNARY_OP_NAMES)[number];

export const BINARY_OP_NAMES = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'equal', 'greater', 'greater_equal', 'less_equal'] as const;
export type BinaryOpName = (typeof BINARY_OP_NAMES)[number];

export const OTHER_OP_NAMES = [
  'input', 'state', 'constant', 'fill',
  'sum', 'max',
  'reshape', 'transpose', 'broadcast_to', 'concat', 'slice', 'pad',
  'matmul',
  'conv2d', 'conv2d_backward_data', 'conv2d_backward_weight',
  'max_pool2d', 'max_pool2d_backward', 'avg_pool2d', 'avg_pool2d_backward',
  'stop_gradient', 'one_hot', 'cast',
  'resized_crop',
] as const;

export type OpName = UnaryOpName | BinaryOpName | (typeof OTHER_OP_NAMES)[number];
