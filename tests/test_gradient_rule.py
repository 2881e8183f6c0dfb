"""np.gradient: linear in the values, scaled by the spacing. Checked against
finite differences in both modes (values and spacing) and to second order
(values); coordinate arrays (uneven spacing) held constant."""

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


X7 = np.array([0.0, 0.1, 0.25, 0.4, 0.6, 0.7, 1.2])
Y4 = np.array([-1.0, -0.5, 0.7, 1.5])


def uneven_grid(u):
    return np.sum(np.gradient(u, X7) ** 2) + np.sum(np.gradient(u, X7, edge_order=2) ** 3)


def uneven_grid_two_dimensional(U):
    gx, gy = np.gradient(U, X7, Y4)
    return np.sum(gx * np.gradient(U, 0.3, Y4, edge_order=2)[1]) + np.sum(np.gradient(U, Y4, axis=1) ** 2)


def shortest_uneven_grids(u):
    return np.sum(np.gradient(u, X7[:3], edge_order=2) ** 3) + np.sum(np.gradient(u[:2], X7[:2]) ** 2)


def coordinates_as_argument(u, x):
    return np.sum(np.gradient(u, srcad.stop_gradient(x)) ** 3)


def coordinates_as_argument_differentiated(u, x): return np.sum(np.gradient(u, x) ** 2)


CASES = [(default_spacing, (R.standard_normal(6),)),
         (second_order_edges, (R.standard_normal(7), 0.3)),
         (two_dimensional, (R.standard_normal((4, 5)), 0.7)),
         (one_axis_and_two_spacings, (R.standard_normal((3, 4)),)),
         (per_axis_spacing, (R.standard_normal((3, 4)), 0.4, 1.3)),
         (uneven_grid, (R.standard_normal(7),)),
         (uneven_grid_two_dimensional, (R.standard_normal((7, 4)),)),
         (shortest_uneven_grids, (R.standard_normal(3),))]


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


@pytest.mark.parametrize("fn", [uneven_grid, uneven_grid_two_dimensional, shortest_uneven_grids])
def test_coordinate_arrays_to_second_order(fn):
    args = next(a for f, a in CASES if f is fn)
    srcad.check_grads(fn, args, order=2)


def test_coordinates_held_by_stop_gradient():
    u = R.standard_normal(7)
    np.testing.assert_allclose(srcad.grad(coordinates_as_argument)(u, X7),
                               srcad.grad(lambda v: np.sum(np.gradient(v, X7) ** 3))(u))
    _, t = srcad.jvp(coordinates_as_argument, (u, X7), (np.ones(7), np.ones(7)))
    _, t_values = srcad.jvp(coordinates_as_argument, (u, X7), (np.ones(7), np.zeros(7)))
    np.testing.assert_allclose(t, t_values)


def test_differentiated_coordinates_are_refused_at_the_call():
    u = R.standard_normal(7)
    line = coordinates_as_argument_differentiated.__code__.co_firstlineno
    for run in (lambda: srcad.grad(coordinates_as_argument_differentiated, wrt=1)(u, X7),
                lambda: srcad.jvp(coordinates_as_argument_differentiated, (u, X7), (u, np.ones(7)))):
        with pytest.raises(srcad.NonDifferentiableError, match="coordinates") as info:
            run()
        assert info.value.filename == __file__ and info.value.lineno == line
