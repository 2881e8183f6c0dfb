"""Side-by-side gradient benchmarks: srcad against NumPy, a hand-written gradient,
autograd, JAX (eager and jit) and PyTorch, all in one process.

    python benchmarks/run.py                      # full run, writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick              # short series, prints only
    python benchmarks/run.py --workload mlp --json out.json

See benchmarks/README.md for what each column means.
"""

import os
import sys

from timing import THREAD_ENV  # timing.py imports no NumPy, so this is still in time

# Single-threaded BLAS, OpenMP and XLA: these are read when the libraries load,
# so they must be set before NumPy (or JAX, or torch) is imported anywhere.
if "numpy" in sys.modules:
    print("warning: NumPy was imported before benchmarks/run.py could limit its threads",
          file=sys.stderr)
os.environ.update(THREAD_ENV)
# Skip JAX's probing for GPU/TPU backends: slow, noisy, and we measure the CPU.
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import argparse  # noqa: E402

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RESULTS = os.path.join(BENCH_DIR, "RESULTS.md")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="3 series of ~0.05 s instead of 5 of ~0.5 s (about a minute in all)")
    p.add_argument("--workload", action="append", default=[], metavar="NAME",
                   help="run only this workload (repeatable or comma-separated): horner, "
                        "small_chain, branchy, logsumexp, mlp (= mlp_w1 + mlp_all), rnn, "
                        "rosenbrock_hvp, transform (the transformation's own cost)")
    p.add_argument("--tools", metavar="KEYS",
                   help="comma-separated columns to run (default all): numpy, hand, srcad, "
                        "autograd, jax_eager, jax_jit, torch_primal, torch")
    p.add_argument("--json", metavar="OUT", help="also write every number as JSON to OUT")
    p.add_argument("--results", nargs="?", const=DEFAULT_RESULTS, metavar="PATH",
                   help="write the markdown report to PATH (default benchmarks/RESULTS.md); "
                        "done anyway by a full run of all workloads")
    p.add_argument("--no-results", action="store_true",
                   help="do not write RESULTS.md even on a full run")
    p.add_argument("--core", type=int, help="CPU core to pin to (default: the first allowed)")
    p.add_argument("--gpu", action="store_true",
                   help="also run the GPU variant (CuPy against PyTorch CUDA) when a GPU is present; "
                        "a full run always tries it")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import timing

    # Pin before the heavy imports so every thread they start inherits the core.
    core = timing.pin_to_one_core(args.core)

    import cases
    import harness
    import peers
    import report

    names = [n for item in args.workload for n in item.split(",") if n]
    # "transform" is the transformation's own cost, not a workload of cases
    with_transform = not names or "transform" in names
    names = [n for n in names if n != "transform"]
    try:
        selected = cases.select(names) if names or not args.workload else []
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    keys = None
    if args.tools:
        keys = [k.strip() for k in args.tools.split(",") if k.strip()]
        unknown = set(keys) - set(peers.TOOL_KEYS)
        if unknown:
            print(f"unknown tool(s): {', '.join(sorted(unknown))}; known: "
                  f"{', '.join(peers.TOOL_KEYS)}", file=sys.stderr)
            return 2
    tools = peers.tools(keys)  # imports the peers that are installed
    config = timing.QUICK if args.quick else timing.FULL
    size = "quick" if args.quick else "full"
    info = report.machine_info(tools, core, config, args.quick, selected)

    # The discipline goes first so it is on screen while the run proceeds.
    print("\n".join(report.header_lines(info)), flush=True)
    total = len(selected) * len(tools)
    done = [0]

    def progress(what):
        done[0] += 1
        print(f"[{done[0]}/{total}] {what}", file=sys.stderr, flush=True)

    results = harness.run_suite(selected, tools, config, size, progress=progress)
    targets = harness.evaluate_targets(results)
    if with_transform and (keys is None or "srcad" in keys):
        import transform_time
        print("transform time of a 50-line function...", file=sys.stderr, flush=True)
        targets += transform_time.targets()
    print("\n".join(report.body_lines(results, targets, tools, info)))

    # a run of some workloads (transform alone included) keeps RESULTS.md
    full_run = not args.quick and not args.workload and keys is None
    results_path = args.results or (DEFAULT_RESULTS if full_run and not args.no_results else None)
    gpu_lines = []
    if full_run or args.gpu:
        import gpu
        gpu_lines = gpu.run(args.quick)
        print("\n".join(gpu_lines))
    if results_path:
        with open(results_path, "w") as f:
            f.write(report.render(results, targets, tools, info))
            if gpu_lines:
                f.write("\n" + "\n".join(gpu_lines) + "\n")
        print(f"wrote {results_path}", file=sys.stderr)
    if args.json:
        report.write_json(args.json, report.to_json(results, targets, tools, info))
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
