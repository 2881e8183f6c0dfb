"""The workloads rewritten with PyTorch operations, for the PyTorch columns.

Line for line the same algorithms as ``workloads.py``: PyTorch's API differs
from NumPy's (``dim``/``keepdim``, ``max`` returning values and indices), so the
NumPy source cannot simply be re-executed against it. ``horner`` and
``branchy`` make no NumPy calls and read the same.
"""

import torch


def horner(x, c):
    p = 0.0
    for i in range(len(c)):
        p = p * x + c[i]
    return p


def small_chain(x):
    a = torch.sin(x) * 1.5 + 0.3
    b = torch.exp(-a * a)
    c = torch.tanh(a + b) * x
    d = torch.cos(c) - b / (1.0 + x * x)
    e = torch.log(1.0 + d * d) + torch.sqrt(1.0 + a * a)
    f = e * torch.tanh(d) - 0.5 * c
    g = f / (2.0 + torch.sin(e))
    return torch.sum(g * g + a * e)


def branchy(a, b, s0, n):
    s = s0
    for i in range(n):
        if s > 0:
            s = s * a - 0.1
        else:
            s = s * b + 0.3
    return s


def logsumexp(x):
    m = torch.max(x)
    return m + torch.log(torch.sum(torch.exp(x - m)))


def mlp(W1, b1, W2, b2, X, Y):
    h = torch.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    m = torch.max(logits, dim=1, keepdim=True).values
    z = logits - m
    logp = z - torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
    return -torch.sum(Y * logp) / X.shape[0]


def rnn(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = torch.tanh(xs[t] @ Wx + h @ Wh + b)
    return torch.sum(h ** 2)


def rosenbrock(x):
    return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
