"""Rewrites that ``jax.jit`` forces, and only those.

Under ``jax.jit`` a Python ``if`` on a traced value raises a
ConcretizationTypeError, so a workload with data-dependent control flow has to
be rewritten with ``lax`` primitives before JAX can compile it. The report
marks columns that use a rewrite from here as "lax rewrite". Everything not
listed here runs under ``jax.jit`` as the same source as the NumPy version.
"""

from jax import lax


def branchy(a, b, s0, n):
    """``workloads.branchy`` with the loop as ``lax.fori_loop`` and the ``if`` as ``lax.cond``."""

    def step(i, s):
        return lax.cond(s > 0, lambda s: s * a - 0.1, lambda s: s * b + 0.3, s)

    return lax.fori_loop(0, n, step, s0)


REWRITES = {"branchy": branchy}
