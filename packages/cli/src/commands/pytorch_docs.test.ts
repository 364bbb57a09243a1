/**
 * docs/pytorch.md's Python module, run as it is by Debian's /usr/bin/python3 with PyTorch, on a `dogo export`:
 * it rebuilds the encoder from the file's metadata alone and loads it with load_state_dict(strict=True); its
 * features of the run's test images agree with ours (float32 rounding); the state dict PyTorch saves back
 * starts a dogo model with identical weights (the round trip export -> PyTorch -> `--init`); torchvision's
 * resnet18 state dict goes through --init's loader (fc refused unless non-strict, the rest exact). Skipped with a
 * message without python3-torch; fails instead under CI=true (.ci/run installs it).
 */
import { afterAll, beforeAll, describe, expect, it, TestRunner } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, readStateDict } from '@dogo/nn';
import { CohortTrainer, extractFeatures } from '@dogo/ssl';
import { createBackend } from '../backends.js';
import { loadData } from '../train/datasets.js';
import { applyInit } from '../train/member_init.js';
import { buildMember } from '../train/models.js';
import { dogo, makeWorkspace, writeConfig, type Workspace } from '../train/test_dogo_process.js';
import { readRunModel } from './run_folder.js';

const PYTHON = '/usr/bin/python3';
const DOC = fileURLToPath(new URL('../../../../docs/pytorch.md', import.meta.url));
const haveTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!haveTorch) {
  if (process.env.CI === 'true') throw new Error(`${PYTHON} cannot import torch: CI must install Debian's python3-torch for the PyTorch round trip (.ci/run does)`);
  process.stderr.write(`[pytorch docs] SKIPPED: ${PYTHON} cannot import torch (apt-get install python3-torch to run the docs' snippet)\n`);
  (TestRunner.getCurrentSuite().file.meta as Record<string, unknown>)['skipReason'] = `${PYTHON} cannot import torch (apt-get install python3-torch)`;
}

/** A state dict as safetensors (Debian has no python3-safetensors), for the scripts below. */
const SAVE_SAFETENSORS = `
import json, struct
import torch

def save_safetensors(state, path):
    names = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in state.items():
        data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
`;

/** torchvision's resnet18 state dict (with its fc classifier) in safetensors. */
const TORCHVISION = `${SAVE_SAFETENSORS}
import sys
import torch, torchvision
torch.manual_seed(0)
model = torchvision.models.resnet18()
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5); m.running_var.uniform_(0.5, 1.5); m.num_batches_tracked.fill_(7)
save_safetensors(model.state_dict(), sys.argv[1])
`;
const haveTorchvision = haveTorch && spawnSync(PYTHON, ['-c', 'import torchvision'], { encoding: 'utf8' }).status === 0;

/** The test's own driver around the docs' module: features of the images, then the state dict saved back. */
const DRIVER = `${SAVE_SAFETENSORS}
import json, sys
import torch
sys.path.insert(0, sys.argv[1])
from dogo_encoder import load_encoder

model, meta = load_encoder(sys.argv[2])
c = int(meta["in_channels"]); h, w = (int(v) for v in meta["image_size"].split("x"))
with open(sys.argv[3], "rb") as f:
    pixels = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(-1, c, h, w)
with torch.no_grad():
    features = model(model.normalize(pixels))
with open(sys.argv[4], "wb") as f:
    f.write(features.contiguous().numpy().tobytes())

# Saved back as torch.save would keep it, in safetensors.
save_safetensors(model.state_dict(), sys.argv[5])
print(json.dumps({"tensors": len(model.state_dict()), "features": list(features.shape)}))
`;

let ws: Workspace;
let run = '';

describe.skipIf(!haveTorch)('docs/pytorch.md in PyTorch', () => {
  beforeAll(async () => {
    ws = await makeWorkspace('dogo-pytorch-');
    run = path.join(ws.work, 'run');
    const cfg = writeConfig(ws, 'run', {
      steps: 3, linearEpochs: 0,
      models: [{ name: 'student', arch: 'resnet-small', stages: [4, 8], blocks: 2, lambda: 1, optimizer: { kind: 'adam', lr: 3e-3, weightDecay: 1e-6, schedule: 'constant' }, headHidden: 16, headOut: 8 }],
    });
    const r = dogo(ws, ['train', '--config', cfg, '--out', run]);
    expect(r.code, r.out).toBe(0);
  }, 300_000);
  afterAll(() => ws && rmSync(ws.work, { recursive: true, force: true }));

  it('rebuilds the export from its metadata, gives our features, and the saved-back state dict inits identical weights', async () => {
    const exported = path.join(ws.work, 'student.safetensors');
    expect(dogo(ws, ['export', run, '--out', exported]).code).toBe(0);
    const snippet = /```python\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'))?.[1];
    expect(snippet, 'docs/pytorch.md has a python block').toBeDefined();
    writeFileSync(path.join(ws.work, 'dogo_encoder.py'), snippet!);
    writeFileSync(path.join(ws.work, 'driver.py'), DRIVER);

    const { test } = await loadData(`fashion-mnist:${ws.dataDir}`);
    writeFileSync(path.join(ws.work, 'pixels.bin'), Float32Array.from(test.images));
    const back = path.join(ws.work, 'from-pytorch.safetensors');
    const py = spawnSync(PYTHON, [path.join(ws.work, 'driver.py'), ws.work, exported, path.join(ws.work, 'pixels.bin'), path.join(ws.work, 'features.bin'), back], { encoding: 'utf8', timeout: 120_000 });
    expect(py.status, `${py.stdout}\n${py.stderr}`).toBe(0);
    const m = readRunModel(run, 'student');
    const names = [...m.encoder.namedParameters()].map(([n]) => n);
    const batchNorms = names.filter((n) => n.endsWith('running_mean')).length;
    // PyTorch's state dict: our tensors and one num_batches_tracked per batch norm.
    expect(JSON.parse(py.stdout)).toEqual({ tensors: names.length + batchNorms, features: [test.count, m.encoder.featureDim] });

    const theirs = new Float32Array(new Uint8Array(readFileSync(path.join(ws.work, 'features.bin'))).buffer);
    const ours = (await extractFeatures(await createBackend('wasm', { threads: 1 }), m.encoder, m.weights, test, m.normalization)).features;
    let diff = 0;
    for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(theirs[i]! - ours[i]!));
    process.stdout.write(`[pytorch docs] ${test.count} test images: max |PyTorch - dogo wasm| ${diff.toExponential(2)}\n`);
    expect(diff).toBeLessThan(1e-4);

    // Back here: strict load, then a trainer started from it holds exactly the exported values.
    const file = decodeSafetensors(new Uint8Array(readFileSync(back)), back);
    const member = buildMember(m.config, 1);
    const read = readStateDict(member.encoder, file, { source: back });
    expect(read.numBatchesTracked.length).toBe(batchNorms);
    member.init = { encoder: read.values };
    const trainer = await CohortTrainer.create(await createBackend('reference'), { members: [member], batchSize: 4, imageShape: m.imageShape, normalization: m.normalization }, { seed: 1, totalSteps: 1 });
    try {
      const started = await trainer.encoderState('student');
      for (const [k, v] of Object.entries(m.weights)) expect(started[k], k).toEqual(v);
    } finally {
      trainer.destroy();
    }
  }, 300_000);

  it.skipIf(!haveTorchvision)('starts a resnet18 from torchvision\'s state dict as --init does: fc refused unless non-strict, every other tensor exact', () => {
    const file = path.join(ws.work, 'torchvision-resnet18.safetensors');
    writeFileSync(path.join(ws.work, 'make_torchvision_state.py'), TORCHVISION);
    const py = spawnSync(PYTHON, [path.join(ws.work, 'make_torchvision_state.py'), file], { encoding: 'utf8', timeout: 120_000 });
    expect(py.status, py.stderr).toBe(0);
    const config = { name: 'student', arch: 'resnet18', stem: 'imagenet', lambda: 1, optimizer: { kind: 'sgd', lr: 0.1 } } as const;
    const norm = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
    const strict = [buildMember(config, 3)];
    expect(() => applyInit(strict, [{ model: 'student', file }], true, norm)).toThrow(/Unexpected key\(s\): "fc\.weight", "fc\.bias"[\s\S]*--init-non-strict/);
    const members = [buildMember(config, 3)];
    const lines = applyInit(members, [{ model: 'student', file }], false, norm);
    expect(lines).toEqual([`init: student encoder from ${file}: 100 of 100 encoder tensors loaded; 20 num_batches_tracked ignored; not in the model (ignored): fc.weight, fc.bias`]);
    const given = decodeSafetensors(new Uint8Array(readFileSync(file)), file).tensors;
    const loaded = members[0]!.init!.encoder!;
    // Byte comparison: deep equality over 11 million values takes minutes.
    const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const [k, v] of Object.entries(loaded)) {
      expect(given[k]!.dtype, k).toBe('F32');
      expect(bytes(v).equals(bytes(given[k]!.data)), k).toBe(true);
    }
  }, 120_000);
});
