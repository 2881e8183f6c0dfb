"""Turn harness results into the printed report, RESULTS.md and JSON."""

import datetime
import json
import math
import os
import platform
import sys
from typing import List, Optional

import numpy as np

import peers
from harness import AGREEMENT_TOL, CaseResult, disagreements
from timing import THREAD_ENV

PEER_LABELS = {"autograd": "autograd", "jax_eager": "JAX eager", "jax_jit": "JAX jit",
               "torch": "torch eager"}


# ------------------------------------------------------------------ formatting

def fmt_time(s: Optional[float]) -> str:
    if s is None:
        return ""
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    if s < 1.0:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def fmt_bytes(n: Optional[int]) -> str:
    if n is None:
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 ** 2:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 ** 2:.2f} MiB"


def fmt_ratio(x: Optional[float]) -> str:
    return "" if x is None else f"{x:.2f}×"


def _short(text: str, limit: int) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell_time(cell, limit=70) -> str:
    if cell is None:
        return ""
    if cell.status == "n/a":
        return "n/a"
    if cell.status == "error":
        return "error: " + _short(cell.message, limit)
    return fmt_time(cell.time_s)


def _ratio(a, b) -> Optional[float]:
    if a is None or b is None or not (a.ok and b.ok) or not b.time_s:
        return None
    return a.time_s / b.time_s


def _table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


# ------------------------------------------------------------------ machine info

def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(tools, core, config, quick: bool, selected_cases=()) -> dict:
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    versions.update({k: v or "not installed" for k, v in peers.peer_versions().items()})
    for t in tools:  # installed but failing to import counts as missing too
        dist = {"jax_eager": "jax", "jax_jit": "jax", "torch_primal": "torch"}.get(t.key, t.key)
        if t.unavailable and dist in versions:
            versions[dist] = f"n/a ({t.unavailable})"
    versions["srcad"] = peers.srcad_version()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cpus_online": os.cpu_count(),
        "platform": platform.platform(),
        "python_implementation": platform.python_implementation(),
        "versions": versions,
        "pinned_core": core,
        "thread_env": {k: os.environ.get(k, "") for k in THREAD_ENV},
        "timing": {"series_s": config.series_s, "repeats": config.repeats,
                   "warmup": config.warmup, "quick": quick},
        "tools": [t.key for t in tools],
        "quick_notes": [f"{c.name}: {c.quick_note}" for c in selected_cases if c.quick_note],
    }


def discipline_lines(info: dict) -> List[str]:
    env = ", ".join(f"{k}={v!r}" for k, v in info["thread_env"].items())
    core = info["pinned_core"]
    timing = info["timing"]
    return [
        "## Measurement discipline",
        "",
        f"- Single-threaded: {env} (set before NumPy is imported); "
        "`torch.set_num_threads(1)`.",
        f"- Process pinned to CPU core {core} with `os.sched_setaffinity`." if core is not None
        else "- Process not pinned to a core (`os.sched_setaffinity` unavailable).",
        f"- Each cell: {timing['warmup']} warm-up calls, then the median of "
        f"{timing['repeats']} series of ~{timing['series_s']:g} s each (per-call time); "
        "`gc.collect(); gc.freeze()` before each series."
        + (" **--quick**: short series, so the numbers are noisier; inputs are "
           + ("the full sizes." if not info.get("quick_notes") else
              "reduced where noted: " + "; ".join(info["quick_notes"]) + ".")
           if timing["quick"] else ""),
        "- All tools in float64 (JAX with `jax_enable_x64`); every tool's inputs are prepared "
        "before timing (JAX arrays already on the device, torch tensors already built).",
        "- *first call*: building the derivative function plus its first call "
        "(srcad: source transformation; JAX jit: tracing and compilation).",
        "- *peak memory*: `tracemalloc` peak of one call above what was allocated before it; "
        "it sees NumPy buffers (NumPy, hand-written, srcad, autograd) but not allocations "
        "made by XLA or PyTorch, whose cells read n/a.",
        f"- *rel err*: ‖g − g_hand‖ / ‖g_hand‖ over all returned arrays; above {AGREEMENT_TOL:g} "
        "it is flagged with ⚠.",
        "",
    ]


def machine_lines(info: dict) -> List[str]:
    v = info["versions"]
    return [
        "## Machine",
        "",
        f"- CPU: {info['cpu']} ({info['cpus_online']} logical CPUs online)",
        f"- OS: {info['platform']}",
        f"- Python {v['python']} ({info['python_implementation']}), NumPy {v['numpy']}",
        f"- autograd {v['autograd']}, JAX {v['jax']} (jaxlib {v['jaxlib']}), "
        f"PyTorch {v['torch']}",
        f"- srcad {v['srcad']}",
        f"- date: {info['date']}",
        "",
    ]


# ------------------------------------------------------------------ sections

def summary_lines(results: List[CaseResult], tools) -> List[str]:
    header = ["workload"] + [t.label for t in tools]
    rows = []
    for r in results:
        rows.append([r.case.name] + [_cell_time(r.cells.get(t.key), 30) for t in tools])
    lines = ["## Median time per call", ""] + _table(header, rows) + [""]

    peer_keys = [k for k in PEER_LABELS if any(t.key == k for t in tools)]
    if "srcad" in [t.key for t in tools] and peer_keys:
        rows = []
        for r in results:
            s = r.cells["srcad"]
            rows.append([r.case.name] + [fmt_ratio(_ratio(r.cells[k], s)) or "—"
                                         for k in peer_keys])
        lines += (["## srcad speed-up over each peer (peer time / srcad time)", ""]
                  + _table(["workload"] + [PEER_LABELS[k] for k in peer_keys], rows) + [""])
    return lines


def case_lines(r: CaseResult, tools) -> List[str]:
    c = r.case
    lines = [f"## {c.name}: {c.title}", "",
             f"{c.regime}; inputs: {r.problem.shape_note}"
             + (f"; **{c.quick_note}**" if c.quick_note else ""), ""]
    numpy_cell, hand, srcad = r.cells.get("numpy"), r.cells.get("hand"), r.cells.get("srcad")
    torch_primal = r.cells.get("torch_primal")
    header = ["column", "time", "× NumPy primal", "× hand-written", "srcad speed-up",
              "first call", "peak memory", "rel err vs hand", "note"]
    rows = []
    for t in tools:
        cell = r.cells.get(t.key)
        if cell is None:
            continue
        if not cell.ok:
            why = cell.message if cell.status == "n/a" else cell.note
            rows.append([t.label, _cell_time(cell), "", "", "", "", "", "", _short(why, 60)])
            continue
        speedup = ""
        if t.key in PEER_LABELS:
            speedup = fmt_ratio(_ratio(cell, srcad))
        memory = fmt_bytes(cell.peak_bytes) if t.memory else "n/a (untracked)"
        err = ""
        if cell.rel_err is not None:
            err = f"{cell.rel_err:.1e}" + (" ⚠" if not cell.rel_err <= AGREEMENT_TOL else "")
        note = cell.note
        if t.key == "torch" and _ratio(cell, torch_primal):
            note = f"{_ratio(cell, torch_primal):.2f}× torch primal; {note}"
        rows.append([t.label, fmt_time(cell.time_s), fmt_ratio(_ratio(cell, numpy_cell)),
                     fmt_ratio(_ratio(cell, hand)) if t.role == "derivative" else "",
                     speedup, fmt_time(cell.first_call_s), memory, err, _short(note, 60)])
    lines += _table(header, rows) + [""]
    if srcad is not None:
        e = r.srcad
        parts = [f"transform (first `srcad.grad(f)` + first call) {fmt_time(e.transform_s)}",
                 f"cached call {fmt_time(e.cached_call_s)}"]
        if e.recreate_call_s is not None:
            parts.append(f"`srcad.grad(f)` re-created + call {fmt_time(e.recreate_call_s)}")
        if e.generated_s is not None:
            parts.append(f"generated code alone {fmt_time(e.generated_s)} "
                         f"(wrapper overhead {e.call_overhead_s * 1e6:.2f} µs)")
        if srcad.ok:
            lines += ["srcad: " + "; ".join(parts) + "."]
        lines += [f"- note: {n}" for n in e.notes]
        lines += [""]
    return lines


def target_lines(targets) -> List[str]:
    rows = [[t.case, t.target, t.value, "pass" if t.status == "pass" else f"**{t.status}**",
             _short(t.why, 400)] for t in targets]
    passed = sum(t.status == "pass" for t in targets)
    failed = sum(t.status == "FAIL" for t in targets)
    return (["## Targets", "", f"{passed} pass, {failed} FAIL, "
             f"{len(targets) - passed - failed} n/a", ""]
            + _table(["workload", "target", "value", "result", "why"], rows) + [""])


def crosscheck_lines(results, tools) -> List[str]:
    labels = {t.key: t.label for t in tools}
    bad = disagreements(results)
    lines = ["## Cross-check against the hand-written gradient", ""]
    if not bad:
        checked = sum(1 for r in results for c in r.cells.values() if c.rel_err is not None)
        lines.append(f"All {checked} derivatives computed agree within {AGREEMENT_TOL:g}.")
    else:
        lines.append(f"⚠ {len(bad)} derivative(s) disagree by more than {AGREEMENT_TOL:g}:")
        lines += [f"- {case}: {labels.get(key, key)} rel err {err:.2e}" for case, key, err in bad]
    return lines + [""]


def header_lines(info: dict) -> List[str]:
    """Title and measurement discipline: printed before the run starts."""
    return ["# srcad benchmarks", ""] + discipline_lines(info)


def body_lines(results: List[CaseResult], targets, tools, info: dict) -> List[str]:
    """Everything after the discipline: machine, tables, cross-check, targets."""
    lines = machine_lines(info)
    lines += summary_lines(results, tools)
    for r in results:
        lines += case_lines(r, tools)
    lines += crosscheck_lines(results, tools)
    lines += target_lines(targets)
    lines.append(f"Command: `{_command()}`")
    return lines


def _command() -> str:
    """The command line that produced the numbers, without output paths (they are not
    part of the measurement, and would put this machine's file names in the report)."""
    args, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
            if not arg.startswith("-"):
                continue
        if arg in ("--json", "--results"):
            skip = True
            continue
        if arg.startswith(("--json=", "--results=")):
            continue
        args.append(arg)
    return " ".join(["python", "benchmarks/" + os.path.basename(sys.argv[0])] + args)


def render(results: List[CaseResult], targets, tools, info: dict) -> str:
    """The whole report as markdown (what RESULTS.md holds)."""
    return "\n".join(header_lines(info) + body_lines(results, targets, tools, info)) + "\n"


# ------------------------------------------------------------------ JSON

def to_json(results: List[CaseResult], targets, tools, info: dict) -> dict:
    def cell_dict(cell):
        return {k: getattr(cell, k) for k in ("status", "time_s", "first_call_s", "peak_bytes",
                                              "rel_err", "note", "message", "samples_s", "loops")}

    return {
        "machine": info,
        "tools": {t.key: {"label": t.label, "role": t.role, "version": t.version,
                          "unavailable": t.unavailable or None} for t in tools},
        "cases": {
            r.case.name: {
                "title": r.case.title,
                "regime": r.case.regime,
                "kind": r.case.kind,
                "inputs": r.problem.shape_note,
                "quick_note": r.case.quick_note or None,
                "cells": {k: cell_dict(c) for k, c in r.cells.items()},
                "srcad": vars(r.srcad),
            }
            for r in results
        },
        "targets": [vars(t) for t in targets],
        "disagreements": [{"case": c, "tool": k, "rel_err": e}
                          for c, k, e in disagreements(results)],
    }


def write_json(path: str, data: dict) -> None:
    def default(obj):
        if isinstance(obj, (np.floating, np.integer)):
            return obj.item()
        raise TypeError(f"not JSON serialisable: {type(obj).__name__}")

    with open(path, "w") as f:
        # inf (a shape mismatch) is not JSON: write it as null
        json.dump(_finite(data), f, indent=2, default=default)
        f.write("\n")


def _finite(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj
