"""The GPU variant: srcad on CuPy arrays against PyTorch on CUDA, for the
mlp and logsumexp workloads at larger sizes. It runs when CuPy and a GPU are
present (``python benchmarks/run.py`` appends it to the report) and says
why it did not otherwise.

    python benchmarks/gpu.py [--quick]

GPU timings synchronize the device after every call; each cell is the
median of several series, after warm-up calls.
"""

import statistics
import sys
import time

import workloads as w

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


def _time(fn, sync, repeats):
    fn()
    sync()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(quick=False):
    """Markdown lines of the GPU section (a note when it cannot run)."""
    ok, why = available()
    if not ok:
        return ["## GPU variant", "", f"not run: {why}.", ""]
    import cupy as cp

    import srcad
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
    rows = []
    g_mlp = srcad.grad(w.mlp, wrt=(0, 1, 2, 3))
    g_lse = srcad.grad(w.logsumexp)
    rows.append(("mlp (all parameters)", _time(lambda: w.mlp(W1, b1, W2, b2, X, Y), sync, repeats),
                 _time(lambda: g_mlp(W1, b1, W2, b2, X, Y), sync, repeats)))
    rows.append(("logsumexp", _time(lambda: w.logsumexp(x), sync, repeats),
                 _time(lambda: g_lse(x), sync, repeats)))
    torch_times = _torch_times(size, repeats)
    lines = ["## GPU variant", "",
             f"CuPy {cp.__version__} on {cp.cuda.runtime.getDeviceProperties(0)['name'].decode()}; "
             f"mlp batch {B}, {I}->{H}->{O}; logsumexp of {size['lse']:,} values; float64.", "",
             "| workload | CuPy primal | srcad on CuPy | × primal | torch CUDA grad | srcad speed-up |",
             "|---|---|---|---|---|---|"]
    for (name, primal, grad), t in zip(rows, torch_times):
        tt = f"{t * 1e3:.2f} ms" if t else "n/a"
        up = f"{t / grad:.2f}×" if t else "n/a"
        lines.append(f"| {name} | {primal * 1e3:.2f} ms | {grad * 1e3:.2f} ms | {grad / primal:.2f}× "
                     f"| {tt} | {up} |")
    return lines + [""]


def _torch_times(size, repeats):
    try:
        import torch
        if not torch.cuda.is_available():
            return [None, None]
    except Exception:
        return [None, None]
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

    sync = torch.cuda.synchronize
    return [_time(mlp_grad, sync, repeats), _time(lse_grad, sync, repeats)]


if __name__ == "__main__":
    print("\n".join(run("--quick" in sys.argv)))
