"""The errors srcad raises for a user's mistake or an unsupported program.

Every error names the file and line concerned, shows the offending source line
with a caret under the construct, and ends with a hint saying what to do::

    >>> import srcad
    >>> issubclass(srcad.UnsupportedSyntaxError, srcad.SrcadError)
    True
"""

from __future__ import annotations

import linecache

__all__ = [
    "SrcadError",
    "UnsupportedSyntaxError",
    "NonDifferentiableError",
    "WrtError",
    "SourceUnavailableError",
    "CotangentError",
    "NonScalarOutputError",
    "Location",
]


class Location:
    """A place in a user's source: file, line and column (0-based column)."""

    __slots__ = ("filename", "lineno", "col", "end_col", "source_line")

    def __init__(self, filename, lineno, col=None, end_col=None, source_line=None):
        self.filename = filename
        self.lineno = lineno
        self.col = col
        self.end_col = end_col
        if source_line is None and filename and lineno:
            source_line = linecache.getline(filename, lineno).rstrip("\n")
        self.source_line = source_line or ""

    def render(self):
        """``File "f.py", line 3`` followed by the line and a caret."""
        head = f'  File "{self.filename}", line {self.lineno}'
        if not self.source_line:
            return head
        text = self.source_line.expandtabs()
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        lines = [head, "    " + stripped]
        if self.col is not None and self.col >= indent:
            width = 1
            if self.end_col is not None and self.end_col > self.col:
                width = self.end_col - self.col
            lines.append("    " + " " * (self.col - indent) + "^" * width)
        return "\n".join(lines)

    def __repr__(self):
        return f"{self.filename}:{self.lineno}"


def _location_in_generated_code():
    """For an error raised while generated code runs (a refusal only the
    values can tell): the user's line the innermost generated statement
    came from, read off its ``# file:line`` comment; ``None`` elsewhere."""
    import os
    import sys
    from .codegen import _generated_origins
    frame = sys._getframe(2)
    depth = 0
    while frame is not None and depth < 64:
        filename = frame.f_code.co_filename
        if filename.startswith("<srcad") and not filename.startswith("<srcad caller"):
            note = _generated_origins(filename).get(frame.f_lineno)
            if note is None:
                return None
            base, line = note.rsplit(":", 1)
            path = frame.f_globals.get("__file__") or base
            return Location(path if os.path.basename(path) == base else base, int(line))
        frame = frame.f_back
        depth += 1
    return None


class SrcadError(Exception):
    """Base class of every error srcad raises about a user's program or call.

    ``message`` says what is wrong, ``location`` (a :class:`Location` or
    ``None``) where, ``construct`` names the construct and ``hint`` what to do.
    """

    def __init__(self, message, location=None, construct=None, hint=None):
        self.message = message
        if location is None:
            location = _location_in_generated_code()
        self.location = location
        self.construct = construct
        self.hint = hint
        super().__init__(self._format())

    @property
    def filename(self):
        return self.location.filename if self.location else None

    @property
    def lineno(self):
        return self.location.lineno if self.location else None

    def _format(self):
        parts = []
        if self.location is not None:
            parts.append(f"{self.location.filename}:{self.location.lineno}: {self.message}")
            parts.append(self.location.render())
        else:
            parts.append(self.message)
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


class UnsupportedSyntaxError(SrcadError):
    """A language construct srcad cannot differentiate (``yield``, ``global``...)."""


class NonDifferentiableError(SrcadError):
    """A call with no derivative rule and no Python source to transform."""


class SourceUnavailableError(SrcadError):
    """The source of a function cannot be read (REPL lambdas, ``exec``...)."""


class WrtError(SrcadError):
    """``wrt`` names a parameter that does not exist or cannot be differentiated."""


class CotangentError(SrcadError):
    """A cotangent passed to a vjp function does not match the output."""


class NonScalarOutputError(SrcadError):
    """``grad`` of a function whose output is not a scalar."""
