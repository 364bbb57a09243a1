/**
 * Gzip detection and decompression with the web-standard DecompressionStream (Node >= 18, browsers).
 * Internal. Does not compress, and does not fall back to node:zlib, so it stays platform-neutral.
 */
import { CorruptDatasetError } from './errors.js';

/** True when `bytes` start with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip `bytes`; a damaged stream becomes a CorruptDatasetError naming `source`. */
export async function gunzip(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  try {
    // Blob wants an ArrayBuffer-backed view; copy only if the input sits on a SharedArrayBuffer.
    const part = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
    const stream = new Blob([part]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new CorruptDatasetError(`${source}: gzip data is damaged or truncated (${(e as Error).message}); re-download the file`);
  }
}

/** Returns `bytes` decompressed when they are gzip, else unchanged. */
export async function maybeGunzip(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, source) : bytes;
}
