"""gemv-09: streaming memcpy (port of csl-examples tutorials/gemv-09-streaming).

gemv-08's grid, fed by streams instead of copies: x arrives on the MEMCPYH2D_1 stream at the
top row, whose data task forwards each element on x_color (one at a time: it blocks itself
and the async send unblocks it); b arrives on MEMCPYH2D_2 at the left column and loops back
(RAMP -> RAMP) as the first "partial sum from the west". The right column sends y on the
MEMCPYD2H_1 stream. No launch at all. (Streaming b before x would hang: memcpy runs one
command at a time.)

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/gemv_09_streaming.py --arch=wse3 --fabric-dims=11,5 \\
        --fabric-offsets=4,1 --params=kernel_x_dim:4,kernel_y_dim:3,M:6,N:8 \\
        --params=MEMCPYH2D_DATA_1_ID:0 --params=MEMCPYH2D_DATA_2_ID:1 \\
        --params=MEMCPYD2H_DATA_1_ID:2 -o out --memcpy --channels 1
    python examples/gemv_09_streaming.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/gemv_09_streaming.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime


@pw.program
def pe_program(p, *, memcpy_params, M_per_PE: int, N_per_PE: int, kernel_x_dim: int,
               kernel_y_dim: int, send_east_color: pw.Color, recv_west_color: pw.Color,
               x_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    h2d_x_iq = p.input_queue(2, sys_mod.MEMCPYH2D_1)
    h2d_b_iq = p.input_queue(3, sys_mod.MEMCPYH2D_2)
    recv_x_iq = p.input_queue(4, x_color)
    x_oq = p.output_queue(2, x_color)
    recv_w_oq = p.output_queue(3, recv_west_color)
    d2h_oq = p.output_queue(4, sys_mod.MEMCPYD2H_1)
    send_e_oq = p.output_queue(5, send_east_color)
    recv_w_iq = p.input_queue(6, recv_west_color)
    A = p.var("A", pw.f32, M_per_PE * N_per_PE, export=True)   # column major
    y = p.var("y", pw.f32, M_per_PE)
    num_recv_x = p.var("num_recv_x", pw.i16, 1)
    buf = p.var("buf", pw.f32, 1)
    A_dsd = p.dsd_var(pw.mem1d(A, extent=M_per_PE))
    y_dsd = pw.mem1d(y, extent=M_per_PE)
    mem_buf_dsd = pw.mem1d(buf, extent=1)
    in_dsd = pw.fabin(recv_west_color, extent=M_per_PE, queue=recv_w_iq)
    out_d2h = pw.fabout(sys_mod.MEMCPYD2H_1, extent=M_per_PE, queue=d2h_oq)
    out_east = pw.fabout(send_east_color, extent=M_per_PE, queue=send_e_oq)
    memcpy_x_dsd = pw.fabout(x_color, extent=1, queue=x_oq)
    memcpy_b_dsd = pw.fabout(recv_west_color, extent=1, queue=recv_w_oq)
    is_right_col = p.x == kernel_x_dim - 1

    @p.local_task(10)
    def reduce():
        if is_right_col:
            pw.fadds(out_d2h, y_dsd, in_dsd, async_=True)
        else:
            pw.fadds(out_east, y_dsd, in_dsd, async_=True)

    @p.data_task(recv_x_iq)
    def recv_x(x_val: pw.f32):
        nonlocal A_dsd
        pw.fmacs(y_dsd, y_dsd, A_dsd, x_val)
        A_dsd = pw.increment_dsd_offset(A_dsd, M_per_PE, pw.f32)
        num_recv_x[0] += 1
        if num_recv_x[0] == N_per_PE:
            pw.activate(reduce)

    @p.data_task(h2d_x_iq)
    def memcpy_recv_x(data: pw.f32):
        pw.block(memcpy_recv_x)
        buf[0] = data
        pw.fmovs(memcpy_x_dsd, mem_buf_dsd, async_=True, unblock=memcpy_recv_x)

    @p.data_task(h2d_b_iq)
    def memcpy_recv_b(data: pw.f32):
        pw.block(memcpy_recv_b)
        buf[0] = data
        pw.fmovs(memcpy_b_dsd, mem_buf_dsd, async_=True, unblock=memcpy_recv_b)


def layout(kernel_x_dim: int, kernel_y_dim: int, M: int, N: int, MEMCPYH2D_DATA_1_ID: int,
           MEMCPYH2D_DATA_2_ID: int, MEMCPYD2H_DATA_1_ID: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    ax_color_1, ax_color_2, x_color = pw.Color(3), pw.Color(4), pw.Color(5)
    lay = pw.Layout(kernel_x_dim, kernel_y_dim)
    memcpy = lay.memcpy(MEMCPYH2D_1=MEMCPYH2D_DATA_1_ID, MEMCPYH2D_2=MEMCPYH2D_DATA_2_ID,
                        MEMCPYD2H_1=MEMCPYD2H_DATA_1_ID)
    common = dict(M_per_PE=M // kernel_y_dim, N_per_PE=N // kernel_x_dim,
                  kernel_x_dim=kernel_x_dim, kernel_y_dim=kernel_y_dim, x_color=x_color)
    even = dict(common, send_east_color=ax_color_1, recv_west_color=ax_color_2)
    odd = dict(common, send_east_color=ax_color_2, recv_west_color=ax_color_1)
    for pe_x in range(kernel_x_dim):
        for pe_y in range(kernel_y_dim):
            lay.set_tile_code(pe_x, pe_y, pe_program, memcpy_params=memcpy.get_params(pe_x),
                              **(even if pe_x % 2 == 0 else odd))
    route = lay.set_color_config
    for pe_x in range(kernel_x_dim):
        for pe_y in range(kernel_y_dim):
            if pe_y == 0:
                route(pe_x, pe_y, x_color, rx=[pw.RAMP], tx=[pw.RAMP, pw.SOUTH])
            elif pe_y == kernel_y_dim - 1:
                route(pe_x, pe_y, x_color, rx=[pw.NORTH], tx=[pw.RAMP])
            else:
                route(pe_x, pe_y, x_color, rx=[pw.NORTH], tx=[pw.RAMP, pw.SOUTH])
            if pe_x == 0:      # b loops back into the left column's own reduce
                route(pe_x, pe_y, ax_color_1, rx=[pw.RAMP], tx=[pw.EAST])
                route(pe_x, pe_y, ax_color_2, rx=[pw.RAMP], tx=[pw.RAMP])
            elif pe_x % 2 == 0:
                route(pe_x, pe_y, ax_color_1, rx=[pw.RAMP], tx=[pw.EAST])
                route(pe_x, pe_y, ax_color_2, rx=[pw.WEST], tx=[pw.RAMP])
            else:
                route(pe_x, pe_y, ax_color_1, rx=[pw.WEST], tx=[pw.RAMP])
                route(pe_x, pe_y, ax_color_2, rx=[pw.RAMP], tx=[pw.EAST])
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    N, M = int(params["N"]), int(params["M"])
    kernel_x_dim, kernel_y_dim = int(params["kernel_x_dim"]), int(params["kernel_y_dim"])
    MEMCPYH2D_DATA_1 = int(params["MEMCPYH2D_DATA_1_ID"])
    MEMCPYH2D_DATA_2 = int(params["MEMCPYH2D_DATA_2_ID"])
    MEMCPYD2H_DATA_1 = int(params["MEMCPYD2H_DATA_1_ID"])
    A = np.arange(M * N, dtype=np.float32).reshape(M, N)
    x = np.full(shape=N, fill_value=1.0, dtype=np.float32)
    b = np.full(shape=M, fill_value=2.0, dtype=np.float32)
    y_expected = A @ x + b
    N_per_PE, M_per_PE = N // kernel_x_dim, M // kernel_y_dim

    runner = SdkRuntime(name, jit=jit)
    A_symbol = runner.get_id("A")
    runner.load()
    runner.run()
    A_prepared = A.reshape(kernel_y_dim, M_per_PE, kernel_x_dim, N_per_PE).transpose(0, 2, 3, 1).ravel()
    opts = dict(order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                nonblock=False)
    runner.memcpy_h2d(A_symbol, A_prepared, 0, 0, kernel_x_dim, kernel_y_dim,
                      M_per_PE * N_per_PE, streaming=False, **opts)
    runner.memcpy_h2d(MEMCPYH2D_DATA_1, x, 0, 0, kernel_x_dim, 1, N_per_PE, streaming=True,
                      **opts)
    runner.memcpy_h2d(MEMCPYH2D_DATA_2, b, 0, 0, 1, kernel_y_dim, M_per_PE, streaming=True,
                      **opts)
    y_result = np.zeros([M], dtype=np.float32)
    runner.memcpy_d2h(y_result, MEMCPYD2H_DATA_1, kernel_x_dim - 1, 0, 1, kernel_y_dim,
                      M_per_PE, streaming=True, **opts)
    runner.stop()

    np.testing.assert_allclose(y_result, y_expected)
    print("SUCCESS!")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit)
        return
    params = {"kernel_x_dim": 4, "kernel_y_dim": 3, "M": 6, "N": 8, "MEMCPYH2D_DATA_1_ID": 0,
              "MEMCPYH2D_DATA_2_ID": 1, "MEMCPYD2H_DATA_1_ID": 2}
    with tempfile.TemporaryDirectory(prefix="pywse-gemv09-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(11, 5), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
