"""Adjoints left unfitted to their value's shape, and values indexed again
instead of saved.

The backward sweep may pass a temporary's adjoint on without summing it over
broadcast axes (``x @ W + b``: the matmul's adjoint rule sums it itself), or
pass a full sum's scalar adjoint on without expanding it (``np.sum(x ** 2)``:
``d_x = d_result * 2 * x``). Each function below takes one of those paths, or
one where they must *not* be taken, and is checked against finite
differences in both modes, to second order, and in float32.
"""

import numpy as np
import pytest

import srcad

rng = np.random.default_rng(7)


def _a(*shape):
    return rng.standard_normal(shape)


# -- unsummed (wide) adjoints --------------------------------------------------------------

def affine_bias(x, W, b):
    return np.sum(np.tanh(x @ W + b) ** 2)


def matmul_widened_by_bias(x, W, b):
    # x @ W is (4, 1); b widens it to (4, 5)
    return np.sum((x @ W + b) ** 2)


def batched_matmul(A, B, c):
    return np.sum((A @ B + c) ** 2)


def row_plus_column(a, b):
    return np.sum((a[:, None] + b[None, :]) ** 2)


def chain_of_adds(x, W, V, b):
    return np.sum(np.sin(x @ W + x @ V + b))


# -- unexpanded (narrow) adjoints ----------------------------------------------------------

def sum_of_matmul(x, W):
    return np.sum(x @ W)


def sum_of_matmul_plus_scalar(x, W, s):
    return np.sum(s - 2.0 * (x @ W) + 1.0)


def sum_of_exp(x):
    return np.sum(np.exp(x))


def sum_of_tanh_matvec(A, v):
    return np.sum(np.tanh(A @ v))


def sum_of_squares_of_difference(x, y):
    return np.sum((x - y) ** 2)


def sum_of_sine(x):
    return np.sum(np.sin(x) * 3.0)


# -- where neither may be taken ------------------------------------------------------------

def sum_of_broadcast_sum(x, y):
    # (3, 1) + (1, 4): the scalar adjoint stands for 12 entries
    return np.sum(x + y)


def sum_of_broadcast_product(x, y):
    return np.sum(x * y)


def scalar_times_array(s, x):
    return np.sum(s * x + s ** 2 - x / (s + 2.0))


def sum_of_scaled(x):
    # no factor of x's shape: the scalar adjoint must become an array
    return np.sum(3.0 * x - 1.0)


def mean_of_matmul(x, W):
    return np.mean(x @ W)


def cross_of_products(a, R, b):
    # cross mixes entries along the last axis: its adjoints pass no
    # unfitted adjoint on, but take one from the square
    return np.sum(np.cross(a @ R, b) ** 2)


def cross_summed(a, R, b):
    return np.sum(np.cross(a @ R + 1.0, b))


# -- items indexed again in the backward sweep ---------------------------------------------

def rnn_steps(xs, W, U, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W + h @ U)
    return np.sum(h ** 2)


def walking_index(x):
    s = 0.0
    i = 0
    for k in range(4):
        s = s + x[i] ** 2 * x[i + 1]
        i = i + 1
    return s


def rebound_base(x):
    s = 0.0
    for k in range(3):
        s = s + np.sum(x[1:] * x[:-1])
        x = x * 1.5
    return s


def written_base(x):
    y = x * 1.0
    s = 0.0
    for k in range(3):
        s = s + np.sum(y[k:] ** 2)
        y[k] = s
    return s


CASES = [
    (affine_bias, (_a(4, 3), _a(3, 5), _a(5))),
    (matmul_widened_by_bias, (_a(4, 3), _a(3, 1), _a(5))),
    (batched_matmul, (_a(2, 3, 4), _a(4, 5), _a(3, 1))),
    (row_plus_column, (_a(3), _a(4))),
    (chain_of_adds, (_a(4, 3), _a(3, 2), _a(3, 2), _a(1, 2))),
    (sum_of_matmul, (_a(4, 3), _a(3, 5))),
    (sum_of_matmul_plus_scalar, (_a(4, 3), _a(3, 5), 0.7)),
    (sum_of_exp, (_a(6),)),
    (sum_of_tanh_matvec, (_a(4, 3), _a(3))),
    (sum_of_squares_of_difference, (_a(4, 3), _a(3))),
    (sum_of_broadcast_sum, (_a(3, 1), _a(1, 4))),
    (sum_of_broadcast_product, (_a(3, 1), _a(1, 4))),
    (scalar_times_array, (0.5, _a(3))),
    (sum_of_sine, (_a(5),)),
    (sum_of_scaled, (_a(5),)),
    (mean_of_matmul, (_a(4, 3), _a(3, 2))),
    (cross_of_products, (_a(4, 3), _a(3, 3), _a(3))),
    (cross_summed, (_a(4, 3), _a(3, 3), _a(4, 3))),
    (rnn_steps, (_a(5, 2, 3), 0.5 * _a(3, 4), 0.5 * _a(4, 4), _a(4))),
    (walking_index, (_a(6),)),
    (rebound_base, (_a(5),)),
    (written_base, (_a(5),)),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_first_order(fn, args):
    srcad.check_grads(fn, args)


# second derivatives that are not written yet (a clear error); none here now
NO_SECOND_ORDER = set()


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_second_order(fn, args):
    if fn.__name__ in NO_SECOND_ORDER:
        with pytest.raises(srcad.NonDifferentiableError):
            srcad.check_grads(fn, args, order=2)
        return
    srcad.check_grads(fn, args, order=2)


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_float32_stays_float32(fn, args):
    args32 = tuple(np.float32(a) if isinstance(a, float) else a.astype(np.float32) for a in args)
    wrt = tuple(range(len(args)))
    grads = srcad.grad(fn, wrt=wrt)(*args32)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for g, a in zip(grads, args32):
        assert np.asarray(g).dtype == np.float32, (fn.__name__, np.asarray(g).dtype)
        assert np.shape(g) == np.shape(a)


def _source(fn, wrt):
    return srcad.source(srcad.grad(fn, wrt=wrt))


def test_matmul_result_is_neither_saved_nor_summed():
    src = _source(affine_bias, (1, 2))
    assert "unbroadcast(d_t" not in src.replace("unbroadcast(d_t_1, b)", "")
    # the forward sweep keeps the user's expression whole
    assert "np.tanh(x @ W + b)" in src


def test_scalar_adjoint_of_a_sum_is_not_expanded():
    for fn, wrt in ((sum_of_exp, 0), (sum_of_tanh_matvec, 0), (sum_of_squares_of_difference, 0),
                    (sum_of_matmul, 1), (sum_of_sine, 0)):
        src = _source(fn, wrt)
        assert "expand_to" not in src, src


def test_scalar_adjoint_is_expanded_where_it_stands_for_more_entries():
    for fn in (sum_of_broadcast_sum, sum_of_broadcast_product, sum_of_scaled):
        assert "expand_to" in _source(fn, 0), fn.__name__


def test_items_are_indexed_again_instead_of_saved():
    src = _source(rnn_steps, (1, 2))
    assert "xs[t]" in src.split("reversed(")[1]
    assert "control" not in src
    assert src.count(".append(") == 1    # only the hidden state is saved


def test_rebound_or_written_containers_are_saved():
    assert ".append(" in _source(rebound_base, 0)
    assert ".append(" in _source(written_base, 0)


# -- the runtime side -----------------------------------------------------------------------

def test_unbroadcast_sums_wide_and_expands_narrow_adjoints():
    from srcad import runtime as ad
    like = np.zeros((3, 1), dtype=np.float32)
    np.testing.assert_array_equal(ad.unbroadcast(np.ones((2, 3, 4)), like), np.full((3, 1), 8.0))
    got = ad.unbroadcast(2.0, like)
    assert got.shape == (3, 1) and got.dtype == np.float32 and np.all(got == 2.0)
    got = ad.unbroadcast(np.array([1.0, 2.0]), np.zeros((3, 2)))
    np.testing.assert_array_equal(got, [[1.0, 2.0]] * 3)
    got[0, 0] = 5.0     # a fresh array: adjoints are accumulated into in place
    assert ad.unbroadcast(0.0, like) == 0.0 and ad.unbroadcast(1.5, 2.0) == 1.5


@pytest.mark.parametrize("ashape,bshape", [((4, 3), (3, 5)), ((2, 4, 3), (3, 5)), ((3,), (3, 5)),
                                           ((4, 3), (3,)), ((4, 1), (1, 5))])
def test_matmul_adjoints_fit_the_adjoint_first(ashape, bshape):
    from srcad import runtime as ad
    a, b = _a(*ashape), _a(*bshape)
    shape = (a @ b).shape
    for g in (1.5, _a(*shape), _a(3, *shape), np.broadcast_to(_a(*shape[-1:]), shape).copy()):
        exact = ad.unbroadcast(g, np.zeros(shape))
        np.testing.assert_allclose(ad.matmul_adjoint_a(g, a, b), ad.matmul_adjoint_a(exact, a, b))
        np.testing.assert_allclose(ad.matmul_adjoint_b(g, a, b), ad.matmul_adjoint_b(exact, a, b))


# -- slices that drop the same number of entries have the same shape -------------------------

def stencil(u):
    return np.sum((u[2:] - 2.0 * u[1:-1] + u[:-2]) ** 2)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def stencil_2d(u):
    return np.sum((u[1:, :] - u[:-1]) ** 2 * u[1:])


@pytest.mark.parametrize("fn,shape", [(stencil, (7,)), (rosenbrock, (6,)), (stencil_2d, (4, 3))])
def test_stencils(fn, shape):
    x = _a(*shape)
    srcad.check_grads(fn, (x,))
    srcad.check_grads(fn, (x,), order=2)
    src = _source(fn, 0)
    assert "expand_to" not in src and "unbroadcast" not in src, src


def test_slices_of_different_lengths_keep_their_bookkeeping():
    def uneven(x):
        return np.sum(x[1:] * x[2:])   # noqa: lengths n-1 and n-2 do not broadcast

    def tail_and_head(x):
        return np.sum(x[1:3] * x[:2])  # bounds, not drops: not recognised

    assert "unbroadcast" in _source(tail_and_head, 0)
    with pytest.raises(ValueError):
        srcad.grad(uneven)(_a(5))
