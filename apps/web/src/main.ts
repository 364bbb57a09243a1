/**
 * The trainer page: reads the settings (URL parameters, then the form), starts the training worker with
 * the requested backend, sends it the data source, and draws what it reports: loss curves per model and
 * part, images/s, kNN accuracy, the augmented views. Offers to resume a run saved in OPFS and downloads the
 * student encoder. The page's state is mirrored on `window.__dogo` for the end-to-end test.
 */
import { drawLineChart, drawViewGrid, type Series } from './charts.js';
import type { BackendInfo, BackendRequest, DataSource, KnnRecord, PageToWorker, SavedRunInfo, StepRecord, WorkerToPage } from './protocol.js';
import { DEFAULT_SETTINGS, PARAM_NAMES, SettingsError, checkSettings, parseSetting, settingsFromParams, type TrainSettings } from './settings.js';

/** What the page knows, for people (the DOM) and for tests (window.__dogo). */
interface PageState {
  phase: 'starting' | 'ready' | 'loading' | 'training' | 'done' | 'stopped' | 'error';
  backend: BackendInfo | null;
  steps: StepRecord[];
  knn: KnnRecord[];
  totalSteps: number;
  imagesPerSecond: number;
  viewsShown: number;
  saved: SavedRunInfo | null;
  finished: { step: number; reason: 'done' | 'stopped'; saved: boolean } | null;
  errors: string[];
  downloads: { fileName: string; bytes: number }[];
  crossOriginIsolated: boolean;
}

const state: PageState = {
  phase: 'starting', backend: null, steps: [], knn: [], totalSteps: 0, imagesPerSecond: 0, viewsShown: 0, saved: null, finished: null,
  errors: [], downloads: [], crossOriginIsolated: globalThis.crossOriginIsolated === true,
};
(window as unknown as { __dogo: PageState }).__dogo = state;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('settings');
const params = new URLSearchParams(location.search);
const embeddedBaseUrl = new URL(`${import.meta.env.BASE_URL}data/fashion-mnist-subset/`, location.href).href;
const MODEL_COLORS: Record<string, string> = { student: '#d1495b', peer: '#00798c' };

let worker: Worker;
let pickedFiles: { file: File; path: string }[] = [];

function send(m: PageToWorker): void {
  worker.postMessage(m);
}

function setStatus(text: string): void {
  $('status').textContent = text;
}

function showError(text: string): void {
  state.errors.push(text);
  $('form-error').textContent = text;
}

// ---- settings <-> form --------------------------------------------------------------------------------

function field(name: string): HTMLInputElement | HTMLSelectElement {
  return form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
}

function fillForm(s: TrainSettings): void {
  for (const key of Object.keys(PARAM_NAMES) as (keyof TrainSettings)[]) {
    const el = field(PARAM_NAMES[key]);
    const v = s[key];
    if (el instanceof HTMLInputElement && el.type === 'checkbox') el.checked = v as boolean;
    else el.value = Array.isArray(v) ? v.join(',') : String(v);
  }
}

function readForm(): TrainSettings {
  const out = structuredClone(DEFAULT_SETTINGS);
  for (const key of Object.keys(PARAM_NAMES) as (keyof TrainSettings)[]) {
    const el = field(PARAM_NAMES[key]);
    const text = el instanceof HTMLInputElement && el.type === 'checkbox' ? (el.checked ? '1' : '0') : el.value;
    (out as unknown as Record<string, unknown>)[key] = parseSetting(key, text);
  }
  return checkSettings(out);
}

function source(): 'embedded' | 'files' {
  return (form.elements.namedItem('source') as RadioNodeList).value as 'embedded' | 'files';
}

// ---- drawing ------------------------------------------------------------------------------------------

let redrawQueued = false;
function redraw(): void {
  if (redrawQueued) return;
  redrawQueued = true;
  requestAnimationFrame(() => {
    redrawQueued = false;
    const models = Object.keys(state.steps[0]?.losses ?? {});
    const series = (part: 'ssl' | 'kd'): Series[] =>
      models.map((m) => ({ label: m, color: MODEL_COLORS[m] ?? '#555', points: state.steps.flatMap((r) => (r.losses[m]?.[part] === undefined ? [] : [[r.step + 1, r.losses[m]![part]!] as [number, number]])) }));
    drawLineChart($<HTMLCanvasElement>('chart-ssl'), series('ssl'), state.totalSteps);
    drawLineChart($<HTMLCanvasElement>('chart-kd'), series('kd'), state.totalSteps);
    $('legend').innerHTML = models.map((m) => `<span><i style="background:${MODEL_COLORS[m] ?? '#555'}"></i>${m}</span>`).join('');
    const last = state.steps[state.steps.length - 1];
    $('step').textContent = last ? `${last.step + 1} / ${state.totalSteps}` : '–';
    $('ips').textContent = state.imagesPerSecond > 0 ? state.imagesPerSecond.toFixed(1) : '–';
    const body = $('knn').querySelector('tbody')!;
    body.innerHTML = state.knn.map((r) => `<tr><td>${r.step}</td>${['student', 'peer'].map((m) => `<td>${r.acc[m] === undefined ? '–' : (100 * r.acc[m]!).toFixed(1) + '%'}</td>`).join('')}</tr>`).join('');
  });
}

function setRunning(running: boolean): void {
  $<HTMLButtonElement>('start').disabled = running;
  $<HTMLButtonElement>('stop').disabled = !running;
  $<HTMLSelectElement>('backend').disabled = running;
  $<HTMLButtonElement>('resume').disabled = running;
  $<HTMLButtonElement>('discard').disabled = running;
}

function showSaved(info: SavedRunInfo | null): void {
  state.saved = info;
  const banner = $('resume-banner');
  banner.hidden = !info;
  if (!info) return;
  const finished = info.step >= info.totalSteps;
  $('resume-text').textContent = `A run on ${info.data} (${info.backend}) is saved in this browser: step ${info.step} of ${info.totalSteps}, ${new Date(info.savedAt).toLocaleString()}. `;
  $<HTMLButtonElement>('resume').hidden = finished;
  $<HTMLButtonElement>('download').disabled = false;
  $<HTMLButtonElement>('download-onnx').disabled = false;
}

// ---- the worker ---------------------------------------------------------------------------------------

function onMessage(m: WorkerToPage): void {
  switch (m.type) {
    case 'backend':
      state.backend = m.info;
      state.phase = 'ready';
      $('backend-line').textContent = `Backend: ${m.info.label}. ${m.info.reason}.${m.info.adapter && m.info.kind !== 'webgpu' ? ` (WebGPU adapter present: "${m.info.adapter}".)` : ''}`;
      setStatus('Ready.');
      $<HTMLButtonElement>('start').disabled = false;
      break;
    case 'status':
      setStatus(m.text);
      break;
    case 'data':
      $('data').textContent = `${m.name}: ${m.train} training, ${m.test} held-out, ${m.classes.length} classes, ${m.shape.join('×')}`;
      break;
    case 'started':
      state.phase = 'training';
      state.totalSteps = m.totalSteps;
      state.steps = [...m.history];
      state.knn = [...m.knn];
      state.finished = null;
      setRunning(true);
      redraw();
      break;
    case 'step':
      state.steps.push(m.record);
      state.totalSteps = m.totalSteps;
      state.imagesPerSecond = m.imagesPerSecond;
      $<HTMLButtonElement>('download').disabled = false;
      $<HTMLButtonElement>('download-onnx').disabled = false;
      redraw();
      break;
    case 'knn':
      state.knn.push(m.record);
      redraw();
      break;
    case 'views':
      state.viewsShown++;
      drawViewGrid($<HTMLCanvasElement>('views'), m.pixels, m.count, m.channels, m.height, m.width, Math.max(2, Math.round(64 / m.height)));
      break;
    case 'finished':
      state.phase = m.reason;
      state.finished = { step: m.step, reason: m.reason, saved: m.saved };
      setRunning(false);
      setStatus(`${m.reason === 'done' ? 'Finished' : 'Stopped'} at step ${m.step}. ${m.saved ? 'Checkpoint saved in this browser (OPFS).' : m.note ?? ''}`);
      send({ type: 'query-saved' });
      break;
    case 'saved':
      showSaved(m.info);
      break;
    case 'download': {
      state.downloads.push({ fileName: m.fileName, bytes: m.bytes.length });
      const url = URL.createObjectURL(new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = m.fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      break;
    }
    case 'error':
      state.phase = 'error';
      showError(m.message);
      setStatus('Error.');
      setRunning(false);
      break;
  }
}

function startWorker(backend: BackendRequest): void {
  worker?.terminate();
  state.backend = null;
  $<HTMLButtonElement>('start').disabled = true;
  $('backend-line').textContent = 'Backend: choosing…';
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', (e: MessageEvent<WorkerToPage>) => onMessage(e.data));
  worker.addEventListener('error', (e) => showError(`worker: ${e.message}`));
  send({ type: 'init', backend });
  send({ type: 'query-saved' });
}

// ---- image folders ------------------------------------------------------------------------------------

async function walk(dir: FileSystemDirectoryHandle, prefix: string, out: { file: File; path: string }[]): Promise<void> {
  for await (const entry of (dir as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
    const path = `${prefix}/${entry.name}`;
    if (entry.kind === 'directory') await walk(entry as FileSystemDirectoryHandle, path, out);
    else out.push({ file: await (entry as FileSystemFileHandle).getFile(), path });
  }
}

function setFiles(files: { file: File; path: string }[]): void {
  pickedFiles = files;
  (form.elements.namedItem('source') as RadioNodeList).value = 'files';
  const classes = new Set(files.map((f) => f.path.split('/').slice(-2, -1)[0]));
  $('folder-text').textContent = `${files.length} files in ${classes.size} folder${classes.size === 1 ? '' : 's'}`;
}

// ---- wiring -------------------------------------------------------------------------------------------

function init(): void {
  let settings: TrainSettings;
  try {
    settings = settingsFromParams(params);
  } catch (e) {
    showError(`URL parameters: ${(e as Error).message}`);
    settings = DEFAULT_SETTINGS;
  }
  fillForm(settings);
  const backend = (params.get('backend') ?? 'auto') as BackendRequest;
  $<HTMLSelectElement>('backend').value = ['auto', 'webgpu', 'wasm'].includes(backend) ? backend : 'auto';
  $('isolation-warning').hidden = state.crossOriginIsolated;

  $<HTMLInputElement>('folder').addEventListener('change', (e) => {
    const list = (e.target as HTMLInputElement).files;
    setFiles(Array.from(list ?? [], (file) => ({ file, path: file.webkitRelativePath || file.name })));
  });
  const picker = (window as unknown as { showDirectoryPicker?: () => Promise<FileSystemDirectoryHandle> }).showDirectoryPicker;
  if (picker) {
    $('pick-folder').hidden = false;
    $('pick-folder').addEventListener('click', async () => {
      try {
        const dir = await picker.call(window);
        const files: { file: File; path: string }[] = [];
        await walk(dir, dir.name, files);
        setFiles(files);
      } catch (e) {
        if ((e as DOMException).name !== 'AbortError') showError(`folder: ${(e as Error).message}`);
      }
    });
  }

  $<HTMLSelectElement>('backend').addEventListener('change', (e) => {
    const value = (e.target as HTMLSelectElement).value as BackendRequest;
    const url = new URL(location.href);
    url.searchParams.set('backend', value);
    history.replaceState(null, '', url);
    startWorker(value);
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    $('form-error').textContent = '';
    let s: TrainSettings;
    try {
      s = readForm();
    } catch (err) {
      showError(err instanceof SettingsError ? err.message : String(err));
      return;
    }
    let data: DataSource;
    if (source() === 'files') {
      if (pickedFiles.length === 0) {
        showError('choose a folder of images first, or use the embedded subset');
        return;
      }
      data = { kind: 'files', files: pickedFiles };
    } else {
      data = { kind: 'embedded', baseUrl: embeddedBaseUrl };
    }
    state.phase = 'loading';
    state.steps = [];
    state.knn = [];
    setRunning(true);
    send({ type: 'start', settings: s, data });
  });
  $('stop').addEventListener('click', () => {
    setStatus('Stopping after this step; saving a checkpoint…');
    send({ type: 'stop' });
  });
  $('download').addEventListener('click', () => send({ type: 'download', format: 'safetensors' }));
  $('download-onnx').addEventListener('click', () => send({ type: 'download', format: 'onnx' }));
  $('resume').addEventListener('click', () => {
    if (state.saved) fillForm(state.saved.settings);
    state.phase = 'loading';
    setRunning(true);
    send({ type: 'resume', embeddedBaseUrl });
  });
  $('discard').addEventListener('click', () => send({ type: 'discard-saved' }));

  redraw();
  startWorker($<HTMLSelectElement>('backend').value as BackendRequest);
}

init();
