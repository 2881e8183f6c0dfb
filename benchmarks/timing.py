"""Measurement: warm-up, calibrated series, median; peak memory; CPU pinning.

The discipline is the same for every column so the numbers can be compared:

* warm-up calls first (the first call of a tool may trace, compile or fill
  caches; that cost is reported separately as "first call");
* then ``repeats`` series, each running the call enough times to last about
  ``series_s`` seconds, and the median of the per-call times of the series;
* ``gc.collect(); gc.freeze()`` before each series: after importing JAX and
  PyTorch the interpreter holds millions of objects, and every collection the
  timed code triggers would scan them all, which slows exactly the tools that
  allocate many small Python objects (a pure-Python tool pays for someone
  else's import).
"""

import gc
import os
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Callable, List

THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


@dataclass(frozen=True)
class TimingConfig:
    series_s: float   # target duration of one series
    repeats: int      # number of series; the median is reported
    warmup: int       # calls before the first series

    @property
    def description(self) -> str:
        return (f"{self.warmup} warm-up calls, then the median of {self.repeats} series "
                f"of ~{self.series_s:g} s each")


FULL = TimingConfig(series_s=0.5, repeats=5, warmup=2)
QUICK = TimingConfig(series_s=0.05, repeats=3, warmup=2)
TINY = TimingConfig(series_s=0.0, repeats=1, warmup=0)  # one call per series: tests only


@dataclass
class Timing:
    median_s: float
    samples_s: List[float] = field(default_factory=list)  # per-call time of each series
    loops: int = 1                                          # calls per series


def _run_series(fn: Callable[[], object], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return time.perf_counter() - start


def measure(fn: Callable[[], object], config: TimingConfig) -> Timing:
    """Median per-call time of ``fn()`` under ``config``."""
    for _ in range(config.warmup):
        fn()
    # Calibrate: grow the loop count until one run takes a tenth of a series,
    # so timer resolution does not dominate for microsecond calls.
    loops = 1
    while True:
        elapsed = _run_series(fn, loops)
        if elapsed >= config.series_s / 10 or loops >= 1 << 24:
            break
        loops *= 2
    per_call = elapsed / loops
    loops = max(1, round(config.series_s / per_call)) if per_call > 0 else loops
    samples = []
    for _ in range(config.repeats):
        gc.collect()
        gc.freeze()
        samples.append(_run_series(fn, loops) / loops)
    return Timing(statistics.median(samples), samples, loops)


def first_call(build: Callable[[], Callable[[], object]]):
    """Time ``build()`` plus the first call of what it returns.

    For srcad this is the source transformation, for ``jax.jit`` tracing and
    compilation. Returns ``(fn, result, seconds)``.
    """
    start = time.perf_counter()
    fn = build()
    result = fn()
    return fn, result, time.perf_counter() - start


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes that one call of ``fn()`` allocates, as tracemalloc sees them.

    NumPy reports its array buffers to tracemalloc, so this covers NumPy-based
    tools (NumPy, hand-written, srcad, autograd). XLA and PyTorch allocate
    outside Python's view; callers report n/a for them.
    """
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        result = fn()
        peak = tracemalloc.get_traced_memory()[1] - baseline
        del result
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return peak


def pin_to_one_core(core=None):
    """Pin this process to one CPU core; returns the core, or None where unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if core is None:
        core = allowed[0]
    os.sched_setaffinity(0, {core})
    return core
