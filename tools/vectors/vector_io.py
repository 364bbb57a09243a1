"""The conformance vector format (vectors/README.md) and the one way every case is computed.

Internal to tools/vectors/. A case is computed in float64 by PyTorch from float32 inputs: the op's function
(torch_ops.OPS) maps input tensors to output tensors; when gradients are asked for, float32 upstream seeds are
drawn for the seeded outputs and the gradient of sum_k <outputs[k], seeds[k]> with respect to each listed input
is taken by autograd (an input that receives no gradient, e.g. behind detach(), gets zeros). Everything is
stored as float32 (int32 for integer inputs such as labels).
"""
import base64
import json
import os
from typing import Callable, Dict, Iterable, Optional

import numpy as np
import torch

Tensors = Dict[str, torch.Tensor]
OpFn = Callable[[Tensors, dict], Tensors]

TOLERANCE = 1e-4


def encode(a: np.ndarray) -> dict:
    """TENSOR = {shape, dtype, data: base64 of little-endian values}."""
    a = np.ascontiguousarray(a)
    dtype = {np.dtype(np.float32): "float32", np.dtype(np.int32): "int32"}[a.dtype]
    return {"shape": list(a.shape), "dtype": dtype, "data": base64.b64encode(a.astype(a.dtype.newbyteorder("<")).tobytes()).decode("ascii")}


def decode(t: dict) -> np.ndarray:
    dtype = {"float32": "<f4", "int32": "<i4"}[t["dtype"]]
    return np.frombuffer(base64.b64decode(t["data"]), dtype=dtype).astype(np.float32 if t["dtype"] == "float32" else np.int32).reshape(t["shape"])


def _to_torch(a: np.ndarray, requires_grad: bool) -> torch.Tensor:
    if a.dtype == np.int32:
        return torch.tensor(a.astype(np.int64))
    return torch.tensor(a.astype(np.float64), dtype=torch.float64, requires_grad=requires_grad)


def _to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().astype(np.float32)


def compute(fn: OpFn, attrs: dict, inputs: Dict[str, np.ndarray], grads: Iterable[str] = (), seeds: Optional[Dict[str, np.ndarray]] = None) -> dict:
    """Outputs (and the gradients of the seeded outputs with respect to `grads`) as float32 arrays."""
    grads = list(grads)
    t = {k: _to_torch(v, k in grads) for k, v in inputs.items()}
    outs = fn(t, attrs)
    result = {"outputs": {k: _to_numpy(v) for k, v in outs.items()}}
    if grads:
        total = sum((outs[k] * torch.tensor(s.astype(np.float64), dtype=torch.float64)).sum() for k, s in seeds.items())
        total.backward()
        result["grads"] = {k: _to_numpy(t[k].grad if t[k].grad is not None else torch.zeros_like(t[k])) for k in grads}
    return result


def make_case(op: str, fn: OpFn, attrs: dict, inputs: Dict[str, np.ndarray], rng: np.random.Generator, *, grads: Iterable[str] = (),
              seeded: Optional[Iterable[str]] = None, seed_range: Optional[tuple] = None, note: Optional[str] = None) -> dict:
    """One case in the JSON format. Seeds are drawn (standard normal, or uniform in seed_range) for `seeded`
    outputs (default: every output) when gradients are asked for."""
    grads = list(grads)
    seeds = None
    if grads:
        shapes = {k: tuple(v.shape) for k, v in fn({k: _to_torch(v, False) for k, v in inputs.items()}, attrs).items()}
        names = list(seeded) if seeded is not None else list(shapes)
        draw = (lambda s: rng.uniform(*seed_range, size=s)) if seed_range else rng.standard_normal
        seeds = {k: np.asarray(draw(shapes[k])).astype(np.float32) for k in names}
    r = compute(fn, attrs, inputs, grads, seeds)
    case = {"op": op, "attrs": attrs, "inputs": {k: encode(v) for k, v in inputs.items()}, "outputs": {k: encode(v) for k, v in r["outputs"].items()}, "tolerance": TOLERANCE}
    if note:
        case["note"] = note
    if grads:
        case["seeds"] = {k: encode(v) for k, v in seeds.items()}
        case["grads"] = {k: encode(r["grads"][k]) for k in grads}
    return case


def relative_l2(got: np.ndarray, want: np.ndarray) -> float:
    """||got - want||_2 / max(||want||_2, 1e-12), as the conformance runner measures it."""
    if got.shape != want.shape:
        return float("inf")
    got = got.astype(np.float64).ravel()
    want = want.astype(np.float64).ravel()
    return float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-12))


def recheck(fn: OpFn, case: dict) -> Dict[str, float]:
    """Recomputes a stored case from its own inputs and seeds: tensor name -> relative L2 error."""
    inputs = {k: decode(v) for k, v in case["inputs"].items()}
    seeds = {k: decode(v) for k, v in case.get("seeds", {}).items()}
    r = compute(fn, case.get("attrs", {}), inputs, list(case.get("grads", {})), seeds)
    errs = {k: relative_l2(r["outputs"][k], decode(v)) for k, v in case["outputs"].items()}
    errs.update({f"grad:{k}": relative_l2(r["grads"][k], decode(v)) for k, v in case.get("grads", {}).items()})
    return errs


def write_case(path: str, case: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(case, f)
        f.write("\n")
