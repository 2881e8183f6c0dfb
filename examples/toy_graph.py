"""The toy graph from MXNet's autograd tutorial, differentiated by srcad.

    c = a * b
    d = c + 1

At a = 1, b = 2 the gradients are dd/da = b = 2 and dd/db = a = 1. srcad
reads the function's source and writes the gradient as a new Python function;
``wrt=(0, 1)`` asks for both arguments and returns a tuple in that order.

Run:  python examples/toy_graph.py
"""

import srcad


def graph(a, b):
    c = a * b
    d = c + 1
    return d


def main():
    dgraph = srcad.grad(graph, wrt=(0, 1))
    da, db = dgraph(1.0, 2.0)
    grads = {"a": da, "b": db}
    print("d =", graph(1.0, 2.0))
    print("gradients:", grads)
    assert grads == {"a": 2.0, "b": 1.0}
    print("\nthe generated gradient function:\n")
    print(srcad.source(dgraph))
    return grads


if __name__ == "__main__":
    main()
