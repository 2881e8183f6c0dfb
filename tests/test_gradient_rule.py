"""np.gradient: linear in the values, scaled by the spacing. Checked against
finite differences in both modes (values and spacing) and to second order
(values)."""

import numpy as np
import pytest

import srcad

R = np.random.default_rng(0)


def default_spacing(u):
    return np.sum(np.gradient(u) ** 2)


def second_order_edges(u, dx):
    return np.sum(np.sin(np.gradient(u, dx, edge_order=2)))


def two_dimensional(U, dx):
    gx, gy = np.gradient(U, dx)
    return np.sum(gx ** 2 + gy * U)


def one_axis_and_two_spacings(U):
    return np.sum(np.gradient(U, axis=1) ** 2) + np.sum(np.gradient(U, 0.5, 2.0, axis=(0, 1))[1])


def per_axis_spacing(U, dx, dy):
    gx, gy = np.gradient(U, dx, dy)
    return np.sum(gx * gy) + np.sum(gy ** 2)


CASES = [(default_spacing, (R.standard_normal(6),)),
         (second_order_edges, (R.standard_normal(7), 0.3)),
         (two_dimensional, (R.standard_normal((4, 5)), 0.7)),
         (one_axis_and_two_spacings, (R.standard_normal((3, 4)),)),
         (per_axis_spacing, (R.standard_normal((3, 4)), 0.4, 1.3))]


@pytest.mark.parametrize("fn,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_matches_finite_differences(fn, args):
    srcad.check_grads(fn, args)
    # second derivatives with respect to the values (the spacing held fixed)
    h = srcad.hessian(fn, wrt=0)(*args)
    g = srcad.grad(fn, wrt=0)
    x = args[0]
    eps = 1e-6
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append(((g(x + e, *args[1:]) - g(x - e, *args[1:])) / (2 * eps)).ravel())
    np.testing.assert_allclose(h.reshape(x.size, x.size), np.array(cols).T, rtol=1e-5, atol=1e-6)


def test_coordinate_arrays_are_refused():
    def uneven(u):
        return np.sum(np.gradient(u, np.array([0.0, 0.5, 1.5, 3.0])))
    with pytest.raises(srcad.NonDifferentiableError, match="coordinates"):
        srcad.grad(uneven)(np.arange(4.0))
