/**
 * Encoder files: the metadata rebuilds exactly the model that wrote them (every ResNet shape the CLI trains),
 * the counters and format are written as PyTorch and Hugging Face expect, and bad metadata is refused naming
 * each key at fault.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '@dogo/core';
import { decodeSafetensors } from '../safetensors/decode.js';
import { encodeSafetensors } from '../safetensors/encode.js';
import { resnet18, resnet50, resnetSmall, type ResNet } from '../resnet/resnet.js';
import { StateDictError } from '../state_dict/state_dict.js';
import { encoderToSafetensors, readEncoderFile } from './encoder_file.js';
import { EncoderMetadataError, encoderMetadata, parseEncoderMetadata, resnetLayout } from './encoder_metadata.js';

const GRAY = { mean: [0.286], std: [0.353] };
const RGB = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };

const cases: { arch: string; width: number; model: ResNet; n: typeof GRAY }[] = [
  { arch: 'resnet-small', width: 1, model: resnetSmall({ stageChannels: [8, 16, 32], blocksPerStage: 1, inChannels: 1 }), n: GRAY },
  { arch: 'resnet18', width: 0.125, model: resnet18({ widthMultiplier: 0.125, stem: 'imagenet', inChannels: 3 }), n: RGB },
  { arch: 'resnet50', width: 0.0625, model: resnet50({ widthMultiplier: 0.0625, inChannels: 1 }), n: GRAY },
];

describe('encoder files', () => {
  for (const c of cases) {
    it(`rebuild ${c.arch} (width ${c.width}) from the file alone, with the same names, shapes and values`, () => {
      const values = c.model.initialState(new Rng(3));
      const bytes = encoderToSafetensors(c.model, values, { arch: c.arch, width: c.width, normalization: c.n, numBatchesTracked: 40, metadata: { step: '40', format: 'not this' } });
      const { encoder, description, read } = readEncoderFile(bytes, 'enc.safetensors');
      expect(resnetLayout(encoder)).toEqual(resnetLayout(c.model));
      expect([...encoder.namedParameters()].map(([n, s]) => [n, s.shape])).toEqual([...c.model.namedParameters()].map(([n, s]) => [n, s.shape]));
      for (const [k, v] of Object.entries(values)) expect(read.values[k], k).toEqual(v);
      expect(description).toMatchObject({ arch: c.arch, width: c.width, normalization: c.n });
      const file = decodeSafetensors(bytes);
      // Hugging Face loaders need format "pt"; the encoder's keys win over the caller's.
      expect(file.metadata['format']).toBe('pt');
      expect(file.metadata['step']).toBe('40');
      expect(file.metadata['in_channels']).toBe(String(c.model.inChannels));
      expect(file.tensors['bn1.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.of(40n) });
      expect(read.numBatchesTracked.length).toBe([...c.model.namedParameters()].filter(([, s]) => s.kind === 'running_var').length);
    });
  }

  it('writes the layout and normalisation as plain keys a PyTorch user reads', () => {
    const meta = encoderMetadata({ arch: 'resnet-small', width: 1, layout: resnetLayout(cases[0]!.model), normalization: GRAY });
    expect(meta).toMatchObject({
      format: 'pt', arch: 'resnet-small', block: 'basic', stages: '[8,16,32]', blocks: '[1,1,1]', width: '1', stem: 'cifar', stem_channels: '8',
      in_channels: '1', feature_dim: '32', input_mean: '[0.286]', input_std: '[0.353]',
    });
    expect(encoderMetadata({ arch: 'resnet50', width: 0.0625, layout: resnetLayout(cases[2]!.model), normalization: GRAY })).toMatchObject({ block: 'bottleneck', blocks: '[3,4,6,3]', stages: '[4,8,16,32]', feature_dim: '128' });
  });

  it('refuses metadata that cannot describe an encoder, naming every key at fault', () => {
    const good = encoderMetadata({ arch: 'resnet-small', width: 1, layout: resnetLayout(cases[0]!.model), normalization: GRAY });
    const bad = { ...good, block: 'wide', stages: '[8,16', blocks: '[1,1]', input_std: '[0]' } as Record<string, string>;
    delete bad['stem'];
    let msg = '';
    try {
      parseEncoderMetadata(bad, 'x.safetensors');
    } catch (e) {
      expect(e).toBeInstanceOf(EncoderMetadataError);
      msg = (e as Error).message;
    }
    expect(msg).toContain('x.safetensors: the metadata does not describe an encoder:');
    expect(msg).toContain('"block" must be one of basic, bottleneck, got "wide"');
    expect(msg).toContain('"stem" is missing');
    expect(msg).toContain('"stages" is not JSON: "[8,16"');
    expect(msg).toContain('"input_std" must be a list of finite numbers > 0, got [0]');
    expect(() => parseEncoderMetadata({ ...good, stages: '[8,16]' }, 'y')).toThrow('"stages" lists 2 stages but "blocks" 3');
    expect(() => parseEncoderMetadata({ format: 'pt' }, 'torchvision.safetensors')).toThrow(/"block" is missing.*"stages" is missing/);
  });

  it('refuses a file whose tensors do not fit its own metadata, naming the key and both shapes', () => {
    const m = cases[0]!.model;
    const bytes = encoderToSafetensors(m, m.initialState(new Rng(1)), { arch: 'resnet-small', normalization: GRAY });
    const file = decodeSafetensors(bytes);
    file.tensors['conv1.weight'] = { dtype: 'F32', shape: [8, 3, 3, 3], data: new Float32Array(216) };
    const edited = encodeSafetensors(file.tensors, file.metadata);
    expect(() => readEncoderFile(edited, 'edited.safetensors')).toThrow(StateDictError);
    expect(() => readEncoderFile(edited, 'edited.safetensors')).toThrow('size mismatch for conv1.weight: copying a param with shape [8,3,3,3] from checkpoint, the shape in current model is [8,1,3,3]');
  });
});
