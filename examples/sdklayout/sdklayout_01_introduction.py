"""sdklayout-01: one code region, a param set from the host script (port of csl-examples
tutorials/sdklayout-01-introduction).

A 1x1 region runs `gv_program`; the layout sets its `value` param; a task started at load
time stores it in the exported `gv`, which the host reads back after the run.

    python examples/sdklayout/sdklayout_01_introduction.py [--arch wse2|wse3] [--no-jit]
"""
import argparse

import pywse as pw
from pywse.sdkruntime import SdkLayout, SdkRuntime, SdkTarget, SimfabConfig, get_platform


@pw.program
def gv_program(p, *, value: int):
    gv = p.var("gv", pw.i16, 1, export=True)

    @p.on_start
    @p.local_task(8)
    def main():
        gv[0] = value


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmaddr", help="IP:port for CS system (pywse: leave empty)")
    parser.add_argument("--arch", choices=["wse2", "wse3"], default="wse3")
    parser.add_argument("--out", default="out", help="artifacts directory")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)

    value = 550
    config = SimfabConfig(dump_core=True)
    target = SdkTarget.WSE3 if args.arch == "wse3" else SdkTarget.WSE2
    platform = get_platform(args.cmaddr, config, target)
    layout = SdkLayout(platform)
    code = layout.create_code_region(gv_program, "gv", 1, 1)
    code.set_param_all("value", value)
    compile_artifacts = layout.compile(out_prefix=args.out)

    runtime = SdkRuntime(compile_artifacts, platform, memcpy_required=False, jit=not args.no_jit)
    runtime.load()
    runtime.run()
    runtime.stop()

    result = runtime.read_symbol(0, 0, "gv", dtype="uint16")
    assert result == [value]
    print("SUCCESS!")


if __name__ == "__main__":
    main()
