/**
 * The typed messages between the page (main.ts) and the training worker (worker.ts). Both sides import
 * these types only; nothing here runs. Every message is structured-cloneable; large arrays are transferred.
 */
import type { TrainSettings } from './settings.js';

/** Which backend the page asks for: 'auto' picks WebGPU on a hardware adapter, else wasm. */
export type BackendRequest = 'auto' | 'webgpu' | 'wasm';

/** Where the training images come from. */
export type DataSource =
  | { kind: 'embedded'; /** Absolute URL of the folder holding the four Fashion-MNIST .gz IDX files. */ baseUrl: string }
  | { kind: 'files'; /** Images whose parent folder names their class (webkitRelativePath or a picked directory). */ files: { file: File; path: string }[] };

/** What the worker chose, for the page to show. */
export interface BackendInfo {
  kind: 'webgpu' | 'wasm';
  /** One line: the backend, and the adapter's name or the thread count. */
  label: string;
  /** Why this backend (forced, auto and why, fallback). */
  reason: string;
  /** WebGPU adapter name, when one was found (also when wasm was picked over a software adapter). */
  adapter?: string;
  threads?: number;
  crossOriginIsolated: boolean;
}

/** Losses of one model at one step. */
export interface ModelLosses {
  loss: number;
  ssl: number;
  kd?: number;
}

export interface StepRecord {
  step: number;
  losses: Record<string, ModelLosses>;
}

export interface KnnRecord {
  step: number;
  acc: Record<string, number>;
}

/** A saved run in the Origin Private File System, as the page describes it before resuming. */
export interface SavedRunInfo {
  step: number;
  totalSteps: number;
  settings: TrainSettings;
  data: string;
  savedAt: string;
  backend: string;
}

export type PageToWorker =
  | { type: 'init'; backend: BackendRequest }
  | { type: 'start'; settings: TrainSettings; data: DataSource }
  | { type: 'resume'; embeddedBaseUrl: string }
  | { type: 'stop' }
  | { type: 'download'; format: 'safetensors' | 'onnx' }
  | { type: 'query-saved' }
  | { type: 'discard-saved' };

export type WorkerToPage =
  | { type: 'backend'; info: BackendInfo }
  | { type: 'status'; text: string }
  | { type: 'data'; name: string; train: number; test: number; classes: string[]; shape: [number, number, number] }
  | { type: 'started'; totalSteps: number; models: string[]; resumedAt: number; history: StepRecord[]; knn: KnnRecord[] }
  | { type: 'step'; record: StepRecord; totalSteps: number; imagesPerSecond: number; lastImagesPerSecond: number }
  | { type: 'knn'; record: KnnRecord }
  | { type: 'views'; step: number; count: number; channels: number; height: number; width: number; /** [2, count, C, H, W] uint8: view 1 rows, then view 2. */ pixels: Uint8Array }
  | { type: 'finished'; step: number; reason: 'done' | 'stopped'; saved: boolean; note?: string }
  | { type: 'saved'; info: SavedRunInfo | null }
  | { type: 'download'; fileName: string; bytes: Uint8Array }
  | { type: 'error'; message: string };
