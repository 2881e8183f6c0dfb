"""The report's columns: one ``Tool`` per way of computing a case.

Every peer is optional. A tool whose package cannot be imported is still
listed, marked unavailable, and its cells read "n/a"; the run goes on.

All tools work in float64 (JAX is switched to 64-bit mode on import), so their
results can be compared with the hand-written gradient to ~1e-12.
"""

import importlib
import importlib.metadata
import os
import sys
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import numpy as np

import workloads

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)


@dataclass
class Built:
    """A ready-to-time computation: ``fn()`` returns the primal or the derivative."""

    fn: Callable[[], object]
    note: str = ""


@dataclass
class Tool:
    key: str
    label: str
    role: str                 # "primal" or "derivative"
    build: Callable           # build(case, problem) -> Built
    memory: bool              # tracemalloc sees its allocations
    version: str = ""
    unavailable: str = ""     # why the tool cannot run (its cells say n/a)


# --------------------------------------------------------------------- helpers

def numpy_variant(numpy_like, tag: str):
    """Run ``workloads.py``'s source again with its global ``np`` bound to ``numpy_like``.

    This is how autograd and JAX get the *same* workload code as srcad, not a
    hand port: the functions look ``np`` up at call time, so rebinding the
    module global after executing the source redirects every ``np.*`` call.
    Compiling with the real file name keeps tracebacks pointing at workloads.py.
    """
    path = workloads.__file__
    with open(path) as f:
        source = f.read()
    namespace = {"__name__": f"workloads_{tag}", "__file__": path}
    exec(compile(source, path, "exec"), namespace)
    namespace["np"] = numpy_like
    return namespace


def wrt_positions(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def packed(f, wrt, args):
    """``f`` as a function of the tuple of its ``wrt`` arguments, the rest fixed.

    For tools whose ``grad`` takes a single argument position (autograd).
    Returns ``(g, params)`` with ``g(params) == f(*args)``.
    """
    positions = wrt_positions(wrt)

    def g(params):
        full = list(args)
        for pos, value in zip(positions, params):
            full[pos] = value
        return f(*full)

    return g, tuple(args[p] for p in positions)


def to_numpy(value):
    """A tool's result as NumPy float64 (tuples stay tuples), for comparison."""
    if isinstance(value, (tuple, list)):
        return tuple(to_numpy(v) for v in value)
    if hasattr(value, "detach"):  # torch.Tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


_imported: Dict[str, object] = {}
_import_errors: Dict[str, str] = {}


def _try_import(name: str):
    """Import a peer once; remember why it failed so every cell can say so."""
    if name in _imported:
        return _imported[name]
    if name in _import_errors:
        return None
    try:
        module = importlib.import_module(name)
    except Exception as exc:  # a broken install is as good as a missing one here
        _import_errors[name] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return None
    if name == "jax":
        # Float64 like every other column; must precede any array creation.
        module.config.update("jax_enable_x64", True)
    elif name == "torch":
        module.set_num_threads(1)
        try:
            module.set_num_interop_threads(1)
        except RuntimeError:  # only settable before torch's first parallel work
            pass
    _imported[name] = module
    return module


def import_srcad():
    """Import srcad: the package in this repository (the code these
    benchmarks sit beside, even when an older copy is installed), else the
    installed package."""
    if "srcad" in _imported:
        return _imported["srcad"]
    if os.path.exists(os.path.join(REPO_ROOT, "srcad", "__init__.py")) and "srcad" not in sys.modules:
        if REPO_ROOT not in sys.path:
            sys.path.insert(0, REPO_ROOT)
    import srcad
    if not hasattr(srcad, "grad"):  # e.g. a source tree without srcad/__init__.py yet
        raise ImportError(f"srcad ({srcad_location(srcad)}) has no `grad`")
    _imported["srcad"] = srcad
    return srcad


def srcad_location(srcad) -> str:
    """Where srcad was imported from, without machine-specific paths."""
    where = srcad.__file__ or next(iter(getattr(srcad, "__path__", [])), "")
    where = os.path.abspath(where)
    if where.startswith(REPO_ROOT + os.sep):
        return "this repository's source tree"
    return "installed package"


def srcad_version() -> str:
    try:
        srcad = import_srcad()
    except Exception as exc:
        return f"not importable ({type(exc).__name__}: {exc})".splitlines()[0]
    version = getattr(srcad, "__version__", None) or _version("srcad")
    return f"{version} ({srcad_location(srcad)})"


# -------------------------------------------------------------- NumPy columns

def _build_numpy_primal(case, problem):
    f, args = case.function, problem.args
    return Built(lambda: f(*args))


def _build_hand(case, problem):
    hand, args = case.hand, problem.args + (problem.tangents or ())
    return Built(lambda: hand(*args))


def _build_srcad(case, problem):
    srcad = import_srcad()
    args = problem.args
    if case.kind == "hvp":
        df = srcad.grad(case.function)
        tangents = problem.tangents
        return Built(lambda: srcad.jvp(df, args, tangents)[1], "jvp(grad(f))")
    df = srcad.grad(case.function, wrt=case.wrt)
    return Built(lambda: df(*args))


# ----------------------------------------------------------------- autograd

def _build_autograd(case, problem):
    autograd = _try_import("autograd")
    f = numpy_variant(importlib.import_module("autograd.numpy"), "autograd")[case.function_name]
    args = problem.args
    if case.kind == "hvp":
        hvp = autograd.hessian_vector_product(f)
        (x,), (v,) = args, problem.tangents
        return Built(lambda: hvp(x, v), "hessian_vector_product (reverse over reverse)")
    if isinstance(case.wrt, int):
        df = autograd.grad(f, case.wrt)
        return Built(lambda: df(*args))
    g, params = packed(f, case.wrt, args)
    dg = autograd.grad(g)
    return Built(lambda: dg(params), "grad w.r.t. a tuple of the parameters")


# ---------------------------------------------------------------------- JAX

def _jax_args(jax, values):
    # Arrays go to the device once, outside the timed call; Python scalars and
    # ints stay as they are (ints may be static arguments).
    return tuple(jax.device_put(v) if isinstance(v, np.ndarray) else v for v in values)


def _jax_function(case):
    jax = _try_import("jax")
    return jax, numpy_variant(importlib.import_module("jax.numpy"), "jax")[case.function_name]


def _build_jax_eager(case, problem):
    jax, f = _jax_function(case)
    args = _jax_args(jax, problem.args)
    if case.kind == "hvp":
        tangents = _jax_args(jax, problem.tangents)
        df = jax.grad(f)
        return Built(lambda: jax.block_until_ready(jax.jvp(df, args, tangents)[1]))
    df = jax.grad(f, argnums=case.wrt)
    return Built(lambda: jax.block_until_ready(df(*args)))


def _build_jax_jit(case, problem):
    jax, f = _jax_function(case)
    note = ""
    import lax_rewrites  # imports jax; only reached when JAX is available

    if case.function_name in lax_rewrites.REWRITES:
        f = lax_rewrites.REWRITES[case.function_name]
        note = "lax rewrite (Python `if` on a traced value)"
    args = _jax_args(jax, problem.args)
    if case.kind == "hvp":
        tangents = _jax_args(jax, problem.tangents)
        df = jax.grad(f)
        hvp = jax.jit(lambda a, t: jax.jvp(df, a, t)[1])
        return Built(lambda: jax.block_until_ready(hvp(args, tangents)), note)
    df = jax.jit(jax.grad(f, argnums=case.wrt), static_argnums=case.static_argnums)
    return Built(lambda: jax.block_until_ready(df(*args)), note)


# -------------------------------------------------------------------- PyTorch

def _torch_args(torch, case, values, differentiate):
    """Tensors for arrays; leaf tensors with requires_grad for the wrt arguments."""
    positions = wrt_positions(case.wrt) if differentiate else ()
    out = []
    for i, v in enumerate(values):
        if isinstance(v, np.ndarray):
            v = torch.from_numpy(v.copy())
        elif i in positions:  # a Python float we differentiate with respect to
            v = torch.tensor(v, dtype=torch.float64)
        if i in positions:
            v.requires_grad_(True)
        out.append(v)
    return tuple(out)


def _torch_function(case):
    torch = _try_import("torch")
    import torch_workloads  # imports torch; only reached when torch is available

    return torch, getattr(torch_workloads, case.function_name)


def _build_torch_primal(case, problem):
    torch, f = _torch_function(case)
    args = _torch_args(torch, case, problem.args, differentiate=False)
    return Built(lambda: f(*args), "no requires_grad: no graph is recorded")


def _build_torch_grad(case, problem):
    torch, f = _torch_function(case)
    args = _torch_args(torch, case, problem.args, differentiate=True)
    if case.kind == "hvp":
        (x,) = args
        (v,) = _torch_args(torch, case, problem.tangents, differentiate=False)

        def hvp():
            (g,) = torch.autograd.grad(f(x), x, create_graph=True)
            (hv,) = torch.autograd.grad(g, x, grad_outputs=v)
            return hv

        return Built(hvp, "double backward (reverse over reverse)")
    params = [args[i] for i in wrt_positions(case.wrt)]
    single = isinstance(case.wrt, int)

    def grad():
        for p in params:
            p.grad = None  # backward() accumulates; start from zero like a training step
        f(*args).backward()
        return params[0].grad if single else tuple(p.grad for p in params)

    return Built(grad, "backward()")


# ------------------------------------------------------------------ the list

_SPECS = [
    # key, label, role, build, needs (import name), version of, memory visible
    ("numpy", "NumPy primal", "primal", _build_numpy_primal, None, "numpy", True),
    ("hand", "hand-written", "derivative", _build_hand, None, "numpy", True),
    ("srcad", "srcad", "derivative", _build_srcad, None, None, True),
    ("autograd", "autograd", "derivative", _build_autograd, "autograd", "autograd", True),
    ("jax_eager", "JAX eager", "derivative", _build_jax_eager, "jax", "jax", False),
    ("jax_jit", "JAX jit", "derivative", _build_jax_jit, "jax", "jax", False),
    ("torch_primal", "torch primal", "primal", _build_torch_primal, "torch", "torch", False),
    ("torch", "torch eager", "derivative", _build_torch_grad, "torch", "torch", False),
]

TOOL_KEYS = tuple(spec[0] for spec in _SPECS)
PEER_KEYS = ("autograd", "jax_eager", "jax_jit", "torch")


def tools(keys=None) -> List[Tool]:
    """The tools to run (all when ``keys`` is None), with availability resolved.

    srcad is never marked unavailable here: if it fails, each of its cells
    shows the error instead, since srcad is the thing under test.
    """
    result = []
    for key, label, role, build, needs, version_of, memory in _SPECS:
        if keys is not None and key not in keys:
            continue
        tool = Tool(key, label, role, build, memory)
        if needs is not None and _try_import(needs) is None:
            tool.unavailable = _import_errors[needs]
        elif version_of == "numpy":
            tool.version = np.__version__
        elif version_of == "jax":
            tool.version = f"jax {_imported['jax'].__version__}, jaxlib {_version('jaxlib')}"
        elif version_of == "torch":
            tool.version = _imported["torch"].__version__
        elif version_of == "autograd":
            tool.version = _version("autograd")
        elif key == "srcad":
            tool.version = srcad_version()
        result.append(tool)
    return result


def peer_versions() -> Dict[str, Optional[str]]:
    """Installed versions of the optional peers (None where not installed).

    Read from package metadata, so asking does not import JAX or PyTorch.
    """
    out = {}
    for dist in ("autograd", "jax", "jaxlib", "torch"):
        version = _version(dist)
        out[dist] = None if version == "?" else version
    return out
