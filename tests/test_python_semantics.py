"""Python constructs around the differentiated values: class constants and
properties of records, list slices and inserts, bound methods with
keyword-only parameters. Checked against finite differences, or refused."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

import srcad


@dataclass
class Particle:
    q: np.ndarray
    p: np.ndarray
    mass: ClassVar[float] = 2.0

    @property
    def kinetic(self):
        return 0.5 * np.sum(self.p ** 2)


def energy_with_class_constant(s):
    return np.sum(s.p ** 2) / (2 * s.mass) + np.sum(np.cos(s.q))


def energy_with_property(s):
    return s.kinetic + np.sum(s.q ** 2)


def test_a_class_constant_of_a_record_has_no_derivative():
    s = Particle(np.array([0.3]), np.array([0.5, -1.0]))
    g = srcad.grad(energy_with_class_constant)(s)
    np.testing.assert_allclose(g.p, s.p / s.mass)
    np.testing.assert_allclose(g.q, -np.sin(s.q))
    tangent = Particle(np.array([0.0]), np.array([1.0, 0.0]))
    _, t = srcad.jvp(energy_with_class_constant, (s,), (tangent,))
    assert t == pytest.approx(s.p[0] / s.mass)


def test_a_property_of_a_differentiated_record_is_refused():
    s = Particle(np.array([0.3]), np.array([0.5, -1.0]))
    with pytest.raises(srcad.NonDifferentiableError, match="kinetic"):
        srcad.grad(energy_with_property)(s)


def sum_of_a_list_slice(x):
    lst = [x[0], x[1], x[2], x[3]]
    return lst[1] * lst[2] + sum(lst[::2])


def insert_into_a_list(x):
    lst = [x * 2.0, x ** 2]
    lst.insert(1, np.sin(x))
    return lst[0] * lst[1] + lst[2]


def test_list_slices_and_inserts():
    srcad.check_grads(sum_of_a_list_slice, (np.array([0.3, -0.4, 1.2, 0.8]),), order=2)
    srcad.check_grads(insert_into_a_list, (0.7,), modes=("forward",))


class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x, y, *, scale=1.0):
        return scale * np.sum((self.w * x - y) ** 2)


def test_a_bound_method_with_keyword_only_parameters():
    m = Model(np.array([1.0, 2.0]))
    x = np.array([0.5, -0.3])
    g = srcad.grad(m.loss)(x, 0.3, scale=2.0)
    np.testing.assert_allclose(g, 2.0 * 2 * (m.w * x - 0.3) * m.w)
    np.testing.assert_allclose(srcad.grad(m.loss)(x, 0.3), 2 * (m.w * x - 0.3) * m.w)


# -- lists and tuples joined with + ---------------------------------------------------

def joined_lists(x):
    lst = [x] + [x * x]
    return lst[0] * lst[1]


def grown_by_concatenation(x):
    out = []
    for i in range(3):
        out = out + [x * (i + 1.0)]
    return out[0] * out[1] * out[2]


def grown_tuple(x):
    t = ()
    for i in range(3):
        t += (x * (i + 1.0),)
    return t[0] * t[2] + t[1]


def joined_with_a_constant(x):
    lst = [x * 2.0] + [3.0]
    return lst[0] * lst[1]


def joined_array_rows(x):
    parts = [x[:2]] + [x[1:3] * 2.0]
    return np.sum(parts[0] * parts[1]) + np.sum(np.array([x[0]] + [x[1] ** 2]))


@pytest.mark.parametrize("fn,args", [
    (joined_lists, (1.3,)), (grown_by_concatenation, (1.3,)), (grown_tuple, (0.7,)),
    (joined_with_a_constant, (0.7,)), (joined_array_rows, (np.array([0.3, 0.5, -0.8]),)),
], ids=["lists", "grown-list", "grown-tuple", "with-a-constant", "array-rows"])
def test_concatenation(fn, args):
    srcad.check_grads(fn, args, order=2)
    if fn is joined_lists:
        assert srcad.grad(fn)(1.3) == pytest.approx(3 * 1.3 ** 2)


# -- a list argument meeting arrays ----------------------------------------------------

C3 = np.array([1.0, 2.0, 3.0])


def list_times_array(x):
    return np.sum(x * C3) + np.sum((x + C3) ** 2)


def list_dot_array(x):
    return np.dot(x, C3) + np.sum(np.asarray(x) @ np.outer(C3, C3))


def list_made_inside_times_array(v):
    y = [v, 2.0 * v, 3.0]
    return np.sum(y * C3)


def test_a_list_argument_meeting_arrays():
    x = [1.0, 2.0, 3.0]
    g = srcad.grad(list_times_array)(x)
    assert isinstance(g, list)
    np.testing.assert_allclose(g, C3 + 2 * (np.array(x) + C3))
    np.testing.assert_allclose(srcad.grad(list_dot_array)(x), C3 + np.outer(C3, C3).sum(axis=1))
    srcad.check_grads(list_times_array, (x,))
    assert srcad.grad(list_made_inside_times_array)(1.3) == pytest.approx(5.0)


# -- powers with a zero exponent at a zero base ---------------------------------------

def polynomial_by_powers(x):
    c = [1.0, 2.0, -0.5, 0.25]
    s = 0.0
    for i in range(len(c)):
        s = s + c[i] * x ** i
    return s


def powers_of_an_array(x):
    return np.sum(x ** np.arange(4.0))


def test_a_zero_exponent_at_a_zero_base():
    assert srcad.grad(polynomial_by_powers)(0.0) == pytest.approx(2.0)
    assert srcad.jvp(polynomial_by_powers, (0.0,), (1.0,))[1] == pytest.approx(2.0)
    np.testing.assert_allclose(srcad.grad(powers_of_an_array)(np.array([0.0, 1.0, 0.0, 2.0])),
                               [0.0, 1.0, 0.0, 12.0])
    srcad.check_grads(polynomial_by_powers, (0.7,), order=2)
    srcad.check_grads(powers_of_an_array, (np.array([0.3, 1.2, 0.8, 2.0]),), order=2)


def test_a_refusal_raised_while_the_derivative_runs_names_the_users_line():
    s = Particle(np.array([0.3]), np.array([0.5, -1.0]))
    with pytest.raises(srcad.NonDifferentiableError) as info:
        srcad.grad(energy_with_property)(s)
    assert info.value.filename.endswith("test_python_semantics.py")
    assert "s.kinetic" in info.value.location.source_line


# -- methods of objects that are not the arrays being differentiated ------------------

class _Dist:
    def __init__(self, s):
        self.s = s

    def mean(self, x):
        return np.mean(np.tanh(self.s * x))


def namespace_alias(x):
    xp = np
    return xp.sum(x * x) + xp.mean(np.sin(x))


def method_of_an_argument(x, dist):
    return dist.mean(x)


def method_of_a_local_object(x):
    d = _Dist(2.0)
    return d.mean(x) * 3.0


def test_methods_named_like_array_methods_on_other_objects():
    x = np.array([0.3, -0.4])
    srcad.check_grads(namespace_alias, (x,))
    g = srcad.grad(method_of_an_argument)(x, _Dist(2.0))
    np.testing.assert_allclose(g, 2.0 * (1 - np.tanh(2.0 * x) ** 2) / 2)
    srcad.check_grads(method_of_a_local_object, (x,))


# -- complex constants, module defaults -----------------------------------------------

def dft_of_a_frame(s):
    frame = s[:4]
    n = np.arange(4.0)
    return np.abs(np.sum(frame * np.exp(-2j * np.pi * n / 4))) ** 2


def module_default(x, xp=np):
    return xp.exp(x).sum()


def correlate_with_complex_constant(s):
    c = np.array([1.0 + 1.0j, 0.5, -1.0j])
    return np.sum(np.imag(np.correlate(c, s, "full")))


def test_complex_constants_and_module_defaults():
    s = np.array([0.3, -0.7, 1.1, 0.4, 0.9])
    srcad.check_grads(dft_of_a_frame, (s,))
    np.testing.assert_allclose(srcad.grad(module_default)(np.array([1.0, 2.0])), np.exp([1.0, 2.0]))
    # NumPy conjugates its second argument: the rule refuses complex operands
    with pytest.raises(srcad.NonDifferentiableError, match="complex"):
        srcad.grad(correlate_with_complex_constant)(s)


def noisy_energy(x, rng):
    eps = rng.normal(size=x.shape)
    return np.sum((x + 0.1 * eps) ** 3)


def test_every_pass_of_a_jacobian_sees_the_same_random_draws():
    x = np.array([0.3, -0.5, 0.8])
    eps = np.random.default_rng(7).normal(size=3)
    expected = np.diag(6 * (x + 0.1 * eps))
    np.testing.assert_allclose(srcad.hessian(noisy_energy)(x, np.random.default_rng(7)), expected)
    np.testing.assert_allclose(
        srcad.jacobian(srcad.grad(noisy_energy), mode="forward")(x, np.random.default_rng(7)), expected)


def largest_of_three(x):
    return max(x[0], x[1] * 2.0, x[2] - 1.0) + min(x[0], 0.5, x[1])


def test_min_and_max_of_several_arguments():
    srcad.check_grads(largest_of_three, (np.array([0.3, 0.4, 1.9]),), order=2)
    g = srcad.grad(largest_of_three)(np.array([0.3, 0.4, 1.9]))
    np.testing.assert_allclose(g, [1.0, 0.0, 1.0])


# -- ufunc methods: reduce and accumulate ---------------------------------------------

def drawdown(p):
    peak = np.maximum.accumulate(p)
    return np.sum((peak - p) ** 2) + np.sum(np.minimum.accumulate(p[::-1]))


def ufunc_reductions(x):
    return (np.add.reduce(x ** 2) + np.sum(np.multiply.accumulate(x)) + np.maximum.reduce(x)
            + np.add.reduce(np.outer(x, x), 1)[0])


def nan_skipping_extrema(x):
    y = np.where(x > -1.0, x, np.nan)
    # (the NaNs stay out of products: 0 * NaN is NaN in any derivative)
    return np.fmax.reduce(y) * np.sum(np.fmin.reduce(np.stack([y, x * 0.5]), axis=0) ** 2)


def segment_sums(x):
    seg = np.add.reduceat(x * x, [0, 2, 5])
    rows = np.add.reduceat(np.outer(x[:4], x), np.array([0, 3, 1, 4]), axis=1)   # 3 > 1: one entry
    return np.sum(seg ** 2 * np.array([1.0, 2.0, 3.0])) + np.sum(rows ** 3)


def running_max_of_rows(A):
    return np.sum(np.maximum.accumulate(A, axis=1) * A)


@pytest.mark.parametrize("fn,args", [
    (drawdown, (np.array([1.0, 3.2, 2.1, 5.0, 4.4, 0.5]),)),
    (ufunc_reductions, (np.array([0.3, 1.2, 0.7]),)),
    (running_max_of_rows, (np.random.default_rng(0).standard_normal((3, 4)),)),
    (nan_skipping_extrema, (np.array([0.3, -1.5, 1.2, 0.7]),)),
    (segment_sums, (np.array([0.3, -1.5, 1.2, 0.7, 2.0, -0.4, 0.9]),)),
], ids=["drawdown", "reductions", "running-max-rows", "fmax-fmin-reduce", "add-reduceat"])
def test_ufunc_reduce_and_accumulate(fn, args):
    srcad.check_grads(fn, args, order=2)


def running_log_sum_exp(x):
    return np.sum(np.logaddexp.accumulate(x) ** 2) + np.sum(np.logaddexp2.accumulate(x[::-1]) * x)


def running_log_sum_exp_axes(A):
    return (np.sum(np.sin(np.logaddexp.accumulate(A, axis=1)))
            + np.sum(np.logaddexp.accumulate(A) * A) + np.sum(np.logaddexp2.accumulate(A, 2) ** 2))


@pytest.mark.parametrize("fn,args", [
    (running_log_sum_exp, (np.array([0.3, -1.2, 2.0, 0.5, -0.1]),)),
    (running_log_sum_exp_axes, (np.random.default_rng(1).standard_normal((3, 2, 4)),)),
], ids=["vector", "axes"])
def test_logaddexp_accumulate(fn, args):
    srcad.check_grads(fn, args, order=2)
    args32 = tuple(a.astype(np.float32) for a in args)
    assert srcad.grad(fn)(*args32).dtype == np.float32


def _last_running_lse(x):
    return np.logaddexp.accumulate(x)[-1] + np.logaddexp.accumulate(x)[1]


def test_logaddexp_accumulate_is_stable_far_apart():
    # the weights exp(x_j - r_i) of entries hundreds apart: no overflow, no NaN
    x = np.array([-800.0, 700.0, 0.0, 710.0])
    g = srcad.grad(_last_running_lse)(x)
    w = np.exp(x - np.logaddexp.reduce(x)) + np.exp(x - np.logaddexp(x[0], x[1])) * (np.arange(4) < 2)
    np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-300)
    _, t = srcad.jvp(_last_running_lse, (x,), (np.ones(4),))
    np.testing.assert_allclose(t, np.sum(w), rtol=1e-12)


def outer_products(a, b):
    pair = np.multiply.outer(a, b)          # shape a.shape + b.shape
    return np.sum(pair ** 2) + np.sum(np.tanh(np.subtract.outer(a * 2.0, b)))


def outer_of_a_call(x):
    return np.sum(np.maximum.outer(np.sin(x), x[::-1]) * np.arange(9.0).reshape(3, 3))


@pytest.mark.parametrize("fn,args", [
    (outer_products, (np.array([0.3, -1.2, 0.7]), np.array([[1.0, 2.0], [0.5, -0.4]]))),
    (outer_of_a_call, (np.array([0.3, 1.1, -0.6]),)),
], ids=["multiply-subtract", "maximum-of-a-call"])
def test_ufunc_outer(fn, args):
    srcad.check_grads(fn, args, order=2)
    grads = srcad.grad(fn, wrt=tuple(range(len(args))))(*args)
    assert [g.shape for g in grads] == [a.shape for a in args]


def masked_statistics(x, m):
    return (np.sum(x ** 2, where=m) + np.mean(np.sin(x), where=m)
            + np.sum(np.mean(x, axis=1, where=m, keepdims=True) ** 2))


def test_sums_and_means_with_where():
    x = np.random.default_rng(0).standard_normal((3, 4))
    m = x > -0.3
    value, _ = srcad.value_and_grad(masked_statistics)(x, m)
    assert value == pytest.approx(masked_statistics(x, m))
    srcad.check_grads(masked_statistics, (x, m), order=2)


def put_along_axis_into_an_argument(x, v):
    np.put_along_axis(x, np.array([1]), v, axis=0)
    return np.sum(x ** 2)


def test_put_along_axis_leaves_the_argument_alone():
    x = np.array([1.0, 2.0, 3.0])
    gx, gv = srcad.grad(put_along_axis_into_an_argument, wrt=(0, 1))(x, 0.5)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(gx, [2.0, 0.0, 6.0])
    assert gv == 1.0
