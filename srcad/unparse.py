"""gast -> ast conversion, and unparsing that reports where statements land.

:func:`to_ast` gives the same tree as ``gast.gast_to_ast`` followed by
``ast.fix_missing_locations`` (equal ``ast.dump(..., include_attributes=True)``),
in one pass and without ``NodeTransformer`` dispatch.

:func:`unparse` gives the text of :func:`ast.unparse` and, where it can be sure
of them, the lines on which the statements start in that text - the lines that
``ast.parse`` of the text would report - without parsing the text again.
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
    if isinstance(value, ast.AST):
        return _convert(value, loc)
    if value.__class__ is list:
        return [_value(v, loc) for v in value]
    return value


def _location(node, loc, keep_none):
    """The location the conversion of ``node`` gets, given its parent's
    ``loc``, as ``ast.fix_missing_locations`` completes it.

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
        if located:
            loc = _location(node, loc, keep_none)
        args = []
        for f in fields:
            v = getattr(node, f, _MISSING)
            if v is _MISSING:  # gast passes only the fields a node has
                kwargs = {f: _value(getattr(node, f), loc) for f in fields if hasattr(node, f)}
                new = target(**kwargs)
                break
            args.append(_convert(v, loc) if isinstance(v, ast.AST) else _value(v, loc))
        else:
            new = target(*args) if positional else target(**dict(zip(fields, args)))
        return _place(new, loc) if located else new
    return convert


def _name(node, loc):
    loc = _location(node, loc, False)
    return _place(ast.Name(node.id, _convert(node.ctx, loc)), loc)


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
# Fields gast's conversion leaves out.
_DROPPED = {"Assign": ("type_comment",)}
# Classes gast converts by hand, with ``ast.copy_location``.
_COPY_LOCATION = {"Assign"}
if sys.version_info < (3, 12):
    _COPY_LOCATION |= {"FunctionDef", "AsyncFunctionDef", "ClassDef"}
elif sys.version_info < (3, 13):
    _COPY_LOCATION |= {"TypeVar", "TypeVarTuple", "ParamSpec"}
_CONVERTERS = {}
_GENERIC_HANDLER = _generic("ExceptHandler", gast.ExceptHandler._fields)


# --- ast -> text, with statement lines ---------------------------------------

def unparse(tree):
    """``(text, lines)``: ``text`` is ``ast.unparse(tree)``; ``lines`` maps each
    statement of ``tree`` to the line (1-based) it starts on in ``text``.

    ``lines`` is None where it might differ from the ``lineno`` that
    ``ast.parse(text)`` gives the matching statement, or where the parsed tree
    might not have the shape of ``tree`` (constants that read back as
    expressions, f-strings, decorators, docstrings); then the caller must
    parse ``text`` itself.  An ``If`` written as an ``elif`` is left out of
    ``lines``: it starts on its ``elif`` line, the header of a block.
    """
    if _LineUnparser is None:
        return ast.unparse(tree), None
    unparser = _LineUnparser()
    text = unparser.visit(tree)
    parts = unparser._source
    if not unparser.exact or any(written is not parts for _, written, _ in unparser.starts):
        return text, None
    return text, _start_lines(parts, text, unparser.starts)


def _start_lines(parts, text, starts):
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


_BLANK = re.compile(r"\s*")
_PLAIN = frozenset({str, bytes, bool, type(None), type(...)})


def _reads_back(value):
    """Whether ``ast.parse`` reads the text of constant ``value`` back as one
    ``Constant`` (not so for negative numbers, NaN, complex, tuples, ...)."""
    cls = value.__class__
    if cls in _PLAIN:
        return True
    if cls is int:
        return value >= 0
    if cls is float:
        return value >= 0 and math.copysign(1.0, value) > 0
    return False


try:
    _BaseUnparser = ast._Unparser
    _BaseUnparser.traverse, _BaseUnparser.visit_Constant, _BaseUnparser.visit_Name
except AttributeError:
    _LineUnparser = None
else:
    class _LineUnparser(_BaseUnparser):
        """``ast``'s unparser, noting where each statement it writes starts.

        ``starts``: ``(statement, output parts, index into them)``, in output
        order.  ``exact``: False once something was written that ``ast.parse``
        might read back in another shape, or a statement whose first line is
        not where ``ast.parse`` puts it.
        """

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.starts = []
            self.exact = True

        def traverse(self, node):
            # The base method, plus the note; statements come in lists.
            if isinstance(node, list):
                for item in node:
                    if isinstance(item, ast.stmt):
                        if getattr(item, "decorator_list", None):
                            self.exact = False  # it starts at its first decorator
                        self.starts.append((item, self._source, len(self._source)))
                    self.traverse(item)
            else:
                ast.NodeVisitor.visit(self, node)

        def visit_Constant(self, node):
            if not _reads_back(node.value):
                self.exact = False
            super().visit_Constant(node)

        def visit_Name(self, node):
            if node.id in ("None", "True", "False"):
                self.exact = False
            super().visit_Name(node)

        def visit_JoinedStr(self, node):
            self.exact = False
            super().visit_JoinedStr(node)

        def visit_Set(self, node):
            if not node.elts:
                self.exact = False
            super().visit_Set(node)
