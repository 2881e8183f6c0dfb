"""A hypergradient: the derivative of the validation loss after training with
respect to the learning rate, through the whole SGD loop.

``train_then_validate`` runs gradient descent on a linear least-squares model
(the inner gradient is written by hand, in a function of its own) and returns
the loss on held-out data. srcad differentiates that whole program with
respect to ``lr``: every update of the weights depends on it, so the generated
code replays the loop backwards. The result is compared with a central finite
difference and then used to tune the learning rate by gradient descent.

Run:  python examples/hypergradient.py
"""

import numpy as np

import srcad


def train_loss_grad(w, X, y):
    """Hand-written gradient of mean((X @ w - y) ** 2) with respect to w."""
    return 2.0 * (X.T @ (X @ w - y)) / X.shape[0]


def train_then_validate(lr, w, X, y, X_val, y_val, steps):
    for _ in range(steps):
        w = w - lr * train_loss_grad(w, X, y)
    return np.mean((X_val @ w - y_val) ** 2)


def make_problem(seed=0, n=40, d=5):
    rng = np.random.default_rng(seed)
    w_true = rng.standard_normal(d)
    X, X_val = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    y = X @ w_true + 0.1 * rng.standard_normal(n)
    y_val = X_val @ w_true + 0.1 * rng.standard_normal(n)
    return np.zeros(d), X, y, X_val, y_val


def main():
    w0, X, y, X_val, y_val = make_problem()
    steps = 20
    lr = 0.05
    hypergrad = srcad.grad(train_then_validate, wrt="lr")

    g = hypergrad(lr, w0, X, y, X_val, y_val, steps)
    eps = 1e-6
    fd = (train_then_validate(lr + eps, w0, X, y, X_val, y_val, steps)
          - train_then_validate(lr - eps, w0, X, y, X_val, y_val, steps)) / (2 * eps)
    print(f"d(validation loss)/d(lr) at lr={lr}: srcad {g:.8f}, finite difference {fd:.8f}")
    assert abs(g - fd) <= 1e-5 * max(1.0, abs(fd))

    # tune the learning rate itself by gradient descent on the hypergradient
    print("\ntuning lr:")
    for it in range(5):
        value, g = srcad.value_and_grad(train_then_validate, wrt="lr")(
            lr, w0, X, y, X_val, y_val, steps)
        print(f"  lr {lr:.4f}  validation loss {value:.5f}  d/dlr {g:+.4f}")
        lr = lr - 0.01 * g
    return g, fd


if __name__ == "__main__":
    main()
