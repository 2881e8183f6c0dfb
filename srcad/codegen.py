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

from .unparse import to_ast, unparse_with_starts

_counter = itertools.count()


def unparse(nodes, origin=None):
    """Source text of one or more gast ``FunctionDef``s, with origin comments.

    ``origin`` is ``(filename, line_offset)`` of the code the line numbers on
    the nodes refer to.
    """
    return "\n\n".join(_text(node, origin) for node in nodes) + "\n"


def _text(node, origin):
    """The source text of gast ``FunctionDef`` ``node``, annotated when
    ``origin`` is given."""
    tree = to_ast(node)
    if origin is None:
        return ast.unparse(tree)
    text, starts = unparse_with_starts(tree)
    return _annotate(tree, text, origin, starts)


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
    filename, offset = origin
    base = os.path.basename(filename) if filename and not filename.startswith("<") else filename
    mapped = _generated_origins(filename) if filename and filename.startswith("<srcad") else None
    if starts is None:
        starts = _parsed_starts(tree, text)
    lines = text.split("\n")
    deflineno = getattr(tree.body[0] if isinstance(tree, ast.Module) else tree, "lineno", None)
    last = None
    notes = {}
    for ours, line in starts:
        if isinstance(ours, ast.FunctionDef):
            continue
        orig = getattr(ours, "lineno", None)
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
    """The result of :func:`compile_functions`."""

    def __init__(self, functions, source, filename, cells):
        self.functions = functions
        self.source = source
        self.filename = filename
        self.cells = cells


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
    """
    source = "\n\n\n".join(_text(node, origin) for node in nodes) + "\n"
    filename = f"<srcad {label} #{next(_counter)}>"
    free = sorted(set(cells) | set(user_cells))
    header = f"def __srcad_factory__({', '.join(free)}):"
    body_lines = []
    for line in source.split("\n"):
        body_lines.append("    " + line if line else "")
    names = ", ".join(n.name for n in nodes)
    factory_src = header + "\n" + "\n".join(body_lines) + f"\n    return ({names},)\n"
    # linecache shows the functions unindented at the lines they run from;
    # the header points at the user's def, for the lines before the first
    # comment (the body of a one-line function: def f(x): return ...)
    shown = [f"# generated by srcad ({label}){_def_note(nodes, origin)}"] + source.split("\n") + ["# end"]
    linecache.cache[filename] = (len(factory_src), None, [l + "\n" for l in shown], filename)
    code = compile(factory_src, filename, "exec")
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
        new.__srcad_source__ = source
        out.append(new)
    return Compiled(out, source, filename, cells)
