"""The generated code and the runtime assume no NumPy arrays: a catalogue
subset runs on ``array_api_strict`` arrays and matches the NumPy results."""

import types

import numpy as np
import pytest

import srcad

xps = pytest.importorskip("array_api_strict")


def mlp(W, b, x):
    h = xp.tanh(x @ W + b)
    return xp.sum(h ** 2) / 2.0


def loop_carried(x, w):
    h = x
    for i in range(3):
        h = xp.sin(h * w) + h
    return xp.sum(h)


def reductions(x):
    m = xp.max(x, axis=1, keepdims=True)
    return xp.sum(xp.exp(x - m)) + xp.sum(xp.mean(x, axis=0) ** 2)


def branches(x, a):
    s = xp.sum(x * a)
    if s > 0:
        y = x * s
    else:
        y = x / (1.0 + s * s)
    return xp.sum(y ** 3)


def indexing(x):
    acc = 0.0
    for i in range(x.shape[0]):
        acc = acc + xp.sum(xp.sqrt(x[i, :] ** 2 + 1.0)) * (i + 1)
    return acc


def mutation(x):
    y = xp.zeros_like(x)
    y[0, :] = x[1, :] * 2.0
    y[1:, :] = x[:-1, :] ** 2
    return xp.sum(y * x)


xp = np  # rebound per variant below

R = np.random.default_rng(0)
CASES = [
    (mlp, (R.standard_normal((4, 3)), R.standard_normal(3), R.standard_normal((5, 4)))),
    (loop_carried, (R.standard_normal((2, 3)), R.standard_normal(3))),
    (reductions, (R.standard_normal((3, 4)),)),
    (branches, (R.standard_normal((2, 3)), R.standard_normal(3))),
    (indexing, (R.standard_normal((3, 2)),)),
    (mutation, (R.standard_normal((3, 2)),)),
]


def _variant(fn, module):
    env = dict(fn.__globals__)
    env["xp"] = module
    return types.FunctionType(fn.__code__, env, fn.__name__)


def _to_strict(a):
    return xps.asarray(a)


def _to_numpy(a):
    return np.asarray(np.from_dlpack(a)) if not isinstance(a, (float, np.ndarray)) else np.asarray(a)


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_reverse_on_strict_arrays(fn, args):
    f_np, f_st = _variant(fn, np), _variant(fn, xps)
    wrt = tuple(range(len(args)))
    expected = srcad.grad(f_np, wrt=wrt)(*args)
    got = srcad.grad(f_st, wrt=wrt)(*[_to_strict(a) for a in args])
    for g, e in zip(got, expected):
        assert isinstance(g, type(_to_strict(args[0])))
        np.testing.assert_allclose(_to_numpy(g), e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_forward_on_strict_arrays(fn, args):
    f_np, f_st = _variant(fn, np), _variant(fn, xps)
    tangents = [np.ones_like(a) for a in args]
    _, expected = srcad.jvp(f_np, args, tangents)
    _, got = srcad.jvp(f_st, [_to_strict(a) for a in args], [_to_strict(t) for t in tangents])
    np.testing.assert_allclose(_to_numpy(got), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_numpy_variant_matches_finite_differences(fn, args):
    srcad.check_grads(_variant(fn, np), args)
