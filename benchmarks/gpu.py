"""The GPU variant: srcad on CuPy arrays against PyTorch on CUDA, for the
mlp and logsumexp workloads at larger sizes. It runs when CuPy and a GPU are
present (``python benchmarks/run.py`` appends it to the report) and says
why it did not otherwise.

    python benchmarks/gpu.py [--quick] [--write]

``--write`` saves the section, with the date and versions, to
``benchmarks/RESULTS_GPU.md``; a run of ``benchmarks/run.py`` on a machine
without a GPU points there.

GPU timings synchronize the device after every call; each cell is the
median of several series, after warm-up calls.
"""

import datetime
import os
import platform
import statistics
import sys
import time

import handwritten as hw
import workloads as w

RESULTS_GPU = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS_GPU.md")
SIZES = {"full": {"batch": 4096, "n_in": 1024, "hidden": 2048, "n_out": 10, "lse": 50_000_000},
         "quick": {"batch": 1024, "n_in": 784, "hidden": 512, "n_out": 10, "lse": 5_000_000}}


def available():
    """``(True, "")`` when CuPy sees a GPU, else ``(False, reason)``."""
    try:
        import cupy as cp
    except Exception as exc:  # not installed
        return False, f"CuPy not importable ({type(exc).__name__})"
    try:
        if cp.cuda.runtime.getDeviceCount() < 1:
            return False, "no GPU visible to CuPy"
    except Exception as exc:
        return False, f"no usable GPU ({exc})"
    return True, ""


SERIES = 5


def _time(fn, sync, repeats):
    """The median over ``SERIES`` series of the median of ``repeats`` calls,
    the device synchronized after each call; the collector frozen first (as
    on the CPU: a collection inside a series is noise, not the code)."""
    import gc
    fn()
    sync()
    medians = []
    for _ in range(SERIES):
        gc.collect()
        gc.freeze()
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            sync()
            samples.append(time.perf_counter() - start)
        gc.unfreeze()
        medians.append(statistics.median(samples))
    return statistics.median(medians)


def run(quick=False):
    """Markdown lines of the GPU section (a note when it cannot run)."""
    ok, why = available()
    if not ok:
        note = f"not run here: {why}."
        if os.path.exists(RESULTS_GPU):
            note += " The last run on a GPU is in `benchmarks/RESULTS_GPU.md`."
        return ["## GPU variant", "", note, ""]
    import cupy as cp

    from peers import import_srcad
    srcad = import_srcad()
    size = SIZES["quick" if quick else "full"]
    repeats = 5 if quick else 20
    rng = cp.random.default_rng(0)
    B, I, H, O = size["batch"], size["n_in"], size["hidden"], size["n_out"]
    W1 = rng.standard_normal((I, H)) * 0.02
    b1 = cp.zeros(H)
    W2 = rng.standard_normal((H, O)) * 0.02
    b2 = cp.zeros(O)
    X = rng.standard_normal((B, I))
    Y = cp.eye(O)[rng.integers(0, O, B)]
    x = rng.standard_normal(size["lse"])
    sync = cp.cuda.Device().synchronize
    g_mlp = srcad.grad(w.mlp, wrt=(0, 1, 2, 3))
    g_lse = srcad.grad(w.logsumexp)
    mlp_args = (W1, b1, W2, b2, X, Y)
    cases = [("mlp (all parameters)", lambda: w.mlp(*mlp_args), lambda: hw.mlp_grad_all(*mlp_args),
              lambda: g_mlp(*mlp_args)),
             ("logsumexp", lambda: w.logsumexp(x), lambda: hw.logsumexp_grad(x), lambda: g_lse(x))]
    rows = []
    for name, primal, hand, grad in cases:
        agree = _max_difference(grad(), hand())
        rows.append((name, _time(primal, sync, repeats), _time(hand, sync, repeats),
                     _time(grad, sync, repeats), agree))
    torch_times = _torch_times(size, repeats)
    lines = ["## GPU variant", "",
             f"CuPy {cp.__version__} on {cp.cuda.runtime.getDeviceProperties(0)['name'].decode()}; "
             f"mlp batch {B}, {I}->{H}->{O}; logsumexp of {size['lse']:,} values; float64. "
             "Each cell is the median of {series} series' medians of {repeats} calls, the device "
             "synchronized after each call, the collector frozen during a series. "
             "'agrees' is the largest difference between srcad's and the hand-written gradient.".format(
                 repeats=repeats, series=SERIES), "",
             "| workload | CuPy primal | hand-written (CuPy) | srcad (CuPy) | × primal | × hand-written "
             "| torch CUDA primal | torch CUDA grad | srcad speed-up over torch | agrees |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for (name, primal, hand, grad, agree), (tp, tg) in zip(rows, torch_times):
        tps = f"{tp * 1e3:.2f} ms" if tp else "n/a"
        tgs = f"{tg * 1e3:.2f} ms" if tg else "n/a"
        up = f"{tg / grad:.2f}×" if tg else "n/a"
        lines.append(f"| {name} | {primal * 1e3:.2f} ms | {hand * 1e3:.2f} ms | {grad * 1e3:.2f} ms "
                     f"| {grad / primal:.2f}× | {grad / hand:.2f}× | {tps} | {tgs} | {up} | {agree:.1e} |")
    return lines + [""]


def _max_difference(a, b):
    import cupy as cp
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    return max(float(cp.max(cp.abs(u - v))) for u, v in zip(a, b))


def _torch_times(size, repeats):
    try:
        import torch
        if not torch.cuda.is_available():
            return [(None, None)] * 2
    except Exception:
        return [(None, None)] * 2
    dev = "cuda"
    gen = torch.Generator(device=dev).manual_seed(0)
    B, I, H, O = size["batch"], size["n_in"], size["hidden"], size["n_out"]
    opts = dict(device=dev, dtype=torch.float64)
    W1 = (torch.randn(I, H, generator=gen, **opts) * 0.02).requires_grad_()
    b1 = torch.zeros(H, **opts).requires_grad_()
    W2 = (torch.randn(H, O, generator=gen, **opts) * 0.02).requires_grad_()
    b2 = torch.zeros(O, **opts).requires_grad_()
    X = torch.randn(B, I, generator=gen, **opts)
    Y = torch.eye(O, **opts)[torch.randint(0, O, (B,), generator=gen, device=dev)]
    x = torch.randn(size["lse"], generator=gen, **opts).requires_grad_()

    def mlp_grad():
        h = torch.tanh(X @ W1 + b1)
        logits = h @ W2 + b2
        logp = torch.log_softmax(logits, dim=1)
        loss = -(Y * logp).sum() / B
        return torch.autograd.grad(loss, (W1, b1, W2, b2))

    def lse_grad():
        return torch.autograd.grad(torch.logsumexp(x, dim=0), (x,))

    def mlp_primal():
        with torch.no_grad():
            h = torch.tanh(X @ W1 + b1)
            return -(Y * torch.log_softmax(h @ W2 + b2, dim=1)).sum() / B

    def lse_primal():
        with torch.no_grad():
            return torch.logsumexp(x, dim=0)

    sync = torch.cuda.synchronize
    return [(_time(mlp_primal, sync, repeats), _time(mlp_grad, sync, repeats)),
            (_time(lse_primal, sync, repeats), _time(lse_grad, sync, repeats))]


if __name__ == "__main__":
    lines = run("--quick" in sys.argv)
    print("\n".join(lines))
    if "--write" in sys.argv and len(lines) > 4:
        import numpy
        stamp = (f"Measured {datetime.date.today().isoformat()} with Python "
                 f"{platform.python_version()}, NumPy {numpy.__version__}. "
                 f"Command: `python benchmarks/gpu.py{' --quick' if '--quick' in sys.argv else ''}`.")
        with open(RESULTS_GPU, "w") as f:
            f.write("# srcad on the GPU\n\n" + stamp + "\n\n" + "\n".join(lines[2:]) + "\n")
        print(f"wrote {RESULTS_GPU}", file=sys.stderr)
