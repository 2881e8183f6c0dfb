"""Look at the code srcad generates.

A derivative made by srcad is a Python function with readable source:
``srcad.source(df)`` returns it as a string. Reverse mode (``srcad.grad``)
writes a forward sweep then the adjoint statements in reverse order; forward
mode (``srcad.derivative(f, mode="forward")``) follows each statement with its
tangent and returns ``(value, tangent)``. Comments point back at the lines of
this file.

The same from the command line, without writing any code:

    python -m srcad show examples/inspect_source.py::softplus_sum
    python -m srcad show examples/inspect_source.py::softplus_sum --mode forward
    python -m srcad show examples/inspect_source.py::scaled_norm2 --wrt scale

Run:  python examples/inspect_source.py
"""

import numpy as np

import srcad


def softplus_sum(x):
    return np.sum(np.log1p(np.exp(x)))


def scaled_norm2(x, scale):
    y = scale * x
    if scale > 1.0:
        y = y / scale
    return np.sum(y * y)


def main():
    x = np.array([-1.0, 0.0, 2.0])

    dsoftplus = srcad.grad(softplus_sum)
    print("# reverse mode: srcad.source(srcad.grad(softplus_sum))")
    print(srcad.source(dsoftplus))
    print("gradient at", x, "=", dsoftplus(x), "\n")

    jvp_fn = srcad.derivative(softplus_sum, mode="forward")
    print('# forward mode: srcad.source(srcad.derivative(softplus_sum, mode="forward"))')
    print(srcad.source(jvp_fn))
    value, tangent = jvp_fn(x, x_dot=np.ones_like(x))
    print("value and directional derivative along ones:", value, tangent, "\n")

    dscale = srcad.grad(scaled_norm2, wrt="scale")
    print('# a branch, differentiated with respect to a name: srcad.grad(scaled_norm2, wrt="scale")')
    print(srcad.source(dscale))
    print("d/dscale at scale=0.5:", dscale(x, 0.5))
    return dsoftplus, jvp_fn, dscale


if __name__ == "__main__":
    main()
