/**
 * The saved run in the Origin Private File System (navigator.storage.getDirectory()), folder `dogo-web/`:
 * `step-<n>.safetensors` (every state leaf, ssl's encodeState), `checkpoint.json` (ssl's manifest; its
 * `extra` holds the page settings, the data source and the curves so far) and, for an image folder, the
 * decoded images (`dataset.json`, `dataset.bin`) so a reload can resume without picking the folder again.
 * Each file is written through createWritable, which commits on close; the manifest goes last.
 */
import { parseManifest, type CheckpointManifest } from '@dogo/ssl';

const DIR = 'dogo-web';
export const MANIFEST = 'checkpoint.json';

export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

async function root(create: boolean): Promise<FileSystemDirectoryHandle | null> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (!storage?.getDirectory) throw new StorageUnavailableError('this browser has no Origin Private File System (navigator.storage.getDirectory); checkpoints cannot be kept');
  const top = await storage.getDirectory();
  try {
    return await top.getDirectoryHandle(DIR, { create });
  } catch (e) {
    if ((e as DOMException).name === 'NotFoundError') return null;
    throw e;
  }
}

async function writeFile(dir: FileSystemDirectoryHandle, name: string, data: Uint8Array | string): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  const w = await handle.createWritable();
  try {
    await w.write(typeof data === 'string' ? data : (data as Uint8Array<ArrayBuffer>));
    await w.close();
  } catch (e) {
    await w.abort().catch(() => undefined);
    throw e;
  }
}

async function readFile(dir: FileSystemDirectoryHandle, name: string): Promise<Uint8Array | null> {
  try {
    const file = await (await dir.getFileHandle(name)).getFile();
    return new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    if ((e as DOMException).name === 'NotFoundError') return null;
    throw e;
  }
}

/** Writes a checkpoint (tensors, then the manifest) and removes older tensor files. */
export async function saveRun(manifest: CheckpointManifest, tensors: Uint8Array, dataset?: { header: string; bytes: Uint8Array }): Promise<void> {
  const dir = (await root(true))!;
  if (dataset) {
    await writeFile(dir, 'dataset.bin', dataset.bytes);
    await writeFile(dir, 'dataset.json', dataset.header);
  }
  await writeFile(dir, manifest.tensors, tensors);
  await writeFile(dir, MANIFEST, JSON.stringify(manifest));
  for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
    if (/^step-\d+\.safetensors$/.test(name) && name !== manifest.tensors) await dir.removeEntry(name);
    if (!dataset && name.startsWith('dataset.')) await dir.removeEntry(name);
  }
}

/** The saved manifest, or null when there is none. */
export async function readManifest(): Promise<CheckpointManifest | null> {
  const dir = await root(false);
  if (!dir) return null;
  const bytes = await readFile(dir, MANIFEST);
  return bytes ? parseManifest(new TextDecoder().decode(bytes), `OPFS ${DIR}/${MANIFEST}`) : null;
}

/** The tensors named by the manifest, and the saved dataset when there is one. */
export async function readRunFiles(manifest: CheckpointManifest): Promise<{ tensors: Uint8Array; dataset: { header: string; bytes: Uint8Array } | null }> {
  const dir = await root(false);
  const tensors = dir && (await readFile(dir, manifest.tensors));
  if (!dir || !tensors) throw new StorageUnavailableError(`the saved run names ${manifest.tensors}, which is missing from the browser's storage; discard it`);
  const header = await readFile(dir, 'dataset.json');
  const bytes = await readFile(dir, 'dataset.bin');
  return { tensors, dataset: header && bytes ? { header: new TextDecoder().decode(header), bytes } : null };
}

/** Removes the saved run. */
export async function discardRun(): Promise<void> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (!storage?.getDirectory) return;
  const top = await storage.getDirectory();
  await top.removeEntry(DIR, { recursive: true }).catch(() => undefined);
}
