/**
 * The cohort trainer: compiles the DoGo step once on a backend, initialises every model from a seed, and
 * runs steps on raw batches: it draws the augmentation boxes, feeds the scheduled learning rates, and
 * returns every model's loss with its NT-Xent and distillation parts. Same seed and backend, same losses.
 * After every step it checks each model's loss and its on-device health scalar (cohort_step.ts) and throws
 * NonFiniteLossError or NonFiniteStateError, naming the step, the model, the tensor and what to do.
 */
import type { Module } from '@dogo/nn';
import { DogoError, Rng, type Backend, type Executable, type HostTensor, type RngState, type StepProfile } from '@dogo/core';
import { sampleCropBoxes } from '../augment/random_resized_crop.js';
import { sampleColorParams } from '../augment/color.js';
import { learningRate } from '../optim/schedule.js';
import { buildCohortStep, type CohortStep } from './cohort_step.js';
import type { CohortConfig } from './cohort_config.js';
import { findUnhealthyTensor } from './state_health.js';

/** A model's loss became NaN or infinite; its state after the step is not to be saved. */
export class NonFiniteLossError extends DogoError {}

/** A model's weights (or running statistics, or optimiser state) became NaN, infinite or overflowing. */
export class NonFiniteStateError extends DogoError {}

export interface MemberLosses {
  loss: number;
  ssl: number;
  /** Absent for a cohort of one. */
  kd?: number;
  lr: number;
}

export interface StepMetrics {
  /** 0-based index of the step just run. */
  step: number;
  losses: Record<string, MemberLosses>;
}

export interface TrainerOptions {
  seed: number;
  /** Steps of the whole run (the schedule's length). */
  totalSteps: number;
}

export class CohortTrainer {
  /** Steps run so far (the index of the next step). */
  stepIndex = 0;
  private augRng: Rng;
  private readonly imageBuf: Float32Array;
  private readonly boxBufs: Float32Array<ArrayBufferLike>[][];

  private constructor(
    readonly config: CohortConfig,
    readonly options: TrainerOptions,
    readonly step: CohortStep,
    readonly executable: Executable,
  ) {
    const [c, h, w] = config.imageShape;
    this.augRng = new Rng(options.seed).fork('augment');
    this.imageBuf = new Float32Array(config.batchSize * c * h * w);
    this.boxBufs = step.feeds.boxes.map((views) => views.map(() => new Float32Array(config.batchSize * 5)));
  }

  static async create(backend: Backend, config: CohortConfig, options: TrainerOptions): Promise<CohortTrainer> {
    const names = new Set(config.members.map((m) => m.name));
    if (names.size !== config.members.length || config.members.length === 0) throw new DogoError('cohort: give at least one model, each with a unique name');
    const step = buildCohortStep(config);
    const root = new Rng(options.seed).fork('init');
    const initialState: Record<string, Float32Array> = {};
    for (const m of config.members) {
      const parts: [string, Module][] = [['encoder', m.encoder], ['head', m.head]];
      if (m.objective === 'simsiam' && m.predictor) parts.push(['predictor', m.predictor]);
      for (const [part, mod] of parts) {
        const init = mod.initialState(root.fork(m.name).fork(part));
        for (const [k, v] of Object.entries(init)) initialState[`${m.name}.${part}.${k}`] = v;
      }
    }
    const executable = await backend.compile({ outputs: step.outputs, updates: step.updates, initialState });
    return new CohortTrainer(config, options, step, executable);
  }

  /** The feeds of the next step for a raw uint8 batch (draws its augmentation), and each member's learning rate. */
  private nextFeeds(images: Uint8Array, caller: string): { feeds: Record<string, Float32Array>; lrs: number[] } {
    const { config } = this;
    if (images.length !== this.imageBuf.length) {
      throw new DogoError(`${caller}: batch has ${images.length} bytes, expected ${config.batchSize} images of ${config.imageShape.join('x')}`);
    }
    this.imageBuf.set(images);
    const feeds: Record<string, Float32Array> = { [this.step.feeds.images]: this.imageBuf };
    if (this.step.feeds.step) feeds[this.step.feeds.step] = Float32Array.of(this.stepIndex + 1);
    const [, h, w] = config.imageShape;
    const drawn = new Set<string>();
    this.step.feeds.boxes.forEach((views, mi) => views.forEach((name, vi) => {
      if (drawn.has(name)) return;
      drawn.add(name);
      feeds[name] = sampleCropBoxes(this.augRng, config.batchSize, h, w, config.crop, this.boxBufs[mi]![vi]!);
      const color = this.step.feeds.color[mi]![vi];
      if (color) feeds[color] = sampleColorParams(this.augRng, config.batchSize, config.color);
    }));
    const lrs = config.members.map((m) =>
      learningRate({ base: m.optimizer.lr, totalSteps: this.options.totalSteps, warmupSteps: m.optimizer.warmupSteps ?? 0, kind: m.optimizer.schedule ?? 'cosine' }, this.stepIndex),
    );
    lrs.forEach((lr, i) => (feeds[this.step.feeds.lr[i]!] = Float32Array.of(lr)));
    return { feeds, lrs };
  }

  /**
   * Runs one step like trainStep, with every plan step timed by the backend (Executable.profile): where the
   * step's time goes, per kernel kind and layer. Throws when the backend cannot profile.
   */
  async profileStep(images: Uint8Array): Promise<StepProfile> {
    if (!this.executable.profile) throw new DogoError(`profileStep: the ${this.executable.backend} backend cannot profile a step`);
    const { feeds } = this.nextFeeds(images, 'profileStep');
    const profile = await this.executable.profile(feeds);
    this.stepIndex++;
    return profile;
  }

  /** Runs one step on a raw uint8 batch [N,C,H,W]. */
  async trainStep(images: Uint8Array): Promise<StepMetrics> {
    const { config } = this;
    const { feeds, lrs } = this.nextFeeds(images, 'trainStep');
    const out = await this.executable.run(feeds);
    const losses: Record<string, MemberLosses> = {};
    config.members.forEach((m, i) => {
      const get = (k: string) => out[`${m.name}/${k}`]?.data[0];
      const l: MemberLosses = { loss: get('loss')!, ssl: get('ssl')!, lr: lrs[i]! };
      const kd = get('kd');
      if (kd !== undefined) l.kd = kd;
      if (!Number.isFinite(l.loss)) {
        throw new NonFiniteLossError(`step ${this.stepIndex}: model "${m.name}" has a non-finite loss (${l.loss}; NT-Xent ${l.ssl}, distillation ${l.kd}); lower its learning rate (now ${lrs[i]}) or resume from the last checkpoint`);
      }
      losses[m.name] = l;
    });
    for (const [i, m] of config.members.entries()) {
      const health = out[`${m.name}/health`]?.data[0];
      if (health === undefined || Number.isFinite(health)) continue;
      const bad = await findUnhealthyTensor(this.executable, this.step.params[m.name]!, `${m.name}.`);
      throw new NonFiniteStateError(
        `step ${this.stepIndex}: model "${m.name}" has ${bad ? bad.description : 'non-finite state (the tensor could not be located)'} after this step (loss ${losses[m.name]!.loss}); ` +
        `its learning rate (now ${lrs[i]}) is likely too high: lower it, or resume from the last checkpoint, which this step did not overwrite`,
      );
    }
    const metrics = { step: this.stepIndex, losses };
    this.stepIndex++;
    return metrics;
  }

  /** Every state leaf (parameters, optimiser state, running statistics) by name. */
  async readAllState(): Promise<Record<string, HostTensor>> {
    const out: Record<string, HostTensor> = {};
    for (const name of this.executable.plan.states.keys()) out[name] = await this.executable.readState(name);
    return out;
  }

  async writeAllState(values: Readonly<Record<string, HostTensor>>): Promise<void> {
    for (const name of this.executable.plan.states.keys()) {
      const v = values[name];
      if (!v) throw new DogoError(`checkpoint lacks state "${name}"; it was written for another configuration`);
      await this.executable.writeState(name, v);
    }
  }

  /** The encoder parameters and buffers of one member, under their own (PyTorch) names. */
  async encoderState(member: string): Promise<Record<string, Float32Array>> {
    const prefix = `${member}.encoder.`;
    const out: Record<string, Float32Array> = {};
    for (const name of this.executable.plan.states.keys()) {
      if (name.startsWith(prefix) && !name.includes('#')) out[name.slice(prefix.length)] = Float32Array.from((await this.executable.readState(name)).data);
    }
    return out;
  }

  getRngState(): RngState {
    return this.augRng.getState();
  }

  setRngState(s: RngState): void {
    this.augRng = Rng.fromState(s);
  }

  destroy(): void {
    this.executable.destroy();
  }
}
