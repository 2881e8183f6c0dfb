"""The ast -> gast converter, checked against what it stands in for:
``gast.ast_to_gast`` (and ``gast.parse``), node by node, field by field."""

import ast
import sys
import textwrap
import warnings

import gast
import pytest

from srcad import gastconv as G
from srcad import parse as P

SNIPPETS = [
    # parameters of every kind, annotations, defaults, type comments
    "def f(a, /, b: int, c=1, *args: 'str', d, e: float = -1.5, **kw: dict) -> None:\n    pass",
    "def f(*, a, b=2):\n    return a\ndef g(*a):\n    pass\ndef h(**k):\n    pass",
    "def f(a,  # type: int\n      b,  # type: str\n      ):\n    # type: (...) -> None\n    x = 1  # type: int\n"
    "    for i in x:  # type: int\n        pass\n    with x as y:  # type: ignore\n        pass",
    "g = lambda: 0\nh = lambda a, b=2, *c, d=-1, e, **f: (a, b, c, d, e, f)\nk = lambda a, /, b: a",
    # names, exceptions, with
    "def f(x):\n    try:\n        y = 1 / x\n    except (ZeroDivisionError, TypeError) as e:\n        raise ValueError(x) from e\n"
    "    except Exception:\n        pass\n    except:\n        raise\n    else:\n        y += 1\n    finally:\n        del x\n    return y",
    "def f(x):\n    with open(x) as a, open(x) as (b, c), x:\n        pass\n    with (open(x) as a, open(x)):\n        pass",
    # strings, f-strings, constants
    "x = f'{a!r:>{w}} and {b + 1}' f'{c=}' 'plain' f'{d!s}{e!a:{f}.{g}}'\ny = b'x' + rb'\\d' + u'u'",
    "x = ..., None, True, False, 1, 1.5, 1j, 1e400, -0.0, 0x1F, 1_000, 'a' 'b', '''\nmulti\n'''",
    "'''A module docstring.'''\nclass C:\n    '''And a class's.'''",
    # comprehensions, starred, slices, walrus
    "x = [i * j for i in a if i for j in range(i) if j > 2], {k: v for k, v in a}, {i for i in a}, (i for i in a)",
    "a, *b = x\n[c, *d], e = x\nf(*a, *b, k=1, **c, **d)\ny = [*a, *b], {**c, 1: 2}, {*a}, (*a,)",
    "y = x[1:2, ::3] + x[..., None] + x[-1] + x[:, -2:] + x[a:b:c] + x[()] + x[1:]\nx[1:] = x[:-1]\ndel x[0], x.a",
    "if (y := x + 1) > 2:\n    z = [w := 1, w]\nprint(f'{(v := 2)}')",
    # operators, assignments, control flow
    "y = -x ** 2, not x, ~x, +x, x @ y, x // y, x % y, x << 1 >> 2, x & y | z ^ w, a < b <= c != d is not e in f not in g",
    "x: int = 1\n(y): int\nz.a: list[int]\nx += 1; x -= 1; x *= 2; x /= 2; x //= 2; x **= 2; x @= y; x |= 1",
    "while x:\n    x -= 1\n    if x:\n        continue\n    elif y:\n        break\nelse:\n    x = None\nfor i, j in x:\n"
    "    pass\nelse:\n    pass\nassert x, 'message'\nraise\nraise E\nraise E from None",
    "y = a if b else c\nz = a and b or not c\nx = yield_ = None\ndef g():\n    yield\n    yield x\n    y = yield from x\n"
    "    return (yield)",
    # async, decorators, classes, scopes, imports
    "async def f(x):\n    async with x as y:\n        async for z in y:\n            await z\n"
    "    return [await i async for i in x], {i async for i in x}",
    "@staticmethod\n@x.y(1)\n@(lambda f: f)\ndef f():\n    pass\n@dataclass(frozen=True)\nclass C(B, metaclass=M, **kw):\n"
    "    a: int = 1\n    def m(self):\n        return super().m()",
    "def f():\n    x = 1\n    def g():\n        nonlocal x\n        global y, z\n        x = y = 2\n    return g",
    "import a, b.c as d\nfrom . import e\nfrom ..f import (g as h, i)\nfrom j import *",
    # match
    "match x:\n    case [1, 2, *rest]:\n        pass\n    case {'a': -1, **kw} if kw:\n        pass\n"
    "    case C(1, a=2 | 3) | None:\n        pass\n    case (True | False) as b:\n        pass\n"
    "    case [*_] | {} | 1.5 | -1j | 'a' | b'b' | m.n:\n        pass\n    case _:\n        pass",
]
if sys.version_info >= (3, 11):
    SNIPPETS.append("try:\n    pass\nexcept* ValueError as e:\n    raise\nexcept* (TypeError, KeyError):\n    pass\n"
                    "else:\n    pass\nfinally:\n    pass")
if sys.version_info >= (3, 12):
    SNIPPETS.append("def f[T: int, U: (int, str), *Ts, **P](x: T) -> T:\n    type A[V] = list[V]\n    return x\n"
                    "class C[T]:\n    pass\ntype B = int\nasync def g[T](x: T):\n    pass")
    SNIPPETS.append("x = f'{a:{b}}{f'{c!r}'}' f'{'nested'}'")
if sys.version_info >= (3, 13):
    SNIPPETS.append("def f[T = int, *Ts = *tuple[int], **P = [int]](x):\n    pass\ntype A[T: int = bool] = T")


def assert_same(want, got, path="tree", seen=None):
    """``got`` is ``want``: the same classes, the same fields and attributes
    set in the same order, the same non-node values (the very objects, both
    trees coming from one ast tree), and no node of ``got`` met twice."""
    seen = set() if seen is None else seen
    if isinstance(want, ast.AST):
        assert type(got) is type(want), path
        assert id(got) not in seen, f"{path}: a node shared"
        seen.add(id(got))
        assert list(vars(got)) == list(vars(want)), path
        for key, value in vars(want).items():
            assert_same(value, vars(got)[key], f"{path}.{key}", seen)
    elif type(want) is list:
        assert type(got) is list and len(got) == len(want), path
        for i, (w, g) in enumerate(zip(want, got)):
            assert_same(w, g, f"{path}[{i}]", seen)
    else:
        assert got is want, path


def check(tree):
    before = ast.dump(tree, include_attributes=True)
    assert_same(gast.ast_to_gast(tree), G.to_gast(tree))
    assert ast.dump(tree, include_attributes=True) == before  # left as it was


@pytest.mark.parametrize("src", SNIPPETS)
def test_to_gast_is_ast_to_gast(src):
    check(ast.parse(src))
    check(ast.parse(src, type_comments=True))


@pytest.mark.parametrize("src", SNIPPETS)
def test_parse_is_gast_parse(src):
    assert gast.dump(G.parse(src), include_attributes=True) == gast.dump(gast.parse(src), include_attributes=True)


@pytest.mark.parametrize("src, mode", [
    ("x + 1", "eval"), ("lambda x, *, y=1: x", "eval"), ("x = 1", "single"),
    ("(int, *str) -> None", "func_type"),
])
def test_other_modes(src, mode):
    check(ast.parse(src, mode=mode))
    assert (gast.dump(G.parse(src, mode=mode), include_attributes=True)
            == gast.dump(gast.parse(src, mode=mode), include_attributes=True))


def hand_made():
    """ast trees as code builds them: locations missing or None, optional
    fields left out."""
    name = ast.Name("x", ast.Load())
    blank = ast.Name("y", ast.Store(), lineno=None, col_offset=None)
    ends = ast.Name("z", ast.Load(), lineno=3, col_offset=4)
    handler = ast.ExceptHandler(ast.Name("E", ast.Load()), "e", [ast.Pass()])
    arguments = ast.arguments([], [ast.arg("a"), ast.arg("b", ast.Name("int", ast.Load()), lineno=1, col_offset=None)],
                              None, [], [], None, [])
    func = ast.FunctionDef("f", arguments, [ast.Try([ast.Expr(name)], [handler], [], [])], [], lineno=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        no_op = ast.BinOp(left=ast.Constant(1), right=name, lineno=1, col_offset=0)  # a field missing
    return [name, blank, ends, handler, arguments, func, ast.Module([func, ast.Assign([blank], ends)], []),
            ast.fix_missing_locations(ast.Module([ast.Expr(ast.Constant(1))], [])), ast.Expr(no_op)]


@pytest.mark.parametrize("tree", hand_made(), ids=lambda tree: type(tree).__name__)
def test_hand_made_trees(tree):
    check(tree)


@pytest.mark.parametrize("src", SNIPPETS[:3])
def test_parts_of_trees(src):
    for node in ast.walk(ast.parse(src)):
        check(node)


def _lambda_holder():
    return lambda x, y=2.0: x * y + 1


def _function(x, *rest, scale: float = 2.0, **options):
    """Documented."""
    try:
        y = [v * scale for v in rest if v]
    except TypeError as e:
        raise ValueError(x) from e
    return x + sum(y)


@pytest.mark.parametrize("func", [_function, _lambda_holder(), _lambda_holder])
def test_parse_function_gives_the_tree_it_gave_with_gast_parse(func, monkeypatch):
    got = P._parse_function(func)
    monkeypatch.setattr(G, "parse", gast.parse)
    want = P._parse_function(func)
    assert gast.dump(got.node, include_attributes=True) == gast.dump(want.node, include_attributes=True)
    assert (got.filename, got.line_offset, got.source_lines) == (want.filename, want.line_offset, want.source_lines)


def test_shared_ast_nodes_become_distinct_gast_nodes():
    tree = ast.parse(textwrap.dedent("""\
        a = b + c
        d = e + f
    """))
    assert tree.body[0].value.op is tree.body[1].value.op  # ast.parse shares them
    new = G.to_gast(tree)
    assert new.body[0].value.op is not new.body[1].value.op
    assert new.body[0].targets[0].ctx is not new.body[1].targets[0].ctx
