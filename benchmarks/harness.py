"""Run cases across tools and collect every number the report shows.

Nothing here prints; ``report.py`` turns the results into text and JSON.
A failing tool never stops the run: its cell records the error instead.
"""

import math
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

import peers
from cases import Case, Problem
from timing import TimingConfig, first_call, measure, peak_memory

AGREEMENT_TOL = 1e-6  # relative error vs the hand-written gradient beyond which we flag


@dataclass
class Cell:
    """One tool on one case."""

    status: str                              # "ok", "error" or "n/a"
    time_s: Optional[float] = None           # median per call
    first_call_s: Optional[float] = None     # build (transform / compile) + first call
    peak_bytes: Optional[int] = None         # tracemalloc peak of one call
    rel_err: Optional[float] = None          # vs the hand-written gradient
    note: str = ""
    message: str = ""                        # why the cell is an error or n/a
    samples_s: List[float] = field(default_factory=list)
    loops: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class SrcadExtras:
    """srcad-only numbers: what the transformation and its cache cost."""

    transform_s: Optional[float] = None       # very first srcad.grad(f) + first call
    cached_call_s: Optional[float] = None     # df(*args) with df kept: the srcad column
    recreate_call_s: Optional[float] = None   # srcad.grad(f, wrt)(*args): transform cache hit
    generated_s: Optional[float] = None       # srcad.derivative(f) called directly
    call_overhead_s: Optional[float] = None   # cached_call_s - generated_s
    notes: List[str] = field(default_factory=list)


@dataclass
class CaseResult:
    case: Case
    problem: Problem
    cells: Dict[str, Cell]
    srcad: SrcadExtras


def flatten(value) -> List[np.ndarray]:
    value = peers.to_numpy(value)
    return list(value) if isinstance(value, tuple) else [value]


def rel_err(got, reference) -> float:
    """||got - reference|| / ||reference|| over all components (inf on a shape mismatch)."""
    got, reference = flatten(got), flatten(reference)
    if len(got) != len(reference) or any(g.shape != r.shape for g, r in zip(got, reference)):
        return math.inf
    num = math.sqrt(sum(float(np.sum((g - r) ** 2)) for g, r in zip(got, reference)))
    den = math.sqrt(sum(float(np.sum(r ** 2)) for r in reference))
    return num / den if den > 0 else num


def _error_message(exc: BaseException) -> str:
    """First line of the exception, with this checkout's absolute path left out."""
    text = str(exc).strip().replace(peers.REPO_ROOT + os.sep, "").splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def run_tool(tool, case: Case, problem: Problem, config: TimingConfig, reference,
             memory: bool = True) -> Cell:
    if tool.unavailable:
        return Cell("n/a", message=tool.unavailable)
    built = []

    def build():
        built.append(tool.build(case, problem))
        return built[-1].fn

    try:
        fn, result, first = first_call(build)
        cell = Cell("ok", first_call_s=first, note=built[-1].note)
        if tool.role == "derivative" and reference is not None:
            cell.rel_err = rel_err(result, reference)
        del result
        timing = measure(fn, config)
        cell.time_s, cell.samples_s, cell.loops = timing.median_s, timing.samples_s, timing.loops
        if memory and tool.memory:
            cell.peak_bytes = peak_memory(fn)
        return cell
    except Exception as exc:  # the column shows it; the run goes on
        return Cell("error", note=built[-1].note if built else "", message=_error_message(exc))


def srcad_extras(case: Case, problem: Problem, cell: Cell, config: TimingConfig) -> SrcadExtras:
    """Transform time, cache-hit cost and wrapper overhead of srcad on one case."""
    extras = SrcadExtras(transform_s=cell.first_call_s, cached_call_s=cell.time_s)
    if not cell.ok:
        return extras
    srcad = peers.import_srcad()
    f, args, wrt = case.function, problem.args, case.wrt
    try:
        if case.kind == "hvp":
            tangents = problem.tangents
            extras.recreate_call_s = measure(
                lambda: srcad.jvp(srcad.grad(f), args, tangents)[1], config).median_s
        else:
            extras.recreate_call_s = measure(lambda: srcad.grad(f, wrt=wrt)(*args),
                                             config).median_s
    except Exception as exc:
        extras.notes.append(f"re-created srcad.grad: {_error_message(exc)}")
    if case.kind == "hvp":
        extras.notes.append("generated-code time: n/a for jvp(grad(f))")
        return extras
    # The generated derivative itself, without srcad.grad's wrapper: the
    # difference is the per-call price of the convenience API.
    try:
        wrapped = srcad.grad(f, wrt=wrt)
        expected = wrapped(*args)
        # the very function srcad.grad runs for these arguments
        generated = wrapped.generated_for(*args) if hasattr(wrapped, "generated_for") \
            else srcad.derivative(f, mode="reverse", wrt=wrt)
        out = generated(*args)
        candidates = [out] + ([out[-1]] if isinstance(out, tuple) and out else [])
        fn = None
        for i, candidate in enumerate(candidates):
            try:
                if rel_err(candidate, expected) <= AGREEMENT_TOL:
                    fn = (lambda: generated(*args)) if i == 0 else (lambda: generated(*args)[-1])
                    break
            except Exception:
                continue
        if fn is None:
            extras.notes.append("srcad.derivative(f) returns a different result structure "
                                "than srcad.grad; generated-code time n/a")
            return extras
        extras.generated_s = measure(fn, config).median_s
        extras.call_overhead_s = extras.cached_call_s - extras.generated_s
    except Exception as exc:
        extras.notes.append(f"srcad.derivative: {_error_message(exc)}")
    return extras


def run_case(case: Case, tools, config: TimingConfig, size: str, memory: bool = True,
             progress=None) -> CaseResult:
    """Every tool on one case; the hand-written result is the reference for all."""
    problem = case.problem(size)
    reference = case.hand(*problem.args, *(problem.tangents or ()))
    cells = {}
    for tool in tools:
        if progress:
            progress(f"{case.name}: {tool.label}")
        cells[tool.key] = run_tool(tool, case, problem, config, reference, memory)
    extras = SrcadExtras()
    if "srcad" in cells:
        extras = srcad_extras(case, problem, cells["srcad"], config)
    return CaseResult(case, problem, cells, extras)


def run_suite(cases: List[Case], tools, config: TimingConfig, size: str,
              memory: bool = True, progress=None) -> List[CaseResult]:
    return [run_case(c, tools, config, size, memory, progress) for c in cases]


# ------------------------------------------------------------------- targets

@dataclass
class TargetResult:
    case: str
    target: str
    value: str
    status: str   # "pass", "FAIL" or "n/a"
    why: str = ""


def _ratio(num: Cell, den: Cell) -> Optional[float]:
    if num is None or den is None or not (num.ok and den.ok):
        return None
    if num.time_s is None or not den.time_s:
        return None
    return num.time_s / den.time_s


def evaluate_targets(results: List[CaseResult]) -> List[TargetResult]:
    """Check srcad against each case's targets (see ``cases.Targets``)."""
    out = []
    for r in results:
        t, cells = r.case.targets, r.cells
        srcad = cells.get("srcad")
        name = r.case.name

        def judge(target, value, ok, value_text, missing="", base=None):
            if srcad is None:
                out.append(TargetResult(name, target, "", "n/a", "srcad not run"))
            elif not srcad.ok:
                out.append(TargetResult(name, target, "", "FAIL", f"srcad {srcad.status}: "
                                        f"{srcad.message}"))
            elif srcad.rel_err is not None and not srcad.rel_err <= AGREEMENT_TOL:
                out.append(TargetResult(name, target, value_text if value is not None else "",
                                        "FAIL", f"wrong gradient (rel err {srcad.rel_err:.1e})"))
            elif value is None:
                out.append(TargetResult(name, target, "", "n/a", missing))
            else:
                from shortfalls import reason
                out.append(TargetResult(name, target, value_text, "pass" if ok else "FAIL",
                                        "" if ok else reason(name, target)))

        if t.max_x_primal is not None:
            x = _ratio(srcad, cells.get("numpy"))
            judge(f"srcad <= {t.max_x_primal:g}x NumPy primal", x,
                  x is not None and x <= t.max_x_primal, f"{x:.2f}x" if x else "",
                  "NumPy primal not measured")
        if t.max_x_hand is not None:
            x = _ratio(srcad, cells.get("hand"))
            judge(f"srcad <= {t.max_x_hand:g}x hand-written", x,
                  x is not None and x <= t.max_x_hand, f"{x:.2f}x" if x else "",
                  "hand-written not measured")
        for peer in t.faster_than:
            peer_cell = cells.get(peer)
            x = _ratio(peer_cell, srcad)
            label = peer.replace("_", " ").replace("jax", "JAX")
            judge(f"srcad faster than {label}", x, x is not None and x > 1.0,
                  f"{x:.2f}x speed-up" if x else "",
                  f"{label} {peer_cell.status}: {peer_cell.message}" if peer_cell else
                  f"{label} not run")
        if t.max_mem_x_hand is not None:
            hand = cells.get("hand")
            x = None
            if srcad is not None and srcad.peak_bytes and hand is not None and hand.peak_bytes:
                x = srcad.peak_bytes / hand.peak_bytes
            judge(f"srcad peak memory <= {t.max_mem_x_hand:g}x hand-written", x,
                  x is not None and x <= t.max_mem_x_hand, f"{x:.2f}x" if x else "",
                  "peak memory not measured")
        if t.max_call_overhead_s is not None:
            x = r.srcad.call_overhead_s
            judge(f"cached-call overhead < {t.max_call_overhead_s * 1e6:g} us over generated code",
                  x, x is not None and x < t.max_call_overhead_s,
                  f"{x * 1e6:.2f} us" if x is not None else "",
                  "; ".join(r.srcad.notes) or "generated code not measured")
    return out


def disagreements(results: List[CaseResult]):
    """(case, tool key, rel err) for every derivative that disagrees with the hand-written one."""
    return [(r.case.name, key, c.rel_err) for r in results for key, c in r.cells.items()
            if c.ok and c.rel_err is not None and not c.rel_err <= AGREEMENT_TOL]
