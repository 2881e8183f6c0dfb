"""ast -> gast conversion, and parsing into gast.

:func:`to_gast` gives the tree of ``gast.ast_to_gast`` in one pass, without
``NodeTransformer``'s dispatch; :func:`parse` is ``gast.parse`` made with it.
"""

from __future__ import annotations

import ast
import sys

import gast

_MISSING = object()
_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")
# A gast class's __init__ only stores the fields it is given: an instance
# made without it, its fields stored directly, is the same node.
_new = ast.AST.__new__


def parse(*args, **kwargs):
    """``gast.parse(*args, **kwargs)``: the tree of :func:`ast.parse` (given
    the same arguments) converted by :func:`to_gast`."""
    return to_gast(ast.parse(*args, **kwargs))


def to_gast(node):
    """The gast tree for the ast tree ``node``.

    Assumes ``node`` is an ast node (as ``gast.ast_to_gast`` does), of a
    Python from 3.10 on.  Guarantees a tree equal to
    ``gast.ast_to_gast(node)``: nodes of the same classes, with the same
    fields and location attributes, set in the same order.  Like it, the
    result shares no node with ``node``, nor within itself (``ast.parse``
    shares one ``Load``, one ``Add``... among all its nodes); values that are
    not nodes (names, constants) are the very objects of ``node``'s tree.
    ``node`` is left as it was.
    """
    return _CONVERTERS[node.__class__](node)


class _Table(dict):
    """``{class: converter}`` for the values of an ast tree's fields, which
    makes the converter of a class the first time it is asked for."""

    def __missing__(self, cls):
        convert = self[cls] = _converter_for(cls)
        return convert


def _as_is(value):
    """Values that are not nodes (names, constants, None) are kept, not copied."""
    return value


def _list(values):
    return [_CONVERTERS[v.__class__](v) for v in values]


def _converter_for(cls):
    """A converter for the field values of class ``cls``: ``value -> value``."""
    if issubclass(cls, list):
        return _list
    if not issubclass(cls, ast.AST):
        return _as_is
    return _SPECIAL.get(cls.__name__) or _generic(cls, _ADDED.get(cls.__name__, ()))


def _generic(cls, added=()):
    """A converter that copies the fields and attributes of ast class ``cls``
    into the gast class of the same name, as gast's generic conversion does,
    then sets ``added``: ``(field, make)`` for fields gast has and ``cls``
    lacks, ``make()`` giving the value."""
    name = cls.__name__
    if not hasattr(gast, name):
        return lambda node: None  # as gast does for nodes it lacks
    target = getattr(gast, name)
    if getattr(target, "__module__", None) != gast.Name.__module__:
        # ast's own class (``gast.TypeIgnore``), made by its __init__
        return gast.ast_to_gast
    fields = cls._fields
    if not fields and not cls._attributes and not added:
        return lambda node: _new(target)
    located = cls._attributes == _LOCATION
    table = _CONVERTERS

    def convert(node):
        new = _new(target)
        d = new.__dict__
        try:
            for f in fields:
                v = getattr(node, f)
                d[f] = table[v.__class__](v)
        except AttributeError:
            # A field missing (a hand-made tree): gast passes on those there
            # are, or fails as its special cases do; let it say which.
            return gast.ast_to_gast(node)
        for f, make in added:
            d[f] = make()
        if located:
            try:
                d["lineno"] = node.lineno
                d["col_offset"] = node.col_offset
                d["end_lineno"] = node.end_lineno
                d["end_col_offset"] = node.end_col_offset
            except AttributeError:
                _copy_attributes(node, d)
        elif cls._attributes:
            _copy_attributes(node, d)
        return new
    return convert


def _copy_attributes(node, d):
    """Copy into ``d`` the attributes ``node`` has, as gast's generic
    conversion (and ``gast.copy_location``) does: a None too."""
    for attr in node._attributes:
        value = getattr(node, attr, _MISSING)
        if value is not _MISSING:
            d[attr] = value


def _copy_location(node, d):
    """Copy the location of ``node`` into ``d`` as ``ast.copy_location``
    does: a missing or None ``lineno`` or ``col_offset`` is left out, the
    ends never are (ast classes default them to None)."""
    for attr in _LOCATION:
        value = getattr(node, attr, None)
        if value is not None or attr.startswith("end_"):
            d[attr] = value


def _name(node):
    """gast's ``Name`` has an ``annotation`` and a ``type_comment`` too."""
    new = _new(gast.Name)
    d = new.__dict__
    d["id"] = node.id
    ctx = node.ctx
    d["ctx"] = _CONVERTERS[ctx.__class__](ctx)
    d["annotation"] = None
    d["type_comment"] = None
    lineno = getattr(node, "lineno", None)
    col = getattr(node, "col_offset", None)
    if lineno is None or col is None:
        _copy_location(node, d)
    else:
        d["lineno"] = lineno
        d["col_offset"] = col
        d["end_lineno"] = node.end_lineno
        d["end_col_offset"] = node.end_col_offset
    return new


def _arg(node):
    """gast keeps parameters as ``Name`` nodes, in the ``Param`` context."""
    new = _new(gast.Name)
    d = new.__dict__
    d["id"] = node.arg
    d["ctx"] = _new(gast.Param)
    annotation = node.annotation
    d["annotation"] = _CONVERTERS[annotation.__class__](annotation)
    d["type_comment"] = node.type_comment
    _copy_location(node, d)
    return new


def _except_handler(node):
    """gast's ``ExceptHandler.name`` is a ``Name`` (without a location)."""
    if not node.name:
        return _GENERIC_HANDLER(node)
    new = _new(gast.ExceptHandler)
    d = new.__dict__
    kind = node.type
    d["type"] = _CONVERTERS[kind.__class__](kind)
    name = d["name"] = _new(gast.Name)
    name.__dict__.update(id=node.name, ctx=_new(gast.Store), annotation=None, type_comment=None)
    body = node.body
    d["body"] = _CONVERTERS[body.__class__](body)
    _copy_location(node, d)
    return new


# What gast's own conversion (gast.ast3.Ast3ToGAst) does by hand: classes it
# converts otherwise than field for field, and fields gast has and this
# Python's ast lacks, which it adds after the others.
_SPECIAL = {"Name": _name, "arg": _arg, "ExceptHandler": _except_handler}
_ADDED = {}
if sys.version_info < (3, 12):
    _ADDED["FunctionDef"] = _ADDED["AsyncFunctionDef"] = _ADDED["ClassDef"] = (("type_params", list),)
elif sys.version_info < (3, 13):
    _ADDED["TypeVar"] = _ADDED["TypeVarTuple"] = _ADDED["ParamSpec"] = (("default_value", lambda: None),)
_CONVERTERS = _Table()
_GENERIC_HANDLER = _generic(ast.ExceptHandler)
