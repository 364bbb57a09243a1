/**
 * Encoder files: a ResNet encoder's state dict in safetensors with torchvision names, `num_batches_tracked`
 * counters, and the metadata that rebuilds it (encoder_metadata.ts), so PyTorch, Hugging Face loaders and
 * `dogo serve` need nothing else. Public. Platform-neutral: bytes in, bytes out.
 */
import { readStateDict, stateDictToSafetensors, type StateDictRead } from '../state_dict/state_dict.js';
import type { ResNet } from '../resnet/resnet.js';
import { decodeSafetensors } from '../safetensors/decode.js';
import { buildResNet, encoderMetadata, parseEncoderMetadata, resnetLayout, type EncoderDescription, type InputNormalization } from './encoder_metadata.js';

export interface EncoderFileOptions {
  /** The architecture name to record (`resnet18`, `resnet-small`, ...). */
  arch: string;
  /** The width multiplier the stages came from (default 1). */
  width?: number;
  normalization: InputNormalization;
  /** Written as every batch norm's `num_batches_tracked` (I64), as torch.save does; default 0. */
  numBatchesTracked?: number;
  /** Read each value from `values[prefix + name]` (e.g. `student.encoder.`); default ''. */
  prefix?: string;
  /** More string metadata (`model`, `step`, `source`); the encoder keys win over these. */
  metadata?: Readonly<Record<string, string>>;
}

/** The encoder's state dict as safetensors, with counters and the metadata that rebuilds it. */
export function encoderToSafetensors(encoder: ResNet, values: Readonly<Record<string, ArrayLike<number>>>, options: EncoderFileOptions): Uint8Array {
  const description: EncoderDescription = { arch: options.arch, width: options.width ?? 1, layout: resnetLayout(encoder), normalization: options.normalization };
  return stateDictToSafetensors(encoder, values, {
    prefix: options.prefix ?? '',
    numBatchesTracked: options.numBatchesTracked ?? 0,
    metadata: { ...options.metadata, ...encoderMetadata(description) },
  });
}

/** An encoder rebuilt from a file alone. */
export interface EncoderFile {
  encoder: ResNet;
  description: EncoderDescription;
  /** The values (by the encoder's names) and what else the file held. */
  read: StateDictRead;
}

/**
 * Rebuilds the encoder a file describes and loads its weights strictly. Throws EncoderMetadataError when the
 * metadata is missing or wrong, StateDictError when the tensors do not fit the described model.
 */
export function readEncoderFile(bytes: Uint8Array, source: string): EncoderFile {
  const file = decodeSafetensors(bytes, source);
  const description = parseEncoderMetadata(file.metadata, source);
  const encoder = buildResNet(description.layout);
  const read = readStateDict(encoder, file, {
    source, hint: 'The tensors do not match the architecture in the metadata; the file was edited or written by another tool.',
  });
  return { encoder, description, read };
}
