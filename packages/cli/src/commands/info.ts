/**
 * `dogo info`: which backends this machine has, its WebAssembly features and its WebGPU adapters, and why
 * one is missing. Never throws for a missing GPU: that is a line of the report.
 */
import os from 'node:os';
import { Command } from 'commander';
import { BACKENDS } from '../backends.js';

/** A tiny module using one instruction of each feature, so WebAssembly.validate says what the engine has. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);

export interface InfoReport {
  lines: string[];
}

export async function collectInfo(): Promise<InfoReport> {
  const lines: string[] = [];
  lines.push(`dogo on Node ${process.version}, ${os.platform()} ${os.arch()}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`);
  lines.push('backends:');
  for (const [name, entry] of Object.entries(BACKENDS)) lines.push(`  ${name.padEnd(10)} ${entry.summary}`);
  const simd = WebAssembly.validate(SIMD_PROBE);
  const relaxed = WebAssembly.validate(RELAXED_PROBE);
  const threads = typeof SharedArrayBuffer !== 'undefined';
  lines.push(`webassembly: SIMD128 ${simd ? 'yes' : 'no'}, relaxed SIMD ${relaxed ? 'yes' : 'no (enable with --experimental-wasm-relaxed-simd)'}, threads ${threads ? 'yes' : 'no'}`);
  lines.push(...(await webgpuLines()));
  return { lines };
}

async function webgpuLines(): Promise<string[]> {
  try {
    const { requestNodeGpuDevice } = await import('@dogo/node');
    const handle = await requestNodeGpuDevice();
    const i = handle.info;
    const out = [`webgpu: ${i.isSoftware ? 'software' : 'hardware'} adapter "${i.description || i.name || i.vendor}" (vendor ${i.vendor || '?'}, architecture ${i.architecture || '?'})`];
    out.push(`  features: ${i.features.join(', ') || 'none'}`);
    const keys = ['maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBufferBindingSize', 'maxBufferSize'];
    out.push(`  limits: ${keys.map((k) => `${k}=${i.limits[k]}`).join(', ')}`);
    if (handle.note) out.push(`  note: ${handle.note}`);
    if (i.isSoftware) out.push('  training backend "auto" picks wasm here: a software adapter runs on the CPU and is far slower than the wasm backend');
    handle.device.destroy();
    return out;
  } catch (e) {
    return [`webgpu: unavailable: ${(e as Error).message}`];
  }
}

/** `dogo info`: its help and action. */
export function infoCommand(): Command {
  return new Command('info').description('backends, WebAssembly features and WebGPU adapters of this machine').action(async () => {
    const { lines } = await collectInfo();
    console.log(lines.join('\n'));
  });
}
