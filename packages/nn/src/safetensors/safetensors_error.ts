/** The error every safetensors read or write refuses with. Public. */

/**
 * A safetensors file or tensor map that breaks the format. The message names the source (file name
 * or "<bytes>"), the tensor or header field at fault, the byte offset where one applies, and what to do.
 */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
