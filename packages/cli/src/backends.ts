/**
 * Backends by name, loaded lazily so a machine without a GPU never loads Dawn. The one place the CLI
 * maps a name to a backend; `dogo info` and the conformance runner read the same table.
 */
import { ReferenceBackend, type Backend, DogoError } from '@dogo/core';

export class UnknownBackendError extends DogoError {}

export interface BackendEntry {
  /** One line on what the backend is for. */
  readonly summary: string;
  create(): Promise<Backend>;
}

export const BACKENDS: Record<string, BackendEntry> = {
  reference: {
    summary: 'plain TypeScript, float64: the numeric oracle (slow)',
    create: async () => new ReferenceBackend(),
  },
};

export async function createBackend(name: string): Promise<Backend> {
  const entry = BACKENDS[name];
  if (!entry) throw new UnknownBackendError(`unknown backend "${name}"; choose one of: ${Object.keys(BACKENDS).join(', ')}`);
  return entry.create();
}
