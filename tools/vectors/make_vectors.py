#!/usr/bin/python3
"""Writes the repository's conformance vectors (vectors/<folder>/*.json) with PyTorch, or rechecks a folder.

Offline dev tool, never a run-time or CI dependency. Run with Debian's interpreter, which sees python3-torch
and python3-torchvision (`apt-get install -y python3-torch python3-torchvision`):

    /usr/bin/python3 tools/vectors/make_vectors.py                     # every case, into vectors/
    /usr/bin/python3 tools/vectors/make_vectors.py --only ops dogo     # some folders
    /usr/bin/python3 tools/vectors/make_vectors.py --check ../shared/vectors   # recompute another set

Format: vectors/README.md. Inputs are float32 drawn by NumPy (fixed seeds, so they do not depend on the torch
version); outputs and gradients are computed by PyTorch in float64 from those float32 values and stored as
float32. What each op means: torch_ops.py; the cases: cases.py. Rerunning rewrites the same files.

--check DIR recomputes every case under DIR from its own inputs (and seeds) with the functions of torch_ops.py
and prints the largest relative L2 error per case: a case far above float32 rounding (1e-6) means the op's
semantics here differ from those the folder was made with. Exit status 1 if any case exceeds its tolerance.
"""
import argparse
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from cases import CASES  # noqa: E402
from torch_ops import OPS  # noqa: E402
from vector_io import recheck, write_case  # noqa: E402


def generate(out: str, only: list) -> None:
    for path, build in CASES.items():
        folder = path.split("/")[0]
        if only and folder not in only:
            continue
        target = os.path.join(out, f"{path}.json")
        write_case(target, build())
        print(f"wrote {os.path.relpath(target)}")
    print(f"torch {torch.__version__}")


def check(folder: str) -> int:
    worst_all, failed = 0.0, 0
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.json"), recursive=True)):
        with open(path) as f:
            case = json.load(f)
        name = os.path.relpath(path, folder)
        fn = OPS.get(case.get("op"))
        if fn is None:
            print(f"SKIP {name}: no PyTorch function for op {case.get('op')!r} in torch_ops.py")
            continue
        errs = recheck(fn, case)
        tensor, worst = max(errs.items(), key=lambda kv: kv[1])
        ok = worst <= case.get("tolerance", 1e-4)
        failed += not ok
        worst_all = max(worst_all, worst)
        print(f"{'ok  ' if ok else 'FAIL'} {name}: largest rel. error {worst:.2e} ({tensor})")
    print(f"largest relative error {worst_all:.2e}; {failed} case(s) above tolerance")
    return 1 if failed else 0


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    folders = sorted({p.split("/")[0] for p in CASES})
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "..", "vectors")), help="root folder (default: the repository's vectors/)")
    ap.add_argument("--only", nargs="+", choices=folders, help="folders to write (default: all)")
    ap.add_argument("--check", metavar="DIR", help="recompute every case under DIR instead of writing")
    args = ap.parse_args()
    if args.check:
        return check(args.check)
    generate(args.out, args.only or [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
