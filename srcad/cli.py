"""``python -m srcad``: look at generated derivatives and the rule table.

    python -m srcad show FILE.py::FUNC [--mode forward|reverse] [--wrt NAME]
    python -m srcad export FILE.py::FUNC [--mode forward|reverse] [--wrt NAME] -o OUT.py
    python -m srcad rules [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys


def _load(spec):
    path, sep, func = spec.partition("::")
    if not sep or not func:
        raise SystemExit(f"expected FILE.py::FUNC, got {spec!r}")
    if not os.path.exists(path):
        raise SystemExit(f"no such file: {path}")
    name = os.path.splitext(os.path.basename(path))[0]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    mod_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules[name] = module
    mod_spec.loader.exec_module(module)
    obj = module
    for part in func.split("."):
        if not hasattr(obj, part):
            raise SystemExit(f"{path} has no function {func!r}")
        obj = getattr(obj, part)
    if getattr(obj, "__srcad_custom__", None) is not None:
        return obj   # its hand-written derivative is the one to show
    return getattr(obj, "__wrapped__", obj)


def _wrt(value):
    if value is None:
        return 0
    return int(value) if value.lstrip("-").isdigit() else value


def main(argv=None):
    import srcad
    from srcad.ruleset import get_rules

    parser = argparse.ArgumentParser(prog="python -m srcad", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print the generated derivative of FILE.py::FUNC")
    show.add_argument("target")
    show.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    show.add_argument("--wrt", default=None)
    exp = sub.add_parser("export", help="write the derivative of FILE.py::FUNC as a standalone module")
    exp.add_argument("target")
    exp.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    exp.add_argument("--wrt", default=None)
    exp.add_argument("-o", "--output", required=True)
    rules = sub.add_parser("rules", help="print the table of derivative rules")
    rules.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "show":
        fn = _load(args.target)
        try:
            df = srcad.derivative(fn, mode=args.mode, wrt=_wrt(args.wrt))
        except srcad.SrcadError as exc:
            print(f"srcad: {exc}", file=sys.stderr)
            return 1
        print(srcad.source(df), end="")
        return 0
    if args.command == "export":
        from srcad.export import export
        fn = _load(args.target)
        try:
            name = export(fn, args.output, mode=args.mode, wrt=_wrt(args.wrt),
                          origin=args.target.replace(os.sep, "/"))
        except srcad.SrcadError as exc:
            print(f"srcad: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {args.output}: {name}")
        return 0
    if args.command == "rules":
        rows = get_rules().all_entries()
        if args.json:
            print(json.dumps([{"namespace": ns, "name": name, "forward": f, "reverse": r, "kind": kind}
                              for ns, name, f, r, kind in rows], indent=1))
        else:
            print(f"{'namespace':10} {'name':28} {'forward':8} {'reverse':8} kind")
            for ns, name, f, r, kind in rows:
                print(f"{ns:10} {name:28} {'yes' if f else 'no':8} {'yes' if r else 'no':8} {kind}")
            print(f"\n{len(rows)} entries")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
