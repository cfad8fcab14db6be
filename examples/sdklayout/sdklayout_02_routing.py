"""sdklayout-02: routes painted by hand with a symbolic color (port of csl-examples
tutorials/sdklayout-02-routing).

A 2x1 region: PE (0, 0) sends five u16 values EAST on color `c`, PE (1, 0) receives them
from the WEST into `buffer`. `select` (set per PE) picks the role; `Color('c')` is resolved
to a physical color by the compiler.

    python examples/sdklayout/sdklayout_02_routing.py [--arch wse2|wse3] [--no-jit]
"""
import argparse

import numpy as np

import pywse as pw
from pywse.geometry import IntVector
from pywse.sdkruntime import (
    Color,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkRuntime,
    SdkTarget,
    SimfabConfig,
    get_platform,
)

SIZE = 5


@pw.program
def send_receive(p, *, select: int, c: pw.Color):
    in_q = p.input_queue(0, c)
    out_q = p.output_queue(1, c)
    data = p.const(pw.u16, [1, 2, 3, 4, 5])           # the buffer to send
    buffer = p.var("buffer", pw.u16, SIZE, export=True)
    data_dsd = pw.mem1d(data, SIZE)
    buffer_dsd = pw.mem1d(buffer, SIZE)
    in_dsd = pw.fabin(c, SIZE, queue=in_q)
    out_dsd = pw.fabout(c, SIZE, queue=out_q)

    @p.local_task(8)
    def send_task():
        pw.mov16(out_dsd, data_dsd, async_=True)

    @p.local_task(9)
    def receive_task():
        pw.mov16(buffer_dsd, in_dsd, async_=True)

    @p.on_start
    @p.local_task(10)
    def main():
        if select == 0:
            pw.activate(send_task)
        else:
            pw.activate(receive_task)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmaddr", help="IP:port for CS system (pywse: leave empty)")
    parser.add_argument("--arch", choices=["wse2", "wse3"], default="wse3")
    parser.add_argument("--out", default="out", help="artifacts directory")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)

    config = SimfabConfig(dump_core=True)
    target = SdkTarget.WSE3 if args.arch == "wse3" else SdkTarget.WSE2
    platform = get_platform(args.cmaddr, config, target)
    layout = SdkLayout(platform)

    code = layout.create_code_region(send_receive, "send_receive", 2, 1)
    sender_coords = IntVector(0, 0)
    receiver_coords = IntVector(1, 0)
    code.set_param(sender_coords, "select", 0)
    code.set_param(receiver_coords, "select", 1)

    send_routes = RoutingPosition().set_input([Route.RAMP]).set_output([Route.EAST])
    receive_routes = RoutingPosition().set_input([Route.WEST]).set_output([Route.RAMP])
    c = Color("c")
    code.paint(sender_coords, c, [send_routes])
    code.paint(receiver_coords, c, [receive_routes])
    code.set_param_all(c)

    compile_artifacts = layout.compile(out_prefix=args.out)

    runtime = SdkRuntime(compile_artifacts, platform, memcpy_required=False, jit=not args.no_jit)
    runtime.load()
    runtime.run()
    runtime.stop()

    expected = np.array([1, 2, 3, 4, 5], dtype=np.uint16)
    actual = runtime.read_symbol(1, 0, "buffer", dtype="uint16")
    assert np.array_equal(expected, actual)
    print("SUCCESS!")


if __name__ == "__main__":
    main()
