"""The catalogue of functions every mode is checked on, grouped by the
construct they exercise. Each entry: (group, function, args)."""

import cmath
import copy
import functools
import itertools
import math
import operator
import random
import statistics

import numpy as np

import srcad

R = np.random.default_rng(42)
V3 = np.array([0.3, -0.7, 1.1])
M34 = R.standard_normal((3, 4))
CATALOGUE = []


def case(group, *args):
    def register(fn):
        CATALOGUE.append((group, fn, args))
        return fn
    return register


# -- scalar arithmetic -------------------------------------------------------------

@case("scalar", 0.7)
def square_plus(x):
    return x * x + 3.0 * x - 1.0


@case("scalar", 0.7, 1.3)
def two_args(x, y):
    return x / y - y ** 3 + x ** y


@case("scalar", 0.4)
def math_chain(x):
    return math.sin(math.exp(x)) + math.log(1.0 + x * x) + math.sqrt(x + 2.0)


@case("scalar", 0.4)
def math_trig(x):
    return math.tan(x) + math.atan2(x, 2.0) + math.tanh(x) * math.cos(x)


@case("scalar", 0.6)
def unary_ops(x):
    y = -x
    z = +y
    return abs(z) * 2.0 - (-z)


@case("scalar", 1.7)
def mod_and_floordiv(x):
    return (x % 0.5) * 3.0 + x // 0.5


@case("scalar", 0.5, 2.0)
def min_max(x, y):
    return max(x, y * 0.1) + min(x * x, y)


@case("scalar", 0.9)
def augmented(x):
    y = x
    y += 2.0
    y *= x
    y -= 1.0
    y /= 3.0
    y **= 2
    return y


@case("scalar", 0.3)
def tuple_unpack(x):
    a, b = x * 2.0, x + 1.0
    b, a = a, b
    return a * b


@case("scalar", 0.8)
def float_builtin(x):
    return float(x) * 2.0 + sum([x, x * x, 1.0])


@case("scalar", 1.2)
def chained_assign(x):
    a = b = x * 3.0
    return a * b


# -- arrays ---------------------------------------------------------------------------

@case("arrays", V3)
def ufuncs(x):
    return np.sum(np.exp(x) * np.sin(x) + np.cos(x) ** 2 - np.tanh(x))


@case("arrays", np.abs(V3) + 0.1)
def logs_and_roots(x):
    return np.sum(np.log(x) + np.sqrt(x) * np.log1p(x))


@case("arrays", M34)
def reductions(x):
    return np.sum(np.mean(x, axis=0) ** 2) + np.sum(x.sum(axis=1, keepdims=True) * x)


@case("arrays", M34, R.standard_normal(4))
def matvec(A, v):
    return np.sum(np.tanh(A @ v))


@case("arrays", M34, R.standard_normal((4, 2)))
def matmat_dot(A, B):
    return np.sum(np.dot(A, B) ** 2)


@case("arrays", M34)
def transpose_reshape(x):
    y = x.T @ x
    z = np.reshape(y, (2, 8))
    return np.sum(z * z.reshape(16).reshape(2, 8)) + np.sum(np.transpose(x) * 2.0)


@case("arrays", V3, np.array([0.9, -0.2, -0.4]))
def maximum_where(x, y):
    return np.sum(np.maximum(x, y) + np.where(x > 0, x * y, y))


@case("arrays", M34)
def methods(x):
    return x.mean() * x.T.sum() + x.dot(x.T).sum()


@case("arrays", V3)
def array_power(x):
    return np.sum(np.power(x, 2) + np.square(x) * 0.5 + x ** 3)


# -- broadcasting -----------------------------------------------------------------------

@case("broadcasting", M34, R.standard_normal(4))
def row_broadcast(A, b):
    return np.sum((A + b) * (A - b) / (2.0 + b * b))


@case("broadcasting", R.standard_normal((3, 1)), R.standard_normal(4))
def outer_broadcast(a, b):
    return np.sum(np.sin(a * b) + a / (1.0 + b ** 2))


@case("broadcasting", 0.5, V3)
def scalar_array(s, x):
    return np.sum(s * x + s ** 2 - x / (s + 2.0))


# -- branches ---------------------------------------------------------------------------

@case("branches", 0.7)
def if_else(x):
    if x > 0.5:
        y = x * x
    else:
        y = -x
    return y * 3.0


@case("branches", -0.7)
def if_else_other(x):
    if x > 0.5:
        y = x * x
    else:
        y = -x
    return y * 3.0


@case("branches", 0.3)
def elif_chain(x):
    if x > 1.0:
        y = x
    elif x > 0.2:
        y = x ** 3
    else:
        y = 2.0 * x
    return y


@case("branches", 1.5)
def ternary(x):
    return (x * 2.0 if x > 1.0 else x * 3.0) + (x if x < 0.0 else 1.0)


@case("branches", 0.8)
def early_return(x):
    if x > 0.5:
        return x * x
    return x * 4.0


@case("branches", 0.8)
def bool_ops(x):
    y = x
    if x > 0.1 and x < 2.0 or x > 10.0:
        y = y * x
    if not x > 1.0:
        y = y + x
    return y


@case("branches", V3)
def branch_on_array(x):
    if np.sum(x) > 0:
        y = x * 2.0
    else:
        y = x ** 2
    return np.sum(y)


@case("branches", 0.3)
def nested_if(x):
    y = x
    if x > 0:
        if x < 1:
            y = y * 5.0
        else:
            y = y * 7.0
    return y + x


# -- for loops --------------------------------------------------------------------------

@case("loops", 0.7)
def horner(x):
    coeffs = [1.0, -2.0, 3.0, 0.5, -1.0]
    p = 0.0
    for c in coeffs:
        p = p * x + c
    return p


@case("loops", V3)
def loop_over_array(x):
    s = 0.0
    for v in x:
        s = s + np.sin(v) * v
    return s


@case("loops", V3)
def loop_index(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * (i + 1)
    return s


@case("loops", 0.9)
def loop_carried_scalar(x):
    y = x
    for i in range(5):
        y = y * x + math.sin(y)
    return y


@case("loops", V3)
def loop_carried_array(x):
    h = x
    for _ in range(4):
        h = np.tanh(h * 1.5 + 0.1)
    return np.sum(h)


@case("loops", 0.6)
def nested_loops(x):
    s = 0.0
    for i in range(3):
        for j in range(i + 1):
            s = s + x ** (i + j) / (j + 1)
    return s


@case("loops", V3, R.standard_normal(3))
def enumerate_zip(x, y):
    s = 0.0
    for i, v in enumerate(x):
        s = s + v * i
    for a, b in zip(x, y):
        s = s + a * b
    return s


@case("loops", 0.4)
def loop_with_branch(x):
    s = x
    for i in range(8):
        if s > 0.5:
            s = s * 0.9 - 0.05
        else:
            s = s * 1.3 + 0.1
    return s


@case("loops", 0.4)
def range_step(x):
    s = 0.0
    for i in range(10, 0, -3):
        s = s + x * i
    return s


# -- while loops ------------------------------------------------------------------------

@case("while", 2.0)
def newton_sqrt(a):
    x = 1.0
    while abs(x * x - a) > 1e-12:
        x = x - (x * x - a) / (2.0 * x)
    return x


@case("while", 0.3)
def while_counter(x):
    s = x
    n = 0
    while n < 6:
        s = s * s + 0.1
        n += 1
    return s


@case("while", 3.0)
def while_data(x):
    y = x
    while y > 0.5:
        y = y * 0.7
    return y * x


# -- break / continue -------------------------------------------------------------------

@case("break_continue", 0.9)
def loop_break(x):
    s = 0.0
    for i in range(100):
        s = s + x * i
        if s > 20.0:
            break
    return s


@case("break_continue", 0.9)
def loop_continue(x):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            continue
        s = s + x ** i
    return s


@case("break_continue", 1.3)
def while_break(x):
    y = x
    k = 0
    while True:
        y = y * 1.1
        k += 1
        if y > 5.0 or k > 50:
            break
    return y


@case("break_continue", 0.5)
def return_in_loop(x):
    s = x
    for i in range(10):
        s = s * 1.5
        if s > 2.0:
            return s * x
    return s


# -- calls ------------------------------------------------------------------------------

def _helper(u, k=2.0):
    return u ** k + 1.0


def _helper2(a, b):
    c = a * b
    return _helper(c) + a


@case("calls", 0.7)
def call_helper(x):
    return _helper(x) + _helper(x, k=3.0) * _helper(k=1.5, u=x)


@case("calls", 0.7, 1.2)
def call_chain(x, y):
    return _helper2(x, y) * _helper2(y, x)


def _loop_helper(h, w):
    for i in range(3):
        h = np.tanh(h * w)
    return h


@case("calls", V3, 0.8)
def call_in_loop(x, w):
    s = 0.0
    for i in range(3):
        s = s + np.sum(_loop_helper(x, w) * i)
    return s


@case("calls", 0.7)
def call_with_inactive(x):
    n = 3
    return _helper(x, n) + _helper(2.0)


# -- recursion --------------------------------------------------------------------------

def _power(x, n):
    if n == 0:
        return 1.0
    return x * _power(x, n - 1)


@case("recursion", 1.1)
def recursive_power(x):
    return _power(x, 5)


def _fib_like(x, n):
    if n < 2:
        return x
    return _fib_like(x, n - 1) * 0.5 + _fib_like(x, n - 2) * x


@case("recursion", 0.9)
def recursive_tree(x):
    return _fib_like(x, 5)


# -- closures and nested functions ------------------------------------------------------

def _make_scaled(a):
    def scaled(x):
        return a * x ** 2
    return scaled


_scaled3 = _make_scaled(3.0)


@case("closures", 0.5)
def module_closure(x):
    return _scaled3(x) + x


@case("closures", 0.5)
def nested_def(x):
    a = x * 2.0

    def inner(v):
        return v * a + a

    return inner(x) + inner(1.0)


@case("closures", 0.5)
def nested_lambda(x):
    sq = lambda v: v * v * x  # noqa: E731
    return sq(x) + sq(2.0)


@case("closures", 0.5)
def nested_recursive(x):
    def walk(v, n):
        if n == 0:
            return v
        return walk(v * x, n - 1)
    return walk(x, 3)


# -- containers -------------------------------------------------------------------------

@case("containers", (0.5, 1.5))
def tuple_arg(t):
    a, b = t
    return a * b + t[0] ** 2


@case("containers", [0.5, 1.5, 2.5])
def list_arg(xs):
    s = 0.0
    for v in xs:
        s = s + v * v
    return s + xs[-1]


@case("containers", {"w": np.array([0.5, -1.0]), "b": 0.3})
def dict_arg(p):
    return np.sum(np.tanh(p["w"] * 2.0 + p["b"]))


@case("containers", 0.7)
def build_containers(x):
    t = (x, x * 2.0)
    d = {"a": t[1], "b": [x, 3.0]}
    return d["a"] * d["b"][0] + t[0]


@case("containers", 0.7)
def list_comprehension(x):
    ys = [x * i for i in range(4)]
    zs = [y * y for y in ys if y > 0.5]
    return sum(ys) + sum(zs)


@case("containers", 0.3)
def list_append(x):
    acc = []
    v = x
    for i in range(4):
        v = v * 1.5 + 0.1
        acc.append(v)
    return acc[0] + acc[-1] * acc[2]


# -- subscript writes --------------------------------------------------------------------

@case("mutation", V3)
def setitem(x):
    y = np.zeros(3)
    y[0] = x[1] * 2.0
    y[1:] = x[:2] ** 2
    return np.sum(y * x)


@case("mutation", V3)
def setitem_in_loop(x):
    y = x * 1.0
    for i in range(1, 3):
        y[i] = y[i - 1] * y[i] + 1.0
    return np.sum(y)


@case("mutation", np.array([0.3, -0.2, 0.5, 1.0, 0.1]), 0.2)
def stencil_into_a_fresh_array(u0, alpha):
    # a new array each step, written into, then read only for its shape by
    # the backward sweep of code made for arguments of any kind
    u = u0.copy()
    for _ in range(3):
        lap = np.zeros_like(u)
        lap[1:-1] = u[2:] - 2 * u[1:-1] + u[:-2]
        u = u + alpha * lap
    return np.sum(u ** 2)


@case("mutation", V3)
def augmented_setitem(x):
    y = x * 2.0
    y[1] += x[0] * 3.0
    y[0] *= x[2]
    return np.sum(y ** 2)


@case("mutation", V3.copy())
def mutate_argument(x):
    x[0] = x[0] * 5.0
    return np.sum(x * x)


# -- reductions with ties --------------------------------------------------------------

@case("arrays", M34)
def max_reductions(x):
    return np.max(x) + np.sum(np.max(x, axis=0) * 2.0) + np.sum(x.min(axis=1, keepdims=True) * x)


@case("arrays", R.standard_normal(6))
def stable_logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


# -- more broadcasting ------------------------------------------------------------------

@case("broadcasting", R.standard_normal((2, 3, 4)), R.standard_normal((3, 1)))
def rank3_broadcast(x, s):
    return np.sum(np.tanh(x * s) - s ** 2 / (1.0 + x * x))


@case("broadcasting", R.standard_normal((4, 1)), R.standard_normal((1, 3)))
def outer_by_broadcast(u, v):
    m = u * v + u - v
    return np.sum(m.T @ m)


@case("broadcasting", M34, R.standard_normal(4))
def keepdims_normalise(x, w):
    z = x - np.mean(x, axis=1, keepdims=True)
    return np.sum((z / (1.0 + np.sum(z * z, axis=1, keepdims=True))) * w)


# -- more while loops ---------------------------------------------------------------------

@case("while", 0.8)
def while_with_branch(x):
    y = x
    k = 0
    while k < 5:
        if y > 1.0:
            y = y * 0.5
        else:
            y = y * 1.7 + x
        k = k + 1
    return y


@case("while", V3)
def while_array_condition(x):
    h = x * 1.0
    steps = 0
    while np.max(np.abs(h)) > 0.05 and steps < 20:
        h = h * 0.6 + 0.01 * np.sin(h)
        steps += 1
    return np.sum(h * x)


# -- more calls and recursion ---------------------------------------------------------------

def _softplus(v):
    return np.log1p(np.exp(v))


def _layer(h, w, b=0.1):
    return _softplus(h * w + b)


@case("calls", V3, 0.7)
def call_with_defaults_and_keywords(x, w):
    a = _layer(x, w)
    b = _layer(h=a, w=w * 2.0, b=-0.2)
    return np.sum(a * b)


def _fast_pow(x, n):
    if n == 0:
        return 1.0
    half = _fast_pow(x, n // 2)
    if n % 2 == 0:
        return half * half
    return half * half * x


@case("recursion", 1.05)
def recursion_by_halving(x):
    return _fast_pow(x, 11)


def _sum_list(xs, i):
    if i == len(xs):
        return 0.0
    return xs[i] * (i + 1) + _sum_list(xs, i + 1)


@case("recursion", [0.5, -1.5, 2.0])
def recursion_over_list(xs):
    return _sum_list(xs, 0)


# -- more break / continue -------------------------------------------------------------------

@case("break_continue", V3)
def nested_break(x):
    s = 0.0
    for i in range(3):
        for j in range(3):
            if j > i:
                break
            s = s + x[i] * x[j]
    return s


@case("break_continue", 0.3)
def continue_and_break(x):
    s = x
    for i in range(10):
        if i % 3 == 0:
            continue
        s = s * 1.2 + 0.1
        if s > 3.0:
            break
    return s


# -- more closures and containers ------------------------------------------------------------

def _make_model(scale):
    def model(x, w):
        return np.tanh(x * w) * scale
    return model


_model = _make_model(1.5)


@case("closures", V3, 0.4)
def closure_factory(x, w):
    return np.sum(_model(x, w) ** 2)


@case("containers", {"layers": [(M34, np.zeros(4))], "out": R.standard_normal(4)})
def nested_params(p):
    W, b = p["layers"][0]
    h = np.tanh(np.ones(3) @ W + b)
    return np.sum(h * p["out"])


@case("containers", (V3, 0.5))
def returns_via_tuple(t):
    x, s = t
    pair = (np.sum(x) * s, np.sum(x ** 2))
    first, second = pair
    return first + second * s


# -- higher order inside the function -------------------------------------------------------

def _energy(x):
    return x ** 4 / 4.0 - x ** 2


@case("higher_order", 0.7)
def gradient_inside(x):
    g = srcad.grad(_energy)
    return g(x) * x + _energy(x)


@case("higher_order", V3)
def gradient_descent_step(x):
    g = srcad.grad(lambda v: np.sum(v ** 2 * np.cos(v)))
    y = x - 0.1 * g(x)
    return np.sum(y ** 2)


# -- functions held in variables -------------------------------------------------------------

def _cube(v):
    return v * v * v


@case("calls", V3)
def functions_in_a_loop(x):
    s = 0.0
    for f in (np.sin, np.tanh, _cube):
        s = s + np.sum(f(x) * x)
    return s


@case("calls", 0.6)
def function_values(x):
    def scaled(v, k):
        return v * k + np.exp(-v)
    chosen = scaled if x > 0 else _cube
    table = [scaled, chosen]
    return table[0](x, 2.0) * table[1](x, 3.0)


def _blend(w, v):
    return np.tanh(v) * w + v


@case("calls", V3)
def varied_argument_not_first(x):
    # a function held in a variable, varied in its second argument only
    f = _blend if x[0] > -10.0 else _cube
    return np.sum(f(0.5, x * x) ** 2)


@case("calls", np.array([0.2, -0.7, 0.4, 1.1]))
def library_functions_in_variables_with_options(x):
    # NumPy functions with rules, given optional arguments through a variable
    integrate = np.trapezoid if hasattr(np, "trapezoid") else np.trapz
    reduce = np.sum
    M = np.stack([x, x ** 2])
    return (integrate(x ** 2, dx=0.1) + integrate(x, np.linspace(0.0, 1.0, 4))
            + np.sum(reduce(M, axis=1) * np.array([1.0, 2.0])) + reduce(M, 0, keepdims=True)[0, 1])


@case("loops", V3, np.array([0.5, -0.2, 0.9]))
def enumerate_zip_nested(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, y)):
        s = s + (i + 1) * a * b
    for k, pair in enumerate(zip(x, y)):
        s = s + pair[0] ** 2 * k
    return s


@case("containers", V3)
def generator_expressions(x):
    total = sum(v * v for v in x)
    biggest = max(np.sin(v) for v in x)
    return total + biggest + sum(x[i] * i for i in range(len(x)) if i > 0)


@case("loops", V3)
def reversed_and_zip_values(x):
    s = 0.0
    for v in reversed(x):
        s = s * 0.5 + v
    pairs = list(zip(x, x[::-1]))
    for a, b in pairs:
        s = s + a * b
    return s


# -- methods of the user's objects ------------------------------------------------------------

class _Model:
    def __init__(self, scale):
        self.scale = scale
        self.shift = np.array([0.1, -0.2, 0.3])

    def layer(self, h, w):
        return np.tanh(h * w * self.scale + self.shift)

    def loss(self, x, w):
        h = self.layer(x, w)
        h = self.layer(h, w * 0.5)
        return np.sum(h ** 2)


_the_model = _Model(1.5)


@case("calls", V3, 0.8)
def method_of_an_object(x, w):
    return _the_model.loss(x, w) + np.sum(_the_model.layer(x, w))


@case("calls", V3, 0.9)
def call_overwrites_its_argument(x, w):
    h = x
    h = _helper(h, 2.0)
    for i in range(2):
        h = _loop_helper(h, w)
    return np.sum(h)


# -- tests rebound inside their branch ---------------------------------------------------

@case("loops", np.array([0.5, 2.0, -0.3, 0.8]))
def and_in_a_loop(x):
    # the lowered `and` rebinds its own test inside the branch
    s = 0.0
    for v in x:
        if v > 0.0 and v < 1.0:
            s += v ** 2
        else:
            s += v ** 3
    return s


@case("loops", np.array([-0.5, 0.4, 2.0, 0.7]))
def chained_comparison_in_an_elif(x):
    s = 0.0
    for v in x:
        if v < 0.0:
            s += v ** 3
        elif 0.0 < v < 1.0:
            s += v ** 2
        else:
            s += v
    return s


@case("loops", np.array([0.3, 1.4, 0.2, 0.9]))
def flag_rebound_in_its_branch(x):
    s = 0.0
    fresh = True
    for v in x:
        if fresh:
            s += v ** 2
            fresh = v < 1.0
        else:
            s += 3.0 * v
            fresh = True
    return s


# -- lambdas bound at module level ---------------------------------------------------------

SQUARE = lambda r: r ** 2  # noqa: E731


def _power_of(k):
    return lambda r: r ** k


CUBE = _power_of(3)


@case("calls", V3)
def module_level_lambda(x):
    return np.sum(SQUARE(x) + CUBE(x))


@case("closures", np.array([1.0, 2.0]), np.array([0.5, 0.1]))
def lambda_of_a_constant_argument(w, y):
    # differentiated with respect to w only, the lambda runs as it is
    sq = lambda r: r * r  # noqa: E731
    return np.sum(w * w + sq(y))


def _rate(y, p):
    return p * y


def _euler_step(f, y, p, h):
    return y + h * f(y, p)


@case("functions held in variables", np.array([1.0, 0.5]), 0.7)
def integrator_given_its_right_hand_side(y0, p):
    # the saved p of p * y moves the gradient in y0 when p moves
    y = y0
    for _ in range(2):
        y = _euler_step(_rate, y, p, 0.5)
    return np.sum(y ** 2)


# -- unpacking into displays and shapes -----------------------------------------------------

@case("containers", np.array([0.3, 0.5]), 0.7)
def unpacked_into_displays(x, y):
    parts = (*x, y, *x)
    padded = np.array([*x, 1.0, *parts])
    return np.sum(padded ** 2) * parts[1]


@case("arrays", M34)
def shapes_unpacked(X):
    Z = np.zeros((*X.shape, 2))
    Z[..., 0] = X
    Z[..., 1] = X ** 2
    flat = Z.reshape(*(X.size, 2))
    return np.sum(flat * flat.transpose(*(1, 0)).T)


@case("containers", np.array([0.3, 0.7, 1.2]))
def lists_joined_to_arrays(x):
    z = np.concatenate([x, [1.0, x[0]]])
    h = np.hstack([[x[1] ** 2], x])
    v = np.vstack([x, [x[2], 1.0, x[0]]])
    return np.sum(z ** 2) + np.sum(h * z[:4]) + np.sum(v ** 3)


@case("containers", {"W": np.array([1.0, 2.0]), "b": np.array([0.3])}, 0.5)
def parameters_chosen_by_key_name(params, lam):
    # the keys stay strings in the generated code, so it can be differentiated again
    tot = 0.0
    for name, p in params.items():
        if name.startswith("W"):
            tot = tot + np.sum(p ** 2)
        else:
            tot = tot + lam * np.sum(p)
    return lam * tot


@case("scalar", 0.3)
def alternating_series(x):
    # a negative literal base: (-1) ** k is not -(1 ** k)
    s = 0.0
    for k in range(1, 6):
        s = s + (-1) ** (k + 1) * x ** k / k
    return s + (-2.0) ** 2 * x


@case("arrays", np.array([0.7, 1.3, 0.9]))
def normalized_by_an_entry(a):
    # the adjoint of a[0] is added into an adjoint that is also a saved value
    return np.sum(a / a[0]) + np.sum(np.arctan2(a, a[::-1]))


# -- lists and dicts edited in place -------------------------------------------------------

@case("containers", 1.3)
def items_deleted_and_popped(x):
    hist = [x, 2.0 * x, x ** 2, 4.0 * x]
    del hist[0]
    v = hist.pop(1)
    hist.pop(0)
    d = {"a": x, "b": x ** 2, "c": 3.0}
    a = d.pop("a")
    del d["c"]
    return hist[0] * v + a * d["b"] * len(d)


@case("containers", 1.3)
def items_inserted_and_extended(x):
    L = [x, x ** 2]
    L.insert(1, 3.0 * x)
    L.insert(-10, 0.5)
    L.extend([x ** 3, 2.0])
    del L[1:3]
    return L[0] * L[1] + L[-1] * x


@case("containers", 1.3)
def sliding_history(x):
    window = []
    total = 0.0
    for k in range(5):
        window.append(x ** k)
        if len(window) > 2:
            window.pop(0)
        total = total + window[0] * window[-1]
    return total


@case("containers", np.array([1.0, 0.5]), 1.1)
def lists_grown_inside_containers(x, k):
    hist = {"E": []}
    for i in range(2):
        hist["E"].append(np.sum((x * k) ** (i + 1)))
    L = [[x[0]], [1.0]]
    L[0].append(x[1] ** 2)
    L[1].insert(0, k)
    L[0].extend([x[0] * k])
    L[1].pop(1)
    return np.sum(np.array(hist["E"])) + L[0][1] * L[1][0] + L[0][-1]


def _forces(pos, pairs, k):
    F = np.zeros_like(pos)
    d = pos[pairs[:, 1]] - pos[pairs[:, 0]]
    np.add.at(F, pairs[:, 0], k * d)
    np.add.at(F, pairs[:, 1], -k * d)
    return F


@case("subscript writes", np.array([0.0, 1.1, 2.3]), 0.7)
def scattered_twice_into_a_new_array(pos, k):
    F = _forces(pos, np.array([[0, 1], [1, 2], [0, 2]]), k)
    return np.sum(F * pos) + np.sum(F ** 2)


@case("branches", np.array([0.3, 0.5, -2.5, 1.2, 3.0, 2.2]))
def three_way_and_or(x):
    # every operand of a three-way and/or decides a branch (x[0] by the third)
    s = 0.0
    for v in x:
        if v > -2.0 and v < 2.0 and v > 0.4:
            s += np.exp(v)
        elif v < -2.0 or v > 2.5 or v < 0.4:
            s += v ** 2
        else:
            s += v
    return s


@case("containers", 1.3, 0.4)
def lists_repeated(a, b):
    y = [a] + [b] * 2
    t = (a, b) * 2
    z = [a, b]
    z *= 2
    n = len(z)
    w = [a * b] * n
    return y[2] * t[3] + z[3] * z[0] + w[-1] * b


@case("closures", 1.3, 0.4)
def nested_defaults_and_implicit_none(a, b):
    g = lambda t, s=b: t * s  # noqa: E731

    def maybe(x):
        if x > 5.0:
            return x
        # falls off the end: None

    r = maybe(a)
    v = g(a) + g(a, 2.0)
    return v * b if r is None else r


@case("subscript writes", np.array([0.4, 1.5, -0.3]))
def two_written_arrays_added(x):
    # both operands of a + b take one adjoint array; writing back the
    # entries each overwrote must not clear the other's
    a = np.zeros(3)
    b = np.zeros(3)
    a[0] = x[0]
    b[0] = x[1] ** 2
    a[2] = x[2]
    return np.sum((a + b) ** 2)


@case("containers", np.eye(3) * 0.5, 0.1)
def dict_filled_with_a_constant_then_updated(x, s):
    q = {}
    q["W"] = np.ones(3)
    for _ in range(2):
        q["W"] = q["W"] - s * (x @ q["W"])
    return np.sum(q["W"] ** 2)


_FIXED_INPUT = np.array([0.5, -0.1, 0.3])


@case("closures", np.array([0.2, -0.7, 0.4]), np.array([[0.3, -0.2], [0.5, 0.1], [-0.4, 0.6]]))
def closure_called_on_two_inputs(a, W):
    # the gradient in a calls the closure's plain version on the fixed
    # input; a second derivative moving W differentiates that call too
    def emb(x):
        return np.tanh(x @ W)
    sq = lambda v: v * v  # noqa: E731
    return np.sum(emb(a) * emb(_FIXED_INPUT)) + np.sum(sq(emb(a)))


@case("arrays", np.array([0.5, 0.1, -0.3]))
def scalar_entry_given_an_axis(z):
    s = z[1]
    return np.sum(s[..., None] ** 2) - s * z[0]


@case("loops", -1.0)
def random_start_made_active(log_q):
    # the first draw carries no derivative though x does later
    rng = np.random.default_rng(0)
    x = rng.standard_normal(3)
    for _ in range(2):
        x = x + np.exp(log_q) * rng.standard_normal(3)
    return np.sum(x ** 2)


@case("containers", {"W": np.array([1.0, 2.0]), "b": np.array([0.3])}, 0.1)
def dict_comprehensions(params, lr):
    g = {k: 2.0 * v for k, v in params.items()}
    new = {k: params[k] - lr * g[k] for k in params if k != "skip"}
    sq = {i: x ** 2 for i, x in enumerate(params["W"])}
    return sum(np.sum(v ** 2) for v in new.values()) + sq[1] * lr


@case("scalar", 0.7, 1.3)
def math_prod_and_dist(x, y):
    p = math.prod([x, y, 2.0]) + math.prod(np.array([x, 3.0]), start=y)
    return p + math.dist((x, y), (1.0, -y)) + math.dist([x], [0.2])


@case("containers", {"W": np.array([1.0, 0.5]), "b": 0.3}, np.array([0.2, -0.4]))
def dict_get_with_defaults(p, x):
    b = p.get("b", 0.0)
    w = p.get("W")
    c = p.get("c", 2.0)
    return np.sum((x * w + b) ** 2) * c


@case("arrays", np.array([[0.3, -1.2, 2.0], [1.5, 0.1, -0.7]]))
def logaddexp_reduced(x):
    rows = np.logaddexp.reduce(x, axis=1)
    return np.sum(rows ** 2) + np.logaddexp.reduce(x[0]) + np.sum(np.logaddexp.reduce(x, axis=0, keepdims=True))


import functools  # noqa: E402  (kept here: the snapshots name the lines above)


def _scaled_layer(x, W, scale=1.0):
    return np.tanh(x * W) * scale


_DOUBLED_LAYER = functools.partial(_scaled_layer, scale=2.0)
_FIXED_LAYER = functools.partial(_scaled_layer, np.array([0.1, 0.4]))


@case("functions held in variables", np.array([0.3, -0.2]), np.array([0.2, -0.7]))
def partial_functions(W, x):
    local = functools.partial(_scaled_layer, scale=0.5)
    return np.sum(_DOUBLED_LAYER(x, W) ** 2) + np.sum(_FIXED_LAYER(W)) + np.sum(local(x, W))


@case("closures", np.array([0.3, -1.2, 0.7]))
def defaults_fixed_at_the_def(x):
    a = x[0]

    def inner(v, a=a):       # a's value now, not at the call
        return v * a
    scale = lambda v, k=x[1]: v * k  # noqa: E731
    a = 10.0
    return np.sum(inner(x)) + np.sum(scale(x)) * a


@case("loops", np.array([0.3, -1.2, 0.7, 2.1]))
def loop_over_a_name_the_body_rebinds(x):
    t = 0.0
    y = x * 1.0
    for i, v in enumerate(x):
        x = x * 2.0
        t += v * i
    for a, b in zip(y, y[::-1]):
        y = y + 1.0
        t += a * b
    return t + np.sum(x)


@case("containers", np.array([0.3, -1.2, 0.7]))
def comprehension_variable_named_as_its_sequence(x):
    z = [x * 2 for x in x]
    return np.sum(np.array(z) ** 2) + sum([x for x in x])


@case("containers", {"w": np.array([1.0, 0.5]), "b": 0.3}, np.array([0.2, -0.4]))
def dict_copied_then_changed(cfg, x):
    c = dict(cfg)
    c["w"] = c["w"] * 2.0
    return np.sum(c["w"] * x) + cfg["b"] * np.sum(x) + np.sum(cfg["w"] ** 2)


@case("containers", np.array([[0.1, 0.2, 0.9], [0.4, -0.3, 0.1], [0.7, 0.5, 0.5]]),
      np.array([0.35, -0.2, 0.15]))
def sort_keys_reading_differentiated_values(P, q):
    # the keys order; no derivative flows through what they return
    order = sorted(range(P.shape[0]), key=lambda i: P[i, 2])
    best = min([P[0], P[1], P[2]], key=lambda p: np.sum((p - q) ** 2))
    return np.sum(P[order[0]] ** 2) + np.sum(best * q)


@case("subscript writes", np.array([0.1, 0.5, -0.3, 0.9]), np.array([1.0, 2.0, 3.0, 4.0]))
def copyto_where_a_mask_holds(x, v):
    y = x * 1.0
    np.copyto(y, v, where=x > 0.2)
    return np.sum(y ** 2) + np.sum(y * x)


@case("scalar", 5.3, 1.7)
def quotient_and_remainder(a, b):
    q, r = divmod(a, b)
    qs, rs = np.divmod(np.array([a, 2.0 * b]), 0.7)
    return q * r + r ** 2 + np.sum(rs ** 2 + qs * a)


# -- *args and **kwargs ------------------------------------------------------------

def _weighted_terms(x, *ws):
    total = 0.0
    for k, w in enumerate(ws):
        total = total + w * x ** (k + 1)
    return total + ws[0] * len(ws)


@case("variadic", 0.6, 1.4)
def star_args_helper(x, a):
    return _weighted_terms(x, a, a * x, 2.0) + _weighted_terms(a, x)


def _affine(x, scale=1.0, **opts):
    y = x * scale + opts.get("shift", 0.0)
    if "power" in opts:
        y = y ** opts["power"]
    return np.sum(y * opts["weight"])


@case("variadic", V3, 0.8)
def kwargs_helper(x, s):
    return _affine(x, scale=s, shift=s * s, power=2, weight=np.cos(x)) + _affine(x, weight=s)


@case("variadic", V3, 1.3)
def unpacked_displays_in_calls(x, a):
    return np.sum(np.add(*(x, a))) + _affine(*[x], **{"scale": a, "weight": x}) \
        + np.sum(*[np.multiply(*[a, x])], **{"axis": 0})


@case("variadic", V3, 0.7)
def unpacked_names_in_calls(x, a):
    pair = (x * a, np.sin(x))
    options = {"scale": a, "shift": 1.0, "weight": pair[1]}
    terms = [a, a * a]
    return np.sum(np.add(*pair)) + _affine(x, **options) + _weighted_terms(np.sum(x), *terms) \
        + np.sum(_weighted_terms(a, *pair[1:], *terms))


def _scaled_inner(x, w=1.0, *, bias=0.0):
    return np.sum(x * w) + bias


def _forwards_everything(x, *args, **kwargs):
    return 2.0 * _scaled_inner(x, *args, **kwargs)


@case("variadic", V3, 0.9)
def forwarded_args_and_kwargs(x, a):
    return _forwards_everything(x, a, bias=a * a) + _forwards_everything(x) \
        + _forwards_everything(x, **{"bias": np.sin(a)})


def _product_of(x, *factors):
    if len(factors) == 0:
        return x
    return factors[0] * _product_of(x, *factors[1:])


@case("variadic", 0.8, 1.1)
def recursive_star_args(x, a):
    return _product_of(x, a, 2.0, a * x)


@case("variadic", V3, 0.5)
def nested_variadic_def(x, a):
    def combine(v, *ws, **kw):
        s = v * kw.get("c", 1.0)
        for w in ws:
            s = s * w + a
        return s
    return np.sum(combine(x, a, 2.0, c=a)) + np.sum(combine(x)) + np.sum(combine(x, c=x))

@case("subscript writes", np.array([[0.3, -1.2, 0.8], [1.5, 0.4, -0.7]]), np.array([[2.0], [-0.5]]))
def put_along_axis_in_place(x, v):
    y = x * 1.0
    np.put_along_axis(y, np.array([[2], [0]]), v, axis=1)
    np.put_along_axis(y, np.array([[1, 1]]), v.T * x[0, :2], axis=1)   # the last write wins
    return np.sum(y ** 2 * x)


@case("subscript writes", np.array([0.3, -1.2, 0.8, 1.5, -0.4]), np.array([2.0, -0.5]))
def putmask_and_place(x, v):
    y = x.copy()
    np.putmask(y, x > 0.5, v)        # the values repeat over the positions
    z = x * 2.0
    np.place(z, x < 0.0, v * x[0])   # the first values, repeated if too few
    return np.sum(y ** 2 * x) + np.sum(z ** 3)


# -- NumPy functions that take the user's functions, spelled out as code -----------------------


@case("numpy calling functions", np.array([0.3, 1.2, -0.7, 2.1, -0.9]), 1.3)
def piecewise_with_default(x, a):
    # lambdas reading a differentiated value; a number for one piece; the
    # last function where no condition holds
    return np.sum(np.piecewise(x, [x < -0.5, x > 1.0], [lambda t: a * t, 0.5, lambda t: t * np.cos(t)]))


@case("numpy calling functions", np.array([0.3, 1.2, -0.7, 2.1, -0.9]))
def piecewise_one_condition(x):
    return np.sum(np.piecewise(x, x < 0, [lambda t: t ** 3, np.exp]) * x)


def _unit_row(r):
    return r / np.sqrt(np.sum(r ** 2))


@case("numpy calling functions", np.array([0.3, 1.2, -0.7, 2.1, -0.9, 0.4]))
def apply_along_axes(x):
    a = np.reshape(np.concatenate([x, x ** 2]), (2, 2, 3))
    rows = np.apply_along_axis(_unit_row, 2, a)                       # a vector per row
    cols = np.apply_along_axis(lambda c: np.sum(c ** 2), 0, a * 0.5)  # a number per column
    return np.sum(rows * a) + np.sum(cols * np.sin(a[0]))


def _smooth_step(t):
    if t > 0.5:
        return math.exp(-t) * t
    return t ** 2


@np.vectorize
def _clipped_product(t, s):
    return t * s if t < s else t + s ** 2


@case("numpy calling functions", np.array([0.3, 1.2, -0.7, 2.1, -0.9]))
def vectorized_scalar_functions(x):
    step = np.vectorize(_smooth_step)
    pair = np.vectorize(lambda a, b: a * math.sin(b))
    return np.sum(step(x) * x) + np.sum(pair(x, x[::-1])) + np.sum(_clipped_product(np.outer(x, x), x))


@case("numpy calling functions", np.array([0.3, 1.2, -0.7, 2.1, -0.9]))
def fraction_and_whole_parts(x):
    frac, whole = np.modf(x * 2.3)
    return np.sum(frac ** 2 * (whole + 1.0))


# -- Python's folds, combinations and loop forms -------------------------------------------------


@case("python folds and loop forms", np.array([0.3, 1.2, -0.7, 2.1, -0.9, 0.4]))
def reduce_and_accumulate(x):
    product = functools.reduce(lambda a, b: a * b + 1.0, x)
    weighted = functools.reduce(operator.mul, [v + 2.0 for v in x], 1.0)
    running = list(itertools.accumulate(x))
    peaks = list(itertools.accumulate(x, max, initial=0.1))
    return product + weighted + sum(r * r for r in running) + np.sum(np.array(peaks) * x[0])


@case("python folds and loop forms", np.array([0.3, 1.2, -0.7, 2.1, -0.9, 0.4]))
def pairs_of_values(x):
    # itertools over the values themselves (not over a range of indices)
    points = x.reshape(3, 2)
    energy = 0.0
    for p, q in itertools.combinations(points, 2):
        energy += 1.0 / np.sqrt(np.sum((p - q) ** 2))
    cross = sum(a * b for a, b in itertools.product(x[:2], x[2:4]))
    ordered = sum(a * b ** 2 for a, b in itertools.permutations(x[:3], 2))
    return energy + cross + ordered + sum(a * b for a, b in zip(x, x[::-1], strict=True))


@case("python folds and loop forms", np.array([0.3, 1.2, -0.7, 2.1, -0.9, 0.4]))
def walrus_and_loop_else(x):
    total = 0.0
    for v in x:
        total += v ** 2
        if total > 1.0:
            break
    else:
        total = total * 2.0   # not reached: the loop breaks
    for v in x[:2]:
        total = total + v
    else:
        total = total * 3.0
    if (scaled := total * 0.5) > 0.2:
        return scaled + sum(y for v in x if (y := v * 2.0) > 0.0)
    return scaled


@case("branches", np.array([0.3, -1.2, 0.8, 2.5, -0.4]), np.array([1.0, 2.0, 0.5, -1.0, 3.0]))
def where_with_a_branch_undefined_elsewhere(x, y):
    # the branch not taken is NaN or infinite there (sqrt and log of
    # negative entries, a quotient by zero): the gradient stays finite
    roots = np.where(x > 0, np.sqrt(x) * y, -x)
    logs = np.where(x <= 0, 0.0, x * np.log(x) + y / x)
    return np.sum(roots ** 2) + np.sum(logs * y)


@case("scalar", np.array([0.3, 1.2, -0.7, 2.1]))
def statistics_and_cmath(x):
    # the standard library's statistics (exact fractions inside) and cmath
    spread = statistics.mean(x) * statistics.pstdev(x) + statistics.variance(list(x))
    middle = statistics.median(list(x)) * statistics.fmean(x)
    z = cmath.exp(complex(x[0], x[1])) * cmath.sqrt(complex(2.0, x[3]))
    return spread + middle + abs(z) + cmath.phase(complex(x[2], x[3]))


# -- random draws, differentiated in their parameters (the reparameterization) ---------------


@case("random draws", 0.4, 1.3)
def monte_carlo_of_a_normal(mu, sigma):
    rng = np.random.default_rng(1)
    z = rng.normal(mu, sigma, size=50)
    return np.mean(z ** 2) + np.mean(np.sin(z))


@case("random draws", 0.5, 2.0)
def uniform_exponential_lognormal(a, b):
    rng = np.random.default_rng(2)
    u = rng.uniform(a, b, size=20)
    e = rng.exponential(b, 20)
    g = rng.lognormal(a, 0.3 * b, 20)
    np.random.seed(0)   # the legacy global generator too
    w = np.random.normal(a, 1.0, 5)
    return np.sum(u ** 2) + np.sum(np.sqrt(e)) + np.mean(g) + np.sum(w * b)


@case("random draws", np.array([0.3, -0.2, 1.0]))
def draws_of_arrays_and_python_random(x):
    rng = np.random.default_rng(3)
    noisy = rng.normal(loc=x, scale=np.array([1.0, 2.0, 0.5]))
    heavy = rng.laplace(x, 0.5) ** 2 + rng.gumbel(x, 1.0) + rng.logistic(scale=np.abs(x) + 1.0)
    random.seed(0)
    walk = sum(random.gauss(x[0], 1.0) ** 2 for _ in range(5)) + random.uniform(x[1], 2.0)
    kept = copy.deepcopy({"x": x})["x"] * 2.0
    return np.sum(noisy * x) + np.sum(heavy) + walk + np.sum(copy.copy(kept) ** 2)


@case("subscript writes", np.array([0.3, 1.2, -0.7, 2.1]))
def fill_and_fromiter(x):
    y = np.empty(4)
    y.fill(0.5)              # a[...] = v
    y[1:3] = x[:2] ** 2
    squares = np.fromiter((v * v for v in x), dtype=float)
    firsts = np.fromiter(x * 2.0, float, 2)
    return np.sum(y * x) + np.sum(squares * y) + np.sum(firsts ** 3)


def _simulate_with(theta, rng, r):
    # generators passed in: their draws are found when the call runs
    z = rng.normal(theta, 0.5, size=40)
    walk = sum(r.gauss(theta, 1.0) ** 2 for _ in range(5))
    return np.mean(z ** 2) + np.mean(rng.uniform(0.0, theta, 10)) + walk


@case("random draws", 0.7)
def generators_passed_to_a_helper(theta):
    return _simulate_with(theta, np.random.default_rng(5), random.Random(3)) * theta


# -- nested functions reading differentiated values, handed to a solver of the user's ------------


def _euler(f, y, h, n):
    for _ in range(n):
        y = y + h * f(y)
    return y


def _rk4_step(f, t, y, h):
    k1 = f(t, y)
    k2 = f(t + h / 2, y + h / 2 * k1)
    k3 = f(t + h / 2, y + h / 2 * k2)
    k4 = f(t + h, y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def _integrate(f, y0, h, n):
    y, t = y0, 0.0
    for _ in range(n):
        y = _rk4_step(f, t, y, h)    # the right-hand side passed on
        t = t + h
    return y


@case("closures passed to solvers", np.array([1.1, 0.4]))
def right_hand_sides_reading_parameters(theta):
    a, b = theta[0], theta[1]

    def decay(y):
        return -a * y + b

    def predator_prey(t, z):
        return np.array([a * z[0] - b * z[0] * z[1], -z[1] + 0.5 * z[0] * z[1]])

    return np.sum(_euler(decay, np.ones(2), 0.1, 5)) + np.sum(_integrate(predator_prey, np.array([1.0, 0.5]), 0.05, 4) ** 2)
