"""The generated derivative as something to debug: tracebacks show its
lines, ``inspect.getsource`` returns it, ``pdb`` steps through it, and
derivatives of derivatives still have readable source."""

import ast
import inspect
import math
import os
import re
import subprocess
import sys
import traceback

import numpy as np
import pytest

import srcad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _helper(x):
    if np.sum(x) > 100.0:
        raise ValueError("helper: input too large")
    return x * 2.0


def log_times_helper(x):
    return np.sum(np.log(x) * _helper(x))


def log_times(x, y):
    return np.sum(np.log(x) * y)


def sqrt_sum(x):
    return np.sum(np.sqrt(x) * 2.0)


def scalar_fn(x):
    return x * math.sin(x) + x ** 3


def array_fn(x):
    return np.sum(np.tanh(x) * x)


def _source_lines(df):
    return {line.strip() for line in srcad.source(df).splitlines() if line.strip()}


def _generated_frames(exc):
    return [fs for fs in traceback.extract_tb(exc.__traceback__) if fs.filename.startswith("<srcad ")]


def _assert_traceback_shows_generated_code(exc, df, min_frames=1):
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    frames = _generated_frames(exc)
    assert len(frames) >= min_frames, text
    lines = _source_lines(df)
    for fs in frames:
        assert fs.filename in text
        assert fs.line, f"no source line for {fs.filename}:{fs.lineno}\n{text}"
        # the line shown is a line of srcad.source, and the traceback text shows it
        assert fs.line.strip() in lines, f"{fs.line!r} is not in the generated source\n{text}"
        assert fs.line.strip() in text
    return frames, text


# -- (a) tracebacks ------------------------------------------------------------------------

def test_exception_in_called_function_shows_generated_lines():
    df = srcad.derivative(log_times_helper)
    with pytest.raises(ValueError, match="input too large") as info:
        df(np.array([200.0, 1.0]))
    frames, text = _assert_traceback_shows_generated_code(info.value, df, min_frames=2)
    # the innermost frame is the generated forward code of _helper, at its raise
    assert "raise ValueError" in frames[-1].line
    # the caller's frame is the generated gradient of log_times_helper
    assert frames[0].name == df.__name__
    assert "<srcad " in text


def test_shape_mismatch_shows_generated_line():
    df = srcad.derivative(log_times)
    with pytest.raises(ValueError, match="broadcast") as info:
        df(np.ones(3), np.ones(4))
    frames, _ = _assert_traceback_shows_generated_code(info.value, df)
    assert "y" in frames[-1].line


def test_shape_mismatch_through_grad_wrapper_shows_generated_line():
    g = srcad.grad(log_times)
    with pytest.raises(ValueError, match="broadcast") as info:
        g(np.ones(3), np.ones(4))
    _assert_traceback_shows_generated_code(info.value, g)


def test_error_in_backward_sweep_shows_adjoint_line():
    df = srcad.derivative(sqrt_sum)
    assert df(np.array([1.0, 4.0])) == pytest.approx([1.0, 0.5])
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError) as info:
            df(np.array([0.0, 1.0]))
    frames, _ = _assert_traceback_shows_generated_code(info.value, df)
    # the failing statement is an adjoint statement of the backward sweep
    assert re.search(r"\bd_\w+", frames[-1].line), frames[-1].line


# -- (b) inspect.getsource -----------------------------------------------------------------

def _first_function_text(source):
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    lines = source.splitlines(True)
    return "".join(lines[node.lineno - 1:node.end_lineno])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn", [log_times, sqrt_sum, log_times_helper], ids=lambda f: f.__name__)
def test_getsource_returns_generated_function(fn, mode):
    df = srcad.derivative(fn, mode=mode)
    text = srcad.source(df)
    got = inspect.getsource(df)
    assert got == _first_function_text(text)
    assert got.startswith(f"def {df.__name__}(")
    lines, start = inspect.getsourcelines(df)
    assert "".join(lines) == got and start >= 1


def test_getsource_of_called_derivatives_is_in_the_source():
    """The derivatives of called functions (closure cells of the generated
    code) also have their own source, part of ``srcad.source``."""
    df = srcad.derivative(log_times_helper)
    text = srcad.source(df)
    callees = [c.cell_contents for c in df.__closure__ or ()
               if inspect.isfunction(c.cell_contents) and c.cell_contents.__code__.co_filename.startswith("<srcad ")]
    assert callees, "expected the derivative of _helper among the closure cells"
    for fn in callees:
        got = inspect.getsource(fn)
        assert got.startswith("def ") and got in text


# -- (c) pdb -------------------------------------------------------------------------------

_PDB_MODULE = '''
import numpy as np


def helper(u):
    v = u * u
    return v + 1.0


def f(x):
    y = np.sin(x) * helper(x)
    return np.sum(y ** 2)
'''

_PDB_DRIVER = '''
import pdb
import sys

import numpy as np

import srcad
import pdb_target

df = srcad.derivative(pdb_target.f)
x = np.array([0.5, 1.0])
expected = df(x)
np.set_printoptions(precision=6)
print("SOURCE-BEGIN")
print(srcad.source(df))
print("SOURCE-END")
sys.stdout.flush()
pdb.Pdb(nosigint=True, readrc=False).runcall(df, x)
print("EXPECTED", repr(expected))
'''


def _run_pdb(tmp_path, commands):
    (tmp_path / "pdb_target.py").write_text(_PDB_MODULE)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([ROOT, str(tmp_path)])
    env.pop("PYTHONBREAKPOINT", None)
    proc = subprocess.run([sys.executable, "-c", _PDB_DRIVER], input="\n".join(commands) + "\n",
                          capture_output=True, text=True, timeout=60, env=env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    source = out.split("SOURCE-BEGIN\n", 1)[1].split("SOURCE-END\n", 1)[0]
    session = out.split("SOURCE-END\n", 1)[1]
    return source, session


def test_pdb_lists_and_steps_through_generated_code(tmp_path):
    source, session = _run_pdb(tmp_path, ["l", "n", "n", "p sorted(locals())", "r", "p d_x", "c"])
    top = _first_function_text(source)
    name = ast.parse(source).body[0].name
    # stopped in the generated function, in its own <srcad ...> file
    assert re.search(rf"> <srcad [^>]*>\(\d+\){name}\(\)", session), session
    # `l` lists the generated source (the def line and statements)
    listed = [line.split("\t", 1)[1].strip() for line in session.splitlines() if "\t" in line]
    assert f"def {name}(x, d_result=1.0):" in listed, session
    body = [line.strip() for line in top.splitlines()[1:] if line.strip()]
    assert sum(line in listed for line in body) >= 3, session
    # `n` shows the current generated line after "->"
    current = [line[3:].strip() for line in session.splitlines() if line.startswith("-> ")]
    assert sum(line in body for line in current) >= 2, session
    # `p d_x` at the return prints the gradient the derivative returns
    expected = session.split("EXPECTED ", 1)[1].strip()
    assert expected in session.split("EXPECTED ", 1)[0], session


def test_pdb_steps_into_derivative_of_called_function(tmp_path):
    source, session = _run_pdb(tmp_path, ["s"] * 60 + ["c"])
    defined = {node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}
    visited = set(re.findall(r"> <srcad [^>]*>\(\d+\)(\w+)\(\)", session))
    # the gradient itself and at least one derivative of `helper`
    assert len(visited & defined) >= 2, (visited, defined, session)
    assert any(name.startswith("helper") for name in visited), session
    lines = {line.strip() for line in source.splitlines() if line.strip()}
    shown = [line[3:].strip() for line in session.splitlines() if line.startswith("-> ")]
    assert sum(line in lines for line in shown) >= 8, session


# -- (d) derivatives of derivatives --------------------------------------------------------

def _assert_readable(df):
    text = srcad.source(df)
    assert text.strip()
    tree = ast.parse(text)
    assert tree.body and isinstance(tree.body[0], ast.FunctionDef)
    assert tree.body[0].name == df.__name__
    return text


def test_grad_of_grad_has_readable_source():
    gg = srcad.grad(srcad.grad(scalar_fn))
    text = _assert_readable(gg)
    x = 0.7
    expected = 2 * math.cos(x) - x * math.sin(x) + 6 * x
    assert gg(x) == pytest.approx(expected, rel=1e-12)
    assert "d_" in text
    # and its lines show up in tracebacks too
    with pytest.raises(TypeError) as info:
        gg(np.array([0.7, 0.1]))  # math.sin of a 2-element array, inside generated code
    assert any(fs.filename.startswith("<srcad ") for fs in traceback.extract_tb(info.value.__traceback__))


def test_forward_over_reverse_has_readable_source():
    fg = srcad.derivative(srcad.grad(array_fn), mode="forward")
    text = _assert_readable(fg)
    assert "_dot" in text
    x, v = np.array([0.1, 0.2, -0.4]), np.array([1.0, -2.0, 0.5])
    grad, hvp = fg(x, x_dot=v)
    t = np.tanh(x)
    np.testing.assert_allclose(grad, t + x * (1 - t ** 2), rtol=1e-12)
    second = 2 * (1 - t ** 2) - 2 * x * t * (1 - t ** 2)
    np.testing.assert_allclose(hvp, second * v, rtol=1e-12)
    assert inspect.getsource(fg) == _first_function_text(text)


def loop_fn(x):
    y = x
    for i in range(3):
        y = y * x + math.sin(y)
    return y


def test_grad_of_grad_through_a_loop_has_readable_source():
    gg = srcad.grad(srcad.grad(loop_fn))
    text = _assert_readable(gg)
    assert "for " in text
    x, eps = 0.6, 1e-5
    g = srcad.grad(loop_fn)
    assert gg(x) == pytest.approx((g(x + eps) - g(x - eps)) / (2 * eps), rel=1e-6)
