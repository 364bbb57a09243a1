/** Builds the encoders and heads a configuration names, from the @dogo/nn ResNet family. */
import { ProjectionHead, resnet18, resnet34, resnet50, resnetSmall, simsiamHeads, type Module, type ResNet } from '@dogo/nn';
import type { CohortMember } from '@dogo/ssl';
import type { ModelConfig } from './train_config.js';

export function buildEncoder(m: ModelConfig, inChannels: number): ResNet {
  const stem = m.stem ?? 'cifar';
  switch (m.arch) {
    case 'resnet-small':
      return resnetSmall({ stageChannels: m.stages ?? [32, 64, 128], blocksPerStage: m.blocks ?? 2, inChannels, stem });
    case 'resnet18':
      return resnet18({ inChannels, stem, widthMultiplier: m.width ?? 1 });
    case 'resnet34':
      return resnet34({ inChannels, stem, widthMultiplier: m.width ?? 1 });
    case 'resnet50':
      return resnet50({ inChannels, stem, widthMultiplier: m.width ?? 1 });
  }
}

export function buildMember(m: ModelConfig, inChannels: number): CohortMember {
  const encoder = buildEncoder(m, inChannels);
  if (m.objective === 'simsiam') {
    const { projector, predictor } = simsiamHeads(encoder.featureDim, {
      widthMultiplier: m.width ?? 1, ...(m.headOut ? { outDim: m.headOut } : {}), ...(m.headHidden ? { hiddenDim: m.headHidden } : {}),
    });
    return { name: m.name, encoder, head: projector, predictor, objective: 'simsiam', optimizer: m.optimizer, lambda: m.lambda };
  }
  const head: Module = new ProjectionHead(encoder.featureDim, m.headHidden ?? 512, m.headOut ?? 128);
  return { name: m.name, encoder, head, optimizer: m.optimizer, lambda: m.lambda };
}
