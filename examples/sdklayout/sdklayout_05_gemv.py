"""sdklayout-05: y = A x + b on a 4x4 region fed by demux regions, drained by a mux (port of
csl-examples tutorials/sdklayout-05-gemv: run.py, gemv.py, demux.py, mux.py and their CSL).

Host streams attach only to one-PE ports, so a 1x1 adaptor sends x (and b) in batches, each
batch followed by a SWITCH_ADV control wavelet; the demux regions' routers switch from
"deliver to my CE" to "forward to my neighbour" batch by batch (several positions in one
`paint` are switch positions 0, 1, ...). The x demux sends each column of the gemv region its
batch plus a control wavelet that runs the gemv PEs' `sentinel` control task (entry point
40): each PE adds its partial A x to the partial sum arriving from the WEST and sends it
EAST, alternating two colors column by column (a checkerboard). The mux forwards the four
rows' results north to the output stream, one row after another.

    python examples/sdklayout/sdklayout_05_gemv.py [--arch wse2|wse3] [--no-jit] [--seed N] [--describe]
"""
import argparse

import numpy as np

import pywse as pw
from pywse.geometry import IntRectangle, IntVector
from pywse.sdkruntime import (
    Color,
    Edge,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkRuntime,
    SdkTarget,
    SimfabConfig,
    get_edge_routing,
    get_platform,
)

ADVANCE = pw.control.encode_single_payload(pw.control.SWITCH_ADV, True, None, 0)
"""A control wavelet that moves each router it passes to its next switch position, and is
not delivered to their CEs."""


# -- programs (demux_adaptor.csl, demux.csl, mux.csl, gemv.csl) -------------------------------

@pw.program
def demux_adaptor(p, *, batch_size: int, num_batches: int, in_color: pw.Color,
                  out_color: pw.Color):
    in_dsd = pw.fabin(in_color, batch_size, queue=p.input_queue(0, in_color))
    out_q = p.output_queue(0, out_color)
    out_dsd = pw.fabout(out_color, batch_size, queue=out_q)
    ctrl_out = pw.fabout(out_color, 1, queue=out_q, control=True)
    ctrl_dsd = pw.mem1d(p.const(pw.u32, [ADVANCE]), 1)
    i = p.var("i", pw.u16, 1)

    @p.on_start
    @p.local_task(8)
    def main():
        # the last batch needs no control wavelet: the last demux PE has one position
        if i[0] == num_batches - 1:
            pw.mov32(out_dsd, in_dsd, async_=True)
        else:
            pw.mov32(out_dsd, in_dsd, async_=True, activate=send_ctrl)
            i[0] += 1

    @p.local_task(9)
    def send_ctrl():
        pw.mov32(ctrl_out, ctrl_dsd, async_=True, activate=main)


@pw.program
def demux(p, *, size: int, in_color: pw.Color, out_color: pw.Color, entry_point: int,
          has_sentinel: int):
    in_dsd = pw.fabin(in_color, size, queue=p.input_queue(0, in_color))
    out_q = p.output_queue(0, out_color)
    out_dsd = pw.fabout(out_color, size, queue=out_q)
    ctrl_out = pw.fabout(out_color, 1, queue=out_q, control=True)
    sentinel = pw.control.encode_control_task_payload(entry_point)

    @p.on_start
    @p.local_task(8)
    def main():
        pw.mov32(out_dsd, in_dsd, async_=True, activate=send_sentinel)

    @p.local_task(9)
    def send_sentinel():
        if has_sentinel > 0:
            pw.mov32(ctrl_out, sentinel)


@pw.program
def mux(p, *, size: int, in_color: pw.Color, out_color: pw.Color):
    in_dsd = pw.fabin(in_color, size, queue=p.input_queue(0, in_color))
    out_q = p.output_queue(1, out_color)
    out_dsd = pw.fabout(out_color, size, queue=out_q)
    ctrl_out = pw.fabout(out_color, 1, queue=out_q, control=True)

    @p.on_start
    @p.local_task(8)
    def main():
        pw.mov32(out_dsd, in_dsd, async_=True, activate=send_ctrl)

    @p.local_task(9)
    def send_ctrl():
        pw.mov32(ctrl_out, ADVANCE)


@pw.program
def gemv(p, *, x_in: pw.Color, b_in: pw.Color, y_out: pw.Color, width: int, height: int,
         control_ep: int):
    x_in_q = p.input_queue(0, x_in)
    b_in_q = p.input_queue(1, b_in)
    ax_temp = p.var("Ax_temp", pw.f32, height, export=True)
    dsd_ax_temp = pw.mem1d(ax_temp, height)
    a = p.var("A", pw.f32, (height, width), export=True)
    dsd_a = pw.mem1d(a, height, stride=width)          # column 0 of A: A[i, 0]
    in_dsd = pw.fabin(b_in, height, queue=b_in_q)
    out_dsd = pw.fabout(y_out, height, queue=p.output_queue(0, y_out))
    idx = p.var("idx", pw.u16, 1, export=True)

    @p.data_task(x_in_q)
    def wtt_x(data: pw.f32):
        # CSL: .wavelet_index_offset on dsd_A and .index = 2 * idx: column idx of A
        column = pw.increment_dsd_offset(dsd_a, idx[0], pw.f32)
        pw.fmacs(dsd_ax_temp, dsd_ax_temp, column, data)
        idx[0] += 1

    @p.control_task(control_ep)
    def sentinel():
        pw.fadds(out_dsd, in_dsd, dsd_ax_temp, async_=True)


# -- layout (demux.py, mux.py, gemv.py) -------------------------------------------------------

def get_demux_adaptor(layout, name, batch_size, num_batches):
    adaptor = layout.create_code_region(demux_adaptor, name, 1, 1)
    adaptor.set_param_all("batch_size", batch_size)
    adaptor.set_param_all("num_batches", num_batches)
    in_color = adaptor.color("in_color")
    out_color = adaptor.color("out_color")
    adaptor.set_param_all(in_color)
    adaptor.set_param_all(out_color)
    input_routes = RoutingPosition().set_output([Route.RAMP])
    output_routes = RoutingPosition().set_input([Route.RAMP])
    size = batch_size * num_batches
    in_port = adaptor.create_input_port(in_color, Edge.LEFT, [input_routes], size)
    out_port = adaptor.create_output_port(out_color, Edge.RIGHT, [output_routes], size)
    return in_port, out_port, adaptor


def _demux(layout, name, batch_size, width, height, has_sentinel, entry_point):
    region = layout.create_code_region(demux, name, width, height)
    region.set_param_all("size", batch_size)
    region.set_param_all("has_sentinel", has_sentinel)
    region.set_param_all("entry_point", entry_point)
    in_color = region.color("in_color")
    out_color = region.color("out_color")
    region.set_param_all(in_color)
    region.set_param_all(out_color)
    return region, in_color, out_color


def get_x_demux(layout, name, batch_size, width, height, entry_point):
    region, in_color, out_color = _demux(layout, name, batch_size, width, height, 1, entry_point)
    # every PE starts at pos1 (take the batch); a control wavelet moves it to pos2 (forward
    # the rest east); the right-most PE takes the last batch and needs no pos2
    pos1 = RoutingPosition().set_input([Route.WEST]).set_output([Route.RAMP])
    pos2 = RoutingPosition().set_input([Route.WEST]).set_output([Route.EAST])
    region.paint_all(in_color, [pos1, pos2], [get_edge_routing(Edge.RIGHT, [pos1])])
    input_routes = RoutingPosition().set_output([Route.RAMP])
    forward = RoutingPosition().set_output([Route.EAST])
    output_routes = RoutingPosition().set_input([Route.RAMP])
    size = batch_size * width * height
    in_port = region.create_input_port(in_color, Edge.LEFT, [input_routes, forward], size)
    out_port = region.create_output_port(out_color, Edge.BOTTOM, [output_routes], size)
    return in_port, out_port, region


def get_b_demux(layout, name, batch_size, width, height):
    region, in_color, out_color = _demux(layout, name, batch_size, width, height, 0, 0)
    core_out = RoutingPosition().set_input([Route.NORTH]).set_output([Route.RAMP])
    forward = RoutingPosition().set_input([Route.NORTH]).set_output([Route.SOUTH])
    region.paint_all(in_color, [core_out, forward], [get_edge_routing(Edge.BOTTOM, [core_out])])
    input_routes = RoutingPosition().set_output([Route.RAMP])
    forward_port = RoutingPosition().set_output([Route.SOUTH])
    output_routes = RoutingPosition().set_input([Route.RAMP])
    size = batch_size * width * height
    in_port = region.create_input_port(in_color, Edge.TOP, [input_routes, forward_port], size)
    out_port = region.create_output_port(out_color, Edge.RIGHT, [output_routes], size)
    return in_port, out_port, region


def get_mux(layout, name, batch_size, width, height):
    region = layout.create_code_region(mux, name, width, height)
    region.set_param_all("size", batch_size)
    in_color = region.color("in_color")
    out_color = region.color("out_color")
    region.set_param_all(in_color)
    region.set_param_all(out_color)
    core_out = RoutingPosition().set_input([Route.RAMP]).set_output([Route.NORTH])
    forward = RoutingPosition().set_input([Route.SOUTH]).set_output([Route.NORTH])
    region.paint_all(out_color, [core_out, forward])
    input_routes = RoutingPosition().set_output([Route.RAMP])
    output_routes = RoutingPosition().set_input([Route.RAMP])
    forward_port = RoutingPosition().set_input([Route.SOUTH])
    size = batch_size * height
    in_port = region.create_input_port(in_color, Edge.LEFT, [input_routes], size)
    out_port = region.create_output_port(out_color, Edge.TOP, [output_routes, forward_port], size)
    return in_port, out_port, region


def get_gemv(layout, name, width, height, batch_width, batch_height, control_ep, A):
    region = layout.create_code_region(gemv, name, width, height)
    x_in, b_in, y_out = Color("x_in"), Color("b_in"), Color("y_out")
    region.set_param_all("width", batch_width)
    region.set_param_all("height", batch_height)
    region.set_param_all("control_ep", control_ep)
    region.set_param_all(x_in)

    # x flows down each column; the bottom row does not forward it (nobody would take it)
    x_core = RoutingPosition().set_input([Route.NORTH]).set_output([Route.RAMP, Route.SOUTH])
    x_bottom = RoutingPosition().set_input([Route.NORTH]).set_output([Route.RAMP])
    region.paint_all(x_in, [x_core], [get_edge_routing(Edge.BOTTOM, [x_bottom])])
    x_size = batch_width * width
    x_port = region.create_input_port(
        x_in, Edge.TOP, [RoutingPosition().set_output([Route.RAMP, Route.SOUTH])], x_size)

    b_size = batch_height * height
    b_port = region.create_input_port(
        b_in, Edge.LEFT, [RoutingPosition().set_output([Route.RAMP])], b_size)

    # checkerboard: partial sums come in on one color and leave on the other, and the two
    # colors swap roles from column to column
    receive_routes = RoutingPosition().set_input([Route.WEST]).set_output([Route.RAMP])
    sender_routes = RoutingPosition().set_input([Route.RAMP]).set_output([Route.EAST])
    column = IntRectangle(IntVector(0, 0), IntVector(1, height))
    region.paint_range(column, y_out, [sender_routes])
    region.set_param_range(column, b_in)
    region.set_param_range(column, y_out)
    for i in range(1, width):
        b_in, y_out = y_out, b_in
        column = IntRectangle(IntVector(i, 0), IntVector(i + 1, height))
        region.paint_range(column, b_in, [receive_routes])
        region.paint_range(column, y_out, [sender_routes])
        region.set_param_range(column, "b_in", b_in)
        region.set_param_range(column, "y_out", y_out)

    y_port = region.create_output_port(
        y_out, Edge.RIGHT, [RoutingPosition().set_input([Route.RAMP])], b_size, "_out")
    region.set_symbol_all("A", A, x_size, b_size)
    return x_port, b_port, y_port, region


# -- run.py -----------------------------------------------------------------------------------

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmaddr", help="IP:port for CS system (pywse: leave empty)")
    parser.add_argument("--arch", choices=["wse2", "wse3"], default="wse3")
    parser.add_argument("--out", default="out", help="artifacts directory")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random data")
    parser.add_argument("--describe", action="store_true", help="print the chosen routes")
    args = parser.parse_args(argv)

    config = SimfabConfig(dump_core=True)
    target = SdkTarget.WSE3 if args.arch == "wse3" else SdkTarget.WSE2
    platform = get_platform(args.cmaddr, config, target)
    layout = SdkLayout(platform)

    data_width, data_height = 16, 32
    pe_width, pe_height = 4, 4
    batch_width, batch_height = data_width // pe_width, data_height // pe_height
    control_ep = 40

    rng = np.random.default_rng(args.seed)     # the original draws unseeded values
    x = rng.uniform(0.0, 1.0, data_width).astype(np.float32)
    b = rng.uniform(0.0, 1.0, data_height).astype(np.float32)
    A = rng.uniform(0.0, 1.0, data_width * data_height).astype(np.float32)
    y = np.empty(data_height, dtype=np.float32)

    x_port, x_adaptor_port, x_adaptor = get_demux_adaptor(layout, "x_demux_adaptor",
                                                          batch_width, pe_width)
    x_adaptor.place(1, 0)
    x_demux_port, x_out_port, x_demux = get_x_demux(layout, "x_demux", batch_width, pe_width,
                                                    1, control_ep)
    x_demux.place(5, 0)
    layout.connect(x_adaptor_port, x_demux_port)

    b_port, b_adaptor_port, b_adaptor = get_demux_adaptor(layout, "b_demux_adaptor",
                                                          batch_height, pe_height)
    b_adaptor.place(1, 2)
    b_demux_port, b_out_port, b_demux = get_b_demux(layout, "b_demux", batch_height, 1, pe_height)
    b_demux.place(3, 2)
    layout.connect(b_adaptor_port, b_demux_port)

    gemv_x_port, gemv_b_port, gemv_y_port, gemv_region = get_gemv(
        layout, "gemv", pe_width, pe_height, batch_width, batch_height, control_ep, A)
    gemv_region.place(5, 2)

    y_in_port, y_port, y_mux = get_mux(layout, "y_mux", batch_height, 1, pe_height)
    y_mux.place(10, 2)

    layout.connect(x_out_port, gemv_x_port)
    layout.connect(b_out_port, gemv_b_port)
    layout.connect(gemv_y_port, y_in_port)

    x_stream = layout.create_input_stream(x_port)
    b_stream = layout.create_input_stream(b_port)
    y_stream = layout.create_output_stream(y_port)

    compile_artifacts = layout.compile(out_prefix=args.out)
    if args.describe:
        print(layout.describe())

    runtime = SdkRuntime(compile_artifacts, platform, memcpy_required=False, jit=not args.no_jit)
    runtime.load()
    runtime.run()
    # x and b must both be under way (nonblock): the gemv kernel needs both at once
    runtime.send(x_stream, x, nonblock=True)
    runtime.send(b_stream, b, nonblock=True)
    runtime.receive(y_stream, y, data_height, nonblock=True)
    runtime.stop()

    A_matrix = A.reshape(data_height, data_width)
    expected = np.dot(A_matrix, x) + b
    assert np.allclose(expected, y, atol=1e-6)
    print("SUCCESS!")


if __name__ == "__main__":
    main()
