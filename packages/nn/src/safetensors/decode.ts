/**
 * Reads safetensors bytes, validating everything before returning anything: header length within
 * the file, UTF-8 JSON object, no duplicate keys, known dtypes, shape x dtype size equal to each
 * offset span, offsets in bounds, tensors contiguous with no overlap and no gap, and the last one
 * ending at the end of the file. Public. Copies each tensor into its own typed array (the input
 * may be unaligned and is never aliased). Does not memory-map or read lazily.
 */
import { DTYPE_ARRAYS, HOST_IS_LITTLE_ENDIAN, elementCount, isSafetensorsDType, swapBytes, type SafeTensor } from './dtypes.js';
import { findDuplicateKey } from './json_duplicate_keys.js';
import { SafetensorsError } from './safetensors_error.js';

/** Largest header this reader accepts, as in the reference implementation (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Deepest nesting of brackets a header may have. A valid header needs 3 (the object, a tensor's entry, its shape
 * list); deeper ones are refused before JSON.parse, which would spend memory on every level (a 10 MB header of
 * brackets cost 1.25 GB), so the work on any header is one linear scan and one parse of a shallow text.
 */
export const MAX_HEADER_DEPTH = 8;

/** What `decodeSafetensors` returns: tensors in header order and the metadata map (empty if absent). */
export interface SafetensorsFile {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

interface Checked {
  name: string;
  tensor: { dtype: SafeTensor['dtype']; shape: number[] };
  begin: number;
  end: number;
}

/**
 * Parses safetensors `bytes`. `source` (a file name) is used in error messages. Throws
 * `SafetensorsError` naming the source, the tensor and the byte offset on any deviation from the format.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<bytes>'): SafetensorsFile {
  const fail = (what: string): never => {
    throw new SafetensorsError(`${source}: ${what}`);
  };
  const redo = 'the file is corrupt or truncated; re-download or re-export it';
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length field; ${redo}`);
  const headerLen64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen64 > BigInt(MAX_HEADER_BYTES)) fail(`header length field (bytes 0-7) says ${headerLen64} bytes, over the ${MAX_HEADER_BYTES}-byte limit; ${redo}`);
  const headerLen = Number(headerLen64);
  if (8 + headerLen > bytes.length) fail(`header length field (bytes 0-7) says ${headerLen} bytes but only ${bytes.length - 8} follow it; ${redo}`);

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    fail(`header (bytes 8-${8 + headerLen}) is not valid UTF-8; ${redo}`);
  }
  if (!text.startsWith('{')) fail(`header at byte 8 does not start with "{"; ${redo}`);
  const deep = depthPast(text, MAX_HEADER_DEPTH);
  if (deep !== undefined) fail(`header nests brackets deeper than ${MAX_HEADER_DEPTH} levels (at header char ${deep}); a safetensors header needs 3; ${redo}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header (bytes 8-${8 + headerLen}) is not valid JSON (${(e as Error).message}); ${redo}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail(`header is not a JSON object; ${redo}`);
  const dup = findDuplicateKey(text);
  if (dup !== undefined) {
    const where = dup.path.length === 0 ? `tensor name "${dup.key}"` : `key "${dup.key}" in "${dup.path.join('.')}"`;
    fail(`${where} occurs twice in the header (second at header char ${dup.index}); a reader would silently drop one; re-export the file with unique names`);
  }

  const entries = header as Record<string, unknown>;
  // Names come from the file: set them as own properties (a tensor named "__proto__" is a tensor, not a prototype).
  const metadata: Record<string, string> = {};
  const checked: Checked[] = [];
  for (const [name, raw] of Object.entries(entries)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`"__metadata__" is not an object of strings; ${redo}`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`"__metadata__" field "${k}" is a ${v === null ? 'null' : typeof v}, but metadata values must be strings; ${redo}`);
        setOwn(metadata, k, v as string);
      }
      continue;
    }
    checked.push(checkEntry(name, raw, fail));
  }

  // Contiguity: sorted by offsets, each tensor starts where the previous ended, from 0 to the end.
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const sorted = [...checked].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const c of sorted) {
    if (c.end > dataLen) {
      fail(`tensor "${c.name}": data_offsets [${c.begin}, ${c.end}) end past the data section (${dataLen} bytes from file offset ${dataStart}); ${redo}`);
    }
    if (c.begin < expected) {
      const prev = sorted[sorted.indexOf(c) - 1];
      fail(`tensor "${c.name}": data_offsets [${c.begin}, ${c.end}) overlap tensor "${prev.name}" [${prev.begin}, ${prev.end}) (file offset ${dataStart + c.begin}); ${redo}`);
    }
    if (c.begin > expected) {
      fail(`tensor "${c.name}": data_offsets start at ${c.begin} but the previous tensor ends at ${expected}, leaving a gap (file offset ${dataStart + expected}); ${redo}`);
    }
    expected = c.end;
  }
  if (expected !== dataLen) {
    fail(`tensors cover ${expected} bytes of data but the file has ${dataLen} after the header (file offsets ${dataStart + expected}-${bytes.length} are unaccounted for); ${redo}`);
  }

  // Only now, with everything checked, copy the data out.
  const tensors: Record<string, SafeTensor> = {};
  for (const c of checked) {
    const ctor = DTYPE_ARRAYS[c.tensor.dtype];
    const data = new ctor(elementCount(c.tensor.shape));
    const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    view.set(bytes.subarray(dataStart + c.begin, dataStart + c.end));
    if (!HOST_IS_LITTLE_ENDIAN) swapBytes(view, ctor.BYTES_PER_ELEMENT);
    setOwn(tensors, c.name, { dtype: c.tensor.dtype, shape: c.tensor.shape, data } as SafeTensor);
  }
  return { tensors, metadata };
}

/** Sets `record[key]` as an own, enumerable property, whatever the key ("__proto__" included). */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The index of the first bracket (outside strings) that opens a level deeper than `max`, if any. */
function depthPast(text: string, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

function checkEntry(name: string, raw: unknown, fail: (what: string) => never): Checked {
  const bad = (what: string): never => fail(`tensor "${name}": ${what}; the file is corrupt; re-export it`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('header entry is not an object with dtype, shape and data_offsets');
  const e = raw as Record<string, unknown>;
  if (!isSafetensorsDType(e.dtype)) bad(`unknown dtype ${JSON.stringify(e.dtype)} (known: ${Object.keys(DTYPE_ARRAYS).join(', ')})`);
  const dtype = e.dtype as SafeTensor['dtype'];
  const shape = e.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  const offs = e.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    bad(`data_offsets ${JSON.stringify(offs)} is not a pair [begin, end) of non-negative integers`);
  }
  const [begin, end] = offs as [number, number];
  if (end < begin) bad(`data_offsets [${begin}, ${end}) end before they begin`);
  const dims = shape as number[];
  const need = elementCount(dims) * DTYPE_ARRAYS[dtype].BYTES_PER_ELEMENT;
  if (!Number.isSafeInteger(need) || need !== end - begin) {
    bad(`shape [${dims.join(', ')}] x ${dtype} needs ${need} bytes but data_offsets [${begin}, ${end}) span ${end - begin}`);
  }
  return { name, tensor: { dtype, shape: [...dims] }, begin, end };
}
