/**
 * One training run inside the worker: the DoGo pair (student and peer resnetSmall with projection heads)
 * built from the page settings, the cohort trainer compiled once on the chosen backend, the seeded batch
 * loader (or one fixed batch, repeated), the kNN monitor on held-out subsets, the augmented-views renderer,
 * and checkpoints (ssl's encodeState and manifest) kept in OPFS. Reports through `post`; knows no DOM.
 */
import type { Backend, HostTensor } from '@dogo/core';
import { ProjectionHead, encoderMetadata, encoderToSafetensors, resnetLayout, resnetSmall, type ResNet } from '@dogo/nn';
import { exportOnnx } from '@dogo/onnx';
import { BatchLoader, type Dataset } from '@dogo/data';
import {
  CHECKPOINT_FORMAT, CheckpointError, CohortTrainer, FASHION_MNIST_NORMALIZATION, decodeState, encodeState, fingerprint, knnAccuracy,
  type CheckpointManifest, type CohortConfig, type CohortMember, type Normalization,
} from '@dogo/ssl';
import { FeatureExtractor } from './features.js';
import { datasetToBytes, randomSubset, type TrainTest } from './data_sources.js';
import { saveRun } from './opfs.js';
import type { KnnRecord, StepRecord, WorkerToPage } from './protocol.js';
import type { TrainSettings } from './settings.js';
import { ViewRenderer } from './views.js';

export const MODEL_NAMES = ['student', 'peer'] as const;
const VIEW_IMAGES = 8;

/** What a saved run keeps in its manifest's `extra`. */
export interface SavedExtra {
  settings: TrainSettings;
  data: { kind: 'embedded' | 'files'; name: string; count: number };
  steps: StepRecord[];
  knn: KnnRecord[];
  backend: string;
  savedAt: string;
}

export function normalizationFor(channels: number): Normalization {
  return channels === 1 ? FASHION_MNIST_NORMALIZATION : { mean: Array(channels).fill(0.5), std: Array(channels).fill(0.25) };
}

export function buildEncoder(s: TrainSettings, widths: readonly number[], channels: number): ResNet {
  return resnetSmall({ stageChannels: widths, blocksPerStage: s.blocks, inChannels: channels, stem: 'cifar' });
}

/** Student (lambda from the settings) and peer (lambda 1), each with its own Adam. */
export function buildMembers(s: TrainSettings, channels: number): CohortMember[] {
  return MODEL_NAMES.map((name) => {
    const encoder = buildEncoder(s, name === 'student' ? s.student : s.peer, channels);
    return {
      name, encoder, head: new ProjectionHead(encoder.featureDim, s.headHidden, s.headOut),
      optimizer: { kind: 'adam', lr: s.lr, weightDecay: 1e-6, schedule: 'constant' }, lambda: name === 'student' ? s.lambda : 1,
    };
  });
}

/** The fingerprint a checkpoint must match to be resumed (settings other than the length, and the data). */
export function runHash(s: TrainSettings, data: Dataset): string {
  return fingerprint({ ...s, steps: undefined, evalEvery: undefined, viewsEvery: undefined, data: data.name, count: data.count, shape: [data.channels, data.height, data.width] });
}

export interface SessionOptions {
  backend: Backend;
  backendLabel: string;
  settings: TrainSettings;
  data: TrainTest & { kind: 'embedded' | 'files'; all?: Dataset };
  post: (m: WorkerToPage, transfer?: Transferable[]) => void;
}

export class TrainingSession {
  private stopRequested = false;
  private readonly steps: StepRecord[] = [];
  private readonly knn: KnnRecord[] = [];
  private trainSeconds = 0;
  private trainImages = 0;
  private fixed: Uint8Array | undefined;
  private extractors = new Map<string, FeatureExtractor>();
  private evalSets: { train: Dataset; test: Dataset };
  /** True while run() is in progress. */
  running = false;

  private constructor(
    private readonly o: SessionOptions,
    readonly members: CohortMember[],
    readonly trainer: CohortTrainer,
    private readonly loader: BatchLoader,
    private readonly views: ViewRenderer | null,
    readonly configHash: string,
  ) {
    const s = o.settings;
    this.evalSets = { train: randomSubset(o.data.train, s.evalTrain, s.seed), test: randomSubset(o.data.test, s.evalTest, s.seed + 1) };
  }

  static async create(o: SessionOptions): Promise<TrainingSession> {
    const s = o.settings;
    const { train } = o.data;
    const members = buildMembers(s, train.channels);
    const cohort: CohortConfig = { members, batchSize: s.batchSize, imageShape: [train.channels, train.height, train.width], normalization: normalizationFor(train.channels) };
    const trainer = await CohortTrainer.create(o.backend, cohort, { seed: s.seed, totalSteps: s.steps });
    const loader = new BatchLoader(train, { batchSize: s.batchSize, seed: s.seed });
    let views: ViewRenderer | null = null;
    if (s.viewsEvery > 0) {
      try {
        views = await ViewRenderer.create(o.backend, cohort, VIEW_IMAGES);
      } catch (e) {
        o.post({ type: 'status', text: `augmented views unavailable on this backend: ${(e as Error).message}` });
      }
    }
    return new TrainingSession(o, members, trainer, loader, views, runHash(s, train));
  }

  /** Restores a checkpoint written by this page with the same settings and data. */
  async restore(manifest: CheckpointManifest, tensors: Uint8Array): Promise<void> {
    if (manifest.configHash !== this.configHash) {
      throw new CheckpointError(`the saved run used other settings or data (hash ${manifest.configHash}, now ${this.configHash}); discard it or start a new run`);
    }
    await this.trainer.writeAllState(decodeState(tensors, 'OPFS checkpoint'));
    this.trainer.stepIndex = manifest.step;
    this.trainer.setRngState(manifest.rng);
    this.loader.setState(manifest.loader);
    const extra = manifest.extra as unknown as SavedExtra;
    this.steps.push(...extra.steps.filter((r) => r.step < manifest.step));
    this.knn.push(...extra.knn.filter((r) => r.step <= manifest.step));
  }

  /** The curves so far (sent to the page when a resumed run starts). */
  history(): { steps: StepRecord[]; knn: KnnRecord[] } {
    return { steps: [...this.steps], knn: [...this.knn] };
  }

  /** Ends the run after the current step; run() then saves a checkpoint. */
  stop(): void {
    this.stopRequested = true;
  }

  /** Trains until the step budget is spent or stop() is called, then checkpoints to OPFS. */
  async run(): Promise<void> {
    const { post, settings: s } = this.o;
    const t = this.trainer;
    this.running = true;
    const first = t.stepIndex;
    try {
      if (s.fixedBatch && !this.fixed) {
        // The first batch of the data order, the same after a resume.
        const first = new BatchLoader(this.o.data.train, { batchSize: s.batchSize, seed: s.seed });
        this.fixed = (await first.next()).images;
        first.close();
      }
      while (!this.stopRequested && t.stepIndex < s.steps) {
        const batch = this.fixed ?? (await this.loader.next()).images;
        const rng = t.getRngState();
        const t0 = performance.now();
        const m = await t.trainStep(batch);
        const dt = (performance.now() - t0) / 1000;
        // The first step of a session warms caches (pipelines, JIT tiers); it is left out of the average.
        if (m.step > first || s.steps - first === 1) {
          this.trainSeconds += dt;
          this.trainImages += s.batchSize;
        }
        const record: StepRecord = { step: m.step, losses: {} };
        for (const [k, v] of Object.entries(m.losses)) record.losses[k] = v.kd === undefined ? { loss: v.loss, ssl: v.ssl } : { loss: v.loss, ssl: v.ssl, kd: v.kd };
        this.steps.push(record);
        post({ type: 'step', record, totalSteps: s.steps, imagesPerSecond: this.trainImages > 0 ? this.trainImages / this.trainSeconds : s.batchSize / dt, lastImagesPerSecond: s.batchSize / dt });
        if (this.views && (m.step === first || (t.stepIndex % s.viewsEvery === 0))) {
          const pixels = await this.views.render(batch, rng);
          const [c, h, w] = [this.o.data.train.channels, this.o.data.train.height, this.o.data.train.width];
          post({ type: 'views', step: m.step, count: this.views.count, channels: c, height: h, width: w, pixels }, [pixels.buffer]);
        }
        const done = t.stepIndex >= s.steps;
        if (done || (s.evalEvery > 0 && t.stepIndex % s.evalEvery === 0)) await this.evaluate();
        // Let 'stop' and other messages in between steps.
        await new Promise((r) => setTimeout(r, 0));
      }
      const reason = t.stepIndex >= s.steps ? 'done' : 'stopped';
      let saved = false;
      let note: string | undefined;
      try {
        await this.checkpoint();
        saved = true;
      } catch (e) {
        note = `checkpoint not saved: ${(e as Error).message}`;
      }
      post({ type: 'finished', step: t.stepIndex, reason, saved, ...(note ? { note } : {}) });
    } finally {
      this.running = false;
    }
  }

  /** kNN accuracy of every model's frozen encoder on the held-out subsets. */
  async evaluate(): Promise<KnnRecord> {
    const { backend, settings: s, post } = this.o;
    post({ type: 'status', text: `kNN evaluation at step ${this.trainer.stepIndex} (${this.evalSets.train.count} reference, ${this.evalSets.test.count} query images)` });
    const acc: Record<string, number> = {};
    for (const m of this.members) {
      let ex = this.extractors.get(m.name);
      if (!ex) {
        ex = await FeatureExtractor.create(backend, m.encoder, [this.evalSets.train.channels, this.evalSets.train.height, this.evalSets.train.width], normalizationFor(this.evalSets.train.channels), 100);
        this.extractors.set(m.name, ex);
      }
      await ex.load(await this.trainer.encoderState(m.name));
      const tr = await ex.features(this.evalSets.train);
      const te = await ex.features(this.evalSets.test);
      acc[m.name] = knnAccuracy(tr, te, { k: s.knnK, classes: this.evalSets.train.classes.length });
    }
    const record = { step: this.trainer.stepIndex, acc };
    this.knn.push(record);
    post({ type: 'knn', record });
    return record;
  }

  /** Saves every state leaf and the manifest (with the curves) to OPFS. */
  async checkpoint(): Promise<void> {
    const t = this.trainer;
    const { data, settings } = this.o;
    const source = data.all ?? data.train;
    const extra: SavedExtra = {
      settings, data: { kind: data.kind, name: source.name, count: source.count }, steps: this.steps, knn: this.knn,
      backend: this.o.backendLabel, savedAt: new Date().toISOString(),
    };
    const manifest: CheckpointManifest = {
      format: CHECKPOINT_FORMAT, step: t.stepIndex, loader: this.loader.getState(), rng: t.getRngState(),
      tensors: `step-${t.stepIndex}.safetensors`, configHash: this.configHash, extra: extra as unknown as Record<string, unknown>,
    };
    await saveRun(manifest, encodeState(await t.readAllState()), data.kind === 'files' && data.all ? datasetToBytes(data.all) : undefined);
  }

  /** The student encoder as `dogo export` writes it (safetensors or ONNX). */
  async studentFile(format: StudentFormat): Promise<Uint8Array> {
    const student = this.members[0]!;
    const { channels, height, width } = this.evalSets.train;
    return studentFile(format, student.encoder as ResNet, await this.trainer.encoderState(student.name), this.trainer.stepIndex, [channels, height, width]);
  }

  destroy(): void {
    this.loader.close();
    this.views?.destroy();
    for (const ex of this.extractors.values()) ex.destroy();
    this.trainer.destroy();
  }
}

/** The student encoder of a saved run as a file (no trainer needed: the tensors are read from the checkpoint). */
export function savedStudentFile(manifest: CheckpointManifest, tensors: Uint8Array, format: StudentFormat): Uint8Array {
  const extra = manifest.extra as unknown as SavedExtra;
  const state = decodeState(tensors, 'OPFS checkpoint');
  const values: Record<string, HostTensor['data']> = {};
  const prefix = 'student.encoder.';
  for (const [k, v] of Object.entries(state)) if (k.startsWith(prefix) && !k.includes('#')) values[k.slice(prefix.length)] = v.data;
  const channels = extra.data.kind === 'embedded' ? 1 : extra.settings.channels;
  const size = extra.settings.imageSize;
  return studentFile(format, buildEncoder(extra.settings, extra.settings.student, channels), values, manifest.step, [channels, size, size]);
}

/** The formats of the student download. */
export type StudentFormat = 'safetensors' | 'onnx';

/**
 * As `dogo export` writes it: safetensors with num_batches_tracked (= steps trained), format "pt", the layout and
 * the normalisation; or ONNX (opset 17, dynamic batch, normalisation inside) with the same metadata.
 */
function studentFile(format: StudentFormat, encoder: ResNet, values: Readonly<Record<string, ArrayLike<number>>>, step: number, shape: readonly [number, number, number]): Uint8Array {
  const normalization = normalizationFor(shape[0]);
  const extra = { source: 'dogo web trainer', model: 'student', step: String(step), image_size: `${shape[1]}x${shape[2]}` };
  if (format === 'onnx') {
    const description = { arch: 'resnet-small', width: 1, layout: resnetLayout(encoder), normalization };
    return exportOnnx({ encoder, weights: values, imageShape: shape, normalization, name: 'dogo_student', metadata: { ...extra, ...encoderMetadata(description) } });
  }
  return encoderToSafetensors(encoder, values, { arch: 'resnet-small', normalization, numBatchesTracked: step, metadata: extra });
}
