/**
 * A run's checkpoints as the training loop sees them: saving (refused when any state is not finite, so a bad
 * step never replaces a good checkpoint) and resuming (refused with the changed settings named when the
 * configuration differs, or when a cosine schedule would be stretched to another run length).
 */
import type { Dataset } from '@dogo/data';
import {
  CHECKPOINT_FORMAT, CheckpointError, NonFiniteStateError, encodeState, findNonFiniteTensor, fingerprint,
  type CheckpointManifest, type CohortTrainer,
} from '@dogo/ssl';
import type { BatchLoader } from '@dogo/data';
import { loadCheckpoint, saveCheckpoint } from './checkpoint_files.js';
import { diffSettings, resumeSettings } from './settings_diff.js';
import type { TrainConfig } from './train_config.js';

/** What a manifest carries besides the step's position: the bound settings and the training time so far. */
export interface RunExtra {
  settings: Record<string, unknown>;
  /** Steps of the whole run when it was started (the learning-rate schedule's length). */
  totalSteps: number;
  /** Images trained on and seconds spent training, over every session of the run. */
  trainedImages: number;
  trainedSeconds: number;
}

/** The parts of a run the checkpoint binds together. */
export interface RunParts {
  config: TrainConfig;
  train: Dataset;
  trainer: CohortTrainer;
  loader: BatchLoader;
  totalSteps: number;
  outDir: string;
}

/** Saves the trainer's state after `trainer.stepIndex` steps, unless some of it is not finite. */
export async function saveRunCheckpoint(p: RunParts, time: { images: number; seconds: number }): Promise<void> {
  const state = await p.trainer.readAllState();
  const bad = findNonFiniteTensor(state);
  if (bad) {
    throw new NonFiniteStateError(`step ${p.trainer.stepIndex}: ${bad}; the checkpoint was not saved, so the last good one in ${p.outDir} stays; lower the learning rate and resume from it`);
  }
  const settings = resumeSettings(p.config, p.train);
  const extra: RunExtra = { settings, totalSteps: p.totalSteps, trainedImages: time.images, trainedSeconds: time.seconds };
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT, step: p.trainer.stepIndex, loader: p.loader.getState(), rng: p.trainer.getRngState(),
    tensors: `step-${p.trainer.stepIndex}.safetensors`, configHash: fingerprint(settings), extra: { ...extra },
  };
  saveCheckpoint(p.outDir, manifest, encodeState(state), p.config.keepCheckpoints ?? 1);
}

function cosineModels(config: TrainConfig): string[] {
  return config.models.filter((m) => (m.optimizer.schedule ?? 'cosine') === 'cosine').map((m) => m.name);
}

/**
 * Loads the last checkpoint (or the kept one of step `from`) into the trainer and loader; returns its manifest
 * and the run's time so far. `previousConfig` (the folder's config.json) explains a mismatch in old checkpoints.
 */
export async function resumeRun(p: RunParts, from: number | undefined, previousConfig: TrainConfig | undefined): Promise<{ manifest: CheckpointManifest; images: number; seconds: number }> {
  const { manifest, state } = loadCheckpoint(p.outDir, from);
  const settings = resumeSettings(p.config, p.train);
  const extra = (manifest.extra ?? {}) as Partial<RunExtra>;
  if (manifest.configHash !== fingerprint(settings)) {
    const before = extra.settings ?? (previousConfig ? resumeSettings(previousConfig, p.train) : undefined);
    const changes = before ? diffSettings(before, settings) : [];
    const what = changes.length > 0 ? `these settings differ from the run's: ${changes.join('; ')}` : `its configuration differs (hash ${manifest.configHash}, this run ${fingerprint(settings)})`;
    throw new CheckpointError(`${p.outDir}: cannot resume: ${what}; resume with the run's settings (its config.json), or start a new run with another --out`);
  }
  const cosine = cosineModels(p.config);
  if (extra.totalSteps !== undefined && extra.totalSteps !== p.totalSteps && cosine.length > 0) {
    throw new CheckpointError(
      `${p.outDir}: cannot resume: the run was started for ${extra.totalSteps} steps and this one asks for ${p.totalSteps}; ` +
      `${cosine.join(', ')} use${cosine.length === 1 ? 's' : ''} a cosine schedule, whose learning rate depends on the run's length, so it would jump; ` +
      `resume with --steps ${extra.totalSteps} (or the run's --epochs), or use schedule "constant"`,
    );
  }
  await p.trainer.writeAllState(state);
  p.trainer.stepIndex = manifest.step;
  p.trainer.setRngState(manifest.rng);
  p.loader.setState(manifest.loader);
  return { manifest, images: extra.trainedImages ?? 0, seconds: extra.trainedSeconds ?? 0 };
}
