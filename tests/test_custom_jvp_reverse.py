"""Reverse mode from a hand-written jvp alone (as JAX does): the jvp's tangent
is linear in the tangents, so srcad transposes it by differentiating the jvp
function itself. Checked against finite differences."""

import numpy as np
import pytest

import srcad


@srcad.custom_jvp
def softplus(x):
    return np.log1p(np.exp(x))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t / (1.0 + np.exp(-x))


@srcad.custom_jvp
def scaled_norm(x, s):
    return s * np.sqrt(np.sum(x * x))


@scaled_norm.defjvp
def _scaled_norm_jvp(primals, tangents):
    (x, s), (tx, ts) = primals, tangents
    n = np.sqrt(np.sum(x * x))
    return s * n, s * np.sum(x * tx) / n + ts * n


def uses_softplus(x):
    return np.sum(softplus(x) ** 2)


def uses_norm_in_a_loop(x, s):
    total = 0.0
    for i in range(3):
        total = total + scaled_norm(x * (i + 1.0), s) ** 2
    return total


@pytest.mark.parametrize("fn,args", [
    (uses_softplus, (np.array([0.5, -1.0, 2.0]),)),
    (uses_norm_in_a_loop, (np.array([0.3, -0.8]), 1.7)),
], ids=["softplus", "norm-in-a-loop"])
def test_reverse_mode_from_a_jvp(fn, args):
    srcad.check_grads(fn, args, modes=("reverse",))
    srcad.check_grads(fn, args, modes=("forward",))


def test_vjp_of_a_vector_output_from_a_jvp():
    x = np.array([0.5, -1.0])
    out, pullback = srcad.vjp(softplus, x)
    (g,) = pullback(np.array([2.0, 3.0]))
    np.testing.assert_allclose(g, np.array([2.0, 3.0]) / (1.0 + np.exp(-x)))


# -- and forward mode from a hand-written vjp alone ----------------------------------

@srcad.custom_vjp
def clipped_square(x, s):
    return s * np.clip(x, -1.0, 1.0) ** 2


def _clipped_square_fwd(x, s):
    c = np.clip(x, -1.0, 1.0)
    return s * c ** 2, (c, s, np.abs(x) < 1.0)


def _clipped_square_bwd(res, g):
    c, s, inside = res
    return g * s * 2.0 * c * inside, np.sum(g * c ** 2)


clipped_square.defvjp(_clipped_square_fwd, _clipped_square_bwd)


def uses_clipped_square(x, s):
    return np.sum(np.sin(clipped_square(x * 2.0, s)))


def test_forward_mode_from_a_vjp():
    args = (np.array([0.3, -0.2, 0.9]), 1.3)
    srcad.check_grads(uses_clipped_square, args, modes=("forward",))
    _, t = srcad.jvp(clipped_square, args, (np.array([1.0, 0.0, 2.0]), 0.5))
    x, s = args
    np.testing.assert_allclose(t, s * 2 * x * np.array([1.0, 0.0, 2.0]) + 0.5 * x ** 2)
