"""Code generation's own gast -> ast converter and line-noting unparser,
checked against what they stand in for: ``gast.gast_to_ast`` with
``ast.fix_missing_locations``, and finding statement lines by parsing the
unparsed text again."""

import ast
import copy
import linecache
import sys
import textwrap

import gast
import pytest

from srcad import codegen as C
from srcad import unparse as U

SNIPPETS = [
    "def f(x):\n    return x[1:2, ::3] + x[..., None] + x[-1] + x[:, -2:]",
    "def f(x, y=2):\n    return f'{x!r:>{y}} and {y + 1}' + f'{x=}'",
    "def f(x):\n    g = lambda a, b=2, *c, d=-1, **e: a + b\n    return g(x, *x, **{'d': 1})",
    "def f(a, /, b, *, c=1, d, **kw):\n    return a, b, c, d, kw",
    "def f(x: int, *args: float, **kw: str) -> int:\n    y: int = 1\n    (z): int\n    return x",
    "def f(x):\n    try:\n        y = 1 / x\n    except (ZeroDivisionError, TypeError) as e:\n        raise ValueError(x) from e\n"
    "    except Exception:\n        pass\n    else:\n        y += 1\n    finally:\n        del x\n    return y",
    "def f(x):\n    a, *b = x\n    c = [*b, *a]\n    return {**c}, {*b}, print(*a, sep='')",
    "def f(x):\n    return [i * j for i in x if i for j in range(i) if j > 2], {k: v for k, v in x}, "
    "{i for i in x}, (i async for i in x)",
    "def f(x):\n    def g(y, z=x):\n        nonlocal x\n        x = y\n        return z\n    global h\n    return g",
    "def f(x, y):\n    return 1 < x <= y != 3, not x, not (x and y), x and y or not y, (not x) == y",
    "def f(x):\n    return -x ** 2, (-x) ** 2, x ** -2, -2 ** x, 2 ** -x ** -3, ~x, +x, -(-x), (-1) ** x",
    "def f(x):\n    with open(x) as a, open(x) as (b, c):\n        pass\n    while x:\n        x -= 1\n"
    "        if x:\n            continue\n        break\n    else:\n        x = None\n    return x",
    "def f(x):\n    return {}, {1: 2, **x}, {1, 2}, set(), (), (1,), [], b'x', 1j, 1e400, -0.0, ...",
    "def f(x):\n    if (y := x + 1) > 2:\n        return y\n    return [z := 1, z]",
    "def f(x):\n    if x > 1:\n        y = 1\n    elif x > 0:\n        y = 2\n    elif x:\n        y = 3\n"
    "    else:\n        if x:\n            y = 4\n        y = 5\n    return y",
    "def f(x):\n    assert x, 'message'\n    x[1:] = x[:-1]\n    x.a.b = x @ x\n    x //= 2; x **= 2\n"
    "    return x if x else -x",
    "async def f(x):\n    async with x as y:\n        async for z in y:\n            await z\n    return [await i for i in x]",
    "def f(x):\n    yield x\n    yield from x\n    y = yield\n    return (yield x)",
    "def f(x):\n    class C(object, metaclass=type):\n        a = 1\n        def m(self):\n            return self\n"
    "    return C",
    "def f(x):\n    '''Documented.'''\n    return x",
    "def f(x):\n    @staticmethod\n    @x.y(1)\n    def g():\n        pass\n    return g",
    "def f(x):\n    match x:\n        case [1, 2, *rest]:\n            return rest\n        case {'a': -1, **kw} if kw:\n"
    "            return kw\n        case C(a=1) | None:\n            return 0\n        case _:\n            return -1",
]
if sys.version_info >= (3, 11):
    SNIPPETS.append("def f(x):\n    try:\n        pass\n    except* ValueError as e:\n        raise\n    return x")
if sys.version_info >= (3, 12):
    SNIPPETS.append("def f[T: int, *Ts, **P](x: T) -> T:\n    type A[U] = list[U]\n    return x")

ORIGIN = ("/home/user/project/model.py", 100)


def functions(src):
    """The top-level function of ``src``, parsed by gast."""
    return gast.parse(src).body[0]


def reference_tree(node):
    return ast.fix_missing_locations(gast.gast_to_ast(node))


def reference_text(node, origin):
    """The text code generation gave before it had its own converter and
    line notes: everything through gast, lines found by a second parse."""
    tree = reference_tree(node)
    return C._annotate(tree, ast.unparse(tree), origin)


def strip_locations(node, seed):
    """Remove or blank some locations, as generated nodes come."""
    for i, n in enumerate(gast.walk(node)):
        if "lineno" not in n._attributes:
            continue
        kind = (i * 7 + seed) % 5
        if kind == 0:
            for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
                n.__dict__.pop(attr, None)
        elif kind == 1:
            n.lineno = None
        elif kind == 2:
            n.end_lineno = None
    return node


@pytest.mark.parametrize("src", SNIPPETS)
def test_to_ast_is_gast_to_ast_with_locations_filled(src):
    node = functions(src)
    want = ast.dump(reference_tree(node), include_attributes=True)
    assert ast.dump(U.to_ast(node), include_attributes=True) == want


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("src", SNIPPETS)
def test_to_ast_fills_missing_and_blank_locations_as_gast_and_ast_do(src, seed):
    want = ast.dump(reference_tree(strip_locations(functions(src), seed)), include_attributes=True)
    got = ast.dump(U.to_ast(strip_locations(functions(src), seed)), include_attributes=True)
    assert got == want


def parsed_starts(tree, text):
    parsed = ast.parse(text).body[0]
    return [(ours, theirs.lineno) for ours, theirs in zip(ast.walk(tree), ast.walk(parsed))
            if isinstance(ours, ast.stmt)]


def _pow_bases_negated(tree):
    """``tree`` (a copy) with each negative number that is the base of a
    power written as a negation: ``ast.unparse`` writes ``Constant(-1) **
    x`` as ``-1 ** x``, which Python reads as ``-(1 ** x)``; srcad writes
    ``(-1) ** x``, as ast.unparse writes ``UnaryOp(-, 1) ** x``."""
    tree = copy.deepcopy(tree)
    for n in ast.walk(tree):
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) and isinstance(n.left, ast.Constant) \
                and ast.unparse(n.left).startswith("-"):
            n.left = ast.UnaryOp(ast.USub(), ast.Constant(-n.left.value))
    return tree


def check_starts(tree):
    """unparse_with_starts agrees with ast.unparse (where that reads back
    as the same value) and with a second parse; returns its starts."""
    text, starts = U.unparse_with_starts(tree)
    assert text == ast.unparse(_pow_bases_negated(tree))
    if starts is not None:
        lines = text.split("\n")
        want = parsed_starts(tree, text)
        assert [node for node, _ in starts] == [node for node, _ in want]
        for (node, line), (_, lineno) in zip(starts, want):
            if line is None:  # an elif: its header line
                assert isinstance(node, ast.If) and lines[lineno - 1].endswith(":")
            else:
                assert line == lineno
    return starts


@pytest.mark.parametrize("src", SNIPPETS)
def test_statement_lines_are_those_a_parse_gives(src):
    check_starts(U.to_ast(functions(src)))


@pytest.mark.parametrize("src", [
    "def f(x):\n    if x:\n        y = 1\n    elif x > 1:\n        for i in x:\n            y = x[-1] * -2.5\n"
    "    else:\n        y = 2\n    return y",
    "def f(x):\n    try:\n        y = -1\n    except E as e:\n        with e:\n            y = 2\n    return y",
    "def f(x, d_result=1.0):\n    d_x = rh.f(d_result, -1, x[-2:])\n    for i in x:\n        if i:\n            d_x = d_x * -1\n"
    "    return d_x",
])
def test_statement_lines_of_generated_shapes_need_no_parse(src):
    assert check_starts(U.to_ast(functions(src))) is not None


@pytest.mark.parametrize("src", [
    "def f(x):\n    '''Doc.'''\n    return x",
    "def f(x):\n    @g\n    def h():\n        pass\n    return h",
    "def f(x):\n    return f'{x}'",
])
def test_statement_lines_left_to_a_parse_where_text_and_start_differ(src):
    assert check_starts(U.to_ast(functions(src))) is None


RESHAPED = [
    lambda c: c,
    lambda c: gast.Attribute(c, "real", gast.Load()),
    lambda c: gast.BinOp(c, gast.Pow(), gast.Name("x", gast.Load(), None, None)),
    lambda c: gast.Call(c, [], []),
]


@pytest.mark.parametrize("value", [-1, -2.5, -0.0, float("nan"), -2j, 1 + 2j, (1, -1)])
@pytest.mark.parametrize("wrap", RESHAPED)
def test_text_read_back_in_another_shape_is_told_apart_by_depth(wrap, value):
    # ``-1``, ``-1 .real`` and ``-1 ** x`` read back as ``-(1)``,
    # ``-(1 .real)`` and ``-(1 ** x)``: the parse has other nodes from the
    # statement's expression down, which shifts ast.walk's order for the
    # statements deeper than that.
    src = "def f(x):\n    a = 0\n    for i in x:\n        if i:\n            y = 1\n    return a\n"
    node = functions(src)
    node.body[1].body[0].body[0].value = wrap(gast.Constant(value, None))
    assert check_starts(U.to_ast(node)) is not None  # nothing deeper
    node.body[0].value = wrap(gast.Constant(value, None))
    check_starts(U.to_ast(node))


@pytest.mark.parametrize("value", [
    gast.Name("None", gast.Load(), None, None),
    gast.BoolOp(gast.And(), [gast.Name("y", gast.Load(), None, None)]),
    gast.Compare(gast.Name("y", gast.Load(), None, None), [], []),
    gast.Set([]),
])
def test_nodes_written_as_other_nodes_are_told_apart_by_depth(value):
    src = "def f(x):\n    a = 0\n    for i in x:\n        if i:\n            y = 1\n    return a\n"
    node = functions(src)
    node.body[0].value = value
    check_starts(U.to_ast(node))


@pytest.mark.parametrize("src", SNIPPETS)
def test_origin_comments_land_where_they_did(src):
    node = functions(src)
    assert C.unparse([node], ORIGIN) == reference_text(node, ORIGIN) + "\n"


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("src", SNIPPETS)
def test_origin_comments_for_generated_nodes_land_where_they_did(src, seed):
    node = strip_locations(functions(src), seed)
    assert C.unparse([node], ORIGIN) == reference_text(node, ORIGIN) + "\n"


def test_origin_comments_of_code_generated_from_generated_code():
    filename = "<srcad test_codegen #0>"
    shown = ["# generated by srcad (test)", "def f(x):", "    y = x  # model.py:11",
             "    z = y * 2", "    return z  # model.py:14", "# end"]
    linecache.cache[filename] = (0, None, [line + "\n" for line in shown], filename)
    try:
        node = functions(textwrap.dedent("""\
            def f_grad(x):
                y = x
                z = y * 2
                if z:
                    w = -z
                return z
            """))
        origin = (filename, 1)
        assert C.unparse([node], origin) == reference_text(node, origin) + "\n"
        assert "# model.py:11" in C.unparse([node], origin)
    finally:
        del linecache.cache[filename]


def test_compiled_functions_show_the_annotated_text():
    node = functions("def f(x):\n    y = x * 2\n    z = -y\n    return z\n")
    out = C.compile_functions([node], {}, {}, {}, "test", ("/tmp/model.py", 0))
    assert out.source == reference_text(node, ("/tmp/model.py", 0)) + "\n"
    assert out.source.splitlines()[1].endswith("# model.py:2")
    assert out.functions[0](3) == -6


@pytest.mark.parametrize("src", SNIPPETS + [
    "def f(x):\n    if x:\n        def g(y):\n            return y\n        z = g(x)\n    elif x > 1:\n"
    "        z = lambda a: a if a else -a\n    else:\n        for i in x:\n            z = i\n"
    "        else:\n            z = 0\n    while x:\n        x = x - 1\n    else:\n        pass\n    return z",
])
def test_layout_is_where_the_text_puts_each_statement(src):
    tree = U.to_ast(functions(src))
    layout = C._layout(tree)
    if layout is None:
        return   # written and compiled as text
    text = ast.unparse(tree)
    ordered = sorted(layout, key=lambda item: item[3])
    assert [(s, line) for s, line, _, _ in ordered] == parsed_starts(tree, text)


def test_layout_refuses_what_it_cannot_tell_without_the_text():
    for src in ("def f(x):\n    '''Documented.'''\n    return x",
                "def f(x):\n    @staticmethod\n    def g():\n        pass\n    return g",
                "def f(x):\n    try:\n        pass\n    finally:\n        x = 1\n    return x"):
        assert C._layout(U.to_ast(functions(src))) is None


def test_compiled_text_is_written_when_first_read_and_tracebacks_show_it():
    import traceback
    node = functions("def f(x):\n    y = x * 2\n    z = 1 / (y - y)\n    return z\n")
    out = C.compile_functions([node], {}, {}, {}, "test", ("/tmp/model.py", 0))
    lines = linecache.cache[out.filename][2]
    assert not isinstance(lines, list)   # nothing written yet
    try:
        out.functions[0](3.0)
    except ZeroDivisionError as exc:
        shown = "".join(traceback.format_exception(exc))
    assert "z = 1 / (y - y)  # model.py:3" in shown
    assert isinstance(linecache.cache[out.filename][2], list)   # written once, then kept
    assert out.source == reference_text(node, ("/tmp/model.py", 0)) + "\n"
