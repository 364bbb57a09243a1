#!/usr/bin/python3
"""Writes the SimSiam loss conformance vectors (vectors/simsiam/*.json) with PyTorch.

Offline dev tool, never a run-time or CI dependency. Run with Debian's interpreter, which sees
python3-torch (`apt-get install -y python3-torch`):

    /usr/bin/python3 tools/vectors/make_simsiam_vectors.py [--out vectors/simsiam]

Format: ../shared/vectors/README.md. Inputs are float32 (NumPy's default_rng, fixed seeds, so the inputs do not
depend on the torch version); the loss and its gradients are computed by PyTorch in float64 from those float32
values and stored as float32. The loss is the reference implementation's (facebookresearch/simsiam,
main_simsiam.py): criterion = nn.CosineSimilarity(dim=1); loss = -(criterion(p1, z2).mean() +
criterion(p2, z1).mean()) * 0.5, with z1, z2 detached (so their gradients are zeros).
"""
import argparse
import base64
import json
import os

import numpy as np
import torch
import torch.nn as nn

EPS = 1e-8
NOTE = ("SimSiam (facebookresearch/simsiam): loss = -(cos(p1, stop_gradient(z2)).mean() + cos(p2, stop_gradient(z1)).mean()) / 2, "
        "cos = nn.CosineSimilarity(dim=1, eps=1e-8) row-wise: x.y / max(||x||*||y||, eps); z1, z2 get no gradient (zeros)")

# name, N, D, seed, how z relates to p (independent draws, or z = p + noise as after some training)
CASES = [
    ("simsiam_N8_D16", 8, 16, 1, "independent"),
    ("simsiam_N5_D64_aligned", 5, 64, 2, "aligned"),
]


def encode(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a)
    dtype = {np.dtype(np.float32): "float32", np.dtype(np.int32): "int32"}[a.dtype]
    return {"shape": list(a.shape), "dtype": dtype, "data": base64.b64encode(a.astype(a.dtype.newbyteorder("<")).tobytes()).decode("ascii")}


def make_case(n: int, d: int, seed: int, relation: str) -> dict:
    rng = np.random.default_rng(seed)
    p1 = rng.standard_normal((n, d)).astype(np.float32)
    p2 = rng.standard_normal((n, d)).astype(np.float32)
    if relation == "aligned":
        z1 = (p1 + 0.3 * rng.standard_normal((n, d))).astype(np.float32)
        z2 = (p2 + 0.3 * rng.standard_normal((n, d))).astype(np.float32)
        # view 2's prediction should match view 1's projection: swap so the cross terms are the aligned ones
        z1, z2 = z2, z1
    else:
        z1 = rng.standard_normal((n, d)).astype(np.float32)
        z2 = rng.standard_normal((n, d)).astype(np.float32)
    seed_loss = rng.uniform(0.5, 2.0, size=(1,)).astype(np.float32)

    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in dict(p1=p1, p2=p2, z1=z1, z2=z2).items()}
    criterion = nn.CosineSimilarity(dim=1, eps=EPS)
    loss = -(criterion(t["p1"], t["z2"].detach()).mean() + criterion(t["p2"], t["z1"].detach()).mean()) * 0.5
    loss = loss.reshape(1)
    (loss * torch.tensor(seed_loss, dtype=torch.float64)).sum().backward()
    grads = {k: (v.grad if v.grad is not None else torch.zeros_like(v)).detach().numpy().astype(np.float32) for k, v in t.items()}
    return {
        "op": "simsiam",
        "attrs": {"eps": EPS},
        "inputs": {k: encode(v) for k, v in dict(p1=p1, p2=p2, z1=z1, z2=z2).items()},
        "outputs": {"loss": encode(loss.detach().numpy().astype(np.float32))},
        "tolerance": 1e-4,
        "note": NOTE,
        "seeds": {"loss": encode(seed_loss)},
        "grads": {k: encode(grads[k]) for k in ("p1", "p2", "z1", "z2")},
    }


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "vectors", "simsiam"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, n, d, seed, relation in CASES:
        case = make_case(n, d, seed, relation)
        path = os.path.join(args.out, f"{name}.json")
        with open(path, "w") as f:
            json.dump(case, f)
            f.write("\n")
        print(f"wrote {os.path.relpath(path)} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
