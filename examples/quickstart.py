"""srcad in one screen: a gradient, and the code that computes it."""

import numpy as np

import srcad


def loss(W, x, y):
    h = np.tanh(W @ x)
    return np.sum((h - y) ** 2)


def main():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((3, 4))
    x = rng.standard_normal(4)
    y = rng.standard_normal(3)

    dloss = srcad.grad(loss)          # gradient with respect to W
    print("gradient:\n", dloss(W, x, y))
    print("\ngenerated source:\n")
    print(srcad.source(dloss))
    srcad.check_grads(loss, (W, x, y))
    print("checked against finite differences: ok")


if __name__ == "__main__":
    main()
