"""The same generated code on CuPy arrays (GPU). Skipped where CuPy or a GPU
is missing; run it on a GPU machine with `pip install ".[test,cupy]"`."""

import numpy as np
import pytest

import srcad

cp = pytest.importorskip("cupy")
try:
    if cp.cuda.runtime.getDeviceCount() < 1:
        raise RuntimeError("no GPU")
except Exception as exc:  # no driver, no device
    pytest.skip(f"no usable GPU: {exc}", allow_module_level=True)


def mlp_numpy_calls(W, b, x):
    h = np.tanh(x @ W + b)
    return np.sum(h ** 2) / 2.0


def mlp_cupy_calls(W, b, x):
    h = cp.tanh(x @ W + b)
    return cp.sum(h ** 2) / 2.0


def loop_and_branch(x, w):
    h = x
    for i in range(3):
        if np.sum(h) > 0:
            h = np.sin(h * w) + h
        else:
            h = h * 0.5
    return np.sum(h * h)


def reductions(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(x - m), axis=1))) + np.sum(np.mean(x, axis=0) ** 2)


R = np.random.default_rng(0)
CASES = [
    (mlp_numpy_calls, (R.standard_normal((4, 3)), R.standard_normal(3), R.standard_normal((5, 4)))),
    (mlp_cupy_calls, (R.standard_normal((4, 3)), R.standard_normal(3), R.standard_normal((5, 4)))),
    (loop_and_branch, (R.standard_normal((2, 3)), R.standard_normal(3))),
    (reductions, (R.standard_normal((3, 4)),)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradients_on_the_gpu_match_numpy(fn, args, dtype):
    args = tuple(a.astype(dtype) for a in args)
    wrt = tuple(range(len(args)))
    on_gpu = srcad.grad(fn, wrt=wrt)(*[cp.asarray(a) for a in args])
    if fn is mlp_cupy_calls:
        expected = srcad.grad(mlp_numpy_calls, wrt=wrt)(*args)
    else:
        expected = srcad.grad(fn, wrt=wrt)(*args)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    for g, e in zip(on_gpu, expected):
        assert isinstance(g, cp.ndarray) and g.dtype == dtype
        np.testing.assert_allclose(cp.asnumpy(g), e, rtol=tol, atol=tol)


@pytest.mark.parametrize("fn,args", CASES[:1] + CASES[2:], ids=["mlp", "loop_and_branch", "reductions"])
def test_forward_mode_on_the_gpu(fn, args):
    tangents = [np.ones_like(a) for a in args]
    _, expected = srcad.jvp(fn, args, tangents)
    _, got = srcad.jvp(fn, [cp.asarray(a) for a in args], [cp.asarray(t) for t in tangents])
    np.testing.assert_allclose(float(got), float(expected), rtol=1e-10)
