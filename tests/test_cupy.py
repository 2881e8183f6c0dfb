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


# -- the whole corpus on the GPU ---------------------------------------------------
#
# Every corpus function whose primal runs on CuPy arrays must give, in both
# modes, the gradient it gives on NumPy arrays, as CuPy arrays of the same
# dtype. Functions whose primal itself needs NumPy (np.asarray of an argument,
# a NumPy constant mixed in) are skipped: that is CuPy's limit, not srcad's.

def _corpus():
    from catalogue import CATALOGUE
    from more_cases import CASES as MORE
    from test_broadcast_adjoints import CASES as BROADCAST
    out = []
    for group, fn, args in CATALOGUE:
        out.append(pytest.param(fn, args, id=f"catalogue-{group}-{fn.__name__}"))
    for fn, args in list(MORE) + list(BROADCAST):
        out.append(pytest.param(fn, tuple(args), id=f"{fn.__module__}-{fn.__name__}"))
    return out


def _tree_map(leaf, a):
    """``a`` with ``leaf`` applied to every entry of its tuples, lists
    (namedtuples kept) and dicts."""
    if isinstance(a, (tuple, list)):
        items = [_tree_map(leaf, v) for v in a]
        return type(a)(*items) if hasattr(a, "_fields") else type(a)(items)
    if isinstance(a, dict):
        return {k: _tree_map(leaf, v) for k, v in a.items()}
    return leaf(a)


def _to_gpu(a):
    return _tree_map(lambda v: cp.asarray(v) if isinstance(v, np.ndarray) else v, a)


def _to_host(a):
    return _tree_map(lambda v: cp.asnumpy(v) if isinstance(v, cp.ndarray) else v, a)


def _has_array(a):
    if isinstance(a, np.ndarray):
        return True
    if isinstance(a, (tuple, list)):
        return any(_has_array(v) for v in a)
    if isinstance(a, dict):
        return any(_has_array(v) for v in a.values())
    return False


def _assert_close(got, want):
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _assert_close(g, w)
    elif isinstance(want, dict):
        assert set(got) == set(want)
        for k in want:
            _assert_close(got[k], want[k])
    else:
        if isinstance(want, np.ndarray):
            assert isinstance(got, cp.ndarray), f"gradient left the GPU: {type(got)}"
            assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(np.asarray(_to_host(got)), want, rtol=1e-9, atol=1e-11)


# corpus functions that write one entry several times in one call, where
# the GPU keeps any of the writes (the primal and its derivative may differ
# in which)
_DUPLICATE_WRITES = {"put_along_axis_in_place"}


def _gpu_case(fn, args):
    """``(positions, gpu_args)``: the float array arguments and the
    arguments on the GPU; skips a case with no array argument or whose
    primal itself needs NumPy (CuPy's limit, not srcad's)."""
    from fd import float_positions
    if fn.__name__ in _DUPLICATE_WRITES:
        pytest.skip("several writes to one entry: the GPU keeps any of them, NumPy the last")
    positions = [i for i in float_positions(args) if _has_array(args[i])]
    if not positions:
        pytest.skip("no array argument")
    try:
        value = fn(*_to_gpu(args))  # on copies: some corpus functions write into their arguments
    except Exception as exc:
        pytest.skip(f"the primal does not run on CuPy: {type(exc).__name__}")
    try:
        np.testing.assert_allclose(np.asarray(_to_host(value), dtype=float),
                                   np.asarray(fn(*_tree_map(lambda v: v.copy() if isinstance(v, np.ndarray) else v, args)), dtype=float),
                                   rtol=1e-9, atol=1e-11)
    except AssertionError:
        # (several writes to one entry: the GPU keeps any of them, NumPy the last)
        pytest.skip("the primal gives another value on CuPy")
    except Exception:  # values that do not compare as arrays: compared by the tests
        pass
    return positions, _to_gpu(args)


@pytest.mark.parametrize("fn,args", _corpus())
def test_corpus_gradients_on_the_gpu(fn, args):
    positions, gpu_args = _gpu_case(fn, args)
    wrt = tuple(positions)
    want = srcad.grad(fn, wrt=wrt)(*args)
    got = srcad.grad(fn, wrt=wrt)(*gpu_args)
    _assert_close(got, want)


@pytest.mark.parametrize("fn,args", _corpus())
def test_corpus_tangents_on_the_gpu(fn, args):
    positions, gpu_args = _gpu_case(fn, args)
    from fd import flat, rebuild
    rng = np.random.default_rng(3)
    tangents = [rebuild(a, rng.standard_normal(flat(a).size) if i in positions
                        else np.zeros(flat(a).size))
                for i, a in enumerate(args)]
    _, want = srcad.jvp(fn, args, tangents)
    _, got = srcad.jvp(fn, gpu_args, _to_gpu(tangents))
    np.testing.assert_allclose(np.asarray(_to_host(got), dtype=float),
                               np.asarray(want, dtype=float), rtol=1e-9, atol=1e-11)
