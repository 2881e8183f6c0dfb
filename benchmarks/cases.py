"""The benchmark cases: which workload, which derivative, which inputs, which targets.

A *case* is one row of the report. The ``mlp`` workload gives two cases
(gradient w.r.t. the first weight matrix only, and w.r.t. all parameters).

Inputs come in three sizes: ``full`` (the published numbers), ``quick`` (the
same as ``full`` unless a size had to shrink to keep ``--quick`` short; such
cases list themselves in ``Case.quick_note``) and ``tiny`` (for the test's
finite-difference checks).
"""

from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple, Union

import numpy as np

import handwritten
import workloads

SIZES = ("full", "quick", "tiny")


@dataclass
class Problem:
    """Concrete inputs for one case.

    ``args`` are the workload's positional arguments. For a Hessian-vector
    product, ``tangents`` holds the vector ``v`` (one entry per argument).
    """

    args: tuple
    tangents: Optional[tuple] = None
    shape_note: str = ""


@dataclass
class Targets:
    """What srcad should reach on a case (``None``: no such target)."""

    max_x_primal: Optional[float] = None      # srcad time / NumPy primal time
    max_x_hand: Optional[float] = None        # srcad time / hand-written gradient time
    faster_than: Tuple[str, ...] = ()         # peer tool keys srcad must beat
    max_mem_x_hand: Optional[float] = None    # srcad peak memory / hand-written's
    max_call_overhead_s: Optional[float] = None  # srcad.grad wrapper over generated code


@dataclass
class Case:
    name: str
    group: str                    # the --workload name that selects it
    title: str
    regime: str                   # overhead-bound, memory-bound, compute-bound
    function: Callable            # the plain NumPy workload (from workloads.py)
    wrt: Union[int, Tuple[int, ...]]
    hand: Callable                # hand-written: hand(*args), for an HVP hand(*args, *tangents)
    make: Callable[[str, np.random.Generator], Problem]
    kind: str = "grad"            # "grad" or "hvp" (forward over reverse)
    static_argnums: Tuple[int, ...] = ()  # integer arguments jax.jit must treat as static
    targets: Targets = field(default_factory=Targets)
    quick_note: str = ""          # set when --quick uses smaller inputs than full

    @property
    def function_name(self) -> str:
        return self.function.__name__

    def problem(self, size: str, seed: int = 0) -> Problem:
        if size not in SIZES:
            raise ValueError(f"size must be one of {SIZES}, got {size!r}")
        return self.make(size, np.random.default_rng(seed))


def _horner(size, rng):
    c = rng.uniform(-1.0, 1.0, 21)  # degree 20 at every size: it is cheap
    return Problem((0.7, c), shape_note="degree 20, scalar x")


def _small_chain(size, rng):
    n = 4 if size == "tiny" else 10
    return Problem((rng.uniform(-1.0, 1.0, n),), shape_note=f"x: {n} elements")


def _branchy(size, rng):
    # a, b < 1 keep both the state and ds/da bounded; the state oscillates
    # around 0, so both branches run many times.
    n = 60 if size == "tiny" else 1000
    return Problem((0.8, 0.9, 0.5, n), shape_note=f"{n} steps")


def _logsumexp(size, rng):
    n = 20 if size == "tiny" else 1_000_000
    return Problem((3.0 * rng.standard_normal(n),), shape_note=f"x: {n:,} float64")


def _mlp(size, rng):
    n_in, n_hidden, n_out, batch = (7, 5, 3, 4) if size == "tiny" else (784, 512, 10, 256)
    W1 = rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
    b1 = 0.1 * rng.standard_normal(n_hidden)
    W2 = rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden)
    b2 = 0.1 * rng.standard_normal(n_out)
    X = rng.standard_normal((batch, n_in))
    Y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    return Problem((W1, b1, W2, b2, X, Y),
                   shape_note=f"{n_in}-{n_hidden}-{n_out}, batch {batch}")


def _rnn(size, rng):
    steps, batch, n_in, n_hidden = (4, 3, 5, 6) if size == "tiny" else (50, 32, 64, 128)
    Wx = rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
    Wh = 0.5 * rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden)
    b = 0.1 * rng.standard_normal(n_hidden)
    xs = rng.standard_normal((steps, batch, n_in))
    h0 = np.zeros((batch, n_hidden))
    return Problem((Wx, Wh, b, xs, h0),
                   shape_note=f"{steps} steps, batch {batch}, input {n_in}, hidden {n_hidden}")


def _rosenbrock(size, rng):
    n = 8 if size == "tiny" else 10_000
    x = rng.uniform(-1.5, 1.5, n)
    v = rng.standard_normal(n)
    return Problem((x,), tangents=(v,), shape_note=f"n = {n:,}")


_OVERHEAD = Targets(max_x_primal=3.0)
_DENSE = Targets(max_x_hand=1.1, faster_than=("autograd", "jax_jit"), max_mem_x_hand=1.2)

CASES = [
    Case("horner", "horner", "degree-20 polynomial, scalar Python loop; d/dx",
         "overhead-bound", workloads.horner, 0, handwritten.horner_grad, _horner,
         targets=Targets(max_x_primal=3.0, faster_than=("jax_jit",), max_call_overhead_s=5e-6)),
    Case("small_chain", "small_chain", "~30 elementwise ops on a 10-vector, summed; d/dx",
         "overhead-bound", workloads.small_chain, 0, handwritten.small_chain_grad,
         _small_chain, targets=_OVERHEAD),
    Case("branchy", "branchy", "1000-step loop with an `if` on a scalar state; d/da",
         "overhead-bound", workloads.branchy, 0, handwritten.branchy_grad, _branchy,
         static_argnums=(3,), targets=_OVERHEAD),
    Case("logsumexp", "logsumexp", "stable logsumexp of 1e6 float64; d/dx",
         "memory-bound", workloads.logsumexp, 0, handwritten.logsumexp_grad, _logsumexp,
         targets=Targets(max_x_primal=1.5)),
    Case("mlp_w1", "mlp", "tanh MLP 784-512-10, batch 256, softmax cross-entropy; d/dW1",
         "compute-bound", workloads.mlp, 0, handwritten.mlp_grad_W1, _mlp, targets=_DENSE),
    Case("mlp_all", "mlp", "the same MLP; d/d(W1, b1, W2, b2)",
         "compute-bound", workloads.mlp, (0, 1, 2, 3), handwritten.mlp_grad_all, _mlp,
         targets=_DENSE),
    Case("rnn", "rnn", "tanh RNN, 50 steps in a Python loop, batch 32, 64->128; "
         "d/d(Wx, Wh, b)",
         "compute-bound", workloads.rnn, (0, 1, 2), handwritten.rnn_grad, _rnn,
         targets=_DENSE),
    Case("rosenbrock_hvp", "rosenbrock_hvp", "Rosenbrock n = 10,000; Hessian-vector product "
         "(forward over reverse)",
         "memory-bound", workloads.rosenbrock, 0, handwritten.rosenbrock_hvp, _rosenbrock,
         kind="hvp", targets=Targets(max_x_primal=4.0)),
]

GROUPS = tuple(dict.fromkeys(case.group for case in CASES))


def select(names=None):
    """Cases whose name or group is in ``names`` (all cases when empty)."""
    if not names:
        return list(CASES)
    wanted = set(names)
    unknown = wanted - {c.name for c in CASES} - set(GROUPS)
    if unknown:
        known = ", ".join(sorted(set(GROUPS) | {c.name for c in CASES}))
        raise ValueError(f"unknown workload(s): {', '.join(sorted(unknown))}; known: {known}")
    return [c for c in CASES if c.name in wanted or c.group in wanted]
