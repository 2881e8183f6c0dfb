"""Checks of the benchmark harness in benchmarks/, at tiny sizes and without timing claims.

* the hand-written gradients agree with central finite differences (float64);
* srcad's gradient agrees with the hand-written one (fails, never skips, when
  srcad raises: srcad is the thing under test);
* the harness runs every case end to end and renders its report and JSON;
* the optional peers (autograd, JAX, PyTorch) agree too, where installed.

benchmarks/ is not an installed package: its directory goes on sys.path here.
"""

import json
import math
import os
import sys

import numpy as np
import pytest

BENCH_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "benchmarks")
_MODULES = ("workloads", "handwritten", "cases", "timing", "peers", "harness", "report",
            "long_function", "transform_time")
# These names are generic; make sure we get benchmarks/'s modules, not a namesake.
for _name in _MODULES:
    _mod = sys.modules.get(_name)
    if _mod is not None and os.path.dirname(os.path.abspath(getattr(_mod, "__file__", "") or "")) \
            != BENCH_DIR:
        del sys.modules[_name]
if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)

import cases  # noqa: E402
import harness  # noqa: E402
import peers  # noqa: E402
import report  # noqa: E402
import timing  # noqa: E402
import workloads  # noqa: E402

GRAD_CASES = [c for c in cases.CASES if c.kind == "grad"]
HVP_CASES = [c for c in cases.CASES if c.kind == "hvp"]
TOL = 1e-6


def ids(case_list):
    return [c.name for c in case_list]


def central_differences(f, args, pos, eps=1e-6):
    """d f(*args) / d args[pos] by central differences, element by element."""
    x = args[pos]

    def at(value):
        full = list(args)
        full[pos] = value
        return float(f(*full))

    if not isinstance(x, np.ndarray):  # a Python float
        return (at(x + eps) - at(x - eps)) / (2 * eps)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (at(plus) - at(minus)) / (2 * eps)
    return grad


def assert_close(got, expected, what):
    err = harness.rel_err(got, expected)
    assert err <= TOL, f"{what}: relative error {err:.2e} > {TOL:g}"


# ------------------------------------------------------------- primal + hand

def test_every_workload_has_a_case():
    names = {c.function_name for c in cases.CASES}
    public = {n for n in dir(workloads) if callable(getattr(workloads, n)) and not n[0].isupper()
              and getattr(getattr(workloads, n), "__module__", "") == "workloads"}
    assert public == names


@pytest.mark.parametrize("case", cases.CASES, ids=ids(cases.CASES))
def test_primal_is_a_finite_scalar(case):
    problem = case.problem("tiny")
    value = case.function(*problem.args)
    assert np.ndim(value) == 0 and math.isfinite(float(value))


@pytest.mark.parametrize("case", GRAD_CASES, ids=ids(GRAD_CASES))
def test_handwritten_gradient_matches_finite_differences(case):
    args = case.problem("tiny").args
    got = case.hand(*args)
    positions = peers.wrt_positions(case.wrt)
    expected = [central_differences(case.function, args, p) for p in positions]
    assert_close(got, expected[0] if isinstance(case.wrt, int) else tuple(expected), case.name)


@pytest.mark.parametrize("case", HVP_CASES, ids=ids(HVP_CASES))
def test_handwritten_hvp_matches_finite_differences(case):
    import handwritten

    problem = case.problem("tiny")
    (x,), (v,) = problem.args, problem.tangents
    # The gradient first, against differences of f ...
    assert_close(handwritten.rosenbrock_grad(x), central_differences(case.function, (x,), 0),
                 "rosenbrock gradient")
    # ... then H v against a central difference of that gradient along v.
    eps = 1e-6
    fd = (handwritten.rosenbrock_grad(x + eps * v) - handwritten.rosenbrock_grad(x - eps * v)) \
        / (2 * eps)
    assert_close(case.hand(x, v), fd, "rosenbrock Hessian-vector product")


def test_quick_inputs_match_full_unless_noted():
    for case in cases.CASES:
        full, quick = case.problem("full"), case.problem("quick")
        if not case.quick_note:
            assert full.shape_note == quick.shape_note, case.name


# -------------------------------------------------------------------- srcad

@pytest.mark.parametrize("case", cases.CASES, ids=ids(cases.CASES))
def test_srcad_matches_handwritten(case):
    # Deliberately no skip: if srcad cannot be imported or raises, this fails.
    (tool,) = peers.tools(["srcad"])
    problem = case.problem("tiny")
    got = tool.build(case, problem).fn()
    expected = case.hand(*problem.args, *(problem.tangents or ()))
    assert_close(got, expected, f"srcad on {case.name}")


# ----------------------------------------------------------------- harness

def test_harness_runs_every_case_and_renders(tmp_path):
    tools = peers.tools(["numpy", "hand"])
    missing = peers.Tool("missing", "missing peer", "derivative", build=None, memory=False,
                         unavailable="not installed (ModuleNotFoundError)")
    broken = peers.Tool("broken", "broken tool", "derivative", memory=True,
                        build=lambda case, problem: peers.Built(lambda: 1 / 0))
    tools += [missing, broken]
    results = harness.run_suite(cases.CASES, tools, timing.TINY, "tiny")
    for r in results:
        assert r.cells["numpy"].ok and r.cells["hand"].ok, r.case.name
        assert r.cells["hand"].rel_err == 0.0
        assert r.cells["hand"].peak_bytes is not None
        assert r.cells["missing"].status == "n/a"
        assert r.cells["broken"].status == "error"
        assert "ZeroDivisionError" in r.cells["broken"].message
    targets = harness.evaluate_targets(results)
    assert targets and all(t.status == "n/a" for t in targets)  # srcad was not run

    info = report.machine_info(tools, None, timing.TINY, quick=True)
    text = report.render(results, targets, tools, info)
    for case in cases.CASES:
        assert f"## {case.name}:" in text
    assert "| n/a |" in text and "error: ZeroDivisionError" in text
    assert "Measurement discipline" in text and "## Targets" in text

    out = tmp_path / "results.json"
    report.write_json(str(out), report.to_json(results, targets, tools, info))
    data = json.loads(out.read_text())
    assert set(data["cases"]) == {c.name for c in cases.CASES}
    assert data["cases"]["horner"]["cells"]["missing"]["status"] == "n/a"


def test_measure_reports_a_median():
    t = timing.measure(lambda: sum(range(100)), timing.TimingConfig(0.002, 3, 1))
    assert len(t.samples_s) == 3 and t.loops >= 1
    assert min(t.samples_s) <= t.median_s <= max(t.samples_s)


def test_numpy_variant_rebinds_np_only_in_the_copy():
    called = []

    class Spy:
        def __getattr__(self, name):
            called.append(name)
            return getattr(np, name)

    variant = peers.numpy_variant(Spy(), "spy")
    x = np.linspace(-1.0, 1.0, 5)
    assert variant["logsumexp"](x) == pytest.approx(workloads.logsumexp(x))
    assert {"max", "log", "sum", "exp"} <= set(called)
    assert workloads.np is np


# ------------------------------------------------------------------- peers

_MODULE_OF = {"autograd": "autograd", "jax_eager": "jax", "jax_jit": "jax", "torch": "torch"}
# JAX eager runs the same function as JAX jit without the jit; it is slow to
# dispatch, so only the case where the two take different code (the Python `if`
# that jit replaces by a lax rewrite) is checked eagerly.
PEER_PAIRS = [(c, key) for c in cases.CASES for key in ("autograd", "jax_jit", "torch")]
PEER_PAIRS += [(c, "jax_eager") for c in cases.CASES if c.name == "branchy"]


@pytest.mark.parametrize("case,key", PEER_PAIRS, ids=[f"{c.name}-{k}" for c, k in PEER_PAIRS])
def test_peer_matches_handwritten(case, key):
    pytest.importorskip(_MODULE_OF[key])
    (tool,) = peers.tools([key])
    problem = case.problem("tiny")
    got = tool.build(case, problem).fn()
    expected = case.hand(*problem.args, *(problem.tangents or ()))
    assert_close(got, expected, f"{tool.label} on {case.name}")


def test_gpu_variant_explains_itself_without_a_gpu():
    import gpu
    ok, why = gpu.available()
    lines = gpu.run(quick=True) if not ok else ["## GPU variant"]
    assert lines[0] == "## GPU variant"
    if not ok:
        assert why in " ".join(lines)


def test_transform_time_targets_are_measured():
    import long_function
    import srcad
    import transform_time
    srcad.check_grads(long_function.simulate, long_function.arguments())
    rows = transform_time.targets(repeats=1)
    assert [r.case for r in rows] == ["transform", "transform"]
    assert all(r.status in ("pass", "FAIL") and r.value.endswith("ms") for r in rows)
    assert "50-line" in rows[0].target
