"""The generated source of every catalogue function, in both modes, is clean
Python: pyflakes finds nothing in it (no unused variables, i.e. no dead
code; no redefinitions; no unused imports) except names the generated
code gets from its environment (``np``, ``ad``, the user's functions...).

It is also runnable as it stands: executed on its own, with only the
environment the generated functions see, it computes the same derivative.

pyflakes is an optional test dependency; without it the lint tests skip.
"""

import builtins
import copy

import numpy as np
import pytest

import srcad
from catalogue import CATALOGUE
from fd import flat, float_positions, rebuild


def _cases():
    for group, fn, args in CATALOGUE:
        for i in float_positions(args):
            for mode in ("reverse", "forward"):
                yield group, fn, args, i, mode


# Genuine lint problems in today's generated code. Each entry is a known
# pattern (see the reason); strict, so fixing it turns the xfail into a
# failure that asks for the entry to be removed.
KNOWN_LINT = {}
# Source that does not run on its own.
KNOWN_RUN = {}


def _params(known):
    out = []
    for group, fn, args, i, mode in _cases():
        marks = ()
        reason = known.get((fn.__name__, i, mode))
        if reason is not None:
            marks = pytest.mark.xfail(strict=True, reason=reason)
        out.append(pytest.param(fn, args, i, mode, marks=marks, id=f"{group}-{fn.__name__}-arg{i}-{mode}"))
    return out


def _derivative(fn, i, mode):
    if mode == "reverse":
        return srcad.grad(fn, wrt=i)
    return srcad.derivative(fn, mode="forward", wrt=i)


def _generated_functions(df):
    """The generated function behind ``df`` and every generated function it
    reaches through its closure (derivatives of called functions)."""
    first = getattr(df, "__srcad_function__", df)
    seen, todo, out = set(), [first], []
    while todo:
        fn = todo.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        out.append(fn)
        for cell in fn.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if _is_generated(value):
                todo.append(value)
    return out


def _is_generated(obj):
    code = getattr(obj, "__code__", None)
    return code is not None and code.co_filename.startswith("<srcad ")


def _environment_names(df):
    """Names the generated source may use without defining them."""
    names = set(dir(builtins))
    for fn in _generated_functions(df):
        names.update(fn.__code__.co_freevars)
        names.update(fn.__globals__)
    return names


def lint_messages(df):
    """pyflakes' messages for ``srcad.source(df)``, less undefined names the
    generated functions get from their closure, globals or builtins."""
    checker = pytest.importorskip("pyflakes.checker")
    messages = pytest.importorskip("pyflakes.messages")
    import ast
    text = srcad.source(df)
    found = checker.Checker(ast.parse(text), filename="<generated>").messages
    allowed = _environment_names(df)
    lines = text.splitlines()
    out = []
    for m in sorted(found, key=lambda m: (m.lineno, m.col)):
        if isinstance(m, messages.UndefinedName) and m.message_args[0] in allowed:
            continue
        out.append(f"line {m.lineno}: {m.message % m.message_args}:  {lines[m.lineno - 1].strip()}")
    return out, text


@pytest.mark.parametrize("fn,args,i,mode", _params(KNOWN_LINT))
def test_generated_source_passes_pyflakes(fn, args, i, mode):
    df = _derivative(fn, i, mode)
    problems, text = lint_messages(df)
    assert not problems, "pyflakes:\n" + "\n".join(problems) + "\n\n" + text


def test_lint_catches_dead_code():
    """The check itself: an unused variable is reported, ``np`` is not."""
    pytest.importorskip("pyflakes")
    from pyflakes import checker, messages
    import ast
    text = "def f(x):\n    unused = x * 2\n    return np.sum(x)\n"
    found = checker.Checker(ast.parse(text)).messages
    assert {type(m) for m in found} == {messages.UnusedVariable, messages.UndefinedName}


# -- runnable as it stands -----------------------------------------------------------------

def _namespace(df):
    """What the generated code sees, except the generated functions
    themselves: those must come from the source text."""
    ns = {}
    for fn in _generated_functions(df):
        ns.update(fn.__globals__)
    for fn in _generated_functions(df):
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if not _is_generated(value):
                ns[name] = value
    for fn in _generated_functions(df):
        ns.pop(fn.__name__, None)
    return ns


def _call(fn, args, i, mode, tangent_name):
    args = copy.deepcopy(args)
    if mode == "reverse":
        return fn(*args)
    tangent = rebuild(args[i], np.linspace(0.5, 1.5, flat(args[i]).size))
    return fn(*args, **{tangent_name: tangent})


@pytest.mark.parametrize("fn,args,i,mode", _params(KNOWN_RUN))
def test_generated_source_runs_as_it_stands(fn, args, i, mode):
    df = _derivative(fn, i, mode)
    text = srcad.source(df)
    first = _generated_functions(df)[0]
    ns = _namespace(df)
    filename = f"<source of {first.__name__}>"
    # as if the text were saved to a file: functions made in it have source
    import linecache
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), ns)
    assert first.__name__ in ns, f"srcad.source does not define {first.__name__}\n\n{text}"
    import inspect
    kwonly = [p.name for p in inspect.signature(first).parameters.values() if p.kind is p.KEYWORD_ONLY]
    tangent_name = kwonly[0] if kwonly else None
    expected = _call(first, args, i, mode, tangent_name)
    got = _call(ns[first.__name__], args, i, mode, tangent_name)
    np.testing.assert_allclose(flat(got), flat(expected), rtol=1e-12, atol=0)
