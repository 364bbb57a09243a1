#!/usr/bin/env python3
"""The DoGo training step in PyTorch: the twin of @dogo/cli's reference step (bench/dogo_step.ts), for the
side-by-side table of benchmarks/dogo-step/run.mjs.

Same work as packages/ssl's cohort step and benchmarks/dogo-step/tfjs_step.mjs: per model, two random-resized-
crop views of the batch (scale, ratio and flip from the spec; boxes drawn on the host, the crops resampled
bilinearly on the device by grid_sample), normalised; both views through the encoder as one batch of 2N
(resnetSmall: CIFAR stem, BasicBlocks, strides 1/2/2, batch norm in training mode), projection head
Linear(no bias) -> BN1d -> ReLU -> Linear; NT-Xent per model (masked log-softmax); the DoGo KL term toward
each peer with the peer's side held constant (detach), weighted by lambda; backward; one Adam step per model
(weight decay as L2, as torch.optim.Adam). float32, channels-last memory format, all cores
(torch.set_num_threads), PyTorch's default oneDNN convolutions.

usage: torch_step.py --spec JSON [--seconds S] [--warmup N] [--min-steps N] [--max-seconds S] [--threads N]
Prints progress to stderr and one line `RESULT {json}` to stdout.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        r = F.relu(self.bn1(self.conv1(x)))
        r = self.bn2(self.conv2(r))
        return F.relu(r + (self.down(x) if self.down is not None else x))


class ResNetSmall(nn.Module):
    def __init__(self, in_channels, widths, blocks):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        layers, cin = [], widths[0]
        for si, w in enumerate(widths):
            for b in range(blocks):
                layers.append(BasicBlock(cin, w, 2 if b == 0 and si > 0 else 1))
                cin = w
        self.layers = nn.Sequential(*layers)
        self.features = cin

    def forward(self, x):
        return self.layers(self.stem(x)).mean((2, 3))


def head(features, hidden, out):
    return nn.Sequential(nn.Linear(features, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, out))


def crop_thetas(n, h, w, crop, rng):
    """Affine grids for torchvision's RandomResizedCrop + horizontal flip: one 2x3 matrix per image."""
    scale, ratio, flip = crop['scale'], crop['ratio'], crop['flip']
    out = torch.empty(n, 2, 3)
    for i in range(n):
        top, left, ch, cw = 0, 0, h, w
        for _ in range(10):
            target = h * w * rng.uniform(scale[0], scale[1])
            aspect = math.exp(rng.uniform(math.log(ratio[0]), math.log(ratio[1])))
            tw, th = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
            if 0 < tw <= w and 0 < th <= h:
                top, left, ch, cw = rng.randrange(h - th + 1), rng.randrange(w - tw + 1), th, tw
                break
        sx = cw / w * (-1 if rng.random() < flip else 1)
        out[i] = torch.tensor([[sx, 0, (2 * left + cw) / w - 1], [0, ch / h, (2 * top + ch) / h - 1]])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--spec', required=True)
    ap.add_argument('--seconds', type=float, default=20)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--min-steps', type=int, default=3)
    ap.add_argument('--max-seconds', type=float, default=float('inf'))
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    a = ap.parse_args()
    spec = json.loads(a.spec)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    rng = random.Random(7)
    n = spec['batchSize']
    c, h, w = spec['imageShape']
    cl = torch.channels_last

    models = []
    for m in spec['models']:
        enc = ResNetSmall(c, m['stageChannels'], m['blocksPerStage'])
        hd = head(enc.features, spec['headHidden'], spec['headOut'])
        net = nn.Sequential(enc, hd).to(memory_format=cl)
        opt = spec['optimizer']
        adam = torch.optim.Adam(net.parameters(), lr=opt['lr'], betas=(opt.get('beta1', 0.9), opt.get('beta2', 0.999)),
                                eps=opt.get('eps', 1e-8), weight_decay=opt.get('weightDecay', 0))
        models.append({'name': m['name'], 'lam': m['lambda'], 'net': net, 'opt': adam})
    params = sum(p.numel() for m in models for p in m['net'].parameters() if p.requires_grad)

    mean = torch.tensor(spec['normalization']['mean']).view(1, -1, 1, 1)
    std = torch.tensor(spec['normalization']['std']).view(1, -1, 1, 1)
    tau, tau_kd = spec['temperature'], spec['kdTemperature']
    kl_div = n if spec['reduction'] == 'batchmean' else n * n
    eye = torch.eye(2 * n, dtype=torch.bool)
    pos = torch.roll(torch.eye(2 * n), n, 1)
    g = torch.Generator().manual_seed(7)
    images = torch.randint(0, 256, (n, c, h, w), generator=g, dtype=torch.uint8)

    def nt_xent(z1, z2):
        z = F.normalize(torch.cat([z1, z2]), dim=1)
        logits = (z @ z.t() / tau).masked_fill(eye, -1e9)
        return -(F.log_softmax(logits, 1) * pos).sum() / (2 * n)

    def view(x):
        grid = F.affine_grid(crop_thetas(n, h, w, spec['crop'], rng), (n, c, h, w), align_corners=False)
        v = F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
        return ((v - mean) / std).contiguous(memory_format=cl)

    def step():
        x = images.float() / 255
        zs, logits = [], []
        for m in models:
            p = m['net'](torch.cat([view(x), view(x)]))
            z1, z2 = p[:n], p[n:]
            zs.append((z1, z2))
            logits.append(F.normalize(z1, dim=1) @ F.normalize(z2, dim=1).t() / tau_kd)
        total, out = 0, {}
        for k, m in enumerate(models):
            ssl = nt_xent(*zs[k])
            loss, kd = ssl, torch.zeros(())
            if len(models) > 1:
                logp_k = F.log_softmax(logits[k], 1)
                terms = []
                for j in range(len(models)):
                    if j != k:
                        logp_j = F.log_softmax(logits[j].detach(), 1)
                        terms.append((logp_j.exp() * (logp_j - logp_k)).sum() / kl_div)
                kd = sum(terms) / len(terms)
                loss = ssl + m['lam'] * kd
            total = total + loss
            out[m['name']] = (ssl, kd, loss)
        for m in models:
            m['opt'].zero_grad(set_to_none=True)
        total.backward()
        for m in models:
            m['opt'].step()
        return {k: {'ssl': v[0].item(), 'kd': v[1].item(), 'loss': v[2].item()} for k, v in out.items()}

    warm = []
    for i in range(a.warmup):
        t = time.perf_counter()
        step()
        warm.append(time.perf_counter() - t)
        print(f'    [pytorch batch {n}] warmup step {i + 1}: {warm[-1]:.3f} s', file=sys.stderr, flush=True)
    times, total, losses = [], 0.0, {}
    while len(times) < a.min_steps or total < a.seconds:
        expected = total / len(times) if times else (warm[-1] if warm else 0)
        if times and total + expected > a.max_seconds:
            break
        t = time.perf_counter()
        losses = step()
        times.append(time.perf_counter() - t)
        total += times[-1]
        print(f'    [pytorch batch {n}] timed step {len(times)}: {times[-1]:.3f} s', file=sys.stderr, flush=True)
    per = total / len(times)
    print('RESULT ' + json.dumps({
        'ok': True, 'backend': 'pytorch', 'batchSize': n, 'warmupSeconds': warm, 'stepSeconds': times, 'secondsPerStep': per,
        'imagesPerSecond': n / per, 'parameters': params, 'lastLosses': losses,
        'backendInfo': {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'memoryFormat': 'channels_last',
                        'mkldnn': torch.backends.mkldnn.is_available()},
    }), flush=True)


if __name__ == '__main__':
    main()
