/** Configuration of a cohort: K models trained together on the same batches (K = 1 is plain SimCLR). */
import type { Module } from '@dogo/nn';
import type { KlReduction } from '@dogo/core';
import type { OptimizerConfig } from '../optim/optimizer.js';
import type { CropOptions } from '../augment/random_resized_crop.js';
import type { ColorOptions } from '../augment/color.js';
import type { Normalization } from '../augment/views.js';

export interface CohortMember {
  /** Unique name; prefixes every state leaf of the model (`student.encoder.conv1.weight`). */
  name: string;
  /** Maps an image batch [N,C,H,W] to features [N, featureDim]. */
  encoder: Module;
  /** Maps features to projections [N, D] (SimCLR's projection head, or SimSiam's projector). */
  head: Module;
  /** 'simclr' (default: NT-Xent on the projections) or 'simsiam' (negative cosine with a predictor). */
  objective?: 'simclr' | 'simsiam';
  /** SimSiam's predictor on the projections (required for objective 'simsiam'). */
  predictor?: Module;
  optimizer: OptimizerConfig;
  /** Weight of this model's distillation term (DoGo: 100 for the model being helped, 1 for the peer). */
  lambda: number;
  /**
   * Starting values instead of the seeded initialisation (e.g. PyTorch weights read with nn's readStateDict), per
   * part, by the part's own names (`conv1.weight`, `layer1.0.bn1.running_mean`); tensors left out keep their
   * seeded values. Optimiser state always starts at zero.
   */
  init?: MemberInit;
}

/** Starting values of a member's parts, by each part's own state-dict names. */
export type MemberInit = { readonly [P in 'encoder' | 'head' | 'predictor']?: Readonly<Record<string, Float32Array>> };

export interface CohortConfig {
  members: CohortMember[];
  batchSize: number;
  /** Input image shape [C, H, W]. */
  imageShape: readonly [number, number, number];
  /** NT-Xent temperature (default 0.5). */
  temperature?: number;
  /** Distillation temperature (default 0.1). */
  kdTemperature?: number;
  /** Distillation reduction (default 'mean', as the released code). */
  reduction?: KlReduction;
  /** Give every model the same two views (default false: each model its own two views). */
  sharedViews?: boolean;
  crop?: CropOptions;
  /** Colour jitter and grayscale (SimCLR's strengths by default); 1-channel images get the brightness and contrast part. */
  color?: ColorOptions;
  normalization: Normalization;
}

export const DEFAULT_TEMPERATURE = 0.5;
export const DEFAULT_KD_TEMPERATURE = 0.1;
