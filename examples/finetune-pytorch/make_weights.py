"""Makes pretrained.safetensors for the finetune-pytorch example: a small ResNet written with torchvision's
BasicBlock, laid out and named as @dogo/nn's resnetSmall({stageChannels: [8, 16, 32], blocksPerStage: 1,
inChannels: 1}) (CIFAR stem), trained in PyTorch with a linear classifier on the embedded Fashion-MNIST subset's
training split (5000 images, 3 epochs, seed 0). Only the encoder is saved, as float32 safetensors with its state
dict names. Run from the repository root: /usr/bin/python3 examples/finetune-pytorch/make_weights.py
"""
import gzip, json, struct, pathlib
import numpy as np
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / 'packages/data/assets/fashion-mnist-subset'
OUT = pathlib.Path(__file__).resolve().parent / 'pretrained.safetensors'
MEAN, STD = 0.286, 0.353


def idx(name):
    raw = gzip.open(DATA / f'{name}.gz').read()
    ndim = raw[3]
    dims = struct.unpack(f'>{ndim}I', raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


class SmallResNet(nn.Module):
    def __init__(self, widths=(8, 16, 32)):
        super().__init__()
        self.conv1 = nn.Conv2d(1, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        planes_in = widths[0]
        for i, planes in enumerate(widths):
            stride = 2 if i > 0 else 1
            down = None
            if stride != 1 or planes_in != planes:
                down = nn.Sequential(nn.Conv2d(planes_in, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
            setattr(self, f'layer{i + 1}', nn.Sequential(BasicBlock(planes_in, planes, stride, down)))
            planes_in = planes
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.feature_dim = planes_in

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return torch.flatten(self.avgpool(x), 1)


def save_safetensors(tensors, path):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    path.write_bytes(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def main():
    torch.manual_seed(0)
    x = torch.tensor(idx('train-images-idx3-ubyte'), dtype=torch.float32).unsqueeze(1)
    x = (x / 255 - MEAN) / STD
    y = torch.tensor(idx('train-labels-idx1-ubyte'), dtype=torch.long)
    encoder = SmallResNet()
    model = nn.Sequential(encoder, nn.Linear(encoder.feature_dim, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(3):
        perm = torch.randperm(len(x))
        for i in range(0, len(x) - 63, 64):
            b = perm[i:i + 64]
            loss = nn.functional.cross_entropy(model(x[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f'epoch {epoch + 1}: last loss {loss.item():.3f}')
    state = {k: v for k, v in encoder.state_dict().items() if not k.endswith('num_batches_tracked')}
    save_safetensors(state, OUT)
    print(f'wrote {OUT} ({OUT.stat().st_size} bytes, {len(state)} tensors)')


if __name__ == '__main__':
    main()
