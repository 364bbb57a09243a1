/**
 * A WorkerHost for @dogo/backend-wasm's thread pool on Web Workers: each worker is a classic worker from a
 * Blob URL whose script waits for one message (the compiled module and the shared memory), then runs the
 * runtime's worker source with it. Works from a page or from inside a worker (nested workers); the threads
 * share memory only where the page is cross-origin isolated (COOP same-origin + COEP require-corp), which
 * blob workers inherit from their creator. The only code of the wasm backend that touches Web Workers.
 */
import type { WorkerHost } from '@dogo/backend-wasm';

/** A WorkerHost on Web Workers; `hardwareConcurrency` is navigator.hardwareConcurrency. */
export function browserWorkerHost(): WorkerHost {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return {
    hardwareConcurrency: nav?.hardwareConcurrency ?? 1,
    spawn(source, data, onMessage) {
      const script = `self.onmessage = (e) => { self.onmessage = null; (${source})(e.data, (m) => self.postMessage(m)); };`;
      const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
      const worker = new Worker(url, { name: 'dogo-wasm-thread' });
      let revoked = false;
      const revoke = () => {
        if (!revoked) URL.revokeObjectURL(url);
        revoked = true;
      };
      worker.onmessage = (e: MessageEvent) => {
        revoke();
        onMessage(e.data);
      };
      worker.onerror = (e: ErrorEvent) => {
        revoke();
        e.preventDefault();
        onMessage({ type: 'error', message: e.message || 'the wasm thread worker failed to start' });
      };
      worker.postMessage(data);
      return { terminate: () => { revoke(); worker.terminate(); } };
    },
  };
}
