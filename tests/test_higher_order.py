"""Derivatives of generated derivatives: grad(grad(f)), jvp(grad(f))
(Hessian-vector products) and hessian, on the catalogue."""

import numpy as np
import pytest

import srcad
from catalogue import CATALOGUE
from fd import flat, float_positions, leaves, numeric_grad, rebuild

SCALAR_CASES = [pytest.param(fn, args, id=f"{group}-{fn.__name__}")
                for group, fn, args in CATALOGUE
                if len(args) >= 1 and isinstance(args[0], float) and 0 in float_positions(args)]
ARRAY_CASES = [pytest.param(fn, args, id=f"{group}-{fn.__name__}")
               for group, fn, args in CATALOGUE
               if isinstance(args[0], np.ndarray) and args[0].ndim == 1 and 0 in float_positions(args)]


def _second_derivative_fd(fn, args, eps=1e-4):
    g = srcad.grad(fn)
    plus = (args[0] + eps,) + tuple(args[1:])
    minus = (args[0] - eps,) + tuple(args[1:])
    return (g(*plus) - g(*minus)) / (2 * eps)


# grad(grad(f)) checks reverse mode over the inner gradient's code, calls of
# functions held in variables in that code included
GRAD_OF_GRAD_CASES = SCALAR_CASES


@pytest.mark.parametrize("fn,args", GRAD_OF_GRAD_CASES)
def test_grad_of_grad(fn, args):
    second = srcad.grad(srcad.grad(fn))(*args)
    np.testing.assert_allclose(second, _second_derivative_fd(fn, args), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn,args", SCALAR_CASES)
def test_jvp_of_grad_scalar(fn, args):
    _, t = srcad.jvp(srcad.grad(fn), args, (1.0,) + tuple(0.0 * np.asarray(a) for a in args[1:]))
    np.testing.assert_allclose(t, _second_derivative_fd(fn, args), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn,args", ARRAY_CASES)
def test_hessian_vector_product(fn, args):
    x = args[0]
    v = np.linspace(-1.0, 1.0, x.size)
    zeros = tuple(0.0 * np.asarray(a) for a in args[1:])
    _, hv = srcad.jvp(srcad.grad(fn), args, (v,) + zeros)
    H = numeric_grad(srcad.grad(fn), args, 0, eps=1e-5)
    np.testing.assert_allclose(flat(hv), H @ v, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fn,args", ARRAY_CASES)
def test_hessian(fn, args):
    H = srcad.hessian(fn)(*args)
    expected = numeric_grad(srcad.grad(fn), args, 0, eps=1e-5)
    assert H.shape == args[0].shape * 2
    np.testing.assert_allclose(H, expected, rtol=1e-4, atol=1e-5)


def test_rosenbrock_hvp():
    def rosen(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    x = np.array([0.5, 1.2, -0.3, 0.8])
    v = np.array([1.0, -0.5, 0.2, 0.3])
    _, hv = srcad.jvp(srcad.grad(rosen), (x,), (v,))
    np.testing.assert_allclose(hv, srcad.hessian(rosen)(x) @ v, rtol=1e-10)


# -- second derivatives through adjoints that reshape, reorder or gather, and through ------
# -- those of linear solves, inverses and determinants (product-rule tangents) ------------

def _cumsum_sq(x):
    return np.sum(np.cumsum(x * x) ** 2)


def _diag_products(x):
    return np.sum(np.diag(x * x) @ np.diag(x * x))


def _diagonal_cubes(A):
    return np.sum(np.diagonal(A * A) ** 3)


def _sorted_weights(x):
    return np.sum(np.sort(x * x) * np.arange(1.0, x.shape[0] + 1.0) ** 2)


def _repeat_tile(x):
    return np.sum(np.repeat(x * x, 2) ** 2) + np.sum(np.tile(x ** 3, 3))


def _padded(x):
    return np.sum(np.pad(x * x, 2) ** 2) + np.sum(np.pad(x ** 3, 1, mode="edge") ** 2)


def _gathered_rows(A):
    return np.sum(np.take_along_axis(A * A, np.argsort(A, axis=1), axis=1) ** 2)


def _rolled(A):
    return np.sum(np.rollaxis(A * A, 1) ** 3) + np.sum(np.ravel(A) ** 4)


def _split_halves(x):
    a, b = np.split(x, 2)
    return np.sum(a * b) + np.sum(np.concatenate([b, a]) ** 3)


def _solve_vector(A, b):
    return np.sum(np.linalg.solve(A, b) ** 2)


def _solve_matrix(A, B):
    return np.sum(np.linalg.solve(A, B) ** 2) + np.sum(np.linalg.solve(A, B[:, 0]))


def _inverse(A):
    return np.sum(np.linalg.inv(A) ** 2) + np.trace(np.linalg.inv(A))


def _determinant(A):
    return np.linalg.det(A) ** 2


def _deleted_and_compressed(x):
    kept = np.delete(x * x, [0, 2])
    picked = np.compress([True, False, True, True, False], x ** 3)
    return np.sum(kept ** 2) + np.sum(picked * kept[:3]) + np.sum(x.compress([1, 1, 0, 0, 1]) ** 3)


def _extracted_and_resized(x):
    return np.sum(np.extract(x > 0, x * x) ** 2) + np.sum(np.resize(x ** 2, (3, 3)) ** 2)


def _moving_windows(x):
    w = np.lib.stride_tricks.sliding_window_view(x * x, 3)
    return np.sum(np.mean(w, axis=-1) ** 3) + np.sum(np.lib.stride_tricks.sliding_window_view(
        np.outer(x, x), (2, 2)) ** 2)


def _blocks(A, v):
    M = np.block([[A * A, v[:, None]], [v[None, :] ** 2, np.ones((1, 1))]])
    return np.sum(M @ M) + np.sum(np.block([v, v ** 3]) ** 2)


def _broadcast_pair(a, b):
    x, y = np.broadcast_arrays(a * a, b)
    return np.sum((x * y) ** 2) + np.sum(x ** 3)


_RNG = np.random.default_rng(4)
_WELL = _RNG.standard_normal((3, 3)) + 3 * np.eye(3)
SHAPE_ADJOINTS = [
    (_solve_vector, (_WELL, _RNG.standard_normal(3))),
    (_solve_matrix, (_WELL, _RNG.standard_normal((3, 2)))),
    (_inverse, (_WELL,)),
    (_determinant, (_WELL,)),
    (_cumsum_sq, (_RNG.standard_normal(4),)),
    (_diag_products, (_RNG.standard_normal(3),)),
    (_diagonal_cubes, (_RNG.standard_normal((3, 4)),)),
    (_sorted_weights, (_RNG.standard_normal(5),)),
    (_repeat_tile, (_RNG.standard_normal(3),)),
    (_padded, (_RNG.standard_normal(4),)),
    (_gathered_rows, (_RNG.standard_normal((2, 4)),)),
    (_rolled, (_RNG.standard_normal((2, 3, 2)),)),
    (_split_halves, (_RNG.standard_normal(4),)),
    (_deleted_and_compressed, (_RNG.standard_normal(5),)),
    (_extracted_and_resized, (np.array([0.3, -1.1, 0.8, 1.4, -0.2]),)),
    (_moving_windows, (_RNG.standard_normal(5),)),
    (_blocks, (_RNG.standard_normal((2, 2)), _RNG.standard_normal(2))),
    (_broadcast_pair, (_RNG.standard_normal(3), _RNG.standard_normal((2, 1)))),
]


@pytest.mark.parametrize("fn,args", SHAPE_ADJOINTS, ids=[c[0].__name__ for c in SHAPE_ADJOINTS])
def test_second_order_through_shape_adjoints(fn, args):
    srcad.check_grads(fn, args, order=2)


# -- mixed second derivatives: the gradient in one argument moved along another ---------

def _tangent_along(args, j):
    """Tangents that move argument ``j`` only (a fixed direction per leaf)."""
    out = []
    for k, a in enumerate(args):
        if k != j:
            out.append(_zero_like(a))
            continue
        vec = np.linspace(0.5, -0.7, flat(a).size)
        out.append(rebuild(a, vec))
    return tuple(out)


def _zero_like(a):
    if isinstance(a, (int, bool, str)) or a is None:
        return 0.0
    return rebuild(a, np.zeros(flat(a).size)) if leaves(a) else a


MIXED_CASES = [pytest.param(fn, args, j, id=f"{group}-{fn.__name__}-{j}")
               for group, fn, args in CATALOGUE
               for j in float_positions(args)[1:]
               if 0 in float_positions(args)]


@pytest.mark.parametrize("fn,args,j", MIXED_CASES)
def test_mixed_second_derivative(fn, args, j):
    g = srcad.grad(fn)
    tangents = _tangent_along(args, j)
    _, got = srcad.jvp(g, args, tangents)
    eps = 1e-5
    plus = tuple(rebuild(a, flat(a) + eps * flat(t)) if k == j else a
                 for k, (a, t) in enumerate(zip(args, tangents)))
    minus = tuple(rebuild(a, flat(a) - eps * flat(t)) if k == j else a
                  for k, (a, t) in enumerate(zip(args, tangents)))
    expected = (flat(g(*plus)) - flat(g(*minus))) / (2 * eps)
    np.testing.assert_allclose(flat(got), expected, rtol=1e-4, atol=1e-6)


def test_second_order_through_a_loop_over_dict_items():
    from catalogue import parameters_chosen_by_key_name as f
    params = {"W": np.array([1.0, 2.0]), "b": np.array([0.3])}
    srcad.check_grads(f, (params, 0.5), order=2)


_M = np.array([[1.0, 0.2], [0.3, 1.0]])


def _scalar_through_arrays(q):
    P = q * np.eye(2)
    v = np.array([q, 2.0 * q]) ** 2
    return np.sum(_M @ P @ _M.T) * q + np.sum(np.cumsum(v) * np.sort(v))


def test_grad_of_grad_of_a_scalar_runs_forward_over_array_code():
    # the inner gradient's adjoint helpers have no reverse mode of their
    # own; with respect to one scalar the outer gradient runs forward mode
    second = srcad.grad(srcad.grad(_scalar_through_arrays))(0.5)
    g = srcad.grad(_scalar_through_arrays)
    expected = (g(0.5 + 1e-5) - g(0.5 - 1e-5)) / 2e-5
    np.testing.assert_allclose(second, expected, rtol=1e-6)


@pytest.mark.parametrize("fn,args", ARRAY_CASES)
def test_reverse_over_reverse_is_right_or_refused(fn, args):
    # reverse mode over a gradient: the values its forward sweep saves must
    # not be written by the in-place adjoint updates of the inner code
    g = srcad.grad(fn)
    try:
        H = srcad.jacobian(g, mode="reverse")(*args)
    except srcad.SrcadError as exc:
        pytest.skip(f"refused: {type(exc).__name__}")
    expected = numeric_grad(g, args, 0, eps=1e-5)
    np.testing.assert_allclose(flat(H), flat(expected), rtol=1e-4, atol=1e-5)


# -- reverse mode over the adjoints of products (gradient penalties, meta-learning) -----------

_X = np.random.default_rng(7).standard_normal((3, 4))


def _mlp_loss(w):
    return np.sum(np.tanh(_X @ w) ** 2) + np.sum(np.sin(w.T @ _X.T)) + np.sum(np.dot(_X[0], w) ** 2)


def _gradient_penalty(w):
    return np.sum(srcad.grad(_mlp_loss)(w) ** 2)


def _vector_products(a, b):
    return np.sum(np.sin(a @ b)) + np.sum(np.cos(np.dot(b, a)))


def _penalty_of_products(a, b):
    ga, gb = srcad.grad(_vector_products, wrt=(0, 1))(a, b)
    return np.sum(ga ** 2) + np.sum(gb * a)


def test_reverse_over_reverse_through_matmul_and_dot_adjoints():
    w = np.random.default_rng(8).standard_normal((4, 2))
    srcad.check_grads(_gradient_penalty, (w,), modes=("reverse",))
    rng = np.random.default_rng(9)
    srcad.check_grads(_penalty_of_products, (rng.standard_normal(3), rng.standard_normal(3)),
                      modes=("reverse",))


# -- a real value made from a complex one, used with a complex factor again ------------------

def _modulus_times_phasor(x):
    z = np.exp(1j * x) * (2.0 + x)
    return np.sum(np.real(np.abs(z) * z) + np.imag(np.real(z) * z) + np.real(np.imag(z) * z))


def _angle_times_phasor(x):
    z = np.exp(1j * x) * (2.0 + x)
    return np.sum(np.imag(np.angle(z) * z))


def _abs_of_complex_cubed(x):
    return np.sum(np.abs(1j * x + 2.0) ** 3)


@pytest.mark.parametrize("fn", [_modulus_times_phasor, _angle_times_phasor, _abs_of_complex_cubed])
def test_adjoint_of_a_real_part_of_a_complex_value_stays_real(fn):
    # the adjoint reaching |z|, Re z or angle(z) from a product with a complex
    # factor has an imaginary part that must not flow back into z
    x = np.array([0.3, 1.2])
    srcad.check_grads(fn, (x,), order=2)
    g = srcad.grad(fn)
    np.testing.assert_allclose(srcad.jacobian(g, mode="reverse")(x), numeric_grad(g, (x,), 0, eps=1e-5),
                               rtol=1e-5, atol=1e-6)


# -- reverse over reverse through the adjoints of maxima, lists, powers, reshapes and products --

_B43 = np.random.default_rng(10).standard_normal((4, 3))
_C342 = np.random.default_rng(11).standard_normal((3, 4, 2))


def _maxima(x):
    m = np.max(x * x) + np.sum(np.min(np.outer(x, x), axis=1) ** 2)
    return m * np.sum(x) + max(x[0] ** 2, x[1])


def _joined_lists(x):
    parts = [x[0] * x[1], x[2]] + [x[1] ** 2] + [x[0]] * 2
    rows = [v * w for v, w in zip(parts, reversed(parts))]
    return sum(r * (i + 1.0) for i, r in enumerate(rows)) + np.sum(np.array(parts) ** 3)


def _repeated_pair(x):
    z = [x[0] * x[1], x[2]]
    w = z * 3
    return w[0] * w[3] + w[4] ** 2 * x[3]


def _array_powers(x):
    return np.sum(np.abs(x) ** x) + np.sum(2.0 ** (x * x))


def _reshapes_and_joins(x):
    A = np.outer(x, x[:3])
    c = np.concatenate([x, x ** 2]) * np.stack([x, x[::-1]]).ravel()
    return np.trace(A[:3] @ A[:3]) + np.sum(np.cumsum(x * x) ** 2) + np.sum(c ** 2) + np.var(x * x) \
        + sum(v ** 3 for v in (x * x).tolist())


def _unpacked_displays(x):
    parts = (*x, x[0] * x[1], *x)
    padded = np.array([*x, 1.0, *parts])
    return np.sum(padded ** 2) * parts[1]


def _products(x):
    return np.sum(np.inner(x * x, x) ** 2) + np.sum(np.outer(x, x ** 2) ** 2) \
        + np.sum(np.tensordot(np.outer(x, x[:3]), _C342, axes=([1], [0])) ** 2) \
        + np.sum(np.kron(x, x[:2] ** 2) ** 2) + np.sum(np.cross(x[:3], x[1:] ** 2) ** 2) \
        + np.sum(np.convolve(x, x[:2] ** 2) ** 2) + np.sum(np.correlate(x, x[:2] ** 2) ** 2)


def _contractions(x):
    return np.sum(np.einsum("i,j,ij->i", x, x ** 2, _B43 @ np.outer(x[:3], x)) ** 2) \
        + np.einsum("ij,jk,ki->", np.outer(x, x), _B43, np.outer(x[:3], x)) ** 2


def _powered_helper(x, scale=1.0, power=None):
    y = x * scale
    if power is not None:
        y = y ** power
    return np.sum(y * np.cos(x))


def _calls_a_helper_that_pushes(x):
    # the helper's forward sweep pushes onto its own tape: each row of the
    # Jacobian needs that forward sweep run again
    return _powered_helper(x, scale=x[0], power=2)


def _keys_of_a_dict(x):
    d = {"a": x[0] * x, "b": x ** 2}
    new = {k: d[k] * 2.0 for k in d}
    return np.sum(new["a"] * new["b"])


def _written_entries(x):
    out = x * 1.0
    for i in range(1, x.shape[0]):
        out[i] += out[i - 1] * 0.5 * x[i]
    grid = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            grid[i, j] = x[i] * x[j + 2]
    d = {"a": x[0]}
    d["a"] = d["a"] * x[1]
    return np.sum(out ** 2) + np.sum(grid ** 3) + d["a"] ** 2


def _rows_and_columns_written(x):
    # m[:, i] += ... reads the column (a view) and writes it back: the
    # gradient's code reads that view's shape after m is written
    m = np.zeros((4, 4))
    for i in range(4):
        m[i] = x * (i + 1.0)
        m[:, i] += x[i]
    return np.sum(m @ m)


REVERSE_OVER_REVERSE = [_rows_and_columns_written, _written_entries, _maxima, _joined_lists, _repeated_pair, _array_powers, _reshapes_and_joins,
                        _unpacked_displays, _products, _contractions, _calls_a_helper_that_pushes,
                        _keys_of_a_dict]


@pytest.mark.parametrize("fn", REVERSE_OVER_REVERSE, ids=[f.__name__ for f in REVERSE_OVER_REVERSE])
def test_reverse_over_reverse_through_runtime_helpers(fn):
    x = np.array([0.7, -0.4, 1.3, 0.5])
    g = srcad.grad(fn)
    H = srcad.jacobian(g, mode="reverse")(x)
    np.testing.assert_allclose(H, numeric_grad(g, (x,), 0, eps=1e-5), rtol=1e-5, atol=1e-6)

    def penalty(x):
        return np.sum(srcad.grad(fn)(x) ** 2)
    srcad.check_grads(penalty, (x,), modes=("reverse",))


# -- reverse over reverse through the adjoints of solves, inverses, determinants, sorts, norms --

_S33 = np.random.default_rng(12).standard_normal((3, 3))
_SPD = _S33 @ _S33.T + 3 * np.eye(3)
_B32 = np.random.default_rng(13).standard_normal((3, 2))


def _solves(x):
    return np.sum(np.linalg.solve(_SPD + np.diag(x ** 2), x) ** 2) \
        + np.sum(np.linalg.solve(_SPD + np.outer(x, x), _B32 * x[0]) ** 2) \
        + np.sum(np.linalg.solve(np.stack([_SPD + np.outer(x, x), _SPD * x[1] ** 2 + np.eye(3)]), x) ** 2)


def _inverses_and_determinants(x):
    return np.sum(np.linalg.inv(_SPD + np.outer(x, x)) * _S33) \
        + np.sum(np.linalg.inv(np.stack([_SPD + np.outer(x, x), _SPD * (1 + x[1] ** 2)])) ** 2) \
        + np.linalg.det(_SPD + np.outer(x, x)) ** 0.5 + np.linalg.det(_S33 * x[0]) \
        + np.sum(np.linalg.det(np.stack([_SPD + np.outer(x, x), _S33 * x[2]])) ** 2)


def _diagonals_and_sorts(x):
    return np.sum(np.diag(np.outer(x, x) @ _S33) ** 2) + np.sum(np.diag(x ** 2) @ _S33) \
        + np.sum(np.sort(x * x)[::-1] * np.arange(1.0, 4.0) * x) \
        + np.sum(np.sort(np.outer(x, x), axis=0) ** 2 * _S33)


def _norms_and_products(x):
    M = np.outer(x, x ** 2) + _S33
    return np.linalg.norm(x * _S33) + np.linalg.norm(x) ** 3 + np.linalg.norm(_S33 @ x, ord=1) \
        + np.sum(np.linalg.norm(M, axis=1) ** 2) + np.linalg.norm(x, 4) + np.linalg.norm(M, "fro") \
        + np.linalg.norm(M, np.inf) + np.prod(x) * np.sum(np.prod(M, axis=1) ** 2) + np.prod(x ** 2, initial=2.0)


def _order_statistics_and_joins(x):
    return np.sum(np.quantile(np.outer(x, x), [0.3, 0.8], axis=1) ** 2) + np.median(x * x) ** 2 \
        + np.sum(np.hstack([x, x ** 2]) ** 2 * np.arange(6.0)) + np.sum(np.vstack([x, x ** 3]) ** 2) \
        + np.sum(np.column_stack([x, np.sin(x)]) ** 3) + np.sum(np.resize(x ** 2, (2, 2)) ** 2)


def _polynomials_and_cumulative_products(x):
    return np.sum(np.polyval(x ** 2, x) ** 2) + np.sum(np.polyval([1.0, -2.0, 0.5, 3.0], x * x) ** 2) \
        + np.sum(np.cumprod(x) ** 2) + np.sum(np.cumprod(np.outer(x, x), axis=1) * _S33)


def _gathers_and_differences(x):
    M = np.outer(x, x ** 2)
    return np.sum(np.take(x * x, [0, 2, 2]) ** 2) + np.sum(np.take(M, [1, 2], axis=1) ** 2) \
        + np.sum(np.take_along_axis(M, np.argsort(_S33, axis=1), axis=1) ** 2 * _S33) \
        + (x * x).item(2) ** 2 + np.sum(np.diagonal(M @ _S33) ** 2) + np.sum(M.diagonal(1) ** 3) \
        + np.sum(np.repeat(x * x, 2) ** 2 * np.arange(6.0)) + np.sum(np.tile(x ** 3, 2) ** 2) \
        + np.sum(np.pad(x * x, 2) ** 2 * np.arange(7.0)) + np.sum(np.pad(x ** 3, 1, mode="edge") ** 2) \
        + np.sum(np.diff(x * x) ** 2) + np.sum(np.diff(x, prepend=x[0] ** 2) ** 3) \
        + np.linalg.slogdet(_SPD + np.outer(x, x))[1] ** 2 + np.sum(np.nancumsum(x * x) ** 2)


def _spectra(x):
    return np.sum(np.abs(np.fft.fft(x * x)) ** 2) + np.sum(np.real(np.fft.rfft(x ** 3, n=6)) ** 2) \
        + np.sum(np.imag(np.fft.ifft(x * x + 1j * x)) ** 3) + np.sum(np.abs(np.fft.fft2(np.outer(x, x ** 2))) ** 2) \
        + np.sum(np.real(np.fft.fft(x ** 2, norm="ortho")) ** 3) + np.sum(np.fft.irfft(np.fft.rfft(x ** 2)) ** 3) \
        + np.sum(np.fft.irfft2(np.outer(x, x) * (1 + 0.5j)) ** 2) + np.sum(np.fft.hfft(x * (1 + 1j * x)) ** 2)


def _selections_and_insertions(x):
    return np.sum(np.delete(x * x, [0, 2]) ** 2) + np.sum(np.delete(np.outer(x, x), 1, axis=0) ** 3) \
        + np.sum(np.compress([True, False, True], x ** 3) ** 2) + np.sum(np.extract(x > 0, x * x) ** 2) \
        + np.sum(np.mean(np.lib.stride_tricks.sliding_window_view(x * x, 2), axis=-1) ** 3) \
        + np.sum(np.insert(x * x, 1, x[0] ** 3) ** 2 * np.arange(4.0)) + np.sum(np.append(x ** 2, x[:2] * 3) ** 3) \
        + np.sum(np.block([[np.outer(x[:2], x[:2]), x[1:, None]], [x[None, :2] ** 2, np.ones((1, 1))]]) ** 3)


def _dots_and_choices(x):
    return np.vdot(x * x, x[::-1]) ** 2 + np.vdot(np.outer(x, x), np.outer(x, x ** 2)) \
        + np.sum(np.select([x > 0.6, x < 0.0], [x ** 3, x * x], default=np.sin(x)) ** 2) \
        + np.sum(np.prod(np.broadcast_arrays(x * x, x[:, None] ** 3), axis=0) ** 2)


def _integrals(x):
    points = np.array([0.0, 0.4, 1.1])
    return np.trapezoid(x ** 3, points) ** 2 + np.trapezoid(np.sin(x), dx=0.3) ** 2 \
        + np.trapezoid(np.cos(x), np.cumsum(x * x)) ** 2 + np.trapezoid(x ** 2, dx=x[0] ** 2 + 0.1) ** 2


def _powers_eigenvalues_and_log_sums(x):
    M = np.outer(x, x)
    return np.sum(np.linalg.matrix_power(M * 0.3 + _S33 * 0.2, 3) ** 2) \
        + np.sum(np.linalg.multi_dot([M, _S33, np.outer(x ** 2, x)]) ** 2) \
        + np.sum(np.linalg.eigvalsh(_SPD + M) ** 3) + np.sum(np.full((3, 2), x[0] * x[1]) ** 2 * _B32) \
        + np.sum(np.sinc(x) ** 2) + np.nanvar(x * x) ** 2 + np.nanstd(M, axis=0).sum() ** 2


def _log_sums(x):
    M = np.outer(x, x)
    return _SCIPY_SPECIAL.logsumexp(x, b=x ** 2 + 0.1) ** 2 \
        + np.sum(_SCIPY_SPECIAL.logsumexp(M, axis=1, b=np.abs(_S33) + 0.1) ** 2)


def _gaussian_process_terms(x):
    L = np.linalg.cholesky(_SPD + np.diag(x ** 2))
    U = np.linalg.cholesky(_SPD + np.outer(x, x ** 2) + np.outer(x ** 2, x), upper=True)
    batch = np.linalg.cholesky(np.stack([_SPD + np.outer(x, x), _SPD * (1.0 + x[0] ** 2)]))
    return np.sum(np.linalg.solve(L, x) ** 2) + np.sum(np.log(np.diag(L))) + np.sum(U ** 3) \
        + np.sum(batch ** 2 * _S33)


def _pseudo_inverses(x):
    return np.sum(np.linalg.pinv(_B32.T + np.outer(x[:2], x)) ** 2) \
        + np.sum(np.linalg.pinv(np.diag(x ** 2 + 1.0) + np.outer(x, x)) * _S33)


def _covariances(x):
    return np.sum(np.cov(np.outer(x, x) + _S33) ** 2) + np.sum(np.cov(x * x, np.sin(x)) ** 2) \
        + np.sum(np.cov(np.outer(x, x ** 2) + _S33, rowvar=False, bias=True) * _S33)


def _interpolations(x):
    return np.sum(np.interp(x * 0.5, [-1.0, 0.0, 1.0], [0.0, 1.0, 4.0]) ** 2) \
        + np.sum(np.interp([0.1, 0.35, 0.8], [0.0, 0.5, 1.0], x ** 2) ** 3) \
        + np.sum(np.interp(x * 0.3, np.cumsum(np.abs(x) + 0.1) - 1.0, np.sin(x)) ** 2) \
        + np.sum(np.interp(np.array([-2.0, 0.2, 5.0]), [0.0, 0.5, 1.0], x ** 2, left=x[0] ** 3,
                           right=x[1] * x[2]) ** 2)


def _weighted_averages(x):
    return np.average(x ** 2, weights=np.abs(x) + x ** 2) ** 2 + np.average(x ** 2, weights=[1.0, 2.0, 0.5]) ** 2 \
        + np.sum(np.average(np.outer(x, x) + _S33, axis=1, weights=x ** 2 + 0.5) ** 2) \
        + np.sum(np.average(np.outer(x, x ** 2) + _S33, axis=0, weights=np.exp(x), keepdims=True) * _S33)


LINALG_REVERSE_OVER_REVERSE = [_pseudo_inverses, _weighted_averages, _interpolations, _covariances, _gaussian_process_terms, _powers_eigenvalues_and_log_sums, _integrals, _dots_and_choices, _selections_and_insertions, _spectra, _gathers_and_differences, _solves, _inverses_and_determinants, _diagonals_and_sorts, _norms_and_products,
                               _order_statistics_and_joins, _polynomials_and_cumulative_products]
try:   # SciPy is optional: without it, its part of the catalogue is left out
    import scipy.special as _SCIPY_SPECIAL
    LINALG_REVERSE_OVER_REVERSE.append(_log_sums)
except ImportError:
    _SCIPY_SPECIAL = None


@pytest.mark.parametrize("fn", LINALG_REVERSE_OVER_REVERSE, ids=[f.__name__ for f in LINALG_REVERSE_OVER_REVERSE])
def test_reverse_over_reverse_through_linear_algebra_adjoints(fn):
    x = np.array([0.5, -0.3, 0.8])
    g = srcad.grad(fn)
    H = srcad.jacobian(g, mode="reverse")(x)
    np.testing.assert_allclose(H, numeric_grad(g, (x,), 0, eps=1e-5), rtol=1e-5, atol=1e-6)


# -- Jacobians and Hessians called inside a function being differentiated ----------------------

_S_NEWTON = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.8]])


def _newton_objective(x):
    return np.sum(np.tanh(_S_NEWTON @ x) ** 2) + np.sum(x ** 4)


def _newton_step(x):
    step = np.linalg.solve(srcad.hessian(_newton_objective)(x) + 5.0 * np.eye(3),
                           srcad.grad(_newton_objective)(x))
    return np.sum((x - step) ** 2)


def _jacobian_norm(x):
    J = srcad.jacobian(lambda y: np.sin(_S_NEWTON @ y) * y)(x)
    return np.sum(J ** 2) + np.sum(srcad.jacobian(np.tanh, mode="reverse")(x * x))


def _scalar_hessian(a):
    return srcad.hessian(lambda t: np.sin(t) * t ** 3)(a) * a


@pytest.mark.parametrize("fn,x", [(_newton_step, np.array([0.5, -0.3, 0.8])),
                                  (_jacobian_norm, np.array([0.5, -0.3, 0.8])),
                                  (_scalar_hessian, 0.7)],
                         ids=["newton_step", "jacobian_norm", "scalar_hessian"])
def test_hessian_and_jacobian_inside_a_differentiated_function(fn, x):
    srcad.check_grads(fn, (x,))


# -- second derivatives through hand-written vjps (through the user's fwd and bwd) ------------

@srcad.custom_vjp
def _scaled_square(x, k):
    return x * x * k


def _scaled_square_fwd(x, k):
    return _scaled_square(x, k), (x, k)


def _scaled_square_bwd(res, g):
    x, k = res
    return (2.0 * x * k * g, None)


_scaled_square.defvjp(_scaled_square_fwd, _scaled_square_bwd)


def _uses_a_custom_vjp(x):
    return np.sum(_scaled_square(np.sin(x), 3.0) * x)


def test_second_derivatives_through_a_custom_vjp():
    x = np.array([0.3, -0.7, 1.1])
    srcad.check_grads(_uses_a_custom_vjp, (x,), order=2)
    g = srcad.grad(_uses_a_custom_vjp)
    expected = numeric_grad(g, (x,), 0, eps=1e-5)
    np.testing.assert_allclose(srcad.hessian(_uses_a_custom_vjp)(x), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(srcad.jacobian(g, mode="reverse")(x), expected, rtol=1e-5, atol=1e-6)


# -- reverse over reverse through calls of functions held in variables --------------------------

def _apply_twice(act, x):
    return act(act(x) * x)


def _functions_as_values(x):
    acts = [np.tanh, lambda v: v ** 3]
    total = 0.0
    for act in acts:
        total = total + np.sum(_apply_twice(act, x) ** 2)
    return total + np.sum(srcad.grad(lambda v: np.sum(np.sin(v) * v))(x) ** 2)


def test_reverse_over_reverse_through_functions_held_in_variables():
    x = np.array([0.3, -0.6, 0.9])
    g = srcad.grad(_functions_as_values)
    H = srcad.jacobian(g, mode="reverse")(x)
    np.testing.assert_allclose(H, numeric_grad(g, (x,), 0, eps=1e-5), rtol=1e-5, atol=1e-6)

    def penalty(x):
        return np.sum(srcad.grad(_functions_as_values)(x) ** 2)
    srcad.check_grads(penalty, (x,), modes=("reverse",))


# -- srcad.jvp called inside a function being differentiated ------------------------------------

_W23 = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.5]])


def _smooth_objective(x):
    return np.sum(np.tanh(_W23 @ x) ** 2) + np.sum(x ** 3) / 3.0


def _curvature_along_itself(x):
    # a Hessian-vector product inside the function: jvp of its gradient
    _, hv = srcad.jvp(srcad.grad(_smooth_objective), (x,), (x,))
    return np.sum(hv ** 2)


def _jvp_of_two_arguments(x):
    out, t = srcad.jvp(lambda a, b: np.sin(a) * b ** 2, (x[0], x[1]), (x[2], 1.0))
    return out * t


@pytest.mark.parametrize("fn", [_curvature_along_itself, _jvp_of_two_arguments])
def test_jvp_inside_a_differentiated_function(fn):
    srcad.check_grads(fn, (np.array([0.4, -0.7, 0.9]),))


# -- second derivatives through hand-written jvps alone (the transposed jvp, differentiated) ----

@srcad.custom_jvp
def _softplus(x, beta):
    return np.log1p(np.exp(beta * x)) / beta


@_softplus.defjvp
def _softplus_jvp(p, t):
    x, beta = p
    tx, tb = t
    s = 1.0 / (1.0 + np.exp(-beta * x))
    y = np.log1p(np.exp(beta * x)) / beta
    return y, s * tx + (x * s / beta - y / beta) * tb


@srcad.custom_jvp
def _polar(x):
    return np.cos(x) * 2.0, np.sin(x)


@_polar.defjvp
def _polar_jvp(p, t):
    (x,), (tx,) = p, t
    return (np.cos(x) * 2.0, np.sin(x)), (-2.0 * np.sin(x) * tx, np.cos(x) * tx)


def _uses_a_custom_jvp(x):
    a, b = _polar(x * x)
    return np.sum(_softplus(x, x[0] + 2.0) ** 2) + np.sum(_softplus(x * x, 1.5) * x) + np.sum(a * b ** 2)


def test_second_derivatives_through_a_custom_jvp():
    x = np.array([0.3, -0.7, 1.1])
    srcad.check_grads(_uses_a_custom_jvp, (x,), order=2)
    g = srcad.grad(_uses_a_custom_jvp)
    expected = numeric_grad(g, (x,), 0, eps=1e-5)
    np.testing.assert_allclose(srcad.hessian(_uses_a_custom_jvp)(x), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(srcad.jacobian(g, mode="reverse")(x), expected, rtol=1e-5, atol=1e-6)


# -- complex values held in tuples, lists and dicts keep complex adjoints ------------------------

def _complex_in_a_tuple(x):
    pair = (np.exp(1j * x) * x, x)
    return np.sum(np.imag(pair[0])) + np.sum(pair[1] ** 2)


def _complex_in_a_list_and_a_dict(x):
    zs = [np.exp(1j * x), 2.0 * x]
    d = {"z": zs[0] * x}
    return np.sum(np.imag(d["z"]) ** 2) + np.sum(np.imag(zs[0]))


@srcad.custom_jvp
def _phasor(x):
    return np.exp(1j * x) * x


@_phasor.defjvp
def _phasor_jvp(p, t):
    (x,), (tx,) = p, t
    return np.exp(1j * x) * x, (1j * x + 1.0) * np.exp(1j * x) * tx


def _complex_custom_jvp(x):
    return np.sum(np.real(_phasor(x * x)) ** 2 + np.abs(_phasor(x)) ** 3 + np.imag(_phasor(x)))


@pytest.mark.parametrize("fn", [_complex_in_a_tuple, _complex_in_a_list_and_a_dict, _complex_custom_jvp])
def test_complex_entries_of_containers_keep_their_imaginary_adjoint(fn):
    # the adjoint of a complex entry read from a tuple, list or dict was cut
    # to its real part (as for a real entry): wrong gradients, first order too
    srcad.check_grads(fn, (np.array([0.3, -0.7, 1.1]),), order=2)


def _products_and_sorts(x):
    return np.einsum("i,ij,j->", x, _S_NEWTON, x ** 2) + np.sum(np.einsum("i,j,ij->i", x, x ** 2, _S_NEWTON) ** 2) \
        + np.sum(np.outer(x, x ** 2) ** 2) + np.inner(x * x, x) ** 2 + np.sum(np.kron(x, x[:2] ** 2) ** 2) \
        + np.sum(np.cross(x, x ** 2) ** 2) + np.sum(np.convolve(x, x[:2] ** 2) ** 2) \
        + np.sum(np.sort(x * x) * np.arange(1.0, 4.0) * x)


def _newton_step_through_products(x):
    step = np.linalg.solve(srcad.hessian(_products_and_sorts)(x) + 10.0 * np.eye(3),
                           srcad.grad(_products_and_sorts)(x))
    return np.sum((x - step) ** 2)


def test_newton_step_through_the_adjoints_of_products():
    # reverse mode over a Hessian (forward over reverse): the tangents of the
    # products' adjoints and of the sort's permutation have reverse modes
    srcad.check_grads(_newton_step_through_products, (np.array([0.5, -0.3, 0.8]),), modes=("reverse",))


def _two_argument_objective(x, y):
    return np.sum(np.tanh(_W23 @ x) * y) + np.sum(x ** 3) / 3.0


def _value_and_gradients_inside(x):
    v, g = srcad.value_and_grad(_two_argument_objective)(x, np.array([0.7, -1.2]))
    gx, gy = srcad.grad(_two_argument_objective, wrt=(0, 1))(x, np.array([0.7, -1.2]))
    return v * np.sum(g ** 2) + np.sum(gx * gy[0]) + np.sum(gy ** 2)


def test_reverse_over_reverse_through_value_and_grad_and_several_gradients():
    x = np.array([0.4, -0.7, 0.9])
    g = srcad.grad(_value_and_gradients_inside)
    np.testing.assert_allclose(srcad.jacobian(g, mode="reverse")(x), numeric_grad(g, (x,), 0, eps=1e-5),
                               rtol=1e-5, atol=1e-6)


def _blocks_inside(x):
    (hxx, hxy), (hyx, hyy) = srcad.hessian(_two_argument_objective, wrt=(0, 1))(x, np.array([0.7, -1.2]))
    jx, jy = srcad.jacobian(lambda a, b: np.sin(a) * b[0], wrt=(0, 1))(x, x[:2] ** 2)
    return np.sum(hxy ** 2) + np.sum(hxx * hyx.T[:, :1]) + np.sum(jx ** 2) + np.sum(jy)


def test_hessian_and_jacobian_with_respect_to_several_arguments_inside():
    srcad.check_grads(_blocks_inside, (np.array([0.4, -0.7, 0.9]),))
