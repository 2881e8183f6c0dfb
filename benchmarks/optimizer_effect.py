"""What each optimizer pass does to generated gradients: lines of source,
time per call and peak memory, with every pass and with one pass left out.

    python benchmarks/optimizer_effect.py [--markdown]

Single-threaded like run.py; peak memory by tracemalloc (NumPy buffers).
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import sys  # noqa: E402
import timeit  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import workloads as w  # noqa: E402
from peers import import_srcad  # noqa: E402

srcad = import_srcad()
import srcad.optimize as opt  # noqa: E402
from srcad.transform import clear_cache  # noqa: E402


def _cases():
    r = np.random.default_rng(0)
    W1 = r.standard_normal((784, 512)) * 0.05
    W2 = r.standard_normal((512, 10)) * 0.05
    X = r.standard_normal((256, 784))
    Y = np.eye(10)[r.integers(0, 10, 256)]
    Wx = r.standard_normal((64, 128)) * 0.1
    Wh = r.standard_normal((128, 128)) * 0.1
    xs = r.standard_normal((50, 32, 64))
    return [
        ("horner", w.horner, 0, (0.7, r.standard_normal(21))),
        ("branchy", w.branchy, 0, (0.9, 1.1, 0.5, 1000)),
        ("logsumexp", w.logsumexp, 0, (r.standard_normal(1_000_000),)),
        ("mlp (all params)", w.mlp, (0, 1, 2, 3), (W1, np.zeros(512), W2, np.zeros(10), X, Y)),
        ("rnn", w.rnn, (0, 1, 2), (Wx, Wh, np.zeros(128), xs, np.zeros((32, 128)))),
    ]


def _measure(fn, wrt, args):
    clear_cache()
    g = srcad.grad(fn, wrt=wrt)
    g(*args)
    tracemalloc.start()
    g(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    number = max(1, int(0.05 / max(min(timeit.repeat(lambda: g(*args), number=1, repeat=3)), 1e-7)))
    t = min(timeit.repeat(lambda: g(*args), number=number, repeat=5)) / number
    lines = len([line for line in srcad.source(g).splitlines() if line.strip()])
    return lines, t, peak


def _fmt_time(t):
    return f"{t * 1e6:.1f} µs" if t < 1e-3 else f"{t * 1e3:.2f} ms"


def main(markdown=False):
    passes = list(opt.PASSES)
    configs = [("all passes", passes), ("no passes", [])]
    configs += [(f"without {p.__name__}", [q for q in passes if q is not p]) for p in passes]
    rows = []
    try:
        for name, fn, wrt, args in _cases():
            for label, chosen in configs:
                opt.PASSES[:] = chosen
                lines, t, peak = _measure(fn, wrt, args)
                rows.append((name, label, lines, t, peak))
    finally:
        opt.PASSES[:] = passes
        clear_cache()
    print("| workload | configuration | lines | time per call | peak memory |")
    print("|---|---|---|---|---|")
    for name, label, lines, t, peak in rows:
        print(f"| {name} | {label} | {lines} | {_fmt_time(t)} | {peak / 1e6:.2f} MB |")


if __name__ == "__main__":
    main("--markdown" in sys.argv)
