"""Hand-written NumPy gradients of the workloads: the speed and memory reference.

Each function returns what ``srcad.grad(workload, wrt=...)`` must return for the
benchmark's ``wrt`` (a tuple of arrays where several arguments are asked for).
They are written the way a careful person writes them by hand: reuse forward
values, no tape, no per-operation bookkeeping. The test
``tests/test_benchmarks_harness.py`` checks each against central finite
differences.
"""

import numpy as np


def horner_grad(x, c):
    """d/dx of ``workloads.horner``: carry the derivative along the recurrence."""
    p = 0.0
    dp = 0.0
    for i in range(len(c)):
        dp = dp * x + p
        p = p * x + c[i]
    return dp


def small_chain_grad(x):
    """d/dx of ``workloads.small_chain``: forward pass, then the chain rule by hand."""
    a = np.sin(x) * 1.5 + 0.3
    b = np.exp(-a * a)
    th = np.tanh(a + b)
    c = th * x
    q = 1.0 + x * x
    d = np.cos(c) - b / q
    r = 1.0 + d * d
    w = np.sqrt(1.0 + a * a)
    e = np.log(r) + w
    td = np.tanh(d)
    f = e * td - 0.5 * c
    z = 2.0 + np.sin(e)
    g = f / z

    # out = sum(g * g + a * e)
    g_g = 2.0 * g
    g_a = e.copy()
    g_e = a.copy()
    # g = f / z
    g_f = g_g / z
    g_e += -g_g * f / (z * z) * np.cos(e)
    # f = e * td - 0.5 * c
    g_e += g_f * td
    g_d = g_f * e * (1.0 - td * td)
    g_c = -0.5 * g_f
    # e = log(r) + w
    g_d += g_e / r * 2.0 * d
    g_a += g_e * a / w
    # d = cos(c) - b / q
    g_c -= g_d * np.sin(c)
    g_b = -g_d / q
    g_x = g_d * b / (q * q) * 2.0 * x
    # c = th * x
    g_x += g_c * th
    g_u = g_c * x * (1.0 - th * th)
    g_a += g_u
    g_b += g_u
    # b = exp(-a * a)
    g_a -= g_b * b * 2.0 * a
    # a = 1.5 * sin(x) + 0.3
    g_x += g_a * 1.5 * np.cos(x)
    return g_x


def branchy_grad(a, b, s0, n):
    """d/da of ``workloads.branchy``: a scalar parameter, so carry ds/da forward."""
    s = s0
    ds = 0.0
    for i in range(n):
        if s > 0:
            ds = ds * a + s
            s = s * a - 0.1
        else:
            ds = ds * b
            s = s * b + 0.3
    return ds


def logsumexp_grad(x):
    """d/dx of ``workloads.logsumexp``: the softmax, in place to save one array."""
    e = np.exp(x - np.max(x))
    e /= np.sum(e)
    return e


def _mlp_backward(W1, b1, W2, b2, X, Y, want_all):
    n = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    p = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p /= np.sum(p, axis=1, keepdims=True)
    # d(-sum(Y * log softmax)) / d logits = softmax - Y for one-hot rows of Y.
    g_logits = (p - Y) / n
    g_a1 = g_logits @ W2.T
    g_a1 *= 1.0 - h * h
    g_W1 = X.T @ g_a1
    if not want_all:
        return g_W1
    return g_W1, np.sum(g_a1, axis=0), h.T @ g_logits, np.sum(g_logits, axis=0)


def mlp_grad_W1(W1, b1, W2, b2, X, Y):
    """d/dW1 of ``workloads.mlp``."""
    return _mlp_backward(W1, b1, W2, b2, X, Y, want_all=False)


def mlp_grad_all(W1, b1, W2, b2, X, Y):
    """(d/dW1, d/db1, d/dW2, d/db2) of ``workloads.mlp``."""
    return _mlp_backward(W1, b1, W2, b2, X, Y, want_all=True)


def rnn_grad(Wx, Wh, b, xs, h0):
    """(d/dWx, d/dWh, d/db) of ``workloads.rnn`` by backpropagation through time."""
    hs = [h0]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(xs[t] @ Wx + hs[-1] @ Wh + b))
    g_Wx = np.zeros_like(Wx)
    g_Wh = np.zeros_like(Wh)
    g_b = np.zeros_like(b)
    g_h = 2.0 * hs[-1]
    for t in range(xs.shape[0] - 1, -1, -1):
        g_a = g_h * (1.0 - hs[t + 1] ** 2)
        g_Wx += xs[t].T @ g_a
        g_Wh += hs[t].T @ g_a
        g_b += np.sum(g_a, axis=0)
        g_h = g_a @ Wh.T
    return g_Wx, g_Wh, g_b


def rosenbrock_grad(x):
    """d/dx of ``workloads.rosenbrock`` (used to check the Hessian-vector product)."""
    g = np.zeros_like(x)
    r = x[1:] - x[:-1] ** 2
    g[:-1] = -400.0 * x[:-1] * r - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * r
    return g


def rosenbrock_hvp(x, v):
    """Hessian of ``workloads.rosenbrock`` times ``v``; the Hessian is tridiagonal."""
    diag = np.zeros_like(x)
    diag[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    off = -400.0 * x[:-1]
    hv = diag * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv
