"""The `pywse` command, the SDK's two steps:

- `pywse compile`: the `cslc` twin. A layout file defines `layout`: a `pw.Layout`, or a
  function `layout(**params)` returning one; cslc's flags are accepted under the same names.
- `pywse check`: the same checks, writing nothing; `--strict` makes route lints errors. A
  file without a module-level `layout` (an SdkLayout script, or any host script) is run as
  `python SCRIPT ARGS` would (`pywse check SCRIPT -- ARGS`), up to its first `SdkRuntime(...)`:
  by then its program has been compiled and checked, and nothing runs.
- `pywse show`: draws the `layout` a layout file defines (as `compile` finds it, with its
  `--arch` and `--params`) to a PNG or SVG: `pywse show layout.py -o routes.png`.
- `pywse run`: the `cs_python` twin; runs a host script unchanged (tools/run.py);
  `--perturb N` reruns it under N perturbation seeds and reports results that change;
  `--sim-log PATH` writes `<simprint>`'s lines to PATH (the simulator's sim.log); `--stats`
  prints the cycle account of each SdkRuntime the script stops (docs/timing.md); `--trace
  PATH` writes a Perfetto trace of each SdkRuntime's run (host/trace.py).
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import inspect
import os
import sys
import traceback
import warnings
from pathlib import Path

from ..errors import PictureError, PywseError, RoutingWarning
from ..host import trace as trace_file
from ..host.runtime import CHECK_ONLY, STOP_HOOKS, ChecksPassed
from ..layout.classic import Layout
from ..layout.compile import compile as compile_layout
from ..layout.compile import import_file
from ..layout.sdkcompile import compile_sdk
from ..layout.sdklayout import SdkLayout
from .perturb import sweep as perturb_sweep
from .run import find_script, run_script


def _pair(text: str) -> tuple[int, int]:
    try:
        a, b = text.split(",")
        return int(a), int(b)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two integers 'x,y', got {text!r}") from None


def _value(text: str):
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def _params(items: list[str]) -> dict:
    """`--params=M:4,N:6 --params=k:1` -> {'M': 4, 'N': 6, 'k': 1} (as cslc parses them)."""
    out = {}
    for item in items:
        for pair in filter(None, item.split(",")):
            name, sep, value = pair.partition(":")
            if not sep or not name:
                raise argparse.ArgumentTypeError(f"bad param {pair!r}: expected name:value")
            out[name] = _value(value)
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pywse", description="pywse command line")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compile", help="compile a layout file (the cslc twin)")
    k = sub.add_parser("check", help="check a layout file as compile does, writing nothing; "
                       "route lints print as warnings (errors with --strict); a script "
                       "(SdkLayout or host script) runs up to its first SdkRuntime")
    for p in (c, k):
        p.add_argument("layout_file", help="Python file defining `layout` (a pw.Layout or a function)")
        p.add_argument("--arch", default="wse2", choices=["wse2", "wse3"])
        p.add_argument("--fabric-dims", type=_pair, default=None, metavar="X,Y")
        p.add_argument("--fabric-offsets", type=_pair, default=(4, 1), metavar="X,Y")
        p.add_argument("--memcpy", action="store_true", help="include the memcpy infrastructure")
        p.add_argument("--channels", type=int, default=1)
        p.add_argument("--width-west-buf", type=int, default=0)
        p.add_argument("--width-east-buf", type=int, default=0)
        p.add_argument("--params", action="append", default=[], metavar="NAME:VALUE,...")
        p.add_argument("--colors", action="append", default=[], metavar="NAME:ID,...")
        p.add_argument("--fp16-format", default="f16", metavar="FORMAT",
                       help="what @fp16() is: f16 (IEEE, the default); cb16 and bf16 are "
                            "refused (pywse simulates IEEE f16 only)")
        p.add_argument("--strict", action="store_true",
                       help="route lints (pw.RoutingWarning) are errors")
    k.add_argument("script_args", nargs="*", metavar="-- ARG",
                   help="a script's own arguments, after `--` (pywse check run.py -- --arch wse2)")
    c.add_argument("-o", "--output", dest="out_dir", default="out")
    c.add_argument("--no-jit", action="store_true", help="record jit=False as the default")
    s = sub.add_parser("show", help="draw a layout file's fabric: tile kinds or regions, "
                       "routes per color, switches, streams, memcpy's edges (matplotlib)")
    s.add_argument("layout_file", help="Python file defining `layout` (a pw.Layout, an "
                   "SdkLayout, or a function returning one)")
    s.add_argument("-o", "--output", default="layout.png", metavar="PICTURE",
                   help="the picture: .png or .svg (default: layout.png)")
    s.add_argument("--arch", default=None, choices=["wse2", "wse3"])
    s.add_argument("--params", action="append", default=[], metavar="NAME:VALUE,...")
    s.add_argument("--colors", action="append", default=[], metavar="NAME:ID,...")
    r = sub.add_parser("run", help="run a Cerebras host script unchanged (the cs_python twin)",
                       description="Run a host script as `python SCRIPT ARGS...` would, with "
                       "cerebras.sdk.runtime.sdkruntimepybind, cerebras.sdk.sdk_utils and "
                       "cerebras.geometry.geometry importing pywse's twins.")
    r.add_argument("--perturb", type=int, default=None, metavar="N",
                   help="run the script unperturbed, then under N perturbation seeds "
                        "(PYWSE_PERTURB), and report the seeds whose outputs differ")
    r.add_argument("--sim-log", default=None, metavar="PATH",
                   help="write <simprint>'s lines to PATH as sim.log has them, instead of "
                        "printing them when the runtime stops (PYWSE_SIM_LOG)")
    r.add_argument("--stats", action="store_true",
                   help="print the cycle account of each SdkRuntime when it stops: busy, "
                        "stalled and idle cycles per PE, tasks, wavelets, links, memory "
                        "(PYWSE_LINE_CYCLES=1 adds cycles per task-body line)")
    r.add_argument("--trace", default=None, metavar="PATH",
                   help="write a Perfetto trace of each SdkRuntime's run to PATH (the second "
                        "to PATH-2.pftrace, ...); open it in ui.perfetto.dev (PYWSE_TRACE)")
    r.add_argument("script", help="the host script, e.g. run.py")
    r.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        with _sim_log(args.sim_log), _trace(args.trace), _stats(args.stats):
            if args.perturb is not None:
                return perturb_sweep(args.script, args.args, args.perturb)
            return run(args.script, args.args)
    if args.command == "show":
        return show_command(args)
    return compile_command(args)   # compile or check


def _sim_log(path: str | None):
    """`--sim-log PATH`: PYWSE_SIM_LOG (read by SdkRuntime.stop()) for this run only."""
    return _env("PYWSE_SIM_LOG", os.path.abspath(path) if path is not None else None)


def _trace(path: str | None):
    """`--trace PATH`: PYWSE_TRACE (read by every SdkRuntime the script builds; the second
    writes PATH-2.pftrace, ...) for this run only."""
    return _env(trace_file.ENV, trace_file.cli_run(path))


@contextlib.contextmanager
def _env(name: str, value: str | None):
    """Environment variable `name` set to `value` (unless None) for this run only."""
    saved = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


@contextlib.contextmanager
def _stats(on: bool):
    """`--stats`: print each SdkRuntime's cycle account when it stops, for this run only."""
    shown = [0]

    def show(runtime) -> None:
        shown[0] += 1
        print(f"\n== pywse run --stats: SdkRuntime #{shown[0]} ==\n{runtime.stats()}",
              flush=True)
    if on:
        STOP_HOOKS.append(show)
    try:
        yield
    finally:
        if on:
            STOP_HOOKS.remove(show)


def compile_command(args: argparse.Namespace) -> int:
    """`pywse compile` / `pywse check`: 0, or 1 with a cslc-style error message. Route lints
    print as `warning:` lines (errors with --strict)."""
    command = args.command
    checking = command == "check"
    try:
        params = _params(args.params)
        params.update(_params(args.colors))
        if checking and not _defines_layout(args.layout_file):
            return check_script(args.layout_file, args.script_args, args.strict)
        layout = load_layout(args.layout_file, params)
        if isinstance(layout, SdkLayout) and not checking:
            raise PywseError(f"{args.layout_file}: `layout` is an SdkLayout; compile it in "
                             "its script with layout.compile(out_prefix=...), as with the "
                             "SDK (pywse compile builds a pw.Layout, as cslc builds layout.csl)")
        with warnings.catch_warnings(record=True) as lints:
            warnings.simplefilter("always", RoutingWarning)
            if isinstance(layout, SdkLayout):    # checked as its own compile() would build it
                compile_sdk(layout, None, None, args.arch)
            else:
                compile_layout(layout, arch=args.arch, fabric_dims=args.fabric_dims,
                               fabric_offsets=args.fabric_offsets, memcpy=args.memcpy,
                               channels=args.channels, params=params,
                               out_dir=None if checking else args.out_dir,
                               width_west_buf=args.width_west_buf,
                               width_east_buf=args.width_east_buf,
                               jit=None if checking or not args.no_jit else False,
                               strict=args.strict, fp16_format=args.fp16_format)
    except PywseError as e:
        print(f"pywse {command}: error: {e}", file=sys.stderr)
        return 1
    for lint in lints:
        print(f"pywse {command}: warning: {lint.message}", file=sys.stderr)
    print(f"checked {args.layout_file}: {len(lints)} warning(s)" if checking
          else f"compiled {args.layout_file} -> {args.out_dir}")
    return 0


def load_layout(path: str, params: dict, error: type[PywseError] = PywseError,
                missing: str = "a pw.Layout or a function returning one"):
    """The `layout` a layout file defines (called with the params it takes if a function)."""
    module = import_file(path)
    layout = getattr(module, "layout", None)
    if layout is None:
        raise error(f"{path} defines no `layout` ({missing})")
    if not isinstance(layout, (Layout, SdkLayout)):
        accepted = inspect.signature(layout).parameters
        takes_all = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
        needed = [name for name, p in accepted.items() if name not in params
                  and p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
        if needed:
            word = "param" if len(needed) == 1 else "params"
            raise PywseError(f"{path}: layout() needs {word} {', '.join(needed)}; pass it as "
                             f"--params={','.join(f'{m}:<value>' for m in needed)} (as cslc "
                             "does)")
        layout = layout(**{k: v for k, v in params.items() if takes_all or k in accepted})
    if isinstance(layout, Layout):
        layout.source_file = str(module.__file__)
        layout.source_module = module.__name__
    return layout


def show(layout_file: str, output, arch: str | None = None, params: dict | None = None) -> Path:
    """Draw the layout `layout_file` defines to `output` (.png or .svg)."""
    layout = load_layout(layout_file, params or {}, PictureError,
                         "pywse show draws a file that defines `layout`: a pw.Layout, an "
                         "SdkLayout, or a function returning one, as pywse compile needs")
    return layout.draw(output, arch)


def show_command(args: argparse.Namespace) -> int:
    """`pywse show FILE -o PICTURE`: draw the layout FILE defines (as `pywse compile` finds
    and builds it) to a .png or .svg."""
    try:
        params = _params(args.params)
        params.update(_params(args.colors))
        path = show(args.layout_file, args.output, args.arch, params)
    except PywseError as e:
        print(f"pywse show: error: {e}", file=sys.stderr)
        return 1
    print(f"drew {args.layout_file} -> {path}")
    return 0


def _defines_layout(path: str) -> bool:
    """Does the file define `layout` at module level (a layout file, not a script)?"""
    try:
        tree = ast.parse(Path(path).read_text(), path)
    except (OSError, SyntaxError, UnicodeDecodeError):
        return True              # import_file reports what is wrong with it
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        if any(isinstance(t, ast.Name) and t.id == "layout" for t in targets) or \
                (isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == "layout"):
            return True
    return False


def check_script(script: str, script_args: list[str], strict: bool) -> int:
    """`pywse check SCRIPT ARGS`: run the script until its first SdkRuntime (its program is
    compiled and checked by then), report, and run nothing."""
    CHECK_ONLY["active"] = True
    try:
        with warnings.catch_warnings(record=True) as lints:
            warnings.simplefilter("always", RoutingWarning)
            code = run_script(script, script_args)
    except ChecksPassed:
        code = None
    except PywseError as e:
        print(f"pywse check: error: {e}", file=sys.stderr)
        return 1
    finally:
        CHECK_ONLY["active"] = False
    lints = [w for w in lints if issubclass(w.category, RoutingWarning)]
    for lint in lints:
        print(f"pywse check: {'error' if strict else 'warning'}: {lint.message}", file=sys.stderr)
    if code is not None:
        print(f"pywse check: error: {script} ended (exit code {code}) without making an "
              "SdkRuntime, so nothing was checked; give a layout file (defining `layout`) or a "
              "script that compiles its program and makes an SdkRuntime", file=sys.stderr)
        return 1
    if strict and lints:
        return 1
    print(f"checked {script}: {len(lints)} warning(s)")
    return 0


def run(script: str, script_args: list[str]) -> int:
    """`pywse run`: the script's exit code; an exception it raised is printed as Python
    prints it (from the script's own frame on) and gives exit code 1."""
    try:
        path = find_script(script)
    except PywseError as e:
        print(f"pywse run: error: {e}", file=sys.stderr)
        return 2
    try:
        return run_script(script, script_args)
    except Exception as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != str(path):
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb or e.__traceback__)
        return 1


if __name__ == "__main__":
    sys.exit(main())
