/** `dogo study` presets: the same cohort and budget as `dogo train`, over several seeds, with every evaluation. */
import type { TrainConfig } from '../train/train_config.js';

export interface StudyPreset {
  /** Overrides of the training configuration. */
  train: Partial<TrainConfig>;
  seeds: number;
  /** Shift severities for the out-of-distribution sets (1..5). */
  severities: number[];
  /** Linear-probe epochs for every probe of the study. */
  probeEpochs: number;
  description: string;
}

export const STUDY_PRESETS: Record<string, StudyPreset> = {
  /** Sized for a 2-core CPU with no GPU: under 30 minutes on the embedded Fashion-MNIST subset. */
  quick: { train: { epochs: 6 }, seeds: 2, severities: [3], probeEpochs: 30, description: 'embedded subset, default pair, 6 epochs, 2 seeds' },
  /** For a GPU: the full Fashion-MNIST, ResNet-18 beside ResNet-50 as in the paper preset. */
  full: { train: { data: 'fashion-mnist', epochs: 100 }, seeds: 3, severities: [1, 3, 5], probeEpochs: 100, description: 'full Fashion-MNIST, paper pair, 100 epochs, 3 seeds' },
};
