"""Parse: from a Python function object to a gast ``FunctionDef``.

Assumes: the function's source can be read by :mod:`inspect` (a file, or a
srcad-generated function registered in :mod:`linecache`).
Guarantees: a :class:`Parsed` holding the dedented ``FunctionDef`` (lambdas are
turned into a ``def`` returning their body), the file name and line offset
that map AST line numbers back to the user's file, and a resolver that finds
the object a global, closure or builtin name refers to.
"""

from __future__ import annotations

import builtins
import inspect
import linecache
import textwrap
import types
import weakref

import gast

from . import gastconv
from .errors import Location, SourceUnavailableError, UnsupportedSyntaxError

_MISSING = object()


class Parsed:
    """A parsed function together with the environment its names live in.

    >>> def f(x):
    ...     return x * 2.0
    >>> p = parse_function(f)   # doctest: +SKIP
    >>> p.node.name             # doctest: +SKIP
    'f'
    """

    def __init__(self, func, node, filename, line_offset, source_lines):
        self.func = func
        self.node = node
        self.filename = filename
        self.line_offset = line_offset
        self.source_lines = source_lines
        self.globals = getattr(func, "__globals__", {}) or {}
        code = getattr(func, "__code__", None)
        cells = getattr(func, "__closure__", None) or ()
        names = code.co_freevars if code is not None else ()
        self.cells = dict(zip(names, cells))
        # modules and objects imported inside the function: bound once, here,
        # as the cells of the code made from it (see _local_imports)
        self.local_imports = _local_imports(node, self.globals)
        for name, obj in self.local_imports.items():
            self.cells.setdefault(name, types.CellType(obj))
        # what each free name denoted when it was looked up: a derivative
        # made from it is out of date once one of them is rebound
        self.resolved = {}

    # -- locations -----------------------------------------------------------
    def location(self, node):
        """The :class:`Location` of a node of this function's AST."""
        lineno = getattr(node, "lineno", None)
        if lineno is None:
            return Location(self.filename, self.line_offset + 1)
        line = None
        if 0 < lineno <= len(self.source_lines):
            line = self.source_lines[lineno - 1].rstrip("\n")
        col = getattr(node, "col_offset", None)
        end_col = getattr(node, "end_col_offset", None)
        if getattr(node, "end_lineno", lineno) != lineno:
            end_col = None
        return Location(self.filename, self.line_offset + lineno, col, end_col, line)

    def file_line(self, node):
        lineno = getattr(node, "lineno", None)
        return None if lineno is None else self.line_offset + lineno

    # -- name resolution -----------------------------------------------------
    def lookup(self, name):
        """The object a free name refers to (closure, then globals, then
        builtins), or ``_MISSING``."""
        if name in self.cells:
            try:
                value = self.cells[name].cell_contents
            except ValueError:  # empty cell: defined later in the outer function
                return _MISSING
            self.resolved[name] = value
            return value
        if name in self.globals:
            value = self.globals[name]
            self.resolved[name] = value
            return value
        bi = self.globals.get("__builtins__", builtins)
        if isinstance(bi, dict):
            return bi.get(name, _MISSING)
        return getattr(bi, name, _MISSING)


def _import_one(name, level, globals_):
    import importlib
    if level:
        return importlib.import_module("." * level + (name or ""), globals_.get("__package__"))
    return importlib.import_module(name)


def _local_imports(node, globals_):
    """``{name: object}`` for the names that ``import`` statements inside
    the function bind (``import scipy.linalg as sla``, ``from math import
    erf``), imported now as the function would import them when it runs.
    A name also bound otherwise in the function, a star import or an import
    that fails is left out (normalization then refuses the statement)."""
    from . import astutil as A
    imports = [n for n in A.statements(node) if n.__class__ is gast.Import or n.__class__ is gast.ImportFrom]
    if not imports:
        return {}
    bound, spoiled = {}, set()
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)):
            spoiled.add(n.id)
        elif isinstance(n, gast.FunctionDef) and n is not node:
            spoiled.add(n.name)
    for imp in imports:
        for alias in imp.names:
            try:
                if isinstance(imp, gast.Import):
                    module = _import_one(alias.name, 0, globals_)
                    if alias.asname:
                        name, obj = alias.asname, module
                    else:
                        # `import a.b` binds `a`
                        name = alias.name.split(".")[0]
                        obj = _import_one(name, 0, globals_)
                elif alias.name == "*":
                    continue
                else:
                    module = _import_one(imp.module, imp.level, globals_)
                    name = alias.asname or alias.name
                    obj = getattr(module, alias.name, _MISSING)
                    if obj is _MISSING:
                        obj = _import_one(f"{module.__name__}.{alias.name}", 0, globals_)
            except Exception:
                continue
            if name in bound and bound[name] is not obj:
                spoiled.add(name)
            bound[name] = obj
    return {k: v for k, v in bound.items() if k not in spoiled}


def still_resolves(parsed):
    """Whether every free name ``parsed`` looked up still denotes the same
    object (a redefined helper, a rebound global function: it does not)."""
    globals_, cells = parsed.globals, parsed.cells
    for name, value in parsed.resolved.items():
        if not cells and globals_.get(name, _MISSING) is value:
            continue
        if name in cells:
            try:
                now = cells[name].cell_contents
            except ValueError:
                return False
        else:
            now = globals_.get(name, _MISSING)
        if now is value:
            continue
        # a number read at run time may change; its kind (a scalar) may not
        if type(now) is type(value) and isinstance(value, (bool, int, float, complex)):
            continue
        return False
    return True


def resolve_static(parsed, expr, local_names):
    """Resolve ``np.linalg.norm``-style expressions made of free names and
    attributes to the object they denote at transform time.

    Returns ``_MISSING`` when the expression involves a local variable or an
    attribute that does not exist.
    """
    if isinstance(expr, gast.Name):
        if expr.id in local_names:
            return _MISSING
        return parsed.lookup(expr.id)
    if isinstance(expr, gast.Attribute):
        base = resolve_static(parsed, expr.value, local_names)
        if base is _MISSING:
            return _MISSING
        return getattr(base, expr.attr, _MISSING)
    return _MISSING


def _getsource(func):
    try:
        lines, start = inspect.getsourcelines(func)
    except (OSError, TypeError) as exc:
        code = getattr(func, "__code__", None)
        loc = None
        if code is not None:
            loc = Location(code.co_filename, code.co_firstlineno)
        raise SourceUnavailableError(
            f"cannot read the source of {getattr(func, '__qualname__', func)!r} ({exc})",
            loc,
            construct="function",
            hint="srcad transforms source code: define the function in a file "
            "(not in a REPL or with exec), or give it a derivative with "
            "srcad.custom_vjp / srcad.custom_jvp",
        ) from None
    return lines, max(start, 1)


_parsed = weakref.WeakKeyDictionary()


def parse_function(func):
    """Parse ``func`` into a :class:`Parsed` (see the module docstring).

    A function is read and parsed once: the :class:`Parsed` is kept while
    the function lives and the names it looked up still denote the same
    objects (its tree is never modified; normalization works on a copy)."""
    func = inspect.unwrap(func)
    try:
        hit = _parsed.get(func)
    except TypeError:   # not weakly referable: not a Python function
        hit = None
    if hit is not None and still_resolves(hit):
        return hit
    parsed = _parse_function(func)
    try:
        _parsed[func] = parsed
    except TypeError:
        pass
    return parsed


def forget_parsed():
    """Drop every kept :class:`Parsed` (the next parse reads the source again)."""
    _parsed.clear()


def _def_by_line_table(func):
    """The :class:`Parsed` of a ``def`` read from the lines its code spans,
    or ``None`` when that is not surely the whole ``def`` (then
    :func:`inspect.getsourcelines` finds the block, tokenizing the file).

    The code's positions give the last line that holds code; a ``def``
    cut there parses as the whole ``def`` or not at all (a cut inside a
    bracket, string or compound statement is a syntax error), and what
    may follow the last line with code (``pass``, comments) does nothing."""
    code = func.__code__
    if func.__name__ == "<lambda>" or not hasattr(code, "co_positions"):
        return None
    filename = code.co_filename
    linecache.checkcache(filename)
    lines = linecache.getlines(filename, func.__globals__)
    first, last = code.co_firstlineno, _last_code_line(code)
    if not lines or last is None or not 1 <= first <= last <= len(lines):
        return None
    block = lines[first - 1:last]
    text = textwrap.dedent("".join(block))
    try:
        module = gastconv.parse(text)
    except SyntaxError:
        return None
    node = module.body[0] if len(module.body) == 1 else None
    if not (isinstance(node, gast.FunctionDef) and node.name == func.__name__
            and node.end_lineno == len(block)):
        return None
    node.decorator_list = []
    return Parsed(func, node, filename, first - 1, text.splitlines())


def _last_code_line(code):
    """The last source line any instruction of ``code`` (or of the code
    nested in it) spans, or ``None``."""
    last = None
    for _, end, _, _ in code.co_positions():
        if end is not None and (last is None or end > last):
            last = end
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            inner = _last_code_line(const)
            if inner is not None and (last is None or inner > last):
                last = inner
    return last


def _parse_function(func):
    if not isinstance(func, types.FunctionType):
        raise SourceUnavailableError(
            f"{func!r} is not a Python function",
            construct="function",
            hint="pass a function defined with def or lambda",
        )
    quick = _def_by_line_table(func)
    if quick is not None:
        return quick
    lines, start = _getsource(func)
    filename = func.__code__.co_filename
    text = textwrap.dedent("".join(lines))
    if func.__name__ == "<lambda>":
        indent = len(lines[0]) - len(lines[0].lstrip()) - (len(text.splitlines()[0]) - len(text.splitlines()[0].lstrip()))
        node, text_lines = _parse_lambda(func, text, filename, start, indent)
        return Parsed(func, node, filename, start - 1, text_lines)
    try:
        module = gastconv.parse(text)
    except SyntaxError:
        # A def that is a continuation line (e.g. inside a call) can fail to
        # parse once cut out; wrap it so that it parses as a statement.
        module = gastconv.parse("if 1:\n" + textwrap.indent(text, " "))
        module.body = module.body[0].body
        for n in gast.walk(module):
            if hasattr(n, "lineno") and n.lineno is not None:
                n.lineno -= 1
                if getattr(n, "end_lineno", None) is not None:
                    n.end_lineno -= 1
    node = module.body[0]
    if isinstance(node, gast.AsyncFunctionDef):
        p = Parsed(func, node, filename, start - 1, text.splitlines())
        raise UnsupportedSyntaxError(
            "async functions cannot be differentiated",
            p.location(node),
            construct="async def",
            hint="make the function an ordinary def",
        )
    if not isinstance(node, gast.FunctionDef):
        raise SourceUnavailableError(
            f"the source of {func.__qualname__} is not a def statement",
            Location(filename, start),
            construct="function",
        )
    node.decorator_list = []
    return Parsed(func, node, filename, start - 1, text.splitlines())


def _parse_lambda(func, text, filename, start, indent=0):
    """Find the lambda whose parameters match ``func`` in its source line(s)
    and turn it into ``def <lambda>(...): return body``."""
    candidates = []
    for attempt in (text, "(" + text + ")", text.strip().rstrip(",")):
        try:
            tree = gastconv.parse(attempt)
        except SyntaxError:
            continue
        candidates = [n for n in gast.walk(tree) if isinstance(n, gast.Lambda)]
        break
    if not candidates:
        # a line cut out of a longer expression: parse each lambda on its own,
        # as the longest piece from "lambda" on that is an expression
        start_at = 0
        while True:
            i = text.find("lambda", start_at)
            if i < 0:
                break
            start_at = i + 1
            for end in range(len(text), i + 6, -1):
                try:
                    expr = gastconv.parse(text[i:end].strip(), mode="eval").body
                except SyntaxError:
                    continue
                if not isinstance(expr, gast.Lambda):
                    continue   # e.g. `lambda x: x, 1` is a tuple; the lambda is shorter
                # where the piece sits in the text: its line and column
                line = text.count("\n", 0, i)
                col = i - (text.rfind("\n", 0, i) + 1)
                for n in gast.walk(expr):
                    if getattr(n, "lineno", None) is not None:
                        if n.lineno == 1 and getattr(n, "col_offset", None) is not None:
                            n.col_offset += col
                        n.lineno += line
                candidates.append(expr)
                break
    params = func.__code__.co_varnames[: func.__code__.co_argcount]
    matching = [
        n for n in candidates if tuple(a.id for a in n.args.args) == tuple(params)
    ]
    if len(matching) > 1:
        # several lambdas with these parameters: compare compiled code
        import ast

        def same_code(lam):
            try:
                tree = ast.fix_missing_locations(gast.gast_to_ast(gast.Expression(body=lam)))
                code = compile(tree, "<lambda>", "eval")
            except Exception:
                return False
            inner = [c for c in code.co_consts if hasattr(c, "co_code")]

            def typed(consts):   # 2 and 2.0 are equal but different code
                return tuple((type(c), c) for c in consts)
            return bool(inner) and inner[0].co_names == func.__code__.co_names \
                and typed(inner[0].co_consts) == typed(func.__code__.co_consts)

        matching = [n for n in matching if same_code(n)] or matching
    if len(matching) > 1 and hasattr(func.__code__, "co_positions"):
        # still several: the columns the function's code comes from
        spots = {(p[0] - start + 1, p[2] - indent) for p in func.__code__.co_positions()
                 if p[0] is not None and p[2] is not None}
        matching = [n for n in matching if (n.body.lineno, n.body.col_offset) in spots] or matching
    if len(matching) != 1:
        raise SourceUnavailableError(
            "cannot tell which lambda on this line is being differentiated",
            Location(filename, start),
            construct="lambda",
            hint="define the function with def",
        )
    lam = matching[0]
    ret = gast.Return(value=lam.body)
    gast.copy_location(ret, lam.body)
    node = gast.FunctionDef(
        name="lambda_",
        args=lam.args,
        body=[ret],
        decorator_list=[],
        returns=None,
        type_comment=None,
        type_params=[],
    )
    gast.copy_location(node, lam)
    return node, text.splitlines()
