"""Code generation: gast -> ast -> source text -> a live function.

Guarantees: the source is produced by :func:`ast.unparse`, annotated with a
``# file:line`` comment where a statement starts a new line of the user's
source, registered in :mod:`linecache` under a ``<srcad ...>`` file name (so
tracebacks, ``pdb`` and ``inspect.getsource`` show it), and compiled as a
closure whose free variables are the objects the code refers to (the user's
globals stay live: a global rebound later is seen by the derivative).
"""

from __future__ import annotations

import ast
import itertools
import linecache
import os
import types

from collections.abc import Sequence

from .unparse import _line_notes_work, _unparse_noting, to_ast, unparse_with_starts

_counter = itertools.count()


def function_from_source(name, text, namespace, filename):
    """The function ``name`` that ``text`` defines, compiled into
    ``namespace`` under ``filename``; the text goes into :mod:`linecache` so
    that tracebacks and debuggers show it (for the small callers srcad
    writes as source, so that they can be differentiated in turn).

    >>> f = function_from_source("f", "def f(x): return x + 1", {}, "<example>")
    >>> f(1)
    2
    """
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name]


def unparse(nodes, origin=None):
    """Source text of one or more gast ``FunctionDef``s, with origin comments.

    ``origin`` is ``(filename, line_offset)`` of the code the line numbers on
    the nodes refer to.
    """
    return "\n\n".join(_text(node, origin) for node in nodes) + "\n"


def _text(node, origin):
    """The source text of gast ``FunctionDef`` ``node``, annotated when
    ``origin`` is given."""
    return _text_of(to_ast(node), origin)


def _generated_origins(filename):
    """For code srcad generated earlier: generated line -> the ``file:line``
    its comments point at (the last one above it), so that a derivative of a
    derivative points at the user's source too."""
    import re
    out = {}
    last = None
    for i, line in enumerate(linecache.getlines(filename), start=1):
        m = re.search(r"  # ([^#\s]+:\d+)$", line.rstrip("\n"))
        if m:
            last = m.group(1)
        out[i] = last
    return out


def _annotate(tree, text, origin, starts=None):
    """``text`` (the unparsed ``tree``) with a ``# file:line`` comment where a
    statement starts a new line of the user's source.

    ``starts``: as from :func:`unparse_with_starts`; None to find the lines
    by parsing ``text``.
    """
    if starts is None:
        starts = _parsed_starts(tree, text)
    deflineno = getattr(tree.body[0] if isinstance(tree, ast.Module) else tree, "lineno", None)
    marks = [(getattr(ours, "lineno", None), line) for ours, line in starts
             if not isinstance(ours, ast.FunctionDef)]
    return _annotate_lines(text, origin, deflineno, marks)


def _annotate_lines(text, origin, deflineno, marks):
    """:func:`_annotate`, given ``marks``: ``(line of the user's source or
    None, line in text or None)`` for the statements other than the ``def`` statements,
    in :func:`_annotate`'s order."""
    filename, offset = origin
    base = os.path.basename(filename) if filename and not filename.startswith("<") else filename
    mapped = _generated_origins(filename) if filename and filename.startswith("<srcad") else None
    lines = text.split("\n")
    last = None
    notes = {}
    for orig, line in marks:
        if orig is None:
            continue
        if orig == deflineno:
            continue
        if orig != last:
            # No line: an ``elif``, a block header that gets no comment anyway.
            if line is not None:
                notes.setdefault(line, orig)
            last = orig
    shown = None
    for gen_line, orig in sorted(notes.items()):
        i = gen_line - 1
        if lines[i].rstrip().endswith(":"):
            continue
        note = f"{base}:{orig + offset}" if mapped is None else mapped.get(orig + offset)
        if note is None or note == shown:
            continue
        shown = note
        lines[i] = f"{lines[i]}  # {note}"
    return "\n".join(lines)


def _parsed_starts(tree, text):
    """The statements of ``tree`` in ``ast.walk`` order, each with the line of
    the node at the same place in the parse of ``text``."""
    parsed = ast.parse(text).body[0]
    return [(ours, getattr(theirs, "lineno", None))
            for ours, theirs in zip(ast.walk(tree), ast.walk(parsed)) if isinstance(ours, ast.stmt)]


class Compiled:
    """The result of :func:`compile_functions`; ``source`` is the text the
    functions' line numbers refer to (written out when first asked for)."""

    def __init__(self, functions, source, filename, cells):
        self.functions = functions
        self._source = source
        self.filename = filename
        self.cells = cells

    @property
    def source(self):
        if callable(self._source):
            self._source = self._source()
        return self._source


def _def_note(nodes, origin):
    """``"  # file:line"`` of the user's ``def`` the first of ``nodes`` was
    made from ("" where that is not known)."""
    lineno = getattr(nodes[0], "lineno", None) if nodes else None
    if origin is None or lineno is None or not origin[0]:
        return ""
    filename, offset = origin
    if filename.startswith("<srcad"):
        note = _generated_origins(filename).get(lineno + offset)
    else:
        base = os.path.basename(filename) if not filename.startswith("<") else filename
        note = f"{base}:{lineno + offset}"
    return f"  # {note}" if note else ""


def compile_functions(nodes, cells, user_globals, user_cells, label, origin=None):
    """Compile gast ``FunctionDef``s into functions.

    ``cells`` maps names to objects the code needs (closure cells);
    ``user_cells`` the user's own closure cells, shared so that they stay
    live; ``user_globals`` becomes the functions' globals.
    Returns a :class:`Compiled` with the source shown to users.

    The trees are compiled as they are, with each statement placed on the
    line :func:`ast.unparse` writes it on (see :func:`_layout`); the text
    itself is written when something first reads it (``srcad.source``, a
    traceback, a debugger). Where the layout cannot be told without
    writing the text (decorators, docstrings, ``try``...), the text is
    written and compiled instead.
    """
    filename = f"<srcad {label} #{next(_counter)}>"
    free = sorted(set(cells) | set(user_cells))
    trees = [to_ast(node) for node in nodes]
    layouts = [_layout(t) for t in trees] if _line_notes_work() else None
    if layouts is None or None in layouts:
        source = "\n\n\n".join(_text_of(tree, origin) for tree in trees) + "\n"
        code = _compile_text(source, free, nodes, filename)
        head = [f"# generated by srcad ({label}){_def_note(nodes, origin)}"]
        linecache.cache[filename] = (len(source), None, [l + "\n" for l in head + source.split("\n") + ["# end"]],
                                     filename)
    else:
        source = _placed_source(trees, layouts, origin)
        code = _compile_trees(trees, layouts, free, filename)
        if VERIFY_LAYOUT:
            _verify_layout(nodes, origin, source, code, free, filename)
        head = f"# generated by srcad ({label}){_def_note(nodes, origin)}"
        linecache.cache[filename] = (0, None, _ShownLines(filename, head, source), filename)
    scratch = {"__builtins__": __builtins__}
    exec(code, scratch)
    factory = scratch["__srcad_factory__"]
    made = factory(*[cells.get(n) for n in free])
    scratch.clear()   # the factory's globals held the factory itself
    out = []
    for fn in made:
        closure = []
        for name in fn.__code__.co_freevars:
            if name in user_cells:
                closure.append(user_cells[name])
            else:
                closure.append(types.CellType(cells.get(name)))
        new = types.FunctionType(fn.__code__, user_globals, fn.__name__, fn.__defaults__,
                                 tuple(closure) if closure else None)
        new.__kwdefaults__ = fn.__kwdefaults__
        new.__qualname__ = fn.__name__
        out.append(new)
    return Compiled(out, source, filename, cells)


def _text_of(tree, origin):
    """The annotated text of the ast ``FunctionDef`` ``tree``."""
    if origin is None:
        return ast.unparse(tree)
    text, starts = unparse_with_starts(tree)
    return _annotate(tree, text, origin, starts)


def _compile_text(source, free, nodes, filename):
    """The code of a factory ``__srcad_factory__(*free)`` returning the
    functions of ``source``, compiled from the text: line 1 is the
    factory's, the text starts on line 2."""
    header = f"def __srcad_factory__({', '.join(free)}):"
    body_lines = []
    for line in source.split("\n"):
        body_lines.append("    " + line if line else "")
    names = ", ".join(n.name for n in nodes)
    factory_src = header + "\n" + "\n".join(body_lines) + f"\n    return ({names},)\n"
    return compile(factory_src, filename, "exec")


VERIFY_LAYOUT = False
"""Whether :func:`compile_functions` also writes and compiles the text of
code it compiled from the trees, and checks that the two agree (the test
suite turns it on)."""


def _verify_layout(nodes, origin, source, code, free, filename):
    text = "\n\n\n".join(_text(node, origin) for node in nodes) + "\n"
    written = source()
    if written != text:
        raise AssertionError(f"{filename}: the text written later differs:\n{written}\n---\n{text}")
    # (the factory's own return may sit on another line: no one sees it)
    from_text = _code_lines(_compile_text(text, free, nodes, filename))[2:]
    from_trees = _code_lines(code)[2:]
    if from_text != from_trees:
        raise AssertionError(f"{filename}: lines differ: {from_trees} (trees) {from_text} (text)\n{text}")


def _code_lines(code):
    """``[(name, sorted lines)]`` of ``code`` and the code nested in it."""
    out = [(code.co_name, sorted({line for _, _, line in code.co_lines() if line is not None}))]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out += _code_lines(const)
    return out


# statements ast.unparse writes on one line of their own
_ONE_LINE = frozenset({ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr, ast.Pass,
                       ast.Break, ast.Continue, ast.Delete, ast.Raise, ast.Assert, ast.Global,
                       ast.Nonlocal, ast.Import, ast.ImportFrom})
_HEADER_FIELDS = {}
_BODY_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers"})


class _NoLayout(Exception):
    pass


def _layout(fn):
    """Where :func:`ast.unparse` writes the statements of the ast
    ``FunctionDef`` ``fn``: ``[(statement, line, mark, depth)]`` with the
    text's lines counted from 1 (the ``def``), ``mark`` the line an origin
    comment may go on (None for an ``elif``, as :func:`unparse_with_starts`
    has it) and ``depth`` the statement's depth below ``fn``; or None where
    that cannot be told without writing the text.

    Assumes the unparser's layout: one line per simple statement and per
    block header (``else:`` included), an ``if`` in an ``else`` of its own
    written as ``elif``, a blank line before a nested ``def``; a docstring,
    decorators, an f-string (which may hold line breaks) or a statement of
    another kind give None. ``tests/test_codegen.py`` checks it against the
    text over the test corpus.
    """
    if fn.__class__ is not ast.FunctionDef or fn.decorator_list or _docstring(fn):
        return None
    out = [(fn, 1, 1, 0)]
    line = 1

    def block(stmts, depth):
        nonlocal line
        for s in stmts:
            cls = s.__class__
            if cls in _ONE_LINE:
                line += 1
                out.append((s, line, line, depth))
            elif cls is ast.If:
                line += 1
                out.append((s, line, line, depth))
                block(s.body, depth + 1)
                node, d = s, depth
                while node.orelse and len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
                    node, d = node.orelse[0], d + 1
                    line += 1
                    out.append((node, line, None, d))
                    block(node.body, d + 1)
                if node.orelse:
                    line += 1
                    block(node.orelse, d + 1)
            elif cls is ast.For or cls is ast.While:
                line += 1
                out.append((s, line, line, depth))
                block(s.body, depth + 1)
                if s.orelse:
                    line += 1
                    block(s.orelse, depth + 1)
            elif cls is ast.FunctionDef and not s.decorator_list and not _docstring(s):
                line += 2
                out.append((s, line, line, depth))
                block(s.body, depth + 1)
            else:
                raise _NoLayout

    try:
        block(fn.body, 1)
    except _NoLayout:
        return None
    return out


def _docstring(fn):
    first = fn.body[0] if fn.body else None
    return (first.__class__ is ast.Expr and first.value.__class__ is ast.Constant
            and isinstance(first.value.value, str))


# A column past the end of any line: a traceback shows the line, no carets.
_WIDE = 10_000


def _compile_trees(trees, layouts, free, filename):
    """The code of the factory of :func:`_compile_text`, compiled from the
    trees (changed in place: every node placed on its statement's line)."""
    start = 2   # the text's first line, below the factory's
    for tree, layout in zip(trees, layouts):
        for s, line, _, _ in layout:
            _place_statement(s, start + line - 1)
        start += layout[-1][1] + 2
    args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in free], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    ret = ast.Return(ast.Tuple([ast.Name(t.name, ast.Load()) for t in trees], ast.Load()))
    factory = ast.FunctionDef(name="__srcad_factory__", args=args, body=trees + [ret],
                              decorator_list=[], returns=None, type_comment=None)
    if "type_params" in ast.FunctionDef._fields:
        factory.type_params = []
    for n in [factory, ret, *ret.value.elts, ret.value, *args.args]:
        n.lineno, n.col_offset, n.end_lineno, n.end_col_offset = 1, 0, 1, _WIDE
    ret.lineno = ret.value.lineno = ret.end_lineno = ret.value.end_lineno = start
    for n in ret.value.elts:
        n.lineno = n.end_lineno = start
    return compile(ast.Module(body=[factory], type_ignores=[]), filename, "exec")


def _place_statement(s, line):
    """Put statement ``s`` and the expressions of its own (not those of the
    statements nested in it) on ``line``."""
    stack = [s]
    pop, push = stack.pop, stack.append
    while stack:
        n = pop()
        d = n.__dict__
        if "lineno" in d:
            d["lineno"] = d["end_lineno"] = line
            d["col_offset"] = 0
            d["end_col_offset"] = _WIDE
        fields = _HEADER_FIELDS.get(n.__class__)
        if fields is None:
            # (an expression's ``body`` or ``orelse``, as in a lambda or an
            # IfExp, is on the line)
            fields = _HEADER_FIELDS[n.__class__] = tuple(
                f for f in n._fields if f not in ("ctx", "op", "ops")
                and not (f in _BODY_FIELDS and isinstance(n, ast.stmt)))
        for f in fields:
            v = d.get(f)
            if v.__class__ is list:
                for x in v:
                    if isinstance(x, ast.AST) and not isinstance(x, ast.stmt):
                        push(x)
            elif isinstance(v, ast.AST):
                push(v)


def _placed_source(trees, layouts, origin):
    """A function writing the source of ``trees`` as :func:`_text_of`
    would, given their layouts (taken before the trees were placed)."""
    marks = []
    for tree, layout in zip(trees, layouts):
        ordered = sorted(layout, key=lambda item: item[3])   # the order of _annotate's walk
        marks.append((tree.lineno, [(s.lineno, mark) for s, _, mark, _ in ordered
                                    if s.__class__ is not ast.FunctionDef]))

    def write():
        texts = []
        for tree, (deflineno, tree_marks) in zip(trees, marks):
            text = _unparse_noting(tree)[0]
            texts.append(text if origin is None else _annotate_lines(text, origin, deflineno, tree_marks))
        return "\n\n\n".join(texts) + "\n"

    return write


class _ShownLines(Sequence):
    """The lines :mod:`linecache` shows for generated code: a header, the
    source (written when first read) and an end marker. Once written, the
    cache entry gets a plain list."""

    def __init__(self, filename, head, source):
        self._filename = filename
        self._head = head
        self._source = source
        self._lines = None

    def _get(self):
        if self._lines is None:
            text = self._source() if callable(self._source) else self._source
            self._lines = [l + "\n" for l in [self._head] + text.split("\n") + ["# end"]]
            entry = linecache.cache.get(self._filename)
            if entry is not None and entry[2] is self:
                linecache.cache[self._filename] = (len(text), None, self._lines, self._filename)
        return self._lines

    def __getitem__(self, index):
        return self._get()[index]

    def __len__(self):
        return len(self._get())

    def __iter__(self):
        return iter(self._get())
