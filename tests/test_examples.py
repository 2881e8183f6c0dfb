"""The scripts in examples/ run, print what they claim, and stay fast.

Each example is loaded with ``runpy`` and its ``main()`` called in-process
(so results can be checked); one smoke test also runs every script as
``python examples/NAME.py`` in a subprocess, the way a user would.
"""

import os
import runpy
import subprocess
import sys
import time

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
SCRIPTS = sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".py"))


def load(name):
    """The example's module namespace (without running its ``__main__`` block)."""
    return runpy.run_path(os.path.join(EXAMPLES, name), run_name=f"example_{name[:-3]}")


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    return e


def test_every_example_has_a_docstring_and_a_test():
    tested = {"quickstart.py", "tensor_interface.py", "toy_graph.py", "mlp_training.py",
              "rnn.py", "hypergradient.py", "inspect_source.py", "custom_derivatives.py"}
    for name in SCRIPTS:
        with open(os.path.join(EXAMPLES, name)) as fh:
            text = fh.read()
        assert text.startswith('"""'), f"{name} has no module docstring"
        assert name in tested, f"{name} is not exercised by tests/test_examples.py"


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_runs_as_a_user_would(name):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, os.path.join("examples", name)], cwd=ROOT, env=env(),
                          capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip(), f"{name} printed nothing"
    assert elapsed < 15, f"{name} took {elapsed:.1f}s"


def test_toy_graph(capsys):
    grads = load("toy_graph.py")["main"]()
    assert grads == {"a": 2.0, "b": 1.0}
    out = capsys.readouterr().out
    assert "gradients: {'a': 2.0, 'b': 1.0}" in out
    assert "def graph_grad_a_b(a, b" in out


def test_tensor_interface(capsys):
    results = load("tensor_interface.py")["main"]()
    out = capsys.readouterr().out
    assert "numpy float64" in results and "numpy float32" in results
    for name, grads in results.items():
        dtype = np.float32 if "float32" in name else np.float64
        for what, g in grads.items():
            assert g.dtype == dtype, (name, what)
        np.testing.assert_allclose(grads["d sumall/dx"], [1, 1, 1])
        np.testing.assert_allclose(grads["d dot/dx"], [4, 5, 6])
        np.testing.assert_allclose(grads["d dot/dy"], [1, 2, 3])
        np.testing.assert_allclose(grads["d power_mean/dx (p=3)"], [1, 4, 9])
    assert "WrtError" in out


def test_mlp_training(capsys):
    ns = load("mlp_training.py")
    history = ns["main"]()
    out = capsys.readouterr().out
    assert len(history) <= 501
    assert history[-1] < 0.1 * history[0]
    assert "loss went from" in out and "ok" in out


def test_mlp_gradient_is_a_dict_matching_params():
    import srcad
    ns = load("mlp_training.py")
    rng = np.random.default_rng(3)
    params = ns["init_params"](rng, n_hidden=4)
    params = {k: v.astype(np.float32) for k, v in params.items()}
    X, y = ns["make_data"](rng, n=6)
    g = srcad.grad(ns["loss"], wrt="params")(params, X.astype(np.float32), y.astype(np.float32))
    assert set(g) == set(params)
    for k in params:
        assert g[k].shape == params[k].shape and g[k].dtype == np.float32


def test_rnn(capsys):
    dWx, dWh, db = load("rnn.py")["main"]()
    out = capsys.readouterr().out
    assert dWx.shape == (5, 3) and dWh.shape == (5, 5) and db.shape == (5,)
    assert "agree with finite differences: ok" in out
    assert "reversed(" in out          # the backward loop


def test_hypergradient(capsys):
    g, fd = load("hypergradient.py")["main"]()
    out = capsys.readouterr().out
    assert "finite difference" in out
    assert abs(g) > 0


def test_hypergradient_matches_finite_differences_at_another_lr():
    import srcad
    ns = load("hypergradient.py")
    w0, X, y, X_val, y_val = ns["make_problem"](seed=1)
    f = ns["train_then_validate"]
    g = srcad.grad(f, wrt="lr")(0.02, w0, X, y, X_val, y_val, 7)
    eps = 1e-6
    fd = (f(0.02 + eps, w0, X, y, X_val, y_val, 7) - f(0.02 - eps, w0, X, y, X_val, y_val, 7)) / (2 * eps)
    assert abs(g - fd) <= 1e-6 * max(1.0, abs(fd))


def test_inspect_source(capsys):
    dsoftplus, jvp_fn, dscale = load("inspect_source.py")["main"]()
    out = capsys.readouterr().out
    assert "def softplus_sum_grad_x(x" in out
    assert "def softplus_sum_jvp_x(x" in out
    assert "def scaled_norm2_grad_scale(x, scale" in out
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(dsoftplus(x), 1 / (1 + np.exp(-x)))
    assert dscale(x, 0.5) == pytest.approx(5.0)


@pytest.mark.parametrize("args,expected", [
    (["examples/inspect_source.py::softplus_sum"], "def softplus_sum_grad_x(x"),
    (["examples/inspect_source.py::softplus_sum", "--mode", "forward"], "def softplus_sum_jvp_x(x"),
    (["examples/inspect_source.py::scaled_norm2", "--wrt", "scale"], "def scaled_norm2_grad_scale("),
])
def test_inspect_source_cli_usage_from_docstring(args, expected):
    doc = load("inspect_source.py")["__doc__"]
    assert "python -m srcad show " + " ".join(args) in doc
    proc = subprocess.run([sys.executable, "-m", "srcad", "show", *args], cwd=ROOT, env=env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout


def test_custom_derivatives(capsys):
    ns = load("custom_derivatives.py")
    custom, plain = ns["main"]()
    out = capsys.readouterr().out
    assert "agree: True" in out and "reverse_bwd" in out
    for a, b in zip(custom, plain):
        np.testing.assert_allclose(a, b, rtol=1e-12)
