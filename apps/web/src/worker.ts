/**
 * The training worker (a module Web Worker): owns the backend, the data and the training session, so the
 * page's thread only draws. Speaks the typed messages of protocol.ts; one request at a time except 'stop',
 * which is honoured between steps.
 */
import type { Dataset } from '@dogo/data';
import { chooseBackend, type ChosenBackend } from './backends.js';
import { datasetFromBytes, loadEmbedded, loadImageFiles, splitHeldOut, type TrainTest } from './data_sources.js';
import { discardRun, readManifest, readRunFiles } from './opfs.js';
import type { DataSource, PageToWorker, SavedRunInfo, WorkerToPage } from './protocol.js';
import { TrainingSession, savedStudentFile, type SavedExtra } from './session.js';
import { checkSettings, type TrainSettings } from './settings.js';

const scope = globalThis as unknown as {
  postMessage(m: WorkerToPage, transfer?: Transferable[]): void;
  addEventListener(type: 'message', fn: (e: MessageEvent<PageToWorker>) => void): void;
};

function post(m: WorkerToPage, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

let chosen: ChosenBackend | null = null;
let session: TrainingSession | null = null;
/** A Stop that arrived while a run was still loading its data or compiling. */
let stopPending = false;

async function loadData(settings: TrainSettings, data: DataSource): Promise<TrainTest & { kind: 'embedded' | 'files'; all?: Dataset }> {
  if (data.kind === 'embedded') {
    post({ type: 'status', text: 'loading the embedded Fashion-MNIST subset' });
    return { kind: 'embedded', ...(await loadEmbedded(data.baseUrl, settings.imageSize)) };
  }
  const { all, ...split } = await loadImageFiles(data.files, settings.imageSize, settings.channels, settings.seed, (done, total) => post({ type: 'status', text: `decoding images: ${done} of ${total}` }));
  return { kind: 'files', all, ...split };
}

function announceData(d: TrainTest): void {
  post({ type: 'data', name: d.train.name, train: d.train.count, test: d.test.count, classes: [...d.train.classes], shape: [d.train.channels, d.train.height, d.train.width] });
}

async function startSession(settings: TrainSettings, data: TrainTest & { kind: 'embedded' | 'files'; all?: Dataset }, resume?: Parameters<TrainingSession['restore']>): Promise<void> {
  if (!chosen) throw new Error('no backend yet: the page must send "init" first');
  session?.destroy();
  session = null;
  announceData(data);
  post({ type: 'status', text: `compiling the DoGo step on ${chosen.info.label}` });
  const s = await TrainingSession.create({ backend: chosen.backend, backendLabel: chosen.info.label, settings, data, post });
  if (resume) await s.restore(...resume);
  session = s;
  if (stopPending) s.stop();
  const h = s.history();
  post({ type: 'started', totalSteps: settings.steps, models: s.members.map((m) => m.name), resumedAt: s.trainer.stepIndex, history: h.steps, knn: h.knn });
  post({ type: 'status', text: resume ? `resumed at step ${s.trainer.stepIndex}` : 'training' });
  await s.run();
}

async function savedInfo(): Promise<SavedRunInfo | null> {
  const m = await readManifest();
  if (!m) return null;
  const extra = m.extra as unknown as SavedExtra;
  return { step: m.step, totalSteps: extra.settings.steps, settings: extra.settings, data: extra.data.name, savedAt: extra.savedAt, backend: extra.backend };
}

async function handle(msg: PageToWorker): Promise<void> {
  switch (msg.type) {
    case 'init':
      chosen = await chooseBackend(msg.backend, (text) => post({ type: 'status', text }));
      post({ type: 'backend', info: chosen.info });
      return;
    case 'start': {
      stopPending = false;
      const settings = checkSettings(msg.settings);
      await startSession(settings, await loadData(settings, msg.data));
      return;
    }
    case 'resume': {
      stopPending = false;
      const manifest = await readManifest();
      if (!manifest) throw new Error('there is no saved run to resume');
      const extra = manifest.extra as unknown as SavedExtra;
      const files = await readRunFiles(manifest);
      let data: TrainTest & { kind: 'embedded' | 'files'; all?: Dataset };
      if (extra.data.kind === 'embedded') data = { kind: 'embedded', ...(await loadEmbedded(msg.embeddedBaseUrl, extra.settings.imageSize)) };
      else {
        if (!files.dataset) throw new Error('the saved run trained on an image folder whose decoded images are missing from storage; discard it');
        const all = datasetFromBytes(files.dataset.header, files.dataset.bytes);
        data = { kind: 'files', all, ...splitHeldOut(all, 0.2, extra.settings.seed) };
      }
      await startSession(extra.settings, data, [manifest, files.tensors]);
      return;
    }
    case 'stop':
      if (session?.running) session.stop();
      else stopPending = true;
      return;
    case 'download': {
      let bytes: Uint8Array;
      let step: number;
      if (session) {
        bytes = await session.studentFile(msg.format);
        step = session.trainer.stepIndex;
      } else {
        const manifest = await readManifest();
        if (!manifest) throw new Error('nothing to download: train first, or resume a saved run');
        bytes = savedStudentFile(manifest, (await readRunFiles(manifest)).tensors, msg.format);
        step = manifest.step;
      }
      post({ type: 'download', fileName: `dogo-student-step${step}.${msg.format}`, bytes }, [bytes.buffer]);
      return;
    }
    case 'query-saved':
      post({ type: 'saved', info: await savedInfo() });
      return;
    case 'discard-saved':
      await discardRun();
      post({ type: 'saved', info: null });
      return;
  }
}

scope.addEventListener('message', (e) => {
  handle(e.data).catch((err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    post({ type: 'error', message: `${error.name}: ${error.message}` });
  });
});
