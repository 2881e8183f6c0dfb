"""A recurrent network unrolled in a plain Python for loop.

The loop runs over the time steps of a sequence; srcad differentiates it by
generating a forward sweep that records each hidden state and a backward loop
that runs over the steps in reverse (backpropagation through time). The
gradients are checked against central finite differences with
``srcad.check_grads``.

Run:  python examples/rnn.py
"""

import numpy as np

import srcad


def rnn_loss(Wx, Wh, b, xs, target):
    """Run a tanh RNN over the rows of ``xs``; squared error of the last state."""
    h = np.zeros(Wh.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(Wx @ xs[t] + Wh @ h + b)
    return np.sum((h - target) ** 2)


def main():
    rng = np.random.default_rng(0)
    n_in, n_hidden, steps = 3, 5, 12
    Wx = 0.5 * rng.standard_normal((n_hidden, n_in))
    Wh = 0.5 * rng.standard_normal((n_hidden, n_hidden))
    b = np.zeros(n_hidden)
    xs = rng.standard_normal((steps, n_in))
    target = rng.standard_normal(n_hidden)

    dloss = srcad.grad(rnn_loss, wrt=("Wx", "Wh", "b"))
    dWx, dWh, db = dloss(Wx, Wh, b, xs, target)
    print(f"loss {rnn_loss(Wx, Wh, b, xs, target):.4f} over {steps} steps")
    print("gradient norms: "
          f"|dWx| = {np.linalg.norm(dWx):.4f}, |dWh| = {np.linalg.norm(dWh):.4f}, "
          f"|db| = {np.linalg.norm(db):.4f}")

    # every float argument, forward and reverse mode, against finite differences
    srcad.check_grads(rnn_loss, (Wx, Wh, b, xs, target))
    print("forward and reverse mode agree with finite differences: ok")

    print("\ngenerated gradient (the backward loop runs the steps in reverse):\n")
    print(srcad.source(dloss))
    return dWx, dWh, db


if __name__ == "__main__":
    main()
