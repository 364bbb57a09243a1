/**
 * @dogo/nn: modules, initialisation, state dicts and safetensors I/O. Public entry.
 * Platform-neutral: no file system or DOM access here.
 */
export * from './safetensors/index.js';
