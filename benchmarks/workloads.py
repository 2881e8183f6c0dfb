"""Benchmark workloads, written once as plain NumPy code.

These are the functions every tool differentiates. They are ordinary
scientist-style NumPy: Python loops, ``if`` on values, ``np.*`` calls.

srcad receives these function objects unchanged. autograd and JAX receive the
*same source* executed again with the module-level name ``np`` rebound to
``autograd.numpy`` or ``jax.numpy`` (see ``peers.numpy_variant``); that is why
every function looks ``np`` up as a global and this module holds nothing but
the workloads: re-executing it must have no side effects.

Only PyTorch needs a rewrite (its API differs), kept in ``torch_workloads.py``;
the one ``jax.jit`` rewrite that Python control flow forces is in
``lax_rewrites.py``.
"""

import numpy as np


def horner(x, c):
    """Polynomial with coefficients ``c`` (highest degree first) at scalar ``x``."""
    p = 0.0
    for i in range(len(c)):
        p = p * x + c[i]
    return p


def small_chain(x):
    """About thirty elementwise operations on a short vector, summed."""
    a = np.sin(x) * 1.5 + 0.3
    b = np.exp(-a * a)
    c = np.tanh(a + b) * x
    d = np.cos(c) - b / (1.0 + x * x)
    e = np.log(1.0 + d * d) + np.sqrt(1.0 + a * a)
    f = e * np.tanh(d) - 0.5 * c
    g = f / (2.0 + np.sin(e))
    return np.sum(g * g + a * e)


def branchy(a, b, s0, n):
    """A scalar recurrence whose update depends on the sign of the state."""
    s = s0
    for i in range(n):
        if s > 0:
            s = s * a - 0.1
        else:
            s = s * b + 0.3
    return s


def logsumexp(x):
    """Numerically stable log(sum(exp(x)))."""
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def mlp(W1, b1, W2, b2, X, Y):
    """One-hidden-layer tanh network, mean softmax cross-entropy (Y one-hot)."""
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    m = np.max(logits, axis=1, keepdims=True)
    z = logits - m
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(Y * logp) / X.shape[0]


def rnn(Wx, Wh, b, xs, h0):
    """Elman tanh RNN over ``xs`` (time, batch, input); loss = sum of h_T squared."""
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h ** 2)


def rosenbrock(x):
    """The n-dimensional Rosenbrock function."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
