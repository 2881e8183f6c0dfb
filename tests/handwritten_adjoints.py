"""Two models and their reverse-mode gradients written by hand, the way a
careful person writes NumPy backpropagation: reuse the forward values, one
line per adjoint, no tape machinery.

``test_readability.py`` checks that srcad's gradients agree with these and
that srcad's generated source is not much longer than them.

Shapes: the MLP takes a batch ``x`` of shape (batch, n_in), ``y`` of shape
(batch, n_out), ``W1`` (n_in, n_hidden), ``b1`` (n_hidden,), ``W2``
(n_hidden, n_out), ``b2`` (n_out,). The RNN takes ``xs`` of shape (steps,
batch, n_in), ``h0`` (batch, n_hidden), ``Wx`` (n_in, n_hidden), ``Wh``
(n_hidden, n_hidden), ``b`` (n_hidden,).
"""

import numpy as np


def mlp_loss(W1, b1, W2, b2, x, y):
    h = np.tanh(x @ W1 + b1)
    out = h @ W2 + b2
    return np.sum((out - y) ** 2)


def rnn_loss(Wx, Wh, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h ** 2)


# (d/dW1, d/db1, d/dW2, d/db2) of mlp_loss
def mlp_loss_grad(W1, b1, W2, b2, x, y):
    h = np.tanh(x @ W1 + b1)
    out = h @ W2 + b2
    d_out = 2.0 * (out - y)
    d_W2 = h.T @ d_out
    d_b2 = np.sum(d_out, axis=0)
    d_pre = (d_out @ W2.T) * (1.0 - h * h)
    d_W1 = x.T @ d_pre
    d_b1 = np.sum(d_pre, axis=0)
    return d_W1, d_b1, d_W2, d_b2


# (d/dWx, d/dWh, d/db) of rnn_loss: backpropagation through time
def rnn_loss_grad(Wx, Wh, b, xs, h0):
    hs = [h0]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(xs[t] @ Wx + hs[-1] @ Wh + b))
    d_Wx, d_Wh, d_b = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    d_h = 2.0 * hs[-1]
    for t in reversed(range(xs.shape[0])):
        d_pre = d_h * (1.0 - hs[t + 1] ** 2)
        d_Wx += xs[t].T @ d_pre
        d_Wh += hs[t].T @ d_pre
        d_b += np.sum(d_pre, axis=0)
        d_h = d_pre @ Wh.T
    return d_Wx, d_Wh, d_b
