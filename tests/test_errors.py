"""A catalogue of bad input: each kind raises the documented ``srcad.SrcadError``
subclass, names the file and line (with a caret under the construct where the
error has a place in the user's source), and carries a hint.

The functions under test are defined at module level below, so srcad can read
their source. A ``# <- error`` comment marks the line each error must name.
docs/errors.md documents the same table for users.

Kinds srcad does not handle as documented yet are marked
``xfail(strict=True)``: they pass the day the core is fixed, and the marker
must then be removed.
"""

import inspect
import linecache
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import srcad
from srcad import (CotangentError, NonDifferentiableError, NonScalarOutputError,
                   SourceUnavailableError, SrcadError, UnsupportedSyntaxError, WrtError)

HERE = os.path.abspath(__file__)
ROOT = os.path.dirname(os.path.dirname(HERE))
MARK = "# <- error"

G = 0.0


# ---------------------------------------------------------------------------
# functions under test: unsupported syntax
# ---------------------------------------------------------------------------

def uses_yield(x):
    yield x * 2.0  # <- error


def uses_yield_from(x):
    yield from [x * 2.0]  # <- error


def writes_global(x):
    global G  # <- error
    G = x
    return x * 2.0


def uses_nonlocal(x):
    y = x

    def inner():
        nonlocal y  # <- error
        y = y * 2.0

    inner()
    return y


def uses_exec(x):
    exec("y = 1")  # <- error
    return x * 2.0


def uses_eval(x):
    return eval("x * 2.0")  # <- error


async def is_async(x):  # <- error
    return x * 2.0


async def uses_await(x):  # <- error
    y = await x
    return y * 2.0


def uses_try(x):
    try:  # <- error
        y = x * 2.0
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open(os.devnull) as fh:  # <- error
        y = x * 2.0
    return y


def defines_class(x):
    class Local:  # <- error
        pass
    return x * 2.0


def imports_inside(x):
    import math  # <- error
    math = x * 2.0
    return math


def iter_of_active_values(x):
    return np.sum(list(iter(x * 2.0)))  # <- error


def uses_setcomp(x):
    s = {v for v in x}  # <- error
    return x[0] * len(s)


def uses_match(x):
    match x:  # <- error
        case 1.0:
            return x
        case _:
            return x * 2.0


def star_args_param(x, *rest):  # <- error
    return x * 2.0


def star_kwargs_param(x, **options):  # <- error
    return x * 2.0


def scale(x, factor=1.0):
    return x * factor


def kwargs_in_call(x, options):
    # (the keys of a parameter are not known when the function is transformed)
    return scale(x, **options)  # <- error


def _push_square(acc, v):
    acc.append(v ** 2)


def call_writes_into_argument(x):
    acc = []
    _push_square(acc, x)  # <- error
    return sum(acc)


def nested_writes_enclosing(x):
    acc = []

    def push(v):
        acc.append(v ** 2)  # <- error
    push(x)
    return sum(acc)


def star_args_in_call(xs):
    return np.add(*xs)  # <- error


def unpack_count(x):
    first, rest = x, x * 2.0, x * 3.0  # <- error
    return first


class Box:
    pass


def attribute_assignment(x):
    box = Box()
    box.value = x  # <- error
    return x * 2.0


def unbound_lambda(x):
    y = x * 3.0
    return (lambda v: v * y)(x)  # <- error


def decorated_nested_def(x):
    @staticmethod
    def g(v):  # <- error
        return v * 2.0
    return g(x)


def helper_with_yield(x):
    yield x  # <- error


def calls_bad_helper(x):
    return helper_with_yield(x)


# ---------------------------------------------------------------------------
# functions under test: calls with no derivative
# ---------------------------------------------------------------------------

# Functions chosen because no rule covers them (see NO_RULE below).

def no_rule_close_name(x):
    return np.sum(np.abs(np.cdouble(x)))  # <- error


def no_rule_ufunc(x):
    return np.sum(np.nextafter(x, 1.0))  # <- error


def no_rule_submodule(x):
    return np.sum(np.linalg.tensorinv(x, ind=1))  # <- error


def helper_without_rule(x):
    return np.i0(x)  # <- error


def calls_helper_without_rule(x):
    return np.sum(helper_without_rule(x))


# gaps (see the xfail reasons)

def attribute_read(x):
    return np.sum(x.flat)  # <- error


def augmented_attribute_assignment(x):
    y = x * 1.0
    y.real += 1.0  # <- error
    return np.sum(y)


def nested_star_args(x, rest):
    def g(*vs):
        return vs[0] * 2.0
    return g(x, *rest)  # <- error


# ---------------------------------------------------------------------------
# functions under test: call-time errors
# ---------------------------------------------------------------------------

def square_sum(x):  # <- error
    return np.sum(x ** 2)


def two_args(x, n):  # <- error
    return np.sum(x ** n)


def total(xs):  # <- error
    return sum(xs)


def lookup(d):  # <- error
    return d["a"] * 2.0


def doubled(x):
    return x * 2.0  # <- error


def pair(x):
    return (x * 2.0, x * 3.0)  # <- error


def as_dict(x):
    return {"a": x * 2.0}  # <- error


def nested_out(x):
    return {"w": (x, x * 2.0)}  # <- error


namespace = {"np": np}
exec("def made_by_exec(x):\n    return x * 2.0\n", namespace)
made_by_exec = namespace["made_by_exec"]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def marked_line(fn, marker=MARK):
    """The line number of ``fn``'s line that ends with ``# <- error``."""
    lines, start = inspect.getsourcelines(fn)
    hits = [start + i for i, line in enumerate(lines) if line.rstrip().endswith(marker)]
    assert len(hits) == 1, f"{fn.__name__} needs exactly one {marker!r} line"
    return hits[0]


def def_line(fn):
    return inspect.getsourcelines(fn)[1]


def underlined(text, source_line):
    """The column of the first caret under ``source_line`` in a rendered error."""
    lines = text.splitlines()
    shown = source_line.strip()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == shown and re.fullmatch(r" *\^+", lines[i + 1]):
            indent = len(line) - len(line.lstrip())
            return lines[i + 1].index("^") - indent
    return None


def check_located(exc, where, words=(), at=None):
    """``exc`` names this file, the marked line of ``where``, the construct
    (``words`` in the message), puts a caret at ``at`` and has a hint."""
    assert isinstance(exc, SrcadError)
    line = marked_line(where)
    assert exc.filename is not None and os.path.samefile(exc.filename, HERE), exc.filename
    assert exc.lineno == line, f"line {exc.lineno}, expected {line}"
    text = str(exc)
    assert f"{exc.filename}:{line}: " in text
    assert f'File "{exc.filename}", line {line}' in text
    source = linecache.getline(HERE, line).rstrip("\n")
    assert source.strip() in text, "the offending line is not shown"
    col = underlined(text, source)
    assert col is not None, f"no caret under the offending line:\n{text}"
    if at is not None:
        stripped = source.strip()
        assert stripped.index(at) == col, f"caret at column {col}, expected under {at!r}:\n{text}"
    for w in words:
        assert w in exc.message, f"{w!r} not in {exc.message!r}"
    check_hint(exc)


def check_hint(exc):
    assert exc.hint, f"no hint: {exc}"
    assert str(exc).rstrip().endswith(f"hint: {exc.hint}")


def transform(fn, mode):
    if mode == "forward":
        return srcad.derivative(fn, mode="forward")
    return srcad.grad(fn)


def gap(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


# ---------------------------------------------------------------------------
# transform-time errors, located in the user's source
# ---------------------------------------------------------------------------

# (function, error class, words in the message, text under the caret, function holding the marker)
LOCATED = [
    pytest.param(uses_yield, UnsupportedSyntaxError, ("yield",), "yield x", None, id="yield"),
    pytest.param(uses_yield_from, UnsupportedSyntaxError, ("yield from",), "yield from", None,
                 id="yield-from"),
    pytest.param(writes_global, UnsupportedSyntaxError, ("global",), "global G", None, id="global-write"),
    pytest.param(uses_nonlocal, UnsupportedSyntaxError, ("nonlocal",), "nonlocal", None, id="nonlocal"),
    pytest.param(uses_exec, UnsupportedSyntaxError, ("exec",), "exec(", None, id="exec"),
    pytest.param(uses_eval, UnsupportedSyntaxError, ("eval",), "eval(", None, id="eval"),
    pytest.param(is_async, UnsupportedSyntaxError, ("async",), "async def", None, id="async-def"),
    pytest.param(uses_await, UnsupportedSyntaxError, ("async",), "async def", None, id="await"),
    pytest.param(uses_try, UnsupportedSyntaxError, ("try",), "try", None, id="try"),
    pytest.param(uses_with, UnsupportedSyntaxError, ("with",), "with", None, id="with"),
    pytest.param(defines_class, UnsupportedSyntaxError, ("class",), "class", None, id="class-def"),
    pytest.param(imports_inside, UnsupportedSyntaxError, ("import",), "import", None, id="import"),
    pytest.param(iter_of_active_values, NonDifferentiableError, ("iter", "no derivative rule"),
                 "iter(", None, id="builtin-without-rule"),
    pytest.param(uses_setcomp, UnsupportedSyntaxError, ("set comprehension",), "{v for", None,
                 id="set-comprehension"),
    pytest.param(uses_match, UnsupportedSyntaxError, ("match",), "match", None, id="match"),
    pytest.param(kwargs_in_call, UnsupportedSyntaxError, ("**kwargs",), "options)", None,
                 id="kwargs-in-call"),
    pytest.param(star_args_in_call, UnsupportedSyntaxError, ("*args",), "*xs", None,
                 id="star-args-in-call"),
    pytest.param(call_writes_into_argument, UnsupportedSyntaxError, ("_push_square writes into its argument",),
                 "_push_square(acc, x)", None, id="call-writes-into-argument"),
    pytest.param(nested_writes_enclosing, UnsupportedSyntaxError, ("nested function push changes acc",),
                 "acc.append(v ** 2)", None, id="nested-writes-enclosing"),
    pytest.param(unpack_count, UnsupportedSyntaxError, ("cannot unpack 3 values into 2",), "first, rest",
                 None, id="unpack-count"),
    pytest.param(attribute_assignment, UnsupportedSyntaxError, ("attribute",), "box.value", None,
                 id="attribute-assignment"),
    pytest.param(unbound_lambda, NonDifferentiableError, ("lambda", "used as a value", "y"), "lambda v", None,
                 id="unbound-lambda"),
    pytest.param(decorated_nested_def, UnsupportedSyntaxError, ("decorated",), "def g", None,
                 id="decorated-nested-def"),
    pytest.param(calls_bad_helper, UnsupportedSyntaxError, ("yield",), "yield x", helper_with_yield,
                 id="error-in-called-function"),
    pytest.param(no_rule_close_name, NonDifferentiableError, ("np.cdouble", "no derivative rule"),
                 "np.cdouble(", None, id="no-rule-close-name"),
    pytest.param(no_rule_ufunc, NonDifferentiableError, ("np.nextafter", "no derivative rule"),
                 "np.nextafter(", None, id="no-rule-c-ufunc"),
    pytest.param(no_rule_submodule, NonDifferentiableError, ("np.linalg.tensorinv", "no derivative rule"),
                 "np.linalg.tensorinv(", None, id="no-rule-submodule"),
    pytest.param(calls_helper_without_rule, NonDifferentiableError, ("np.i0",),
                 "np.i0(", helper_without_rule, id="no-rule-in-called-function"),
    pytest.param(attribute_read, NonDifferentiableError, (".flat",), "x.flat", None,
                 id="attribute-read"),
    pytest.param(augmented_attribute_assignment, UnsupportedSyntaxError, ("attribute",), "y.real",
                 None, id="augmented-attribute-assignment"),
    pytest.param(nested_star_args, UnsupportedSyntaxError, ("*args",), "*rest", None,
                 id="star-args-of-unknown-length-to-a-nested-def"),
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn,error,words,at,where", LOCATED)
def test_located_error(fn, error, words, at, where, mode):
    with pytest.raises(error) as info:
        transform(fn, mode)
    check_located(info.value, where or fn, words, at)


NO_RULE = ["cdouble", "nextafter", "linalg.tensorinv", "i0"]


def test_no_rule_functions_still_have_no_rule():
    """The catalogue needs NumPy functions without rules; if one gains a rule,
    pick another one for its test."""
    from srcad.ruleset import get_rules
    covered = {name for ns, name, *_ in get_rules().all_entries() if ns == "numpy"}
    assert not covered & set(NO_RULE), f"now covered, pick others: {covered & set(NO_RULE)}"


def test_no_rule_suggests_the_nearest_covered_name():
    with pytest.raises(NonDifferentiableError) as info:
        srcad.grad(no_rule_close_name)
    assert "did you mean numpy.double" in info.value.hint
    # nothing close to nextafter: no suggestion, still a hint
    for fn in (no_rule_ufunc,):
        with pytest.raises(NonDifferentiableError) as info:
            srcad.grad(fn)
        assert "did you mean" not in info.value.hint
        assert "stop_gradient" in info.value.hint and "rules/" in info.value.hint


def test_error_is_raised_again_not_cached():
    for _ in range(2):
        with pytest.raises(UnsupportedSyntaxError):
            srcad.grad(calls_bad_helper)
        with pytest.raises(NonDifferentiableError):
            srcad.grad(calls_helper_without_rule)


def test_cli_show_reports_the_error():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "srcad", "show", f"{HERE}::uses_try"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    line = marked_line(uses_try)
    assert f"test_errors.py:{line}: try is not supported" in proc.stderr
    assert "^" in proc.stderr and "hint: " in proc.stderr
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------
# functions without source
# ---------------------------------------------------------------------------

def test_function_defined_by_exec():
    with pytest.raises(SourceUnavailableError) as info:
        srcad.grad(made_by_exec)
    exc = info.value
    assert "made_by_exec" in exc.message
    assert exc.filename == "<string>" and exc.lineno == 1
    check_hint(exc)
    assert "define the function in a file" in exc.hint


def test_library_function_with_a_rule_passed_directly():
    assert srcad.grad(np.sin)(0.5) == pytest.approx(np.cos(0.5))


@pytest.mark.parametrize("fn", [len, np.argmax], ids=["builtin", "numpy"])
def test_library_function_without_derivative(fn):
    with pytest.raises(NonDifferentiableError) as info:
        srcad.grad(fn)
    assert fn.__name__ in info.value.message
    check_hint(info.value)


def test_not_a_function():
    with pytest.raises(SourceUnavailableError) as info:
        srcad.grad(object())
    assert "not a Python function" in info.value.message
    check_hint(info.value)


def test_library_function_without_rule_passed_directly():
    with pytest.raises((NonDifferentiableError, SourceUnavailableError)) as info:
        srcad.grad(np.i0)
    assert "i0" in info.value.message
    assert "numpy" not in (info.value.filename or "")


# ---------------------------------------------------------------------------
# call-time errors: wrt, integer arguments, output and cotangent
# ---------------------------------------------------------------------------

X = np.array([1.0, 2.0, 3.0])


def _vjp_call(fn, primal, cotangent):
    _, pullback = srcad.vjp(fn, primal)
    return pullback(cotangent)


# (id, error class, the call, words in the message, the function concerned)
CALL_TIME = [
    ("wrt-unknown-name", WrtError, lambda: srcad.grad(square_sum, wrt="y"), ("'y'", "x"), square_sum),
    ("wrt-unknown-name-in-tuple", WrtError, lambda: srcad.grad(two_args, wrt=("x", "m")), ("'m'",),
     two_args),
    ("wrt-position-out-of-range", WrtError, lambda: srcad.grad(square_sum, wrt=3), ("wrt=3", "range"),
     square_sum),
    ("wrt-negative-position-out-of-range", WrtError, lambda: srcad.grad(two_args, wrt=-3),
     ("wrt=-3",), two_args),
    ("wrt-not-int-or-str", WrtError, lambda: srcad.grad(square_sum, wrt=1.5), ("1.5",), square_sum),
    ("wrt-bool", WrtError, lambda: srcad.grad(square_sum, wrt=True), ("True",), square_sum),
    ("integer-array-argument", WrtError, lambda: srcad.grad(square_sum)(np.arange(3)),
     ("'x'", "int64"), square_sum),
    ("python-int-argument", WrtError, lambda: srcad.grad(square_sum)(3), ("'x'", "int"), square_sum),
    ("numpy-int-scalar-argument", WrtError, lambda: srcad.grad(square_sum)(np.int64(3)), ("'x'",),
     square_sum),
    ("bool-argument", WrtError, lambda: srcad.grad(square_sum)(True), ("'x'", "bool"), square_sum),
    ("integer-argument-by-name", WrtError, lambda: srcad.grad(two_args, wrt="n")(X, 2), ("'n'",),
     two_args),
    ("integer-argument-value-and-grad", WrtError,
     lambda: srcad.value_and_grad(square_sum)(np.arange(3)), ("'x'",), square_sum),
    ("integer-argument-jacobian", WrtError, lambda: srcad.jacobian(doubled)(np.arange(3)), ("'x'",),
     doubled),
    ("non-scalar-output", NonScalarOutputError, lambda: srcad.grad(doubled)(X), ("scalar", "(3,)"),
     doubled),
    ("non-scalar-shape-1", NonScalarOutputError, lambda: srcad.grad(doubled)(np.ones(1)), ("(1,)",),
     doubled),
    ("non-scalar-tuple-output", NonScalarOutputError, lambda: srcad.grad(pair)(1.0), ("tuple",), pair),
    ("non-scalar-value-and-grad", NonScalarOutputError, lambda: srcad.value_and_grad(doubled)(X),
     ("scalar",), doubled),
    ("non-scalar-hessian", NonScalarOutputError, lambda: srcad.hessian(doubled)(X), ("scalar",),
     doubled),
    ("cotangent-wrong-shape", CotangentError, lambda: _vjp_call(doubled, X, np.ones(4)),
     ("(4,)", "(3,)"), doubled),
    ("cotangent-wrong-rank", CotangentError, lambda: _vjp_call(doubled, X, np.ones((3, 1))),
     ("(3, 1)",), doubled),
    ("cotangent-array-for-float", CotangentError, lambda: _vjp_call(doubled, 1.0, np.ones(3)),
     ("(3,)",), doubled),
    ("cotangent-tuple-for-array", CotangentError, lambda: _vjp_call(doubled, X, (X, X)), ("tuple",),
     doubled),
    ("cotangent-list-for-array", CotangentError, lambda: _vjp_call(doubled, X, [1.0, 2.0, 3.0]),
     ("list",), doubled),
    ("cotangent-array-for-tuple", CotangentError, lambda: _vjp_call(pair, X, X), ("tuple", "2"), pair),
    ("cotangent-tuple-wrong-length", CotangentError, lambda: _vjp_call(pair, X, (X,)), ("length 2",),
     pair),
    ("cotangent-dict-wrong-keys", CotangentError, lambda: _vjp_call(as_dict, X, {"b": X}), ("['a']",),
     as_dict),
    ("cotangent-none", CotangentError, lambda: _vjp_call(as_dict, X, None), ("dict",), as_dict),
    ("cotangent-nested-wrong-shape", CotangentError,
     lambda: _vjp_call(nested_out, X, {"w": (X, np.ones(4))}), ("output['w'][1]", "(4,)"), nested_out),
    ("integer-list-argument", WrtError, lambda: srcad.grad(total)([1, 2]), ("'xs'",), total),
    ("integer-dict-argument", WrtError, lambda: srcad.grad(lookup)({"a": 1}), ("'d'",), lookup),
    ("cotangent-string", CotangentError, lambda: _vjp_call(doubled, X, "abc"), (), doubled),
    ("jvp-tangent-wrong-shape", SrcadError, lambda: srcad.jvp(doubled, (X,), (np.ones(4),)), ("shape",), doubled),
    ("jvp-tangent-wrong-structure", SrcadError, lambda: srcad.jvp(pair, (X,), ((X, X),)), (), pair),
    ("jvp-integer-primal", WrtError, lambda: srcad.jvp(doubled, (np.arange(3),), (np.ones(3),)), ("'x'",), doubled),
]



@pytest.mark.parametrize("error,call,words,fn",
                         [pytest.param(e, c, w, f, id=i) for i, e, c, w, f in CALL_TIME])
def test_call_time_error(error, call, words, fn):
    with pytest.raises(error) as info:
        call()
    exc = info.value
    for w in words:
        assert w in exc.message, f"{w!r} not in {exc.message!r}"
    check_hint(exc)


@pytest.mark.parametrize("error,call,words,fn",
                         [pytest.param(e, c, w, f, id=i) for i, e, c, w, f in CALL_TIME
                          if not i.startswith("wrt-not-int") and i != "wrt-bool"])
def test_call_time_error_names_the_function_location(error, call, words, fn):
    with pytest.raises(error) as info:
        call()
    exc = info.value
    assert exc.filename is not None and os.path.samefile(exc.filename, HERE)
    assert exc.lineno in (def_line(fn), marked_line(fn))
    assert f"{exc.filename}:{exc.lineno}" in str(exc)


# ---------------------------------------------------------------------------
# misuse of the API itself
# ---------------------------------------------------------------------------

def test_source_of_a_function_not_made_by_srcad():
    with pytest.raises(SrcadError) as info:
        srcad.source(square_sum)
    assert "not made by srcad" in info.value.message
    check_hint(info.value)


@pytest.mark.parametrize("call", [lambda: srcad.derivative(square_sum, mode="sideways"),
                                  lambda: srcad.jacobian(square_sum, mode="sideways")],
                         ids=["derivative", "jacobian"])
def test_bad_mode(call):
    with pytest.raises(SrcadError) as info:
        call()
    assert "sideways" in info.value.message
    check_hint(info.value)


def test_jvp_primals_and_tangents_of_different_lengths():
    with pytest.raises(SrcadError) as info:
        srcad.jvp(two_args, (X, 2), (X,))
    assert "same length" in info.value.message
    check_hint(info.value)


# ---------------------------------------------------------------------------
# the catalogue as a whole
# ---------------------------------------------------------------------------

def _all_hints():
    hints = []
    for p in LOCATED:
        fn = p.values[0]
        try:
            transform(fn, "reverse")
        except SrcadError as exc:
            hints.append(exc.hint or "")
    for _, _, call, _, _ in CALL_TIME:
        try:
            call()
        except SrcadError as exc:
            hints.append(exc.hint or "")
    return hints


def test_catalogue_covers_at_least_25_kinds():
    assert len(LOCATED) + len(CALL_TIME) >= 25
    assert len({p.id for p in LOCATED}) == len(LOCATED)


def test_hints_only_mention_apis_that_exist():
    for hint in _all_hints():
        for name in re.findall(r"srcad\.(\w+)", hint):
            assert hasattr(srcad, name), f"hint mentions srcad.{name}: {hint!r}"


def function_value_reads_active(x):
    a = x * 2.0

    def scaled(v):  # <- error
        return v * a
    fs = [scaled]
    return fs[0](x)


def test_function_value_reading_an_active_variable():
    with pytest.raises(NonDifferentiableError) as info:
        srcad.grad(function_value_reads_active)
    assert "a" in info.value.message and "used as a value" in info.value.message
    assert info.value.lineno == marked_line(function_value_reads_active)
    check_hint(info.value)


def complex_energy(z):  # <- error
    return np.sum(np.abs(z) ** 2)


@pytest.mark.parametrize("call", [
    lambda: srcad.grad(complex_energy)(np.array([1 + 2j, 0.5 - 1j])),
    lambda: srcad.vjp(complex_energy, np.array([1 + 2j])),
    lambda: srcad.jvp(complex_energy, (np.array([1 + 2j]),), (np.array([1 + 0j]),)),
    lambda: srcad.grad(complex_energy)(1 + 2j),
], ids=["grad", "vjp", "jvp", "python-complex"])
def test_complex_arguments_are_refused(call):
    with pytest.raises(WrtError) as info:
        call()
    assert "complex" in info.value.message
    assert info.value.lineno == def_line(complex_energy)
    check_hint(info.value)


def method_without_rule_on_active_array(x):
    return np.sum(x.choose([[1.0] * 3, [2.0] * 3]))  # <- error


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_method_without_rule_on_a_differentiated_value(mode):
    with pytest.raises(NonDifferentiableError) as info:
        if mode == "reverse":
            srcad.grad(method_without_rule_on_active_array)
        else:
            srcad.derivative(method_without_rule_on_active_array, mode="forward")
    assert "choose" in info.value.message
    assert info.value.lineno == marked_line(method_without_rule_on_active_array)
    check_hint(info.value)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn", [star_args_param, star_kwargs_param], ids=["star-args", "star-kwargs"])
def test_the_derivative_function_of_a_variadic_function_is_refused(fn, mode):
    # (srcad.grad and the others make it per shape of call; srcad.derivative
    # returns one function, which cannot serve every shape)
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcad.derivative(fn, mode=mode)
    check_located(info.value, fn, ("*args or **kwargs",), at="def")
    assert "srcad.grad" in info.value.hint


def _takes_varargs(x, *args):
    return x * args[0]


def calls_a_varargs_helper(x, rest):
    return _takes_varargs(x, *rest)


def test_a_varargs_helper_given_a_sequence_of_unknown_length_is_refused_at_its_call():
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcad.grad(calls_a_varargs_helper)(1.5, (2.0,))
    assert "*args" in info.value.message and "display" in info.value.hint
    assert info.value.filename.endswith("test_errors.py")
    assert "_takes_varargs(x, *rest)" in info.value.location.source_line


def _loop_over_a_growing_list(a, b):
    ys = [a, b]
    s = 0.0
    for y in ys:
        s = s + y
        if len(ys) < 4:
            ys.append(y * 2.0)
    return s


def test_a_loop_over_a_list_its_body_grows_is_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        srcad.grad(_loop_over_a_growing_list)
    assert "ys" in info.value.message and "list(ys)" in info.value.hint


def _joined_list_arguments(xs, ys):
    zs = xs + ys
    return zs[0] * zs[2] + zs[1]


def test_lists_joined_from_arguments_are_refused_in_reverse_mode():
    # xs + ys of two list arguments reads like an addition of arrays; reverse
    # mode cannot split the joined list's derivative, and says so
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcad.grad(_joined_list_arguments)([0.3, -0.7], [1.1])
    assert "joins lists" in info.value.message
    check_hint(info.value)
    srcad.check_grads(_joined_list_arguments, ([0.3, -0.7], [1.1]), modes=("forward",))


_cubic = np.poly1d([1.0, -2.0, 0.5, 3.0])


def _through_poly1d(x):
    return np.sum(_cubic(x))


def test_a_library_callable_object_is_refused_not_transformed():
    # np.poly1d objects define __call__ in NumPy's own source, which srcad
    # does not transform (a class of the user's own is; np.vectorize is
    # spelled out as a loop over the entries)
    with pytest.raises(SrcadError):
        srcad.grad(_through_poly1d)(np.array([0.3, -0.7]))
