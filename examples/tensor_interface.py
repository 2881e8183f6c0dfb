"""One tensor interface, many implementations.

srcad generates ordinary array code, so one derivative serves every array
type that speaks the NumPy interface: NumPy in float64 or float32, and CuPy
arrays on a GPU when CuPy is installed. A gradient comes back with the dtype
of its argument (float32 in, float32 out), and integer arguments (a count, a
power) flow through the derivative undifferentiated.

Run:  python examples/tensor_interface.py
"""

import numpy as np

import srcad

try:                       # optional: the same derivative on a GPU
    import cupy
except ImportError:        # pragma: no cover - depends on the machine
    cupy = None


def sumall(x):
    """Sum of every element."""
    return np.sum(x)


def dot(x, y):
    """Inner product of two vectors."""
    return np.dot(x, y)


def power_mean(x, p):
    """Mean of x ** p; ``p`` is an int and is not differentiated."""
    return np.sum(x ** p) / x.shape[0]


def gradients(xp, dtype):
    """Gradients of the three functions with arrays from namespace ``xp``."""
    x = xp.asarray([1.0, 2.0, 3.0], dtype=dtype)
    y = xp.asarray([4.0, 5.0, 6.0], dtype=dtype)
    return {
        "d sumall/dx": srcad.grad(sumall)(x),
        "d dot/dx": srcad.grad(dot, wrt=0)(x, y),
        "d dot/dy": srcad.grad(dot, wrt="y")(x, y),
        "d power_mean/dx (p=3)": srcad.grad(power_mean)(x, 3),
    }


def main():
    backends = [("numpy", np, np.float64), ("numpy", np, np.float32)]
    if cupy is not None:
        backends += [("cupy", cupy, cupy.float64), ("cupy", cupy, cupy.float32)]
    else:
        print("(CuPy is not installed: showing NumPy only)\n")
    results = {}
    for label, xp, dtype in backends:
        name = f"{label} {np.dtype(dtype).name}"
        print(name)
        grads = gradients(xp, dtype)
        for what, g in grads.items():
            assert g.dtype == dtype, (what, g.dtype)
            assert type(g) is type(xp.asarray(0.0))
            print(f"  {what:24} = {g}  ({type(g).__module__}.{type(g).__name__}, {g.dtype})")
        results[name] = grads
    # The int argument of power_mean is a plain value in the generated code:
    print("\ngenerated gradient of power_mean (p is not differentiated):\n")
    print(srcad.source(srcad.grad(power_mean)))
    # ...and asking for a derivative with respect to it is an error with a hint.
    try:
        srcad.grad(power_mean, wrt="p")(np.ones(3), 3)
    except srcad.WrtError as exc:
        print(f"srcad.grad(power_mean, wrt='p') -> {type(exc).__name__}: {exc.message}")
    return results


if __name__ == "__main__":
    main()
