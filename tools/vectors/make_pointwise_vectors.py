#!/usr/bin/python3
"""Writes conformance vectors of the attributed pointwise ops (vectors/ops/{gelu,leaky_relu,elu,erf}*.json) with PyTorch.

Offline dev tool, never a run-time or CI dependency. Run with Debian's interpreter, which sees
python3-torch (`apt-get install -y python3-torch`):

    /usr/bin/python3 tools/vectors/make_pointwise_vectors.py [--out vectors/ops]

Format: ../shared/vectors/README.md (input x, output y, seed and gradient of y). Inputs are float32 from NumPy's
default_rng (fixed seeds), kept 0.05 away from 0 where an op has a kink there; outputs and gradients are
computed by PyTorch in float64 from those values and stored as float32. Attributes use PyTorch's names:
gelu's approximate ('none' or 'tanh'), leaky_relu's negative_slope, elu's alpha.
"""
import argparse
import base64
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

# name, op, attrs, the function of x, keep away from 0, seed
CASES = [
    ("gelu", "gelu", {"approximate": "none"}, lambda x: F.gelu(x), False, 11),
    ("gelu_tanh", "gelu", {"approximate": "tanh"}, lambda x: F.gelu(x, approximate="tanh"), False, 12),
    ("leaky_relu", "leaky_relu", {"negative_slope": 0.01}, lambda x: F.leaky_relu(x, 0.01), True, 13),
    ("leaky_relu_slope0.2", "leaky_relu", {"negative_slope": 0.2}, lambda x: F.leaky_relu(x, 0.2), True, 14),
    ("elu", "elu", {"alpha": 1.0}, lambda x: F.elu(x, 1.0), True, 15),
    ("elu_alpha0.5", "elu", {"alpha": 0.5}, lambda x: F.elu(x, 0.5), True, 16),
    ("erf", "erf", {}, torch.erf, False, 17),
]
SHAPE = (4, 3, 5, 6)


def encode(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a)
    dtype = {np.dtype(np.float32): "float32", np.dtype(np.int32): "int32"}[a.dtype]
    return {"shape": list(a.shape), "dtype": dtype, "data": base64.b64encode(a.astype(a.dtype.newbyteorder("<")).tobytes()).decode("ascii")}


def make_case(op: str, attrs: dict, fn, avoid_zero: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-4, 4, size=SHAPE)
    if avoid_zero:
        x = np.where(np.abs(x) < 0.05, np.sign(x) * 0.05 + x, x)
    x = x.astype(np.float32)
    dy = rng.standard_normal(SHAPE).astype(np.float32)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(xt)
    (y * torch.tensor(dy, dtype=torch.float64)).sum().backward()
    return {
        "op": op,
        "attrs": attrs,
        "inputs": {"x": encode(x)},
        "outputs": {"y": encode(y.detach().numpy().astype(np.float32))},
        "seeds": {"y": encode(dy)},
        "grads": {"x": encode(xt.grad.numpy().astype(np.float32))},
        "tolerance": 1e-5,
        "note": f"torch {torch.__version__}, float64 from float32 inputs; attributes as torch.nn.functional.{op}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "../../vectors/ops"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, op, attrs, fn, avoid_zero, seed in CASES:
        path = os.path.join(args.out, f"{name}.json")
        with open(path, "w") as f:
            json.dump(make_case(op, attrs, fn, avoid_zero, seed), f, indent=1)
            f.write("\n")
        print(f"wrote {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
