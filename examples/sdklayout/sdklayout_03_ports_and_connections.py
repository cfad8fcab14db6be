"""sdklayout-03: ports and connections found by the compiler (port of csl-examples
tutorials/sdklayout-03-ports-and-connections).

Two 1x1 senders each send [1..10] out of their RIGHT edge; `add2vec` takes both on its RIGHT
edge, adds them (one stream through a FIFO: wse3 lets an op read only one fabric input) and
sends the sum out of its LEFT edge to `receiver`. `layout.connect` finds every path; the
colors are symbolic (two senders' `color('tx')` are different colors). `--describe` prints
the paths and colors the compiler chose.

    python examples/sdklayout/sdklayout_03_ports_and_connections.py [--arch wse2|wse3] [--no-jit] [--describe]
"""
import argparse

import numpy as np

import pywse as pw
from pywse.sdkruntime import (
    Color,
    Edge,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkRuntime,
    SdkTarget,
    SimfabConfig,
    get_platform,
)


@pw.program
def sender(p, *, size: int, tx: pw.Color):
    out_q = p.output_queue(0, tx)
    data = p.var("data", pw.u16, 10, init=np.arange(1, 11), export=True)
    data_dsd = pw.mem1d(data, size)
    output = pw.fabout(tx, size, queue=out_q)

    @p.on_start
    @p.local_task(8)
    def main():
        pw.mov16(output, data_dsd, async_=True)


@pw.program
def add2vec(p, *, size: int, rx1: pw.Color, rx2: pw.Color, tx: pw.Color):
    input1 = pw.fabin(rx1, size, queue=p.input_queue(0, rx1))
    input2 = pw.fabin(rx2, size, queue=p.input_queue(1, rx2))
    output = pw.fabout(tx, size, queue=p.output_queue(0, tx))
    fifo = p.fifo(p.var("buffer", pw.u16, size))

    @p.on_start
    @p.local_task(8)
    def main():
        pw.mov16(fifo, input2, async_=True)
        pw.add16(output, input1, fifo, async_=True)


@pw.program
def receiver(p, *, size: int, rx: pw.Color):
    data = p.var("data", pw.u16, size, export=True)
    data_dsd = pw.mem1d(data, size)
    input = pw.fabin(rx, size, queue=p.input_queue(0, rx))

    @p.on_start
    @p.local_task(8)
    def main():
        pw.mov16(data_dsd, input, async_=True)


def build(platform, size: int) -> SdkLayout:
    layout = SdkLayout(platform)
    sender_routes = RoutingPosition().set_input([Route.RAMP])
    receiver_routes = RoutingPosition().set_output([Route.RAMP])

    sender1 = layout.create_code_region(sender, "sender1", 1, 1)
    tx1 = sender1.color("tx")
    sender1.set_param_all("size", size)
    sender1.set_param_all(tx1)
    tx1_port = sender1.create_output_port(tx1, Edge.RIGHT, [sender_routes], size)

    sender2 = layout.create_code_region(sender, "sender2", 1, 1)
    tx2 = sender2.color("tx")
    sender2.set_param_all("size", size)
    sender2.set_param_all(tx2)
    tx2_port = sender2.create_output_port(tx2, Edge.RIGHT, [sender_routes], size)

    sender1.place(2, 2)
    sender2.place(4, 7)

    adder = layout.create_code_region(add2vec, "add2vec", 1, 1)
    rx1, rx2, tx = Color("rx1"), Color("rx2"), Color("tx")
    adder.set_param_all("size", size)
    adder.set_param_all(rx1)
    adder.set_param_all(rx2)
    adder.set_param_all(tx)
    rx1_port = adder.create_input_port(rx1, Edge.RIGHT, [receiver_routes], size)
    rx2_port = adder.create_input_port(rx2, Edge.RIGHT, [receiver_routes], size)
    tx_port = adder.create_output_port(tx, Edge.LEFT, [sender_routes], size)
    adder.place(7, 4)

    recv = layout.create_code_region(receiver, "receiver", 1, 1)
    rx = Color("rx")
    recv.set_param_all("size", size)
    recv.set_param_all(rx)
    rx_port = recv.create_input_port(rx, Edge.LEFT, [receiver_routes], size)
    recv.place(3, 3)

    layout.connect(tx1_port, rx1_port)
    layout.connect(tx2_port, rx2_port)
    layout.connect(tx_port, rx_port)
    return layout


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmaddr", help="IP:port for CS system (pywse: leave empty)")
    parser.add_argument("--arch", choices=["wse2", "wse3"], default="wse3")
    parser.add_argument("--out", default="out", help="artifacts directory")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("--describe", action="store_true", help="print the chosen routes")
    args = parser.parse_args(argv)

    config = SimfabConfig(dump_core=True)
    target = SdkTarget.WSE3 if args.arch == "wse3" else SdkTarget.WSE2
    platform = get_platform(args.cmaddr, config, target)
    layout = build(platform, size=10)
    compile_artifacts = layout.compile(out_prefix=args.out)
    if args.describe:
        print(layout.describe())

    runtime = SdkRuntime(compile_artifacts, platform, memcpy_required=False, jit=not args.no_jit)
    runtime.load()
    runtime.run()
    runtime.stop()

    expected = np.array([2, 4, 6, 8, 10, 12, 14, 16, 18, 20], dtype=np.uint16)
    actual = runtime.read_symbol(3, 3, "data").view(np.uint16)
    assert np.array_equal(expected, actual)
    print("SUCCESS!")


if __name__ == "__main__":
    main()
