"""Every catalogue function in every mode, against central finite
differences: forward, reverse, forward against reverse, float32 in ->
float32 out, and arguments left unchanged."""

import numpy as np
import pytest

import srcad
from catalogue import CATALOGUE
from fd import flat, float_positions, leaves, numeric_grad, same, snapshot

IDS = [f"{group}-{fn.__name__}" for group, fn, _ in CATALOGUE]


def _wrt_cases():
    for group, fn, args in CATALOGUE:
        for i in float_positions(args):
            yield pytest.param(fn, args, i, id=f"{group}-{fn.__name__}-arg{i}")


@pytest.mark.parametrize("fn,args,i", list(_wrt_cases()))
def test_reverse_matches_finite_differences(fn, args, i):
    before = snapshot(args)
    g = srcad.grad(fn, wrt=i)(*args)
    expected = numeric_grad(fn, args, i)[0]
    np.testing.assert_allclose(flat(g), expected, rtol=1e-5, atol=1e-6)
    assert same(args, before), "arguments were modified"


@pytest.mark.parametrize("fn,args,i", list(_wrt_cases()))
def test_forward_matches_finite_differences(fn, args, i):
    before = snapshot(args)
    rng = np.random.default_rng(1)
    direction = rng.standard_normal(flat(args[i]).size)
    from fd import rebuild
    tangents = [rebuild(a, np.zeros(flat(a).size)) for a in args]
    tangents[i] = rebuild(args[i], direction)
    _, t = srcad.jvp(fn, args, tangents)
    expected = numeric_grad(fn, args, i)[0] @ direction
    np.testing.assert_allclose(float(np.asarray(t)), expected, rtol=1e-5, atol=1e-6)
    assert same(args, before), "arguments were modified"


@pytest.mark.parametrize("fn,args,i", list(_wrt_cases()))
def test_forward_matches_reverse(fn, args, i):
    g = srcad.grad(fn, wrt=i)(*args)
    basis = np.eye(flat(args[i]).size)
    from fd import rebuild
    for k in range(basis.shape[0]):
        tangents = [rebuild(a, np.zeros(flat(a).size)) for a in args]
        tangents[i] = rebuild(args[i], basis[k])
        _, t = srcad.jvp(fn, args, tangents)
        np.testing.assert_allclose(float(np.asarray(t)), flat(g)[k], rtol=1e-9, atol=1e-12)


def _to32(a):
    if isinstance(a, np.ndarray) and a.dtype == np.float64:
        return a.astype(np.float32)
    if isinstance(a, dict):
        return {k: _to32(v) for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return type(a)(_to32(v) for v in a)
    return a


@pytest.mark.parametrize("fn,args,i", [p for p in _wrt_cases()
                                       if any(isinstance(v, np.ndarray) for v in leaves(p.values[1][p.values[2]]))])
def test_float32_gradients_stay_float32(fn, args, i):
    args32 = tuple(_to32(a) for a in args)
    g = srcad.grad(fn, wrt=i)(*args32)
    for leaf, x in zip(leaves(g), leaves(args32[i])):
        if isinstance(x, np.ndarray):
            assert leaf.dtype == np.float32
            assert leaf.shape == x.shape


@pytest.mark.parametrize("fn,args,i", list(_wrt_cases()))
def test_vjp_matches_grad(fn, args, i):
    """The split forward/backward functions (vjp) agree with the fused
    gradient (grad)."""
    g = srcad.grad(fn, wrt=i)(*args)
    out, pullback = srcad.vjp(fn, *args)
    np.testing.assert_allclose(flat(pullback(1.0)[i]), flat(g), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn,args,i", list(_wrt_cases()))
def test_value_and_grad_gives_the_value(fn, args, i):
    # the value as the function returns it, not as the backward sweep
    # leaves the returned name (early returns restore it on the way back)
    import copy
    value, g = srcad.value_and_grad(fn, wrt=i)(*args)
    expected = fn(*copy.deepcopy(args))    # (some catalogue functions write into x)
    assert same(value, expected) or np.allclose(np.asarray(value, dtype=float),
                                                np.asarray(expected, dtype=float))
    np.testing.assert_allclose(flat(g), flat(srcad.grad(fn, wrt=i)(*args)), rtol=1e-12, atol=1e-14)
