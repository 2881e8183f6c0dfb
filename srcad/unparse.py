"""gast -> ast conversion, and unparsing that reports where statements land.

:func:`to_ast` gives the tree of ``gast.gast_to_ast`` followed by
``ast.fix_missing_locations`` (equal ``ast.dump(..., include_attributes=True)``)
in one pass, without ``NodeTransformer``'s dispatch.

:func:`unparse_with_starts` gives the text of :func:`ast.unparse` and, where it
can be sure of them, the lines ``ast.parse`` of that text would give its
statements, without parsing it.
"""

from __future__ import annotations

import ast
import math
import re
import sys

import gast

_MISSING = object()


# --- gast -> ast -------------------------------------------------------------

def to_ast(node):
    """The ``ast`` tree for the gast tree ``node``, with every location filled.

    Assumes ``node`` is a gast tree (as ``gast.gast_to_ast`` does).  The result
    shares no nodes with ``node`` except that field-less, location-less nodes
    (``Load``, ``Add``, ...) are shared singletons, as in trees from
    :func:`ast.parse`.
    """
    return _convert(node, (1, 0, 1, 0))


def _convert(node, loc):
    """``node`` converted; ``loc`` is the location it inherits from its parent."""
    try:
        convert = _CONVERTERS[node.__class__]
    except KeyError:
        convert = _CONVERTERS[node.__class__] = _converter_for(node.__class__)
    return convert(node, loc)


def _value(value, loc):
    """A field's value converted: a node, a list (of lists) of them, or as is."""
    convert = _CONVERTERS.get(value.__class__)
    if convert is not None:
        return convert(value, loc)
    if value.__class__ is list:
        return [_CONVERTERS.get(v.__class__, _value)(v, loc) for v in value]
    if isinstance(value, ast.AST):
        return _convert(value, loc)
    return value


# No class (of gast or ast) has a location of its own: an instance's
# ``__dict__`` holds all there is.
_LOCATION = frozenset({"lineno", "col_offset", "end_lineno", "end_col_offset"})


def _location(node, loc, keep_none):
    """The location the conversion of ``node`` gets, given its parent's
    ``loc``, as ``ast.fix_missing_locations`` completes it.  Where ``node``
    has no location attribute (``_LOCATION.isdisjoint(node.__dict__)``, the
    usual case for generated nodes) that is ``loc`` itself.

    ``keep_none``: gast's generic conversion copies a ``lineno`` or
    ``col_offset`` of None (which then stays, and is inherited), while its
    ``copy_location`` drops it (so the parent's is used).
    """
    lineno = getattr(node, "lineno", _MISSING)
    col = getattr(node, "col_offset", _MISSING)
    end_lineno = getattr(node, "end_lineno", None)
    end_col = getattr(node, "end_col_offset", None)
    if lineno is _MISSING or (lineno is None and not keep_none):
        lineno = loc[0]
    if col is _MISSING or (col is None and not keep_none):
        col = loc[1]
    if end_lineno is None:
        end_lineno = loc[2]
    if end_col is None:
        end_col = loc[3]
    return (lineno, col, end_lineno, end_col)


def _place(new, loc):
    new.lineno, new.col_offset, new.end_lineno, new.end_col_offset = loc
    return new


def _converter_for(cls):
    """A converter for gast class ``cls``: ``(node, loc) -> ast node``."""
    return _SPECIAL.get(cls.__name__) or _generic(cls.__name__, cls._fields)


def _generic(name, gast_fields):
    """A converter that copies fields ``gast_fields`` into the ast class
    ``name``, as gast's generic conversion does."""
    target = getattr(ast, name, None)
    if not (isinstance(target, type) and issubclass(target, ast.AST)):
        return lambda node, loc: None  # as gast does for nodes ast lacks
    if not target._fields and not target._attributes:
        shared = target()
        return lambda node, loc: shared
    # gast's generic case passes fields ast lacks on as plain attributes,
    # which nothing reads; they are left out here.
    fields = tuple(f for f in gast_fields if f in target._fields and f not in _DROPPED.get(name, ()))
    positional = fields == target._fields[:len(fields)]
    located = "lineno" in target._attributes
    keep_none = name not in _COPY_LOCATION

    def convert(node, loc):
        if located and not _LOCATION.isdisjoint(node.__dict__):
            loc = _location(node, loc, keep_none)
        args = []
        for f in fields:
            v = getattr(node, f, _MISSING)
            sub = _CONVERTERS.get(v.__class__)  # _value, inlined
            if sub is not None:
                v = sub(v, loc)
            elif v.__class__ is list:
                v = [_CONVERTERS.get(x.__class__, _value)(x, loc) for x in v]
            elif v is _MISSING:  # gast passes only the fields a node has
                new = target(**{f: _value(getattr(node, f), loc) for f in fields if hasattr(node, f)})
                break
            elif isinstance(v, ast.AST):
                v = _convert(v, loc)
            args.append(v)
        else:
            new = target(*args) if positional else target(**dict(zip(fields, args)))
        if located:
            new.lineno, new.col_offset, new.end_lineno, new.end_col_offset = loc
        return new
    return convert


def _name(node, loc):
    """gast's ``Name`` has an ``annotation`` and a ``type_comment`` too."""
    if not _LOCATION.isdisjoint(node.__dict__):
        loc = _location(node, loc, False)
    new = ast.Name(node.id, _CONVERTERS.get(node.ctx.__class__, _value)(node.ctx, loc))
    new.lineno, new.col_offset, new.end_lineno, new.end_col_offset = loc
    return new


def _arg(node, loc):
    """gast keeps parameters as ``Name`` nodes; ast has ``arg``."""
    if node is None:
        return None
    loc = _location(node, loc, False)
    return _place(ast.arg(node.id, _value(node.annotation, loc), node.type_comment), loc)


def _arguments(node, loc):
    # ast.arguments has no location of its own: its parent's passes through.
    return ast.arguments(
        [_arg(a, loc) for a in node.posonlyargs],
        [_arg(a, loc) for a in node.args],
        _arg(node.vararg, loc),
        [_arg(a, loc) for a in node.kwonlyargs],
        _value(node.kw_defaults, loc),
        _arg(node.kwarg, loc),
        _value(node.defaults, loc),
    )


def _except_handler(node, loc):
    """gast's ``ExceptHandler.name`` is a ``Name``; ast's a string."""
    if not node.name:
        return _GENERIC_HANDLER(node, loc)
    loc = _location(node, loc, False)
    return _place(ast.ExceptHandler(_value(node.type, loc), node.name.id, _value(node.body, loc)), loc)


_SPECIAL = {"Name": _name, "arguments": _arguments, "ExceptHandler": _except_handler}
# What gast's own conversion (gast.ast3.GAstToAst3) does by hand: fields it
# leaves out, and classes whose locations it copies with ast.copy_location.
_DROPPED = {"Assign": ("type_comment",)}
_COPY_LOCATION = {"Assign"}
if sys.version_info < (3, 12):
    _COPY_LOCATION |= {"FunctionDef", "AsyncFunctionDef", "ClassDef"}
elif sys.version_info < (3, 13):
    _COPY_LOCATION |= {"TypeVar", "TypeVarTuple", "ParamSpec"}
_CONVERTERS = {}
_GENERIC_HANDLER = _generic("ExceptHandler", gast.ExceptHandler._fields)


# --- ast -> text, with statement lines ---------------------------------------

def unparse_with_starts(tree):
    """``(text, starts)`` for the ast tree ``tree`` (a statement or a module).

    ``text`` is ``ast.unparse(tree)``.  ``starts`` lists the statements of
    ``tree`` in ``ast.walk`` order, each with the ``lineno`` of the node at
    the same place in ``ast.walk(ast.parse(text))`` (below the ``Module``,
    for a ``tree`` that is a statement): the line the statement starts on.
    An ``If`` written as ``elif`` gets None instead: its line is the header
    of a block.

    ``starts`` is None where that could not be had without parsing ``text``:
    where the parse would not mirror ``tree`` down to its deepest statement
    (constants that read back as expressions, f-strings, ...), or where a
    statement's line is not where its text starts (decorators, docstrings).
    """
    if not _line_notes_work():
        return ast.unparse(tree), None
    return _unparse_noting(tree)


def _unparse_noting(tree):
    """:func:`unparse_with_starts`, with _LineUnparser taken on trust."""
    unparser = _LineUnparser()
    text = unparser.visit(tree)
    parts = unparser._source
    noted = [(tree, parts, 0)] + unparser.starts
    if (unparser.reshaped is None or getattr(tree, "decorator_list", None)
            or any(written is not parts for _, written, _ in noted)):
        return text, None
    lines = _start_lines(parts, text, noted)
    starts = []
    for node, depth in _statements(tree):
        line = lines.get(node)
        if line is None and not isinstance(node, ast.If):
            return text, None
        if depth > unparser.reshaped:  # see _LineUnparser
            return text, None
        starts.append((node, line))
    return text, starts


_SAMPLE = """\
def f(x, y=-1):
    if x:
        y = -2 ** x[-1]
    elif y:
        for i in range(3):
            while x:
                x -= 1
            else:
                break
    else:
        try:
            y = [i for i in x]
        except E as e:
            with e as z:
                pass
        finally:
            del x
    def g():
        nonlocal y
        return lambda: {1: -1.5}
    return y
"""


def _line_notes_work():
    """Whether _LineUnparser exists and gives, for a sample, the lines a
    parse gives (checked once)."""
    global _LINE_NOTES_WORK
    if _LINE_NOTES_WORK is None:
        _LINE_NOTES_WORK = _LineUnparser is not None and _notes_match_a_parse(ast.parse(_SAMPLE).body[0])
    return _LINE_NOTES_WORK


def _notes_match_a_parse(tree):
    text, starts = _unparse_noting(tree)
    if starts is None or text != ast.unparse(tree):
        return False
    parsed = ast.parse(text).body[0]
    want = [(ours, theirs.lineno) for ours, theirs in zip(ast.walk(tree), ast.walk(parsed))
            if isinstance(ours, ast.stmt)]
    return len(starts) == len(want) and all(
        node is other and (line == lineno or line is None and isinstance(node, ast.If))
        for (node, line), (other, lineno) in zip(starts, want))


_LINE_NOTES_WORK = None


def _start_lines(parts, text, starts):
    """``{statement: line}`` for ``starts`` as noted by _LineUnparser: the
    line of the first character after the statement's index into ``parts``
    that is not blank."""
    lines = {}
    offset = done = counted = 0
    line = 1
    for node, _, index in starts:
        offset += len("".join(parts[done:index]))
        done = index
        begin = _BLANK.match(text, offset).end()
        line += text.count("\n", counted, begin)
        counted = begin
        lines[node] = line
    return lines


def _statements(tree):
    """``(statement, depth)`` for the statements of ``tree`` in ``ast.walk``
    order; ``depth`` is the distance from ``tree`` (0 for ``tree`` itself)."""
    out = []
    level = [tree]
    depth = 0
    while level:
        below = []
        for node in level:
            if isinstance(node, ast.stmt):
                out.append((node, depth))
            for field in node._fields:
                value = getattr(node, field, None)
                if value.__class__ is list:
                    below += [v for v in value if isinstance(v, _HOLDS_STATEMENTS)]
        level = below
        depth += 1
    return out


_VISITORS = {}
_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)
_BLANK = re.compile(r"\s*")
_PLAIN = frozenset({str, bytes, bool, type(None), type(...)})
_NUMBERS = frozenset({int, float, complex, tuple, frozenset})


def _reads_back(value):
    """Whether ``ast.parse`` reads the text of constant ``value`` back as one
    ``Constant``: True; as another expression (negative numbers, NaN,
    complex numbers, tuples): False; None if that is not known."""
    cls = value.__class__
    if cls in _PLAIN:
        return True
    if cls is int:
        return value >= 0
    if cls is float:
        return value >= 0 and math.copysign(1.0, value) > 0
    return False if cls in _NUMBERS else None


def _leftmost_operand(node):
    """The operand of ``node`` that a unary minus written before ``node``'s
    text would take with it, if any: ``-x.y`` is ``-(x.y)``."""
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return node.value
    if isinstance(node, ast.Call):
        return node.func
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return node.left
    return None


class _Delimit:
    """Writes ``start`` on entry and ``end`` on a normal exit."""

    __slots__ = ("unparser", "start", "end")

    def __init__(self, unparser, start, end):
        self.unparser, self.start, self.end = unparser, start, end

    def __enter__(self):
        self.unparser.write(self.start)

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.unparser.write(self.end)


try:
    _BaseUnparser = ast._Unparser
    _BaseUnparser.traverse, _BaseUnparser.visit_Constant, _BaseUnparser.visit_Name
    _BaseUnparser.visit_Set, _BaseUnparser.visit_BoolOp, _BaseUnparser.visit_Compare
    _BaseUnparser.visit_JoinedStr, _BaseUnparser.visit_FormattedValue, _BaseUnparser.delimit
except AttributeError:
    _LineUnparser = None
else:
    class _LineUnparser(_BaseUnparser):
        """``ast``'s unparser, noting where each statement it writes starts.

        ``starts``: ``(statement, output parts, index into them)`` in output
        order.  ``reshaped``: None once the notes cannot be trusted, else a
        depth down to which ``ast.parse`` of the text mirrors the tree: the
        least depth of a node whose text reads back in another shape (one
        node in its place, with other descendants).  Depths count from the
        root at 0, along the unparser's own descent, which may skip a level
        (never add one), so they never exceed the true ones.
        """

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.starts = []
            self.reshaped = math.inf
            self._path = []  # the nodes being written, outermost first
            self._statement_depth = 0

        def traverse(self, node):
            # The base method, plus the notes; statements come in lists.
            if isinstance(node, list):
                for item in node:
                    if isinstance(item, ast.stmt):
                        if getattr(item, "decorator_list", None):
                            self.reshaped = None  # it starts at its decorators
                        self.starts.append((item, self._source, len(self._source)))
                        outer = self._statement_depth
                        self._statement_depth = len(self._path)
                        self.traverse(item)
                        self._statement_depth = outer
                    else:
                        self.traverse(item)
            else:
                # NodeVisitor.visit's lookup, kept per class.
                try:
                    visit = _VISITORS[node.__class__]
                except KeyError:
                    name = "visit_" + node.__class__.__name__
                    visit = _VISITORS[node.__class__] = getattr(_LineUnparser, name, _LineUnparser.generic_visit)
                self._path.append(node)
                visit(self, node)
                self._path.pop()

        def delimit(self, start, end):
            # The base method is a generator-based context manager; this
            # cheaper one does the same.
            return _Delimit(self, start, end)

        @property
        def _depth(self):
            return len(self._path) - 1

        def _reshape(self, depth):
            if self.reshaped is not None:
                self.reshaped = min(self.reshaped, depth)

        def visit_Constant(self, node):
            reads_back = _reads_back(node.value)
            if reads_back is None:
                self.reshaped = None
            elif not reads_back:
                parent = self._path[-2] if len(self._path) > 1 else None
                if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Pow) and node is parent.left:
                    # ``-1 ** k`` is ``-(1 ** k)``: a base written with a
                    # leading minus goes in parentheses (read back as ``-(1)``)
                    self._reshape(self._depth)
                    start = len(self._source)
                    super().visit_Constant(node)
                    if "".join(self._source[start:]).startswith("-"):
                        self._source.insert(start, "(")
                        self.write(")")
                    return
                if node is _leftmost_operand(parent):
                    # ``-1`` is no atom: in ``-1 .real`` its minus applies
                    # to an enclosing node (the same value here), though
                    # never above the expressions of the enclosing statement.
                    self._reshape(self._statement_depth + 1)
                else:
                    self._reshape(self._depth)
            super().visit_Constant(node)

        def visit_Name(self, node):
            if node.id in ("None", "True", "False"):
                self._reshape(self._depth)  # read back as a Constant
            elif not node.id.isidentifier():
                self.reshaped = None
            self.write(node.id)  # all the base method does

        def visit_Set(self, node):
            if not node.elts:
                self._reshape(self._depth)  # written as {*()}
            super().visit_Set(node)

        def visit_BoolOp(self, node):
            if len(node.values) < 2:
                self._reshape(self._depth)  # written as its one operand
            super().visit_BoolOp(node)

        def visit_Compare(self, node):
            if not node.ops:
                self._reshape(self._depth)  # written as its left operand
            super().visit_Compare(node)

        def visit_JoinedStr(self, node):
            # Its text may hold line breaks, and may read back otherwise.
            self.reshaped = None
            super().visit_JoinedStr(node)

        def visit_FormattedValue(self, node):
            self.reshaped = None  # outside a JoinedStr
            super().visit_FormattedValue(node)
