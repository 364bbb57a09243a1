"""Every conformance case of the repository: "folder/name" -> a small function that draws the case's float32
inputs and returns the case (vector_io.make_case with the op's PyTorch function from torch_ops.OPS).

Internal to tools/vectors/. Each case draws from its own NumPy generator, seeded from its name (or an explicit
seed), so a case does not change when others are added and the inputs do not depend on the torch version.
Shapes and attributes follow ../shared/vectors where it has the same case. To add a case for a new op: add
the op to torch_ops.py, then a function here:

    @case("ops/my_op")
    def _(rng):
        return make("my_op", {"alpha": 0.5}, {"x": normal(rng, 3, 4)}, rng, grads=["x"])
"""
import zlib
from typing import Callable, Dict, Optional

import numpy as np

import gradcache_twin
from torch_ops import OPS
from vector_io import make_case

CASES: Dict[str, Callable[[], dict]] = {}


def case(path: str, seed: Optional[int] = None):
    """Registers a case builder under folder/name; its generator is seeded with `seed` or crc32(path)."""
    def register(fn: Callable[[np.random.Generator], dict]):
        s = seed if seed is not None else zlib.crc32(path.encode())
        CASES[path] = lambda: fn(np.random.default_rng(s))
        return fn
    return register


def make(op: str, attrs: dict, inputs: dict, rng: np.random.Generator, **kw) -> dict:
    return make_case(op, OPS[op], attrs, inputs, rng, **kw)


def normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def uniform(rng: np.random.Generator, lo: float, hi: float, *shape: int) -> np.ndarray:
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def weight(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """PyTorch's default init range for a layer with this weight shape: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / np.sqrt(np.prod(shape[1:]))
    return uniform(rng, -bound, bound, *shape)


# --- ops/ -------------------------------------------------------------------------------------------------

def _matmul_case(ta: bool, tb: bool):
    @case(f"ops/matmul_tA{int(ta)}_tB{int(tb)}")
    def _(rng):
        m, k, n = 37, 29, 41  # odd sizes: no dimension is a multiple of a tile
        a = normal(rng, k, m) if ta else normal(rng, m, k)
        b = normal(rng, n, k) if tb else normal(rng, k, n)
        return make("matmul", {"transposeA": ta, "transposeB": tb}, {"a": a, "b": b}, rng, grads=["a", "b"])


for _ta in (False, True):
    for _tb in (False, True):
        _matmul_case(_ta, _tb)


@case("ops/linear")
def _(rng):
    return make("linear", {}, {"x": normal(rng, 16, 50), "weight": weight(rng, 24, 50), "bias": normal(rng, 24)}, rng, grads=["x", "weight", "bias"])


def _conv_case(name: str, x: tuple, w: tuple, stride: int, padding: int, bias: bool):
    @case(f"ops/{name}")
    def _(rng):
        inputs = {"x": normal(rng, *x), "weight": weight(rng, *w)}
        if bias:
            inputs["bias"] = normal(rng, w[0], scale=0.5)
        return make("conv2d", {"stride": [stride, stride], "padding": [padding, padding]}, inputs, rng, grads=list(inputs))


_conv_case("conv3x3_s1", (4, 3, 9, 9), (8, 3, 3, 3), 1, 1, False)
_conv_case("conv3x3_s2", (2, 8, 10, 10), (16, 8, 3, 3), 2, 1, False)
_conv_case("conv3x3_s1_p0", (3, 5, 7, 6), (4, 5, 3, 3), 1, 0, True)
_conv_case("conv1x1_s2", (2, 8, 10, 10), (16, 8, 1, 1), 2, 0, False)
_conv_case("conv7x7_s2_bias", (2, 3, 15, 15), (6, 3, 7, 7), 2, 3, True)


def _batch_norm_case(name: str, x: tuple, training: bool):
    @case(f"ops/{name}")
    def _(rng):
        c = x[1]
        inputs = {
            # shifted and scaled per channel, so the normalisation does something
            "x": (normal(rng, *x) * uniform(rng, 0.5, 2.0, *([1, c] + [1] * (len(x) - 2))) + normal(rng, *([1, c] + [1] * (len(x) - 2)))).astype(np.float32),
            "gamma": uniform(rng, 0.5, 1.5, c), "beta": normal(rng, c, scale=0.5),
            "running_mean": normal(rng, c, scale=0.2), "running_var": uniform(rng, 0.5, 2.0, c),
        }
        return make("batch_norm", {"training": training, "momentum": 0.1, "eps": 1e-5}, inputs, rng, grads=["x", "gamma", "beta"], seeded=["y"])


_batch_norm_case("batchnorm2d_train", (4, 6, 5, 5), True)
_batch_norm_case("batchnorm2d_eval", (4, 6, 5, 5), False)
_batch_norm_case("batchnorm1d_train", (16, 12), True)


@case("ops/relu")
def _(rng):
    return make("relu", {}, {"x": normal(rng, 3, 4, 6, 6)}, rng, grads=["x"])


@case("ops/add")
def _(rng):
    return make("add", {}, {"a": normal(rng, 3, 4, 6, 6), "b": normal(rng, 3, 4, 6, 6)}, rng, grads=["a", "b"])


def _away(rng: np.random.Generator, lo: float, hi: float, avoid: float, *shape: int) -> np.ndarray:
    """Uniform in [lo, hi] with |x| >= avoid (off a kink at 0), by redrawing."""
    x = rng.uniform(lo, hi, size=shape)
    while np.any(np.abs(x) < avoid):
        bad = np.abs(x) < avoid
        x[bad] = rng.uniform(lo, hi, size=int(bad.sum()))
    return x.astype(np.float32)


# every other pointwise op of the core's tables, on the domains of their rows (unary.ts, binary.ts):
# name -> (op, attrs, lo, hi, avoid, gradient)
_UNARY_CASES = {
    "neg": ("neg", {}, -3, 3, 0, True), "exp": ("exp", {}, -3, 3, 0, True), "log": ("log", {}, 0.3, 4, 0, True),
    "sqrt": ("sqrt", {}, 0.3, 4, 0, True), "rsqrt": ("rsqrt", {}, 0.3, 4, 0, True), "abs": ("abs", {}, -3, 3, 0.1, True),
    "square": ("square", {}, -3, 3, 0, True), "reciprocal": ("reciprocal", {}, 0.3, 4, 0, True), "tanh": ("tanh", {}, -3, 3, 0, True),
    "sigmoid": ("sigmoid", {}, -4, 4, 0, True), "step": ("step", {}, -3, 3, 0.1, False), "sign": ("sign", {}, -3, 3, 0.1, False),
    "erf": ("erf", {}, -3, 3, 0, True),
    "gelu": ("gelu", {"approximate": "none"}, -4, 4, 0, True), "gelu_tanh": ("gelu", {"approximate": "tanh"}, -4, 4, 0, True),
    "leaky_relu": ("leaky_relu", {"negative_slope": 0.01}, -4, 4, 0.05, True),
    "leaky_relu_slope0.2": ("leaky_relu", {"negative_slope": 0.2}, -4, 4, 0.05, True),
    "elu": ("elu", {"alpha": 1.0}, -4, 4, 0.05, True), "elu_alpha0.5": ("elu", {"alpha": 0.5}, -4, 4, 0.05, True),
}
for _name, (_op, _attrs, _lo, _hi, _avoid, _grad) in _UNARY_CASES.items():
    def _unary_case(name=_name, op=_op, attrs=_attrs, lo=_lo, hi=_hi, avoid=_avoid, grad=_grad):
        @case(f"ops/{name}")
        def _(rng):
            return make(op, attrs, {"x": _away(rng, lo, hi, avoid, 4, 3, 5, 6)}, rng, grads=["x"] if grad else [])
    _unary_case()

# binary ops with broadcasting ([4,3,5,6] with [3,1,6]); comparisons see some equal pairs
_BINARY_CASES = {
    "sub": ((-3, 3), (-3, 3), True), "mul": ((-3, 3), (-3, 3), True), "div": ((-3, 3), (0.5, 3), True),
    "maximum": ((-3, 3), (-3, 3), True), "minimum": ((-3, 3), (-3, 3), True), "pow": ((0.3, 3), (-2, 2), True),
    "equal": ((-3, 3), (-3, 3), False), "greater": ((-3, 3), (-3, 3), False), "greater_equal": ((-3, 3), (-3, 3), False),
    "less_equal": ((-3, 3), (-3, 3), False),
}
for _name, (_da, _db, _grad) in _BINARY_CASES.items():
    def _binary_case(name=_name, da=_da, db=_db, grad=_grad):
        @case(f"ops/{name}")
        def _(rng):
            a = uniform(rng, *da, 4, 3, 5, 6)
            b = uniform(rng, *db, 3, 1, 6)
            if not grad:
                a[0, :, 0, :] = b[:, 0, :]  # equal pairs, so equal/greater_equal/less_equal see both outcomes
            return make(name, {}, {"a": a, "b": b}, rng, grads=["a", "b"] if grad else [])
    _binary_case()


@case("ops/maxpool3x3_s2")
def _(rng):
    return make("max_pool2d", {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]}, {"x": normal(rng, 2, 3, 9, 9)}, rng, grads=["x"])


@case("ops/avgpool2x2")
def _(rng):
    return make("avg_pool2d", {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]}, {"x": normal(rng, 2, 3, 8, 8)}, rng, grads=["x"])


@case("ops/global_avg_pool")
def _(rng):
    return make("global_avg_pool", {}, {"x": normal(rng, 3, 5, 4, 4)}, rng, grads=["x"])


@case("ops/l2_normalize")
def _(rng):
    return make("l2_normalize", {"eps": 1e-12}, {"x": normal(rng, 8, 16)}, rng, grads=["x"])


@case("ops/softmax")
def _(rng):
    return make("softmax", {}, {"x": normal(rng, 6, 10, scale=2.0)}, rng, grads=["x"])


@case("ops/log_softmax")
def _(rng):
    return make("log_softmax", {}, {"x": normal(rng, 6, 10, scale=2.0)}, rng, grads=["x"])


@case("ops/cross_entropy")
def _(rng):
    inputs = {"logits": normal(rng, 12, 10, scale=2.0), "labels": rng.integers(0, 10, size=12).astype(np.int32)}
    return make("cross_entropy", {}, inputs, rng, grads=["logits"])


# --- ntxent/, dogo/ ---------------------------------------------------------------------------------------

for _t in (0.1, 0.5):
    @case(f"ntxent/nt_xent_T{_t}")
    def _(rng, t=_t):
        return make("nt_xent", {"temperature": t}, {"za": normal(rng, 8, 16), "zb": normal(rng, 8, 16)}, rng, grads=["za", "zb"],
                    note="SimCLR NT-Xent: rows of cat(za, zb) L2-normalised, cosine similarities / T, self-similarity excluded, positive of row i is its other view; mean over the 2N rows")


DOGO_NOTE = ("KL(stop_gradient(P_peer) || P_self) as F.kl_div(log P_self, P_peer.detach(), reduction): P = row softmax of "
             "normalize(a) @ normalize(b)^T / T; za, zb: own two views; pa, pb: the peer's (no gradient reaches them, so their grads are zero); "
             "reduction mean divides the sum by N*N (PyTorch's kl_div default, the released code), batchmean by N")

for _t, _red in ((0.1, "mean"), (0.1, "batchmean"), (0.5, "batchmean"), (0.5, "mean")):
    @case(f"dogo/dogo_kl_T{_t}_{_red}")
    def _(rng, t=_t, red=_red):
        inputs = {k: normal(rng, 8, 16) for k in ("za", "zb", "pa", "pb")}
        return make("dogo_kl", {"temperature": t, "reduction": red}, inputs, rng, grads=["za", "zb", "pa", "pb"], note=DOGO_NOTE)


# --- optim/ -----------------------------------------------------------------------------------------------

@case("optim/sgd_momentum_step")
def _(rng):
    inputs = {"param": normal(rng, 10, 7), "grad": normal(rng, 10, 7), "momentum_buffer": normal(rng, 10, 7, scale=0.1)}
    return make("sgd_momentum", {"lr": 0.05, "momentum": 0.9, "weight_decay": 5e-4, "nesterov": False}, inputs, rng,
                note="torch.optim.SGD after its first step: d = grad + weight_decay*param; buf = momentum*buf + d; param -= lr*buf")


@case("optim/adamw_step")
def _(rng):
    inputs = {"param": normal(rng, 10, 7), "grad": normal(rng, 10, 7), "exp_avg": normal(rng, 10, 7, scale=0.1), "exp_avg_sq": uniform(rng, 0.0, 0.03, 10, 7)}
    return make("adamw", {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01, "step": 3}, inputs, rng,
                note="torch.optim.AdamW; step is the 1-based count after this update")


@case("optim/lars_step")
def _(rng):
    inputs = {"param": normal(rng, 10, 7), "grad": normal(rng, 10, 7), "momentum_buffer": normal(rng, 10, 7, scale=0.01)}
    return make("lars", {"lr": 0.3, "momentum": 0.9, "weight_decay": 1e-6, "eta": 1e-3}, inputs, rng,
                note="SimCLR LARS for one adapted tensor: d = grad + wd*param; trust = eta*|param|/|d|; buf = momentum*buf + lr*trust*d; param -= buf")


# --- augment/ ---------------------------------------------------------------------------------------------

for _flip in (False, True):
    @case(f"augment/resized_crop{'_flip' if _flip else ''}")
    def _(rng, flip=_flip):
        attrs = {"top": 3, "left": 5, "height": 17, "width": 20, "size": [28, 28], "flip": flip}
        return make("resized_crop", attrs, {"x": uniform(rng, 0.0, 1.0, 2, 1, 28, 28)}, rng,
                    note="torchvision resized_crop, bilinear, align_corners=False, no antialias" + (", then a horizontal flip" if flip else ""))


# --- simsiam/ (seeds 1 and 2, as the earlier make_simsiam_vectors.py: the same files) -------------------------

SIMSIAM_NOTE = ("SimSiam (facebookresearch/simsiam): loss = -(cos(p1, stop_gradient(z2)).mean() + cos(p2, stop_gradient(z1)).mean()) / 2, "
                "cos = nn.CosineSimilarity(dim=1, eps=1e-8) row-wise: x.y / max(||x||*||y||, eps); z1, z2 get no gradient (zeros)")


def _simsiam_case(name: str, n: int, d: int, seed: int, aligned: bool):
    @case(f"simsiam/{name}", seed=seed)
    def _(rng):
        p1, p2 = normal(rng, n, d), normal(rng, n, d)
        if aligned:
            # view 2's prediction should match view 1's projection: z is p plus noise, swapped across views
            z1 = (p1 + 0.3 * rng.standard_normal((n, d))).astype(np.float32)
            z2 = (p2 + 0.3 * rng.standard_normal((n, d))).astype(np.float32)
            z1, z2 = z2, z1
        else:
            z1, z2 = normal(rng, n, d), normal(rng, n, d)
        return make("simsiam", {"eps": 1e-8}, {"p1": p1, "p2": p2, "z1": z1, "z2": z2}, rng, grads=["p1", "p2", "z1", "z2"], seed_range=(0.5, 2.0), note=SIMSIAM_NOTE)


_simsiam_case("simsiam_N8_D16", 8, 16, 1, False)
_simsiam_case("simsiam_N5_D64_aligned", 5, 64, 2, True)


# --- gradcache/ (seed 2: the file the earlier standalone generator wrote) ---------------------------------------

@case("gradcache/gradcache_N8_chunk2", seed=2)
def _(rng):
    # one case: every backend compiles its split executables, SwiftShader slowly
    return gradcache_twin.twin_case(rng, n=8, chunk=2, side=6)
