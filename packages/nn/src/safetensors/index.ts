/**
 * Safetensors I/O on bytes (https://github.com/huggingface/safetensors, "Format"). Public.
 * Platform-neutral: reading and writing files is the caller's job (node:fs, fetch, OPFS).
 */
export { encodeSafetensors } from './encode.js';
export { decodeSafetensors, MAX_HEADER_BYTES, MAX_HEADER_DEPTH } from './decode.js';
export type { SafetensorsFile } from './decode.js';
export { SafetensorsError } from './safetensors_error.js';
export { isSafetensorsDType } from './dtypes.js';
export type { SafeTensor, SafetensorsArrays, SafetensorsDType } from './dtypes.js';
