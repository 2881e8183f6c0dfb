"""Functions for tests/test_more_cases.py: patterns found in scientific code
(self-updates, lists of rows, closures in loops, keyword-only arguments,
early exits in nested loops, 2-D updates, dict loops...)."""

import collections
import dataclasses
import math
import warnings

import numpy as np

import srcad

def rev_self(x):
    x = x[::-1]
    x = x * np.arange(1.0, 4.0)
    return np.sum(x ** 2)

def concat_self(x):
    x = np.concatenate([x, x * 2.0])
    return np.sum(np.sin(x))

def stack_list(x):
    rows = []
    for i in range(3):
        rows.append(x * (i + 1.0))
    m = np.array(rows)
    return np.sum(m ** 2) + np.sum(np.stack(rows, axis=1)[0])

def quad_form(x, A):
    return x.T @ A @ x + np.dot(x, x)

def closure_in_loop(x):
    s = 0.0
    for i in range(3):
        def f(v):
            return v * i + x[0]
        s = s + np.sum(f(x))
    return s

def kwonly(x, *, k=2.0):
    return np.sum(x ** k)

def call_kwonly(x):
    return kwonly(x, k=3.0) + kwonly(x)

def nested_early(x):
    for i in range(3):
        for j in range(3):
            if x[i] * j > 1.0:
                return x[i] * j + x[0]
    return np.sum(x)

def grid_update(m):
    out = m * 1.0
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            out[i, j] += out[i - 1, j] * 0.5 if i > 0 else 0.0
    return np.sum(out ** 2)

def tuple_axis(x):
    return np.sum(np.sum(x ** 2, axis=(0, 1)) * np.mean(x, axis=(0, 2)).sum())

def mixed_math(x):
    return math.sqrt(np.sum(x ** 2)) + float(np.max(x)) * abs(x[0])

def reshapes(x):
    y = x.reshape(-1)
    z = y.reshape((2, -1))
    return np.sum(z[0] * z[1]) + np.sum(np.reshape(x, (3, 2)).T ** 2)

def while_chain(x):
    s = x
    k = 0
    while 0.1 < s < 10.0 and k < 20:
        s = s * 1.3
        k += 1
    return s

def dict_loop(x):
    d = {}
    for k, v in zip(["a", "b", "c"], x):
        d[k] = v * 2.0
    total = 0.0
    for k in d:
        total = total + d[k] ** 2
    return total

def where_clip(x):
    y = np.where(x > 0.2, x, 0.2 * x)
    return np.sum(np.clip(y, -0.5, 0.8) * x)

def power_int_param(x, n):
    return np.sum(x ** n) + np.sum(np.power(x, n - 1))

def norm_softmax(x):
    e = np.exp(x - np.max(x))
    p = e / e.sum()
    return -np.sum(p * np.log(p)) + np.linalg.norm(x)

def ternary_arrays(x):
    y = x * 2.0 if np.sum(x) > 0 else -x
    return np.sum(y * x)

def slices_2d(m):
    return np.sum(m[1:, :-1] * m[:-1, 1:]) + np.sum(m[:, 0] ** 3) + np.sum(m[-1])

def argmax_index(x):
    i = np.argmax(x)
    return x[i] ** 2 + np.sum(x[:i + 1])

V = np.array([0.3, -0.7, 1.1])
M = np.array([[0.5, -0.2, 0.1], [0.9, 0.4, -0.6]])
CASES = [
    (rev_self, (V,)), (concat_self, (V,)), (stack_list, (V,)),
    (quad_form, (V, np.arange(9.0).reshape(3, 3) / 9.0)), (closure_in_loop, (V,)),
    (call_kwonly, (np.abs(V) + 0.1,)), (nested_early, (V,)), (grid_update, (M,)),
    (tuple_axis, (np.arange(24.0).reshape(2, 3, 4) / 24.0,)), (mixed_math, (V,)),
    (reshapes, (np.arange(6.0).reshape(2, 3) / 6.0,)), (while_chain, (0.5,)), (dict_loop, (V,)),
    (where_clip, (V,)), (power_int_param, (np.abs(V) + 0.1, 3)), (norm_softmax, (V,)),
    (ternary_arrays, (V,)), (slices_2d, (M,)), (argmax_index, (V,)),
]


# -- helpers returning containers, state tuples, masks, linear algebra ---------------

def _split(x):
    return x[0] * 2.0, x[1:] ** 2

def tuple_returning_helper(x):
    a, b = _split(x)
    return a * np.sum(b)

def _stats(x):
    return {"mean": np.mean(x), "var": np.var(x)}

def dict_returning_helper(x):
    s = _stats(x * 2.0)
    return s["mean"] + s["var"] * 3.0

def _step(state, h):
    pos, vel = state
    vel = vel - h * pos
    pos = pos + h * vel
    return (pos, vel)

def leapfrog(x0, v0):
    state = (x0, v0)
    for _ in range(5):
        state = _step(state, 0.1)
    return state[0] ** 2 + state[1]

def list_of_arrays_param(ws):
    h = np.ones(3)
    for w in ws:
        h = np.tanh(w @ h)
    return np.sum(h)

def accumulate_matrix(x):
    m = np.zeros((3, 3))
    for i in range(3):
        m[i] = x * (i + 1.0)
        m[:, i] += x[i]
    return np.sum(m @ m)

def cumulative(x):
    c = np.cumsum(x)
    p = np.cumprod(1.0 + 0.1 * x)
    return np.sum(c * p) + np.prod(x + 2.0)

def masked(x):
    mask = x > 0
    y = x.copy()
    y[mask] = y[mask] ** 2
    y[~mask] *= 0.5
    return np.sum(y)

def fancy_gather(x):
    idx = np.array([2, 0, 0, 1])
    return np.sum(x[idx] * np.arange(4.0)) + np.sum(np.take(x, [1, 1]))

def linalg_mix(A):
    B = A @ A.T + np.eye(3)
    return np.log(np.linalg.det(B)) + np.trace(np.linalg.inv(B)) + np.sum(np.linalg.solve(B, np.ones(3)))

def einsum_mix(A, x):
    return np.einsum("ij,j->", A, x) + np.einsum("ij,ij->", A, A)

def while_newton_vector(a):
    x = np.ones_like(a)
    it = 0
    while np.max(np.abs(x * x - a)) > 1e-12 and it < 50:
        x = x - (x * x - a) / (2.0 * x)
        it += 1
    return np.sum(x)

A = np.array([[0.5, -0.2, 0.1], [0.9, 0.4, -0.6], [0.2, 0.3, 0.8]])
CASES += [
    (tuple_returning_helper, (V,)), (dict_returning_helper, (V,)), (leapfrog, (0.7, -0.3)),
    (list_of_arrays_param, ([A * 0.5, A.T * 0.3],)), (accumulate_matrix, (V,)), (cumulative, (V,)),
    (masked, (V,)), (fancy_gather, (V,)), (linalg_mix, (A,)), (einsum_mix, (A, V)),
    (while_newton_vector, (np.array([2.0, 3.0, 0.5]),)),
]


# -- arrays from scalars, recursion on arrays, parameter dicts, matrix powers ---------

def array_from_scalars(a, b):
    v = np.array([a, b * 2.0, a * b])
    return np.sum(v ** 2) + np.dot(v, np.array([1.0, 2.0, 3.0]))

def recursive_array(x, n=3):
    if n == 0:
        return x
    return recursive_array(np.sin(x) + x * 0.5, n - 1)

def rec_entry(x):
    return np.sum(recursive_array(x))

def scalar_loop_list(xs):
    best = xs[0]
    for v in xs[1:]:
        if v > best:
            best = v
    return best * 2.0 + sum(xs)

def poly_fit(c, x):
    y = np.zeros_like(x)
    for k in range(len(c)):
        y = y + c[k] * x ** k
    return np.sum((y - np.cos(x)) ** 2)

def continue_in_while(x):
    s = 0.0
    i = 0
    while i < 6:
        i += 1
        if i % 2 == 0:
            continue
        s = s + x ** i
    return s

def attribute_params(p):
    return np.sum(p["W"] @ p["x"]) * p["scale"] + np.sum(p["layers"][1] ** 2)

def softplus_stable(x):
    return np.sum(np.where(x > 0, x + np.log1p(np.exp(-np.abs(x))), np.log1p(np.exp(x))))

def clip_grad_style(x):
    n = np.sqrt(np.sum(x * x))
    if n > 1.0:
        x = x / n
    return np.sum(x * np.arange(3.0))

def mat_power_loop(A):
    P = np.eye(3)
    for _ in range(3):
        P = P @ A
    return np.trace(P)

def math_in_loop(x):
    s = 0.0
    for k in range(1, 5):
        s += math.exp(-k * x) * math.cos(k * x) / k
    return s

def outer_products(u, v):
    M = np.outer(u, v) + np.outer(v, u)
    return np.sum(M ** 2) + np.linalg.norm(M)

CASES += [
    (array_from_scalars, (0.4, -1.2)), (rec_entry, (V,)), (scalar_loop_list, ([0.2, 1.5, -0.3, 0.9],)),
    (poly_fit, (np.array([0.5, -0.2, 0.1]), V)), (continue_in_while, (0.8,)),
    (attribute_params, ({"W": A, "x": V, "scale": 1.5, "layers": [V, V * 2.0]},)),
    (softplus_stable, (V,)), (clip_grad_style, (V * 2.0,)), (clip_grad_style, (V * 0.1,)),
    (mat_power_loop, (A,)), (math_in_loop, (0.6,)), (outer_products, (V, V[::-1] + 0.5)),
]


# -- integrators, piecewise functions, statistics, pairwise energies ---------------

def euler_ode(k, y0):
    y = y0
    h = 0.01
    for _ in range(100):
        y = y + h * (-k * y + math.sin(y))
    return y

def rk4(k):
    def f(y):
        return -k * y * y
    y = 1.0
    h = 0.1
    for _ in range(10):
        k1 = f(y)
        k2 = f(y + 0.5 * h * k1)
        k3 = f(y + 0.5 * h * k2)
        k4 = f(y + h * k3)
        y = y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y

def piecewise(x):
    if x < -1.0:
        return -x - 0.5
    elif x < 1.0:
        return 0.5 * x * x
    return x - 0.5

def stats(x):
    m = np.mean(x)
    s = np.std(x, ddof=1)
    z = (x - m) / s
    return np.sum(z ** 3) / len(x) + np.median(x)

def smooth_max(x, beta):
    return np.log(np.sum(np.exp(beta * x))) / beta

def gaussian_nll(mu, logsig, data):
    sig = np.exp(logsig)
    return np.sum(0.5 * ((data - mu) / sig) ** 2 + logsig + 0.5 * math.log(2 * math.pi))

def spring_energy(pos):
    e = 0.0
    n = pos.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            d = np.linalg.norm(pos[i] - pos[j])
            e = e + (d - 1.0) ** 2
    return e

def trig_special(x):
    return math.erf(x) + math.atan2(x, 1.0 + x * x) + math.hypot(x, 2.0) + math.log10(1.0 + x * x)

def interp_poly(x):
    c = np.array([1.0, -2.0, 0.5])
    return np.sum(np.polyval(c, x)) + np.sum(np.interp(x, [0.0, 1.0, 2.0], [0.0, 1.0, 4.0]))

V4 = np.array([0.3, -0.7, 1.1, 0.4])
P = np.array([[0.0, 0.0], [1.2, 0.1], [0.3, 0.9]])
CASES += [
    (euler_ode, (0.7, 1.2)), (rk4, (0.8,)), (piecewise, (-1.5,)), (piecewise, (0.3,)),
    (piecewise, (2.5,)), (stats, (V4,)), (smooth_max, (V4, 3.0)),
    (gaussian_nll, (0.2, -0.3, V4)), (spring_energy, (P,)), (trig_special, (0.6,)),
    (interp_poly, (np.array([0.3, 1.4]),)),
]


# -- helpers that mutate or return early, lists of dicts, array methods -----------

def _update(buf, i, v):
    buf[i] = buf[i] * 0.5 + v
    return buf

def helper_mutates_in_loop(x):
    buf = np.zeros(3)
    for i in range(3):
        buf = _update(buf, i, x[i] ** 2)
    return np.sum(buf * x)

def _classify(v):
    if v > 0.5:
        return v * 2.0
    if v < -0.5:
        return -v
    return v ** 3

def early_return_helper(x):
    s = 0.0
    for v in x:
        s = s + _classify(v)
    return s

def list_of_dicts(ps):
    total = 0.0
    for p in ps:
        total = total + p["w"] * p["x"] ** 2
    return total

def methods_mix(x):
    m = x.reshape(2, 2)
    return m.sum(axis=0).max() + m.clip(-0.5, 0.5).mean() + abs(m).sum() + m.T.dot(m).trace()

def sort_based(x):
    s = np.sort(x)
    return np.sum(s * np.arange(1.0, 5.0))

def int_float_mix(x, n):
    k = n // 2
    s = 0.0
    for i in range(k, n):
        s = s + x[i % len(x)] * (i - k + 1)
    return s * float(n) / 3

def chained_compare(x):
    y = x
    if -1.0 < x < 1.0:
        y = y * y
    return y + 0.5 * x

def nested_containers_out(x):
    return {"a": [x * 2.0, (x ** 2, 3.0)], "b": np.sum(x)}

def norm_of_nested(x):
    d = nested_containers_out(x)
    return np.sum(d["a"][0] * d["a"][1][0]) + d["b"] * d["a"][1][1]

def where_scalar(x):
    return np.sum(np.where(x > 0, x, 0.0) ** 2 + np.maximum(x, 0.1) * np.minimum(x, 0.2))

CASES += [
    (helper_mutates_in_loop, (V4[:3],)), (early_return_helper, (V4,)),
    (list_of_dicts, ([{"w": 0.5, "x": 1.2}, {"w": -1.0, "x": 0.3}],)),
    (methods_mix, (V4,)), (sort_based, (V4,)), (int_float_mix, (V4, 7)), (chained_compare, (0.4,)),
    (chained_compare, (1.5,)), (norm_of_nested, (V4,)), (where_scalar, (V4,)),
]


# -- machine-learning building blocks: softmax, convolution, layer norm, attention, GRU --

def running_max(x):
    m = x[0]
    out = []
    for v in x:
        m = max(m, v)
        out.append(m * v)
    return sum(out)

def softmax_xent(logits, y):
    z = logits - np.max(logits, axis=-1, keepdims=True)
    p = np.exp(z) / np.sum(np.exp(z), axis=-1, keepdims=True)
    return -np.sum(y * np.log(p + 1e-12))

def conv1d(x, k):
    n = len(x) - len(k) + 1
    out = np.zeros(n)
    for i in range(n):
        out[i] = np.dot(x[i:i + len(k)], k)
    return np.sum(out ** 2)

def layer_norm(x, g, b):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return np.sum((g * (x - mu) / np.sqrt(var + 1e-5) + b) ** 2)

def attention(q, k, v):
    s = q @ k.T / np.sqrt(q.shape[-1])
    a = np.exp(s - s.max(axis=1, keepdims=True))
    a = a / a.sum(axis=1, keepdims=True)
    return np.sum((a @ v) ** 2)

def gru_like(xs, W, U):
    h = np.zeros(W.shape[0])
    for x in xs:
        z = 1.0 / (1.0 + np.exp(-(W @ x + U @ h)))
        hn = np.tanh(W @ x * 0.5 + U @ (z * h))
        h = (1 - z) * h + z * hn
    return np.sum(h)

R3 = np.random.default_rng(3)
CASES += [
    (running_max, (np.array([0.3, 1.2, -0.5, 0.8]),)),
    (softmax_xent, (R3.standard_normal((3, 4)), np.eye(4)[[0, 2, 1]])),
    (conv1d, (R3.standard_normal(6), np.array([0.5, -1.0, 0.25]))),
    (layer_norm, (R3.standard_normal((2, 5)), R3.standard_normal(5), R3.standard_normal(5))),
    (attention, (R3.standard_normal((3, 4)), R3.standard_normal((5, 4)), R3.standard_normal((5, 2)))),
    (gru_like, (R3.standard_normal((3, 2)), R3.standard_normal((4, 2)) * 0.5, R3.standard_normal((4, 4)) * 0.5)),
]


# -- casts, lists of lists, size attributes, math on NumPy scalars, powers ---------

def casts(x):
    a = np.float64(x[0]) * 2.0
    b = np.asarray(x, dtype=np.float64)
    c = float(np.sum(b)) + x.astype(np.float64).sum()
    return a + c + np.sum(np.array(x, dtype=float) ** 2)

def list_of_lists(A, x):
    total = 0.0
    for i in range(len(A)):
        for j in range(len(A[i])):
            total += A[i][j] * x[j]
    return total

def size_attrs(x):
    return np.sum(x ** 2) / x.size + x.ndim * np.mean(x)

def math_on_numpy_scalars(x):
    s = 0.0
    for v in x:
        s += math.exp(v) * math.sin(v) + math.sqrt(v * v + 1.0)
    return s

def pow_variants(x):
    return np.sum(x ** 2.5 + 2.0 ** x + np.exp2(x) + np.sqrt(x) ** 3)

V8 = np.array([0.3, 0.7, 1.1])
CASES += [
    (casts, (V8,)), (list_of_lists, ([[1.0, 2.0, 0.5], [0.1, -0.3, 0.8]], V8)), (size_attrs, (V8,)),
    (math_on_numpy_scalars, (V8,)), (pow_variants, (V8,)),
]


# -- writes in loops with break/continue, symmetric fills, tuple updates ----------

def break_with_mutation(x):
    y = np.zeros(4)
    for i in range(4):
        y[i] = x[i] ** 2
        if np.sum(y) > 1.0:
            break
    return np.sum(y * x)

def continue_accumulate(x):
    acc = np.zeros(2)
    for i in range(len(x)):
        if x[i] < 0:
            continue
        acc[i % 2] += x[i] * i
    return np.sum(acc ** 2)

def nested_loop_matrix(x):
    n = len(x)
    M = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            M[i, j] = x[i] * x[j]
            M[j, i] = M[i, j]
    return np.trace(M @ M)

def return_tuple_unpacked_loop(x):
    a, b = x[0], x[1]
    for _ in range(3):
        a, b = b, a + b * 0.5
    return a * b

V9 = np.array([0.3, -0.7, 1.1, 0.4])
CASES += [
    (break_with_mutation, (V9,)), (continue_accumulate, (V9,)),
    (nested_loop_matrix, (V9,)), (return_tuple_unpacked_loop, (V9,)),
]


# -- iterations: fixed point, power iteration, gradient descent, Taylor series ----

def fixed_point(a):
    x = 0.5
    for _ in range(50):
        x_new = np.cos(a * x)
        if abs(x_new - x) < 1e-13:
            x = x_new
            break
        x = x_new
    return x

def power_iteration(A):
    v = np.ones(A.shape[0])
    for _ in range(30):
        w = A @ v
        v = w / np.linalg.norm(w)
    return v @ A @ v

def gradient_descent(w0, lr):
    w = w0
    for _ in range(10):
        g = 2.0 * (w - 3.0)
        w = w - lr * g
    return (w - 3.0) ** 2

def matrix_exp_taylor(A):
    out = np.eye(A.shape[0])
    term = np.eye(A.shape[0])
    for k in range(1, 8):
        term = term @ A / k
        out = out + term
    return np.sum(out)

S = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]])
CASES += [
    (fixed_point, (0.8,)), (power_iteration, (S,)), (gradient_descent, (0.5, 0.1)), (matrix_exp_taylor, (S * 0.3,)),
]


# -- ODEs, PDE steps, logistic regression, kernels, robust losses, angles ----------

def lotka_volterra(a, b):
    x, y = 1.0, 0.5
    h = 0.05
    for _ in range(40):
        dx = a * x - b * x * y
        dy = -y + x * y
        x, y = x + h * dx, y + h * dy
    return x + y

def heat_1d(u0):
    u = u0.copy()
    for _ in range(10):
        lap = np.zeros_like(u)
        lap[1:-1] = u[:-2] - 2 * u[1:-1] + u[2:]
        u = u + 0.1 * lap
    return np.sum(u ** 2)

def logistic_regression(w, X, y):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.01 * np.dot(w, w)

def kernel_sum(x, ls):
    K = np.exp(-((x[:, None] - x[None, :]) ** 2) / (2 * ls * ls))
    return np.sum(K) + np.trace(K) * ls

def huber(r, delta):
    out = 0.0
    for v in r:
        if abs(v) <= delta:
            out += 0.5 * v * v
        else:
            out += delta * (abs(v) - 0.5 * delta)
    return out

def angle_between(u, v):
    c = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return math.acos(max(-1.0, min(1.0, float(c))))

R5 = np.random.default_rng(5)
X5 = R5.standard_normal((6, 3))
CASES += [
    (lotka_volterra, (1.1, 0.4)), (heat_1d, (R5.standard_normal(6),)),
    (logistic_regression, (R5.standard_normal(3) * 0.3, X5, (R5.random(6) > 0.5) * 1.0)),
    (kernel_sum, (R5.standard_normal(4), 0.8)), (huber, (np.array([0.3, -2.0, 1.1, 0.05]), 1.0)),
    (angle_between, (np.array([1.0, 0.2, -0.3]), np.array([0.4, 1.0, 0.5]))),
]


# -- hand-written derivatives inside loops, recursion over lists ------------------

@srcad.custom_vjp
def softclip(x):
    return np.tanh(x) * 2.0

def softclip_fwd(x):
    y = softclip(x)
    return y, y

def softclip_bwd(y, g):
    return (g * (2.0 - y * y / 2.0),)

softclip.defvjp(softclip_fwd, softclip_bwd)

@softclip.defjvp
def softclip_jvp(p, t):
    (x,), (tx,) = p, t
    y = softclip(x)
    return y, tx * (2.0 - y * y / 2.0)

def uses_custom(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(softclip(x * (i + 1.0)) ** 2)
    return s

def _rec_list(xs, n):
    if n == 0:
        return xs
    return _rec_list([v * 0.5 + xs[0] for v in xs], n - 1)

def recursion_lists(x):
    out = _rec_list([x, x * 2.0, x * 3.0], 3)
    return out[0] * out[2]

V12 = np.array([0.3, -0.7, 1.1])
CASES += [(uses_custom, (V12,)), (recursion_lists, (0.7,))]


# -- starred assignment targets ---------------------------------------------------

def starred_head(x):
    first, *rest = x
    return first * sum(rest)

def starred_middle(x):
    a, *mid, z = x * 2.0
    return a * z + sum(m ** 2 for m in mid)

def starred_tuple(x, y):
    *init, last = (x, y, x * y)
    return last ** 2 + init[0] * init[1]

CASES += [(starred_head, (np.array([0.5, -1.2, 2.0, 0.3]),)),
          (starred_middle, (np.array([0.5, -1.2, 2.0, 0.3, 0.9]),)),
          (starred_tuple, (0.8, -1.3))]


# -- complex intermediate values of a real function -------------------------------

def complex_modulus(x):
    z = x + 1j * x ** 2
    return abs(z) * 2.0

def phasor_power(x):
    z = np.exp(1j * x) * (2.0 + x)
    return np.sum(np.abs(z) ** 2 + np.real(z * np.conj(z)))

def spectrum_energy(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2) + np.sum(np.abs(np.fft.fft(x * x)))

CASES += [(complex_modulus, (0.7,)), (phasor_power, (np.array([0.3, 1.2]),)),
          (spectrum_energy, (np.array([0.2, 1.0, -0.5, 0.8, 1.7]),))]

def compensated_sums(x):
    return math.fsum([x, x * 2.0, math.sin(x)]) + math.fsum(v * v for v in (x, 3.0 * x))

CASES += [(compensated_sums, (0.3,))]


# -- enumerate with a start ---------------------------------------------------------

def welford_variance(xs):
    mean, m2 = 0.0, 0.0
    for k, x in enumerate(xs, start=1):
        delta = x - mean
        mean += delta / k
        m2 += delta * (x - mean)
    return m2 / (len(xs) - 1)

def weighted_powers(xs):
    s = 0.0
    for k, x in enumerate(xs, 2):
        s = s + x ** k
    return s

def welford_rows(xs):
    # running mean and spread of rows: `mean += ...` writes in place once
    # mean is an array, and must not be taken for an alias of m2
    mean, m2 = 0.0, 0.0
    for k, x in enumerate(xs, start=1):
        delta = x - mean
        mean += delta / k
        m2 += delta * (x - mean)
    return np.sum(m2 / (len(xs) - 1)) + np.sum(mean ** 2)


def parallel_and_swapped_names(x, y):
    a, b = x * 2.0, np.sin(y)
    a, b = b, a + b      # read before written: still a swap
    c, d = [a * b, 3.0]
    return np.sum(c * d + a)


CASES += [(welford_variance, (np.array([0.4, -1.1, 2.3, 0.8, 0.1]),)),
          (welford_rows, (np.array([[0.4, -1.1], [2.3, 0.8], [0.1, 0.5], [-0.7, 1.2]]),)),
          (parallel_and_swapped_names, (np.array([0.3, -0.8]), np.array([1.1, 0.2]))),
          (weighted_powers, (np.array([0.3, 0.5, 0.9]),))]


# -- parameters in namedtuples and dataclasses ------------------------------------

Layer = collections.namedtuple("Layer", "w b")


@dataclasses.dataclass
class Oscillator:
    omega: float
    damping: float
    phase: np.ndarray


def namedtuple_layer(p, x):
    return np.sum(np.tanh(x @ p.w + p.b) ** 2)

def dataclass_oscillator(o):
    t = np.linspace(0.0, 1.0, 4)
    return np.sum(np.exp(-o.damping * t) * np.cos(o.omega * t + o.phase))

def nested_params(layers, x):
    for p in layers:
        x = np.tanh(x @ p.w + p.b)
    return np.sum(x)

R13 = np.random.default_rng(13)
CASES += [
    (namedtuple_layer, (Layer(R13.standard_normal((3, 2)), R13.standard_normal(2)), R13.standard_normal((4, 3)))),
    (dataclass_oscillator, (Oscillator(2.0, 0.3, R13.standard_normal(4)),)),
    (nested_params, ([Layer(R13.standard_normal((3, 3)), R13.standard_normal(3)),
                      Layer(R13.standard_normal((3, 2)), R13.standard_normal(2))], R13.standard_normal((2, 3)))),
]


# -- map ----------------------------------------------------------------------------

def _bump(v):
    return v * np.sin(v)

def map_builtin(x):
    return sum(map(math.sin, [x, 2.0 * x]))

def map_lambda_pairs(xs, ys):
    return sum(map(lambda a, b: a * b, xs, ys)) + sum(list(map(_bump, xs)))

def map_in_loop(xs):
    s = 0.0
    for v in map(np.exp, xs):
        s = s + v
    return s

CASES += [(map_builtin, (0.3,)), (map_lambda_pairs, (np.array([0.2, 0.5]), np.array([1.2, -0.5]))),
          (map_in_loop, (np.array([0.2, 0.5, -0.4]),))]


# -- sorted, and min/max with a key -------------------------------------------------

def rank_weighted(xs):
    return sum(v * i for i, v in enumerate(sorted(xs)))

def largest_magnitudes(xs):
    s = sorted(xs, key=abs, reverse=True)
    return s[0] * 2.0 + s[1] ** 2

def best_candidate(x):
    pairs = [(x, 1.0), (x * 2.0, 0.5), (x * 3.0, 2.0)]
    best = min(pairs, key=lambda p: p[1])
    worst = max(pairs, key=lambda p: p[1])
    return best[0] ** 2 + worst[0]

CASES += [(rank_weighted, (np.array([0.9, 0.2, 0.5]),)),
          (largest_magnitudes, (np.array([0.9, -1.2, 0.5]),)), (best_candidate, (0.4,))]


# -- zip(*rows): columns of a list of rows ------------------------------------------

def column_products(M):
    cols = list(zip(*M))
    return sum(c[0] * c[1] for c in cols)

def paired_rows(rows):
    s = 0.0
    for a, b in zip(*rows):
        s = s + a * b ** 2
    return s

CASES += [(column_products, (np.array([[0.2, -0.5, 0.9], [1.0, 2.0, -0.3]]),)),
          (paired_rows, ([np.array([0.2, 0.4, 0.1]), np.array([1.0, 2.0, -1.0])],))]


# -- dict.update in forward mode ------------------------------------------------------

def dict_update_forward(x):
    d = {"a": x}
    d["a"] = d["a"] * 2
    d.update(b=x ** 2)
    d.update({"c": x * 3.0})
    return np.sum(d["a"] + d["b"] + d["c"])


# -- a list of derivative-carrying values popped into a value that carries none --------

def pop_unused(x):
    acc = [x * 2.0, x * 3.0]
    unused = acc.pop()
    acc.append(x * 5.0)
    return acc[1] * acc[0]


CASES += [(pop_unused, (0.7,))]


# -- iterating a dict's views: .items(), .values(), .keys() -------------------------

def l2_over_items(params):
    total = 0.0
    for name, w in params.items():
        total = total + np.sum(w ** 2) * (2.0 if name == "W" else 1.0)
    return total


def sum_of_values(params):
    return sum(np.sum(np.tanh(w)) for w in params.values()) + sum(len(k) for k in params.keys())


def scaled_items_with_break(params, s):
    out = 0.0
    for key, value in params.items():
        if key == "stop":
            break
        out = out + s * np.sum(value * value)
    return out


DICT_PARAMS = {"W": np.array([[0.5, -0.2], [0.3, 0.9]]), "b": np.array([0.1, -0.4])}
CASES += [(l2_over_items, (DICT_PARAMS,)), (sum_of_values, (DICT_PARAMS,)),
          (scaled_items_with_break, ({"a": np.array([0.5, 1.5]), "stop": np.array([2.0]),
                                      "c": np.array([3.0])}, 0.7))]


# -- log-likelihoods with math.lgamma and math.gamma -----------------------------------

def student_t_logpdf(x, nu, s):
    return (math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(nu * math.pi * s * s)
            - (nu + 1) / 2 * math.log(1 + (x / s) ** 2 / nu))


def gamma_ratio(a):
    return math.gamma(a + 0.5) / math.gamma(a) + math.lgamma(a - 3.2)


CASES += [(student_t_logpdf, (0.7, 3.5, 1.2)), (gamma_ratio, (2.3,))]


def signed_magnitudes(x, y):
    return math.copysign(x * x, y) + math.fabs(x - 2.0 * y) ** 1.5


CASES += [(signed_magnitudes, (0.7, -1.3))]


# -- angles, roots, remainders and n-dimensional norms from math ------------------------

def spherical_to_height(lat_deg, r):
    return r * math.sin(math.radians(lat_deg)) + math.degrees(math.atan2(r, 2.0))


def norm_of_three(x, y):
    return math.hypot(x, 2.0 * y, x * y) + math.hypot(x - y)


def wrapped_phase(x, period):
    return math.fmod(3.0 * x, period) + math.remainder(5.0 * x, period * period) + math.ldexp(x * x, 3)


CASES += [(spherical_to_height, (37.0, 1.3)), (norm_of_three, (0.7, -0.4)),
          (wrapped_phase, (0.7, 0.9))]

if hasattr(math, "cbrt"):   # Python 3.11
    def cube_root_and_power_of_two(x):
        return math.cbrt(1.0 + x * x) + math.exp2(-x)

    CASES += [(cube_root_and_power_of_two, (0.4,))]


# -- complex numbers built from their parts ------------------------------------------------

def complex_from_parts(a, b):
    z = complex(a, b * b)
    w = complex(a * 2.0)
    return (z * z * w).real + (z * 3.0).imag + complex(b).real


# Second derivatives through complex intermediate values are not right yet
# (the tangent of a real argument's gradient keeps its imaginary part):
# tests/test_more_cases.py expects them to fail.
COMPLEX_CASES = [(complex_from_parts, (0.7, -1.3))]


# -- dict views used as values, not looped over ----------------------------------------------

def sum_of_dict_values(x):
    d = {i: x[i] ** 2 for i in range(len(x))}
    return sum(d.values()) * d[0]


def dict_views_as_lists(p):
    vals = list(p.values())
    first = sorted(p.items())[0][1]
    return np.sum(vals[0] * vals[1]) + np.sum(first ** 3) + np.sum(np.concatenate(list(p.values())))


CASES += [(sum_of_dict_values, (np.array([0.3, -1.2, 0.8]),)),
          (dict_views_as_lists, ({"a": np.array([0.5, 1.0]), "b": np.array([-0.3, 2.0])},))]


# -- objects called as functions (a class defining __call__) ------------------------------------

class Affine:
    def __init__(self, scale, shift):
        self.scale = scale
        self.shift = shift

    def forward(self, w, x):
        return np.tanh(x @ w) * self.scale + self.shift

    def __call__(self, w, x):
        return self.forward(w, x)


AFFINE = Affine(2.0, 0.5)
_XA = np.linspace(-1.0, 1.0, 12).reshape(3, 4)


def module_level_callable(w):
    return np.sum(AFFINE(w, _XA) ** 2)


def local_callable(w):
    layer = Affine(3.0, -1.0)
    return np.sum(layer(w, _XA) * layer(2.0 * w, _XA))


CASES += [(module_level_callable, (np.linspace(0.1, 0.8, 8).reshape(4, 2),)),
          (local_callable, (np.linspace(-0.4, 0.3, 8).reshape(4, 2),))]


# -- a loop whose last statement reshapes the carried array (its adjoint is still a lazy ------
# -- zero when the backward sweep enters the loop) -----------------------------------------------

def reshaped_state_in_a_loop(x):
    s = 0.0
    y = x
    for i in range(3):
        s = s + np.sum(y * x)
        y = y.reshape(2, 3).T.ravel()
    return s


def flattened_state_in_a_loop(x):
    s = 0.0
    y = x
    for i in range(2):
        s = s + np.sum(np.sin(y))
        y = np.swapaxes(np.reshape(y, (3, 2), order="F"), 0, 1).flatten()
    return s


CASES += [(reshaped_state_in_a_loop, (np.array([0.3, -0.7, 1.1, 0.45, -0.2, 0.9]),)),
          (flattened_state_in_a_loop, (np.array([0.3, -0.7, 1.1, 0.45, -0.2, 0.9]),))]


# -- lists joined and copied: a slice of a list is a list, and two copies of a list ----------
# -- argument add their derivatives entry by entry ------------------------------------------------

def rotated_list_products(x):
    ys = [x[0], x[1], x[2]]
    zs = ys[1:] + ys[:1]
    return sum(a * b for a, b in zip(ys, zs))


def sliding_window_of_a_list(x):
    ys = [x[0], x[1], x[2]]
    s = 0.0
    for i in range(3):
        s = s + ys[0] * ys[2]
        ys = ys[1:] + [ys[0] * 0.5]
    return s


def two_copies_of_a_list(xs):
    a = list(xs)
    b = list(xs)
    return a[0] * b[1] + a[1]


def two_copies_of_a_tuple(t):
    a = tuple(t)
    b = tuple(t)
    return a[0] * b[1] + a[1] ** 2


CASES += [(rotated_list_products, (np.array([0.3, -0.7, 1.1]),)),
          (sliding_window_of_a_list, (np.array([0.3, -0.7, 1.1]),)),
          (two_copies_of_a_list, ([0.3, -0.7],)),
          (two_copies_of_a_tuple, ((0.3, -0.7),))]


# -- a list display plus an array: NumPy adds them entry by entry ---------------------------------

def offsets_plus_positions(x):
    shifted = [0.5, -0.5, 1.0, 2.0] + x
    rows = [[x[0], x[1], x[2], x[3]], [1.0, 2.0, 3.0, 4.0]] + x ** 2
    return np.sum(np.sin(shifted) * x) + np.sum(rows ** 2)


CASES += [(offsets_plus_positions, (np.array([0.3, -0.7, 1.1, 0.4]),))]


# -- lists made with x.tolist(), joined with other lists ------------------------------------------

def joined_tolists(x):
    zs = x[:2].tolist() + x[1:].tolist()
    return zs[0] * zs[3] + sum(v * v for v in zs)


def rows_from_tolist_and_a_display(x):
    m = x.reshape(2, 2).tolist()
    rows = m + [[1.0, 2.0]]
    return np.sum(np.array(rows) ** 2) + x.sum().tolist() * x[0]


CASES += [(joined_tolists, (np.array([0.3, -0.7, 1.1, 0.4]),)),
          (rows_from_tolist_and_a_display, (np.array([0.3, -0.7, 1.1, 0.4]),))]


# -- with np.errstate(...) / warnings.catch_warnings() around the computation -------------------

def log_where_positive_quietly(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(x > 0, np.log(np.abs(x)), 0.0)
    s = 0.0
    for v in y:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = s + v * v
    return np.sum(y * x) + s


CASES += [(log_where_positive_quietly, (np.array([0.3, -0.7, 1.1]),))]


def comprehension_in_a_branch(x):
    # the comprehension's list is copied to a temporary in the branch, and
    # the backward sweep's own branch reads that temporary
    s = 0.0
    if x[0] > 0.1:
        s = sum([v * 2.0 for v in x]) + sum(v * v for v in x if v > 0.0)
    return s


CASES += [(comprehension_in_a_branch, (np.array([0.3, 1.2, -0.7, 2.1, -0.9, 0.4]),))]


def loop_with_break_then_entry_write(x):
    # second order: the trip count of the inner loop slices its range, in
    # code that forward mode takes for varying once an entry is written
    s = x[0] * 0.2
    for i in range(1):
        for j in range(4):
            s = s + x[j] * 0.3
            if s > 2.0:
                break
        y = x.copy()
        y[1] += s
        s = np.sum(y ** 2)
    return s


CASES += [(loop_with_break_then_entry_write, (np.array([0.37, -0.81, 1.23, 0.56]),))]


# -- for/while with else: the else block runs when the loop ends without break ------------------

def newton_root_or_raise(a):
    x = 1.0
    for it in range(50):
        dx = (x * x - a) / (2 * x)
        x -= dx
        if abs(dx) < 1e-12:
            break
    else:
        raise RuntimeError("Newton iteration did not converge")
    return x


def damped_until_large_else_square(x):
    k = 0
    y = x
    while k < 10:
        y = np.cos(y) + 0.5 * x
        k += 1
        if np.max(np.abs(y)) > 10:
            break
    else:
        y = y ** 2
    return np.sum(y)


def inner_else_continues_outer(x):
    s = 0.0
    for i in range(3):
        for j in range(3):
            s += x[i] * x[j]
            if s > 1.0:
                break
        else:
            s += x[i]
            continue
        s = s * 0.5
        if s > 5:
            break
    else:
        s = s + 100.0
    return s


def else_after_an_early_return(x):
    for i in range(3):
        if x[i] > 0.5:
            return x[i] ** 3
    else:
        t = np.sum(x)
    return t * 2


CASES += [(newton_root_or_raise, (2.0,)),
          (damped_until_large_else_square, (np.array([0.3, 0.7, -0.2]),)),
          (inner_else_continues_outer, (np.array([0.3, 0.7, -0.2]),)),
          (inner_else_continues_outer, (np.array([0.1, 0.2, -0.2]),)),
          (else_after_an_early_return, (np.array([0.3, 0.7, -0.2]),)),
          (else_after_an_early_return, (np.array([0.3, 0.1, -0.2]),))]


# -- imports inside the function (bound to the modules and objects they import) ----------------

def quadrature_with_local_imports(p):
    import math
    import numpy.linalg
    from numpy.polynomial.legendre import leggauss as nodes_and_weights
    xs, ws = nodes_and_weights(5)
    t = 0.5 * p[0] * (xs + 1.0)
    return 0.5 * p[0] * np.sum(ws * np.cos(p[1] * t)) + math.erf(p[1]) + numpy.linalg.norm(p) ** 2


def helper_importing_in_a_loop(x):
    def weight(v):
        from math import exp
        return exp(-v * v)
    s = 0.0
    for i in range(len(x)):
        import math as m
        s += weight(x[i]) * m.erf(x[i])
    return s


CASES += [(quadrature_with_local_imports, (np.array([1.3, 0.8]),)),
          (helper_importing_in_a_loop, (np.array([0.3, -0.7, 1.1]),))]


# -- np.linalg.lstsq inside an iteration, second derivatives too ----------------------------------

def gauss_newton_by_lstsq(theta):
    t = np.linspace(0, 1, 6)
    y = 2.0 * np.exp(-1.3 * t) + 0.1 * theta[0]
    p = np.array([1.0, -1.0])
    for it in range(4):
        e = np.exp(p[1] * t)
        r = p[0] * e - y
        J = np.column_stack([e, p[0] * t * e])
        step = np.linalg.lstsq(J, r, rcond=None)[0]
        p = p - step
    return p[0] + theta[1] * p[1]


def polyfit_residual_by_lstsq(y):
    A = np.vander(np.linspace(0, 1, 5), 3)
    c, res, rank, sv = np.linalg.lstsq(A, y, rcond=None)
    return np.sum(np.exp(c)) + res[0] ** 2


def lstsq_both_sides(A, B):
    X, res, rank, sv = np.linalg.lstsq(A, B, rcond=None)
    return np.sum(X ** 3) + 0.5 * np.sum(res)


CASES += [(gauss_newton_by_lstsq, (np.array([0.5, 1.0]),)),
          (polyfit_residual_by_lstsq, (np.array([0.3, -0.2, 0.8, 0.5, -0.6]),)),
          (lstsq_both_sides, (np.array([[1.0, 0.3], [0.2, -1.1], [0.5, 0.4], [-0.7, 0.9]]),
                              np.array([[0.3, 1.0], [-0.2, 0.1], [0.8, -0.5], [0.5, 0.2]])))]


# -- writes into a 0-d array whose result is a number -------------------------------------------

def masked_write_into_a_zero_d_array(a):
    y = np.zeros_like(np.asarray(a))
    m = np.asarray(a < 1.0)
    y[m] = a ** 2
    return y * 3.0


def whole_write_into_a_zero_d_array(a):
    y = np.zeros(())
    y[()] = a ** 2
    z = np.asarray(a * 1.0)
    z[...] = np.sin(a)
    return y * 3.0 + z


CASES += [(masked_write_into_a_zero_d_array, (0.7,)),
          (whole_write_into_a_zero_d_array, (0.7,))]


# -- np.piecewise with condition and function lists written out -------------------------------

def _sine_twice(v):
    return np.sin(v) * 2


def piecewise_potential(x):
    inner = np.piecewise(x, [x < 0, x > 1], [lambda v: -v, _sine_twice, lambda v: v ** 3])
    clipped = np.piecewise(x, [x < 0], [0.0, lambda v: np.sqrt(v)])
    later_wins = np.piecewise(x, [x < 1, x < 0], [lambda v: v ** 2, lambda v: 3 * v])
    return np.sum(inner * x + clipped + later_wins)


def piecewise_of_a_number(a):
    return np.piecewise(a, [a < 1.0, a >= 1.0], [lambda v: v ** 2, lambda v: 2 * v - 1]) * 3.0


CASES += [(piecewise_potential, (np.array([0.3, -0.8, 1.5, 0.55, -0.2]),)),
          (piecewise_of_a_number, (0.7,)),
          (piecewise_of_a_number, (1.3,))]


# -- a shape unpacked into a call: np.ndindex(*u.shape), np.random.randn(*u.shape) ----------------

def laplacian_over_ndindex(u):
    lap = np.zeros_like(u)
    for i, j in np.ndindex(*u.shape):
        if 0 < i < u.shape[0] - 1 and 0 < j < u.shape[1] - 1:
            lap[i, j] = u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - 4 * u[i, j]
    return np.sum(lap ** 2)


def seeded_noise_of_the_shape(u):
    np.random.seed(0)
    noise = np.random.randn(*u.shape)
    v = u[None]
    return np.sum((u + 0.1 * noise) ** 2) + np.sum(v.reshape(-1, *v.shape[2:]) ** 3)


CASES += [(laplacian_over_ndindex, (np.array([[0.3, -0.2, 0.5, 0.1], [0.8, 0.1, -0.4, 0.3],
                                              [0.2, 0.6, 0.9, -0.1]]),)),
          (seeded_noise_of_the_shape, (np.array([[0.3, -0.2, 0.5], [0.8, 0.1, -0.4]]),))]


# -- loops over np.ndenumerate(a) and a.flat --------------------------------------------------

def weighted_over_ndenumerate(u):
    s = 0.0
    for (i, j), v in np.ndenumerate(u):
        s += v * v * (i + j + 1)
    out = np.zeros_like(u)
    for idx, v in np.ndenumerate(u * 2):
        out[idx] = np.sin(v) * (idx[0] + 1)
    return s + np.sum(out ** 2)


def sum_over_flat(u):
    s = 0.0
    for v in u.flat:
        s += np.sin(v) * v
    for k, v in enumerate((u * u).flat):
        s = s + k * v
    return s


CASES += [(weighted_over_ndenumerate, (np.array([[0.3, -0.2, 0.5], [0.8, 0.1, -0.4]]),)),
          (sum_over_flat, (np.array([[0.3, -0.2, 0.5], [0.8, 0.1, -0.4]]),))]


# -- functions made elementwise with np.vectorize -------------------------------------------------

@np.vectorize
def _ramp(v):
    if v > 0:
        return v ** 2
    return -0.5 * v


def _sine_or_square(a, b):
    return math.sin(a) * b if a > b else a * b ** 2


_sine_or_square_everywhere = np.vectorize(_sine_or_square, otypes=[float])


def vectorized_branches(x):
    return (np.sum(_ramp(x) * x) + np.sum(_sine_or_square_everywhere(x[:, None], x[None, :]))
            + np.sum(_sine_or_square_everywhere(x, 0.35)))


def vectorized_on_a_number(a):
    return float(_ramp(a)) * 3 + _ramp(a + 1.0)


CASES += [(vectorized_branches, (np.array([0.3, -0.8, 1.5, 0.55]),)),
          (vectorized_on_a_number, (0.7,))]


# -- a module-level model object of a dataclass with __call__ (unhashable: eq=True) ---------------

@dataclasses.dataclass
class _TanhLayer:
    w: np.ndarray

    def __call__(self, x):
        return np.tanh(self.w * x)


_LAYER = _TanhLayer(np.array([0.5, 1.0, 2.0]))


def through_a_model_object(x):
    return np.sum(_LAYER(x) ** 2) + max(x) * min(x[0], x[1], x[2])


CASES += [(through_a_model_object, (np.array([0.3, -0.7, 0.2]),))]


def vectorized_in_the_function(x, k=1.5):
    def g(v, w):
        return math.sin(v * k) * w if v > w else v + w
    gv = np.vectorize(g, otypes=[float])
    sq = np.vectorize(lambda v: v * v + math.exp(-v * x[0]))
    ramp = np.vectorize(_sine_or_square)
    return (np.sum(gv(x, 0.2)) + np.sum(gv(x[:, None], x[None, :]) ** 2) + np.sum(sq(x))
            + float(sq(x[1])) + np.sum(ramp(x, 0.35)))


CASES += [(vectorized_in_the_function, (np.array([0.3, -0.8, 1.5, 0.55]),))]


# -- np.interp with a period (angles, periodic tables) ------------------------------------------

_ANGLES = np.linspace(0, 2 * np.pi, 5)[:-1]


def periodic_table_lookup(fp, x):
    wrapped = np.interp(np.array([1.0, 7.0, -1.0, 5.9]), _ANGLES, fp, period=2 * np.pi)
    moving = np.interp(x, np.array([0.5, 2.0, 4.0, 5.5]), fp, period=2 * np.pi)
    return np.sum(wrapped ** 2) + np.sum(moving * x)


CASES += [(periodic_table_lookup, (np.array([0.3, -0.8, 1.5, 0.55]), np.array([0.3, 2.5, 7.7, -2.0])))]
