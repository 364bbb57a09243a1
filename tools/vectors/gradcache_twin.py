"""The PyTorch GradCache twin of the chunked DoGo step (vectors/gradcache/*.json), as cases.py builds it.

Internal to tools/vectors/. One case is one DoGo step of two tiny members with batch norm, computed the GradCache
way (Gao et al. 2021, "Scaling Deep Contrastive Learning Batch Size under Memory Limited Setup"):
  1. each member's projections of both views, chunk by chunk (the two views of the chunk's images as one batch,
     batch-norm statistics over them), without gradients; running statistics are left as they were;
  2. every member's loss on the whole batch (NT-Xent, plus lambda times the DoGo KL toward the detached peer),
     and the gradient of the summed losses with respect to the projections;
  3. each chunk again, with gradients, backpropagating its rows of that gradient; parameter gradients accumulate
     over the chunks and each chunk's forward updates the running statistics (momentum 0.1, unbiased variance).
The same step written as one autograd graph (torch_ops.py's `gradcache_dogo`) is what `make_vectors.py --check`
recomputes a stored case with, so the two ways of computing it are held to each other.
"""
import numpy as np
import torch
import torch.nn as nn

from torch_ops import OPS
from vector_io import TOLERANCE, encode

NOTE = ("GradCache DoGo step of two members (encoder Conv2d(1,C,3,pad 1,no bias) BatchNorm2d ReLU global-avg-pool; "
        "head Linear(C,8,no bias) BatchNorm1d ReLU Linear(8,6)); batch norm per chunk of both views, running statistics "
        "updated once per chunk by the forward-backward pass; grads are accumulated over chunks; seed on total = sum of losses")

MEMBERS = [("student", 4, 10.0), ("peer", 4, 1.0)]  # name, encoder width, lambda (one width: WebGPU compiles each kernel once)
TEMPERATURE, KD_TEMPERATURE = 0.5, 0.1


def member_model(width: int) -> nn.Module:
    encoder = nn.Sequential(nn.Conv2d(1, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    head = nn.Sequential(nn.Linear(width, 8, bias=False), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 6))
    return nn.ModuleDict({"encoder": encoder, "head": head}).double()


def state_names(model: nn.Module) -> list:
    # our names: encoder.0.weight, encoder.1.{weight,bias,running_mean,running_var}, head.0.weight, head.1.*, head.3.*
    return [k for k in model.state_dict().keys() if not k.endswith("num_batches_tracked")]


def _loss(o: str, za: torch.Tensor, zb: torch.Tensor, pa: torch.Tensor = None, pb: torch.Tensor = None) -> torch.Tensor:
    if o == "nt_xent":
        return OPS["nt_xent"]({"za": za, "zb": zb}, {"temperature": TEMPERATURE})["loss"][0]
    return OPS["dogo_kl"]({"za": za, "zb": zb, "pa": pa, "pb": pb}, {"temperature": KD_TEMPERATURE, "reduction": "mean"})["loss"][0]


def twin_case(rng: np.random.Generator, n: int, chunk: int, side: int) -> dict:
    inputs, models, views = {}, {}, {}
    for name, width, _ in MEMBERS:
        model = member_model(width)
        sd = model.state_dict()
        for k in state_names(model):
            shape = tuple(sd[k].shape)
            if k.endswith("running_var"):
                v = (1 + 0.2 * np.abs(rng.standard_normal(shape))).astype(np.float32)
            elif k.endswith("running_mean"):
                v = (0.1 * rng.standard_normal(shape)).astype(np.float32)
            elif k.split(".")[1] == "1" and k.endswith("weight"):  # batch-norm gamma
                v = (1 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
            else:
                v = (0.4 * rng.standard_normal(shape)).astype(np.float32)
            inputs[f"{name}.{k}"] = v
            sd[k] = torch.tensor(v, dtype=torch.float64)
        model.load_state_dict(sd)
        model.train()
        models[name] = model
        for v in (0, 1):
            views[(name, v)] = rng.standard_normal((n, 1, side, side)).astype(np.float32)
            inputs[f"{name}.view{v}"] = views[(name, v)]

    def chunk_forward(name, i):
        rows = slice(i * chunk, (i + 1) * chunk)
        x = torch.cat([torch.tensor(views[(name, 0)][rows], dtype=torch.float64), torch.tensor(views[(name, 1)][rows], dtype=torch.float64)])
        m = models[name]
        return m["head"](m["encoder"](x))

    chunks = n // chunk
    # 1. projections without gradients; the running statistics stay as they were
    emb = {}
    for name, _, _ in MEMBERS:
        buffers = {k: v.clone() for k, v in models[name].state_dict().items()}
        with torch.no_grad():
            outs = [chunk_forward(name, i) for i in range(chunks)]
        models[name].load_state_dict(buffers)
        za = torch.cat([o[:chunk] for o in outs]).requires_grad_(True)
        zb = torch.cat([o[chunk:] for o in outs]).requires_grad_(True)
        emb[name] = (za, zb)
    # 2. losses on the whole batch and their gradient with respect to the projections
    outputs, total = {}, 0
    for name, _, lam in MEMBERS:
        za, zb = emb[name]
        ssl = _loss("nt_xent", za, zb)
        peers = [emb[p] for p, _, _ in MEMBERS if p != name]
        kd = sum(_loss("dogo_kl", za, zb, pa, pb) for pa, pb in peers) / len(peers)
        loss = ssl + lam * kd
        outputs[f"{name}/ssl"], outputs[f"{name}/kd"], outputs[f"{name}/loss"] = ssl, kd, loss
        total = total + loss
    outputs["total"] = total
    total.backward()
    # 3. each chunk again with gradients, seeded with its rows; gradients accumulate, running statistics move per chunk
    for name, _, _ in MEMBERS:
        za, zb = emb[name]
        for i in range(chunks):
            rows = slice(i * chunk, (i + 1) * chunk)
            out = chunk_forward(name, i)
            out.backward(torch.cat([za.grad[rows], zb.grad[rows]]))
    grads = {}
    for name, _, _ in MEMBERS:
        sd = models[name].state_dict()
        for k, p in models[name].named_parameters():
            grads[f"{name}.{k}"] = p.grad.detach().numpy().astype(np.float32)
        for k in state_names(models[name]):
            if "running" in k:
                outputs[f"new:{name}.{k}"] = sd[k]
    return {
        "op": "gradcache_dogo",
        "attrs": {"chunk": chunk, "temperature": TEMPERATURE, "kd_temperature": KD_TEMPERATURE, "reduction": "mean",
                  "members": [name for name, _, _ in MEMBERS], "lambda": [lam for _, _, lam in MEMBERS], "momentum": 0.1, "eps": 1e-5},
        "inputs": {k: encode(v) for k, v in inputs.items()},
        "outputs": {k: encode(v.detach().numpy().astype(np.float32).reshape(-1 if v.dim() > 0 else 1)) for k, v in outputs.items()},
        "tolerance": TOLERANCE,
        "note": NOTE,
        "seeds": {"total": encode(np.ones(1, dtype=np.float32))},
        "grads": {k: encode(v) for k, v in grads.items()},
    }
