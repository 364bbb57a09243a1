/**
 * The cohort trainer: lays the DoGo step out over executables (step_layout.ts: one graph, or chunked steps with
 * members apart when that does not fit the backend's memory), compiles it once, initialises every model from
 * a seed, and runs steps on raw batches: it draws the augmentation boxes, feeds the scheduled learning rates,
 * and returns every model's loss with its NT-Xent and distillation parts. Same seed, backend and layout, same
 * losses; the augmentation draws do not depend on the layout. After every step it checks each model's loss and
 * its health scalar (cohort_step.ts) and throws NonFiniteLossError or NonFiniteStateError, naming the step, the
 * model, the tensor and what to do.
 */
import { NonFiniteLossError, learningRate, type Module } from '@dogo/nn';
import { DogoError, Rng, formatShape, type Backend, type HostTensor, type RngState, type StepProfile } from '@dogo/core';
import { sampleCropBoxes } from '../augment/random_resized_crop.js';
import { sampleColorParams } from '../augment/color.js';
import { IMAGES_FEED, augmentedViews, viewFeedNames } from './member_forward.js';
import { chooseStepLayout, type LayoutRequest, type StepLayout } from './step_layout.js';
import { CompiledStep, type CompiledExecutable } from './compiled_step.js';
import type { CohortConfig, MemberInit } from './cohort_config.js';
import { findUnhealthyTensor } from './state_health.js';

/** A member's `init` names a tensor its part does not have, or gives a tensor of the wrong size. */
export class MemberInitError extends DogoError {}

/** A model's loss became NaN or infinite; its state after the step is not to be saved (the class is @dogo/nn's). */
export { NonFiniteLossError };

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

export interface TrainerOptions extends LayoutRequest {
  seed: number;
  /** Steps of the whole run (the schedule's length). */
  totalSteps: number;
}

export class CohortTrainer {
  /** Steps run so far (the index of the next step). */
  stepIndex = 0;
  private augRng: Rng;
  private readonly feeds: Record<string, Float32Array>;
  private readonly names: { boxes: string[][]; color: string[][] };

  private constructor(
    readonly config: CohortConfig,
    readonly options: TrainerOptions,
    readonly step: CompiledStep,
    /** Why this layout: what fits the backend's memory (said at start by the CLI). */
    readonly reason: string,
  ) {
    const [c, h, w] = config.imageShape;
    const n = config.batchSize;
    this.augRng = new Rng(options.seed).fork('augment');
    this.names = viewFeedNames(config);
    this.feeds = { [IMAGES_FEED]: new Float32Array(n * c * h * w) };
    for (const name of this.names.boxes.flat()) this.feeds[name] ??= new Float32Array(n * 5);
    for (const name of this.names.color.flat()) this.feeds[name] ??= new Float32Array(n * 6);
  }

  /**
   * Plans the step for `backend` (or options.memberBackends, one per member), picks the layout that fits (see
   * chooseStepLayout: options.chunk and options.recompute), compiles it and initialises every model.
   */
  static async create(backend: Backend, config: CohortConfig, options: TrainerOptions): Promise<CohortTrainer> {
    const names = new Set(config.members.map((m) => m.name));
    if (names.size !== config.members.length || config.members.length === 0) throw new DogoError('cohort: give at least one model, each with a unique name');
    const { layout, reason } = chooseStepLayout(config, backend, options, augmentedViews(config));
    const root = new Rng(options.seed).fork('init');
    const initialState: Record<string, Float32Array> = {};
    for (const m of config.members) {
      const parts: [keyof MemberInit, Module][] = [['encoder', m.encoder], ['head', m.head]];
      if (m.objective === 'simsiam' && m.predictor) parts.push(['predictor', m.predictor]);
      for (const [part, mod] of parts) {
        const init = mod.initialState(root.fork(m.name).fork(part));
        overlayInit(init, mod, m.init?.[part], `member "${m.name}" ${part}`);
        for (const [k, v] of Object.entries(init)) initialState[`${m.name}.${part}.${k}`] = v;
      }
      for (const part of Object.keys(m.init ?? {})) {
        if (!parts.some(([p]) => p === part)) throw new MemberInitError(`cohort: member "${m.name}" has init values for its ${part}, which it does not have`);
      }
    }
    const step = await CompiledStep.compile(config, layout, initialState);
    return new CohortTrainer(config, options, step, reason);
  }

  /** The layout the step runs in: one graph or chunked, with or without recomputation. */
  get layout(): StepLayout {
    return this.step.layout;
  }

  /** The compiled executables, in run order of their first use, with their plans. */
  get executables(): readonly CompiledExecutable[] {
    return this.step.executables;
  }

  /** Fills this.feeds for the next step from a raw uint8 batch (draws its augmentation); each member's learning rate. */
  private nextFeeds(images: Uint8Array, caller: string): number[] {
    const { config } = this;
    const imageBuf = this.feeds[IMAGES_FEED]!;
    if (images.length !== imageBuf.length) {
      throw new DogoError(`${caller}: batch has ${images.length} bytes, expected ${config.batchSize} images of ${config.imageShape.join('x')}`);
    }
    imageBuf.set(images);
    const [, h, w] = config.imageShape;
    const drawn = new Set<string>();
    this.names.boxes.forEach((views, mi) => views.forEach((name, vi) => {
      if (drawn.has(name)) return;
      drawn.add(name);
      sampleCropBoxes(this.augRng, config.batchSize, h, w, config.crop, this.feeds[name]);
      const color = this.names.color[mi]![vi];
      if (color) sampleColorParams(this.augRng, config.batchSize, config.color, this.feeds[color]);
    }));
    return config.members.map((m) =>
      learningRate({ base: m.optimizer.lr, totalSteps: this.options.totalSteps, warmupSteps: m.optimizer.warmupSteps ?? 0, kind: m.optimizer.schedule ?? 'cosine' }, this.stepIndex),
    );
  }

  /**
   * Runs one step like trainStep, with every plan step timed by the backend (Executable.profile): where the
   * step's time goes, per kernel kind and layer. Throws when the backend cannot profile, or when the step runs
   * chunked (split layouts have many executables per step).
   */
  async profileStep(images: Uint8Array): Promise<StepProfile> {
    const lrs = this.nextFeeds(images, 'profileStep');
    const profile = await this.step.profile(this.feeds, lrs, this.stepIndex + 1);
    this.stepIndex++;
    return profile;
  }

  /** Runs one step on a raw uint8 batch [N,C,H,W]. */
  async trainStep(images: Uint8Array): Promise<StepMetrics> {
    const { config } = this;
    const lrs = this.nextFeeds(images, 'trainStep');
    const out = await this.step.run(this.feeds, lrs, this.stepIndex + 1);
    const losses: Record<string, MemberLosses> = {};
    config.members.forEach((m, i) => {
      const get = (k: string) => out[`${m.name}/${k}`];
      const l: MemberLosses = { loss: get('loss')!, ssl: get('ssl')!, lr: lrs[i]! };
      const kd = get('kd');
      if (kd !== undefined) l.kd = kd;
      if (!Number.isFinite(l.loss)) {
        throw new NonFiniteLossError(`step ${this.stepIndex}: model "${m.name}" has a non-finite loss (${l.loss}; NT-Xent ${l.ssl}, distillation ${l.kd}); lower its learning rate (now ${lrs[i]}) or resume from the last checkpoint`);
      }
      losses[m.name] = l;
    });
    for (const [i, m] of config.members.entries()) {
      const health = out[`${m.name}/health`];
      if (health === undefined || Number.isFinite(health)) continue;
      const bad = await findUnhealthyTensor(this.step, this.step.params[m.name]!, `${m.name}.`);
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
    for (const name of this.step.stateNames()) out[name] = await this.step.readState(name);
    return out;
  }

  async writeAllState(values: Readonly<Record<string, HostTensor>>): Promise<void> {
    for (const name of this.step.stateNames()) {
      const v = values[name];
      if (!v) throw new DogoError(`checkpoint lacks state "${name}"; it was written for another configuration`);
      await this.step.writeState(name, v);
    }
  }

  /** The encoder parameters and buffers of one member, under their own (PyTorch) names. */
  async encoderState(member: string): Promise<Record<string, Float32Array>> {
    const prefix = `${member}.encoder.`;
    const out: Record<string, Float32Array> = {};
    for (const name of this.step.stateNames()) {
      if (name.startsWith(prefix) && !name.includes('#')) out[name.slice(prefix.length)] = Float32Array.from((await this.step.readState(name)).data);
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
    this.step.destroy();
  }
}

/** Replaces seeded values with given ones, checking every name and size against the module. */
function overlayInit(state: Record<string, Float32Array>, mod: Module, given: Readonly<Record<string, Float32Array>> | undefined, what: string): void {
  if (!given) return;
  const specs = new Map(mod.namedParameters());
  for (const [name, v] of Object.entries(given)) {
    const spec = specs.get(name);
    if (!spec) throw new MemberInitError(`cohort: ${what} init names "${name}", which is not a tensor of it (it has ${[...specs.keys()].slice(0, 4).join(', ')}, ...)`);
    if (v.length !== spec.size) throw new MemberInitError(`cohort: ${what} init gives ${v.length} values for "${name}", whose shape is ${formatShape(spec.shape)} (${spec.size} values)`);
    state[name] = Float32Array.from(v);
  }
}
