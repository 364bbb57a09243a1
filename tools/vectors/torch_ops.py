"""What each conformance op means, written with PyTorch: op name -> function(inputs, attrs) -> outputs.

Internal to tools/vectors/. Inputs arrive as float64 tensors (int64 for labels); each function returns a dict
of output tensors named as in vectors/README.md. An input behind stop_gradient is detached here, so its
expected gradient comes out as zeros. To add an op: one function here, registered with @op("name"), and a case
in cases.py.
"""
import warnings
from typing import Callable, Dict

import torch
import torch.nn.functional as F

Tensors = Dict[str, torch.Tensor]
OPS: Dict[str, Callable[[Tensors, dict], Tensors]] = {}


def op(name: str):
    def register(fn):
        OPS[name] = fn
        return fn
    return register


# --- tensor ops -------------------------------------------------------------------------------------------

@op("matmul")
def matmul(x, a):
    A = x["a"].T if a.get("transposeA") else x["a"]
    B = x["b"].T if a.get("transposeB") else x["b"]
    return {"y": A @ B}


@op("linear")
def linear(x, a):
    return {"y": F.linear(x["x"], x["weight"], x.get("bias"))}


@op("conv2d")
def conv2d(x, a):
    return {"y": F.conv2d(x["x"], x["weight"], x.get("bias"), stride=tuple(a["stride"]), padding=tuple(a["padding"]))}


@op("batch_norm")
def batch_norm(x, a):
    # F.batch_norm updates the running statistics in place when training (running_var with the unbiased
    # batch variance), so it works on copies and returns them.
    rm, rv = x["running_mean"].detach().clone(), x["running_var"].detach().clone()
    y = F.batch_norm(x["x"], rm, rv, x["gamma"], x["beta"], training=a["training"], momentum=a["momentum"], eps=a["eps"])
    return {"y": y, "running_mean": rm, "running_var": rv} if a["training"] else {"y": y}


@op("relu")
def relu(x, a):
    return {"y": F.relu(x["x"])}


@op("add")
def add(x, a):
    return {"y": x["a"] + x["b"]}


# the other pointwise ops of the core's tables, with PyTorch's names for attributes; comparisons and step give
# 1.0 / 0.0 and no gradient (as in the core), maximum/minimum take PyTorch's torch.maximum / torch.minimum
_UNARY = {
    "neg": lambda t, a: -t,
    "exp": lambda t, a: torch.exp(t),
    "log": lambda t, a: torch.log(t),
    "sqrt": lambda t, a: torch.sqrt(t),
    "rsqrt": lambda t, a: torch.rsqrt(t),
    "abs": lambda t, a: torch.abs(t),
    "square": lambda t, a: torch.square(t),
    "reciprocal": lambda t, a: torch.reciprocal(t),
    "tanh": lambda t, a: torch.tanh(t),
    "sigmoid": lambda t, a: torch.sigmoid(t),
    "step": lambda t, a: (t > 0).to(t.dtype),
    "sign": lambda t, a: torch.sign(t),
    "erf": lambda t, a: torch.erf(t),
    "gelu": lambda t, a: F.gelu(t, approximate=a["approximate"]),
    "leaky_relu": lambda t, a: F.leaky_relu(t, a["negative_slope"]),
    "elu": lambda t, a: F.elu(t, a["alpha"]),
}
_BINARY = {
    "sub": lambda p, q: p - q,
    "mul": lambda p, q: p * q,
    "div": lambda p, q: p / q,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "pow": torch.pow,
    "equal": lambda p, q: (p == q).to(p.dtype),
    "greater": lambda p, q: (p > q).to(p.dtype),
    "greater_equal": lambda p, q: (p >= q).to(p.dtype),
    "less_equal": lambda p, q: (p <= q).to(p.dtype),
}
for _name, _f in _UNARY.items():
    op(_name)(lambda x, a, _f=_f: {"y": _f(x["x"], a)})
for _name, _f in _BINARY.items():
    op(_name)(lambda x, a, _f=_f: {"y": _f(x["a"], x["b"])})


@op("max_pool2d")
def max_pool2d(x, a):
    return {"y": F.max_pool2d(x["x"], tuple(a["kernel"]), tuple(a["stride"]), tuple(a["padding"]))}


@op("avg_pool2d")
def avg_pool2d(x, a):
    # PyTorch's default count_include_pad=True: padded zeros count in the average.
    return {"y": F.avg_pool2d(x["x"], tuple(a["kernel"]), tuple(a["stride"]), tuple(a["padding"]))}


@op("global_avg_pool")
def global_avg_pool(x, a):
    return {"y": x["x"].mean(dim=(2, 3))}


@op("l2_normalize")
def l2_normalize(x, a):
    return {"y": F.normalize(x["x"], dim=1, eps=a["eps"])}


@op("softmax")
def softmax(x, a):
    return {"y": F.softmax(x["x"], dim=-1)}


@op("log_softmax")
def log_softmax(x, a):
    return {"y": F.log_softmax(x["x"], dim=-1)}


@op("cross_entropy")
def cross_entropy(x, a):
    return {"loss": F.cross_entropy(x["logits"], x["labels"]).reshape(1)}


# --- losses -----------------------------------------------------------------------------------------------

@op("nt_xent")
def nt_xent(x, a):
    """SimCLR: rows of cat(za, zb) L2-normalised, cosine similarities / T, self-similarity excluded, the
    positive of row i its other view, cross entropy averaged over the 2N rows."""
    n = x["za"].shape[0]
    z = F.normalize(torch.cat([x["za"], x["zb"]]), dim=1)
    sim = (z @ z.T) / a["temperature"]
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return {"loss": F.cross_entropy(sim, target).reshape(1)}


def _similarity_logits(a: torch.Tensor, b: torch.Tensor, temperature: float) -> torch.Tensor:
    return (F.normalize(a, dim=1) @ F.normalize(b, dim=1).T) / temperature


@op("dogo_kl")
def dogo_kl(x, a):
    """DoGo's distillation term as the released code writes it (../shared/DOGO.md): F.kl_div(log P_self,
    P_peer.detach()) with P = row softmax of the cross-view cosine similarities / T. PyTorch's reduction 'mean'
    divides by N*N, 'batchmean' by N. pa, pb (the peer's views) get no gradient."""
    # PyTorch warns that reduction 'mean' divides by N*N; that is the released code's choice, kept on purpose.
    warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss")
    log_p_self = F.log_softmax(_similarity_logits(x["za"], x["zb"], a["temperature"]), dim=1)
    p_peer = F.softmax(_similarity_logits(x["pa"], x["pb"], a["temperature"]), dim=1).detach()
    return {"loss": F.kl_div(log_p_self, p_peer, reduction=a["reduction"]).reshape(1)}


@op("simsiam")
def simsiam(x, a):
    """facebookresearch/simsiam main_simsiam.py: -(cos(p1, z2).mean() + cos(p2, z1).mean()) / 2, z detached."""
    cos = torch.nn.CosineSimilarity(dim=1, eps=a["eps"])
    loss = -(cos(x["p1"], x["z2"].detach()).mean() + cos(x["p2"], x["z1"].detach()).mean()) * 0.5
    return {"loss": loss.reshape(1)}


# --- optimiser steps (one update of one tensor; no gradients) ---------------------------------------------

def _param(x) -> torch.nn.Parameter:
    p = torch.nn.Parameter(x["param"].detach().clone())
    p.grad = x["grad"].detach().clone()
    return p


@op("sgd_momentum")
def sgd_momentum(x, a):
    """torch.optim.SGD, a step after the first (the buffer exists): d = grad + wd*param; buf = momentum*buf + d;
    param -= lr*buf (nesterov: param -= lr*(d + momentum*buf))."""
    p = _param(x)
    opt = torch.optim.SGD([p], lr=a["lr"], momentum=a["momentum"], weight_decay=a["weight_decay"], nesterov=a["nesterov"], foreach=False)
    opt.state[p]["momentum_buffer"] = x["momentum_buffer"].detach().clone()
    opt.step()
    return {"param": p.detach(), "momentum_buffer": opt.state[p]["momentum_buffer"]}


@op("adamw")
def adamw(x, a):
    """torch.optim.AdamW; attrs.step is the 1-based count after this update (the state holds step - 1)."""
    p = _param(x)
    opt = torch.optim.AdamW([p], lr=a["lr"], betas=(a["beta1"], a["beta2"]), eps=a["eps"], weight_decay=a["weight_decay"], foreach=False)
    opt.state[p].update(step=torch.tensor(float(a["step"] - 1)), exp_avg=x["exp_avg"].detach().clone(), exp_avg_sq=x["exp_avg_sq"].detach().clone())
    opt.step()
    return {"param": p.detach(), "exp_avg": opt.state[p]["exp_avg"], "exp_avg_sq": opt.state[p]["exp_avg_sq"]}


@op("lars")
def lars(x, a):
    """SimCLR's LARS (google-research/simclr lars_optimizer.py) for one adapted tensor, which PyTorch lacks:
    d = grad + wd*param; trust = eta*|param|/|d| (1 where either norm is 0); buf = momentum*buf + lr*trust*d;
    param -= buf."""
    param, grad, buf = (x[k].detach() for k in ("param", "grad", "momentum_buffer"))
    d = grad + a["weight_decay"] * param
    w_norm, d_norm = torch.linalg.norm(param), torch.linalg.norm(d)
    trust = a["eta"] * w_norm / d_norm if w_norm > 0 and d_norm > 0 else torch.tensor(1.0, dtype=torch.float64)
    buf = a["momentum"] * buf + a["lr"] * trust * d
    return {"param": param - buf, "momentum_buffer": buf}


# --- augmentation -----------------------------------------------------------------------------------------

@op("resized_crop")
def resized_crop(x, a):
    """torchvision's resized_crop, bilinear, no antialias (align_corners=False), then a horizontal flip when
    attrs.flip."""
    import torchvision.transforms.functional as TF
    from torchvision.transforms import InterpolationMode

    y = TF.resized_crop(x["x"], a["top"], a["left"], a["height"], a["width"], list(a["size"]), interpolation=InterpolationMode.BILINEAR, antialias=False)
    return {"y": TF.hflip(y) if a["flip"] else y}


# --- the chunked DoGo step (gradcache/: the case is made by gradcache_twin.py, the GradCache way) ------------

def _bn_train(x: torch.Tensor, p: dict, name: str, running: dict, a: dict) -> torch.Tensor:
    # F.batch_norm moves the running statistics in place: on the copies in `running`, once per call (chunk)
    return F.batch_norm(x, running[f"{name}.running_mean"], running[f"{name}.running_var"], p[f"{name}.weight"], p[f"{name}.bias"],
                        training=True, momentum=a["momentum"], eps=a["eps"])


@op("gradcache_dogo")
def gradcache_dogo(x, a):
    """One DoGo step of the members in attrs.members (encoder conv 3x3 no bias, batch norm, relu, global average
    pool; head linear no bias, batch norm, relu, linear) on views m.view0, m.view1, written as one graph: each
    chunk of attrs.chunk images (both views as one batch) goes through the member with batch norm in training
    mode over that chunk, moving the running statistics once per chunk; the projections of all chunks meet in
    every member's loss, NT-Xent plus lambda times the DoGo KL toward the detached peers (their mean); `total`
    is the sum. Autograd through this graph gives GradCache's accumulated gradients."""
    names, c = a["members"], a["chunk"]
    running = {k: v.detach().clone() for k, v in x.items() if ".running_" in k}
    z = {}
    for m in names:
        n = x[f"{m}.view0"].shape[0]
        rows = []
        for i in range(n // c):
            v = torch.cat([x[f"{m}.view0"][i * c:(i + 1) * c], x[f"{m}.view1"][i * c:(i + 1) * c]])
            h = F.relu(_bn_train(F.conv2d(v, x[f"{m}.encoder.0.weight"], padding=1), x, f"{m}.encoder.1", running, a)).mean(dim=(2, 3))
            h = F.relu(_bn_train(F.linear(h, x[f"{m}.head.0.weight"]), x, f"{m}.head.1", running, a))
            rows.append(F.linear(h, x[f"{m}.head.3.weight"], x[f"{m}.head.3.bias"]))
        z[m] = (torch.cat([r[:c] for r in rows]), torch.cat([r[c:] for r in rows]))
    out, total = {}, 0
    for m, lam in zip(names, a["lambda"]):
        za, zb = z[m]
        ssl = nt_xent({"za": za, "zb": zb}, {"temperature": a["temperature"]})["loss"]
        peers = [z[p] for p in names if p != m]
        kd = sum(dogo_kl({"za": za, "zb": zb, "pa": pa, "pb": pb}, {"temperature": a["kd_temperature"], "reduction": a["reduction"]})["loss"] for pa, pb in peers) / len(peers)
        out[f"{m}/ssl"], out[f"{m}/kd"], out[f"{m}/loss"] = ssl, kd, ssl + lam * kd
        total = total + out[f"{m}/loss"]
    out["total"] = total
    out.update({f"new:{k}": v for k, v in running.items()})
    return out
