"""The gradient with respect to one scalar argument runs in forward mode.

One input means one forward pass alongside the function: no tape to record
and replay. ``srcad.grad`` picks it by itself for a scalar argument and falls
back to reverse mode where forward mode would not give the same gradient
(a hand-written ``custom_vjp``, a function held in a variable). Each case is
checked against central finite differences and against the reverse-mode
code that ``srcad.derivative`` makes.
"""

import math

import numpy as np
import pytest

import srcad


def _fd(f, args, i, h=1e-6):
    up = list(args)
    down = list(args)
    up[i] = args[i] + h
    down[i] = args[i] - h
    return (f(*up) - f(*down)) / (2 * h)


def recurrence(a, b, s0, n):
    s = s0
    for i in range(n):
        if s > 1.0:
            s = s * a - 0.2
        elif s > 0:
            s = s * a * b + 0.1 * i / n
        else:
            s = math.sin(s) * b + 0.3
    return s


def polynomial(x, c):
    p = 0.0
    for i in range(len(c)):
        p = p * x + c[i]
    return p


def scaled_sum(t, X):
    return np.sum(np.tanh(X * t) ** 2) / X.size


def _helper(u, v):
    return u * math.sin(v) + v ** 2


def calls_a_helper(x, y):
    total = 0.0
    k = 0
    while k < 3:
        total = total + _helper(x, y * k)
        k += 1
    return total


def rebinds_the_argument(x):
    x = x * 2.0
    x = math.exp(x) + x
    return x


CASES = [
    (recurrence, (0.8, 0.9, 0.5, 60), 0),
    (recurrence, (0.8, 0.9, 0.5, 60), 1),
    (polynomial, (0.7, np.array([1.0, -2.0, 0.5, 3.0])), 0),
    (scaled_sum, (0.3, np.linspace(-1.0, 2.0, 12).reshape(3, 4)), 0),
    (calls_a_helper, (0.4, 1.3), 0),
    (calls_a_helper, (0.4, 1.3), 1),
    (rebinds_the_argument, (0.25,), 0),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=lambda v: getattr(v, "__name__", None))
def test_forward_gradient_matches_finite_differences_and_reverse_mode(f, args, wrt):
    df = srcad.grad(f, wrt=wrt)
    g = df(*args)
    assert isinstance(g, float)
    assert g == pytest.approx(_fd(f, args, wrt), rel=1e-6, abs=1e-8)
    reverse = srcad.derivative(f, mode="reverse", wrt=wrt)
    assert g == pytest.approx(float(reverse(*args)), rel=1e-12, abs=1e-14)
    code = srcad.source(df.generated_for(*args))
    assert "_dot" in code and "tape" not in code


def test_forward_gradient_reads_like_the_function():
    df = srcad.grad(recurrence)
    code = srcad.source(df.generated_for(0.8, 0.9, 0.5, 10))
    assert code.startswith("def recurrence_grad_a(a, b, s0, n, d_result=1.0):")
    # the seed a_dot = 1.0 is folded away: s * a_dot reads s
    assert "a_dot" not in code and "s_dot * a + s" in code
    assert code.rstrip().endswith("return d_result * s_dot")


def test_forward_gradient_scales_by_the_seed():
    gen = srcad.grad(polynomial).generated_for(0.7, np.array([1.0, 2.0]))
    assert gen(0.7, np.array([1.0, 2.0]), 3.0) == pytest.approx(3.0)


def test_array_arguments_keep_reverse_mode():
    df = srcad.grad(scaled_sum, wrt=1)
    X = np.ones((2, 3))
    assert "_dot" not in srcad.source(df.generated_for(0.5, X))


def test_non_scalar_output_is_refused_in_forward_mode_too():
    def f(x):
        return x * np.ones(3)
    with pytest.raises(srcad.NonScalarOutputError, match="scalar output"):
        srcad.grad(f)(1.5)


def test_independent_output_gives_zero():
    def f(x, y):
        return y * 2.0
    assert srcad.grad(f)(1.0, 3.0) == 0.0


@srcad.custom_vjp
def clipped(x):
    return x * x


def _clipped_fwd(x):
    return x * x, x


def _clipped_bwd(x, g):
    return (min(2.0 * x * g, 1.0),)   # the gradient clipped: not the transpose of any JVP


clipped.defvjp(_clipped_fwd, _clipped_bwd)


def test_a_custom_vjp_keeps_reverse_mode():
    def f(x):
        return clipped(x) + x
    df = srcad.grad(f)
    assert df(3.0) == 2.0               # 1.0 from the clipped rule, 1.0 from + x
    assert "_dot" not in srcad.source(df.generated_for(3.0))


def test_a_function_held_in_a_variable_keeps_reverse_mode():
    def f(x, fn):
        return fn(x) * 2.0
    df = srcad.grad(f)
    assert df(0.5, math.sin) == pytest.approx(2.0 * math.cos(0.5))
    assert "_dot" not in srcad.source(df.generated_for(0.5, math.sin))


@pytest.mark.parametrize("f, args, wrt", CASES, ids=lambda v: getattr(v, "__name__", None))
def test_value_and_grad_in_forward_mode(f, args, wrt):
    vg = srcad.value_and_grad(f, wrt=wrt)
    value, g = vg(*args)
    assert value == pytest.approx(f(*args), rel=1e-14)
    assert g == pytest.approx(srcad.grad(f, wrt=wrt)(*args), rel=1e-14)
    assert "_dot" in srcad.source(vg.generated_for(*args))


@srcad.custom_jvp
def _soft(x):
    return math.tanh(x)


def _soft_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    y = math.tanh(x)
    return y, 2.0 * (1 - y * y) * t     # twice the true derivative: the user's rule must run


_soft.defjvp(_soft_jvp)


def test_a_custom_jvp_runs_in_forward_mode():
    def f(x):
        return _soft(x) * 3.0
    df = srcad.grad(f)
    assert df(0.4) == pytest.approx(6.0 * (1 - math.tanh(0.4) ** 2))
    assert "_dot" in srcad.source(df.generated_for(0.4))
