"""`python -m srcad export` writes a module whose derivative runs without srcad."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import srcad
from srcad.export import export

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODEL = textwrap.dedent('''
    import math
    import numpy as np

    SCALE = 0.5


    def layer(h, w):
        return np.tanh(h * w) + SCALE


    def model(x, w):
        s = 0.0
        for i in range(3):
            x = layer(x, w) + 0.1 * i
            if np.sum(x) > 0:
                s = s + np.sum(x ** 2) * math.exp(-i)
        return s
''')


def _run_without_srcad(folder, code):
    """Run ``code`` in a fresh interpreter where ``import srcad`` fails."""
    script = "import sys\nsys.modules['srcad'] = None\n" + code
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(folder)
    proc = subprocess.run([sys.executable, "-c", script], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture()
def model_module(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    sys.path.insert(0, str(tmp_path))
    try:
        import importlib
        mod = importlib.import_module("model")
        importlib.reload(mod)
        yield tmp_path, mod
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("model", None)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_exported_module_runs_without_srcad(model_module, mode):
    folder, mod = model_module
    out = folder / "model_grad.py"
    name = export(mod.model, str(out), mode=mode, wrt="w")
    text = out.read_text()
    assert "import srcad" not in text and "from srcad" not in text
    x = np.array([0.5, -0.2, 1.0])
    call = f"{name}(x, 0.7)" if mode == "reverse" else f"{name}(x, 0.7, w_dot=1.0)[1]"
    printed = _run_without_srcad(folder, f"import numpy as np, model_grad\n"
                                          f"x = np.array([0.5, -0.2, 1.0])\n"
                                          f"print(repr(float(model_grad.{call})))\n")
    expected = srcad.grad(mod.model, wrt="w")(x, 0.7)
    assert float(printed) == pytest.approx(expected, rel=1e-12)


def test_export_cli(model_module):
    folder, _ = model_module
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "srcad", "export", "model.py::model", "--wrt", "w",
                           "-o", "out.py"], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "model_grad_w" in proc.stdout
    printed = _run_without_srcad(folder, "import numpy as np, out\n"
                                         "print(float(out.model_grad_w(np.array([0.5, -0.2, 1.0]), 0.7)))\n")
    assert float(printed) == pytest.approx(4.0, rel=1.0)  # runs and gives a number


GLOBAL_ARRAY = np.ones(3)


def uses_global_array(x):
    return np.sum(x * GLOBAL_ARRAY)


def test_export_refuses_global_arrays(tmp_path):
    with pytest.raises(srcad.SrcadError) as info:
        export(uses_global_array, str(tmp_path / "out.py"))
    assert "GLOBAL_ARRAY" in str(info.value)
    assert info.value.hint


def _inner_square_sum(x):
    return np.sum(x * x)


def calls_srcad_inside(x):
    return np.sum(srcad.grad(_inner_square_sum)(x) ** 2)


def test_export_refuses_a_function_that_calls_srcad(tmp_path):
    # the exported module would need srcad while it runs
    assert np.allclose(srcad.grad(calls_srcad_inside)(np.array([0.5, 2.0])), [4.0, 16.0])
    with pytest.raises(srcad.SrcadError) as info:
        export(calls_srcad_inside, str(tmp_path / "out.py"))
    assert "NumPy alone" in str(info.value) and info.value.hint


def _held_in_a_list(x):
    s = 0.0
    for fn in [np.sin, np.cos]:
        s = s + np.sum(fn(x))
    return s


def test_export_refuses_calls_of_functions_held_in_variables(tmp_path):
    with pytest.raises(srcad.SrcadError) as info:
        export(_held_in_a_list, str(tmp_path / "out.py"))
    assert "held in a variable" in str(info.value)
