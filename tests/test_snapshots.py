"""Snapshots of the generated source for a spread of catalogue functions.

Each expected source is a file in ``tests/snapshots/`` named
``<function>.<mode>.py``; the test compares ``srcad.source(...)`` with it
exactly and shows a unified diff when they differ. After an intended change
to the generated code, rewrite the files and review the diff in git:

    SRCAD_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py
"""

import difflib
import os
import pathlib

import sys

import pytest

import srcad
from catalogue import CATALOGUE

SNAPSHOTS = pathlib.Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SRCAD_UPDATE_SNAPSHOTS", "") not in ("", "0")

BY_NAME = {fn.__name__: (group, fn) for group, fn, _ in CATALOGUE}

# (catalogue function, mode, wrt)
CASES = [
    ("square_plus", "reverse", 0),          # scalar
    ("square_plus", "forward", 0),
    ("math_chain", "reverse", 0),           # scalar, math module
    ("two_args", "reverse", (0, 1)),        # scalar, a tuple of gradients
    ("matvec", "reverse", 0),               # arrays
    ("reductions", "reverse", 0),           # arrays, axis / keepdims
    ("row_broadcast", "reverse", 1),        # broadcasting
    ("if_else", "reverse", 0),              # branches
    ("if_else", "forward", 0),
    ("early_return", "reverse", 0),         # branches, early exit
    ("horner", "reverse", 0),               # for loop over a list
    ("loop_carried_array", "reverse", 0),   # for loop, array state
    ("loop_carried_array", "forward", 0),
    ("while_data", "reverse", 0),           # while on data
    ("while_data", "forward", 0),
    ("loop_break", "reverse", 0),           # break
    ("call_chain", "reverse", 0),           # calls
    ("call_in_loop", "reverse", 0),         # a call inside a loop
    ("call_in_loop", "forward", 0),
    ("nested_def", "reverse", 0),           # closures
    ("dict_arg", "reverse", 0),             # containers
    ("list_append", "reverse", 0),          # containers, mutation of a list
    ("setitem_in_loop", "reverse", 0),      # subscript writes
    ("setitem_in_loop", "forward", 0),
]


def _snapshot_path(name, mode, wrt):
    suffix = "" if wrt == 0 else "_wrt" + "_".join(map(str, wrt if isinstance(wrt, tuple) else (wrt,)))
    return SNAPSHOTS / f"{name}{suffix}.{mode}.py"


def _generate(name, mode, wrt):
    fn = BY_NAME[name][1]
    if mode == "reverse":
        return srcad.source(srcad.grad(fn, wrt=wrt))
    return srcad.source(srcad.derivative(fn, mode="forward", wrt=wrt))


def _case_id(case):
    name, mode, wrt = case
    return f"{BY_NAME[name][0]}-{_snapshot_path(name, mode, wrt).name[:-3]}"


@pytest.mark.skipif(sys.version_info < (3, 11),
                    reason="Python 3.10's ast.unparse writes tuple targets in parentheses")
@pytest.mark.parametrize("name,mode,wrt", CASES, ids=[_case_id(c) for c in CASES])
def test_generated_source_matches_snapshot(name, mode, wrt):
    actual = _generate(name, mode, wrt)
    path = _snapshot_path(name, mode, wrt)
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        if not path.exists() or path.read_text() != actual:
            path.write_text(actual)
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path.name}; create it with SRCAD_UPDATE_SNAPSHOTS=1\n\n{actual}")
    expected = path.read_text()
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(True), actual.splitlines(True),
            fromfile=f"snapshots/{path.name} (expected)", tofile="srcad.source (actual)"))
        pytest.fail(f"generated source differs from snapshots/{path.name}; if the change is "
                    f"intended, rerun with SRCAD_UPDATE_SNAPSHOTS=1\n\n{diff}", pytrace=False)


def test_every_snapshot_file_is_used():
    """A snapshot left over from a removed case would never be checked."""
    used = {_snapshot_path(*case).name for case in CASES}
    stale = sorted(p.name for p in SNAPSHOTS.glob("*.py") if p.name not in used)
    if UPDATE:
        for name in stale:
            (SNAPSHOTS / name).unlink()
        return
    assert not stale, f"snapshot files with no case: {stale} (SRCAD_UPDATE_SNAPSHOTS=1 removes them)"


def test_generation_is_deterministic():
    """Generating again from scratch gives the same text (no counters or
    addresses leak into the source)."""
    from srcad.transform import clear_cache
    before = {case: _generate(*case) for case in CASES[:6]}
    clear_cache()
    after = {case: _generate(*case) for case in CASES[:6]}
    assert before == after
