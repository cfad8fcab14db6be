"""gemv-07: a 2x2 grid with multicast and data tasks (port of csl-examples
tutorials/gemv-07-routes-2).

The top row sends its x elements SOUTH and to itself (route RAMP -> {RAMP, SOUTH}); every PE
runs a data task per x wavelet that accumulates `y += A[:, j] * x_j`, walking a mutable DSD
over its block of A. After its last x, a PE reduces: the left column sends its partial y EAST,
the right column adds what arrives; then the exit task unblocks the command stream.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/gemv_07_routes_2.py --arch=wse3 --fabric-dims=9,4 \\
        --fabric-offsets=4,1 --params=M:4,N:6 -o out --memcpy --channels 1
    python examples/gemv_07_routes_2.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/gemv_07_routes_2.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime


@pw.program
def pe_program(p, *, memcpy_params, M_per_PE: int, N_per_PE: int, ax_color: pw.Color,
               x_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    ax_oq, ax_iq = p.output_queue(2, ax_color), p.input_queue(2, ax_color)
    x_oq, x_iq = p.output_queue(3, x_color), p.input_queue(3, x_color)
    A = p.var("A", pw.f32, M_per_PE * N_per_PE, export=True)   # column major
    x = p.var("x", pw.f32, N_per_PE, export=True)
    y = p.var("y", pw.f32, M_per_PE, export=True)
    num_recv_x = p.var("num_recv_x", pw.i16, 1)
    A_dsd = p.dsd_var(pw.mem1d(A, extent=M_per_PE))
    x_dsd = pw.mem1d(x, extent=N_per_PE)
    y_dsd = pw.mem1d(y, extent=M_per_PE)
    is_top_row, is_left_col = p.y == 0, p.x == 0
    out_dsd = pw.fabout(ax_color, extent=M_per_PE, queue=ax_oq)
    in_dsd = pw.fabin(ax_color, extent=M_per_PE, queue=ax_iq)
    send_x_dsd = pw.fabout(x_color, extent=N_per_PE, queue=x_oq)

    @p.local_task(9)
    def exit_task():
        sys_mod.unblock_cmd_stream()

    @p.local_task(10)
    def reduce():
        if is_left_col:
            pw.fmovs(out_dsd, y_dsd, async_=True, activate=exit_task)
        else:
            pw.fadds(y_dsd, y_dsd, in_dsd, async_=True, activate=exit_task)

    @p.data_task(x_iq)
    def recv_x(x_val: pw.f32):
        nonlocal A_dsd
        pw.fmacs(y_dsd, y_dsd, A_dsd, x_val)
        A_dsd = pw.increment_dsd_offset(A_dsd, M_per_PE, pw.f32)
        num_recv_x[0] += 1
        if num_recv_x[0] == N_per_PE:
            pw.activate(reduce)

    @p.export
    def compute():
        if is_top_row:
            pw.fmovs(send_x_dsd, x_dsd, async_=True)


def layout(M: int, N: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    ax_color, x_color = pw.Color(0), pw.Color(1)
    lay = pw.Layout(2, 2)
    memcpy = lay.memcpy()
    for pe_x in range(2):
        for pe_y in range(2):
            lay.set_tile_code(pe_x, pe_y, pe_program, memcpy_params=memcpy.get_params(pe_x),
                              M_per_PE=M // 2, N_per_PE=N // 2, ax_color=ax_color,
                              x_color=x_color)
    route = lay.set_color_config
    route(0, 0, ax_color, rx=[pw.RAMP], tx=[pw.EAST])
    route(0, 0, x_color, rx=[pw.RAMP], tx=[pw.RAMP, pw.SOUTH])
    route(1, 0, ax_color, rx=[pw.WEST], tx=[pw.RAMP])
    route(1, 0, x_color, rx=[pw.RAMP], tx=[pw.RAMP, pw.SOUTH])
    route(0, 1, ax_color, rx=[pw.RAMP], tx=[pw.EAST])
    route(0, 1, x_color, rx=[pw.NORTH], tx=[pw.RAMP])
    route(1, 1, ax_color, rx=[pw.WEST], tx=[pw.RAMP])
    route(1, 1, x_color, rx=[pw.NORTH], tx=[pw.RAMP])
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        compile_data = json.load(json_file)
    N = int(compile_data["params"]["N"])
    M = int(compile_data["params"]["M"])
    A = np.arange(M * N, dtype=np.float32).reshape(M, N)
    x = np.full(shape=N, fill_value=1.0, dtype=np.float32)
    b = np.full(shape=M, fill_value=2.0, dtype=np.float32)
    y_expected = A @ x + b
    N_per_PE, M_per_PE = N // 2, M // 2

    runner = SdkRuntime(name, jit=jit)
    A_symbol = runner.get_id("A")
    x_symbol = runner.get_id("x")
    y_symbol = runner.get_id("y")
    runner.load()
    runner.run()
    runner.memcpy_h2d(y_symbol, b, 0, 0, 1, 2, M_per_PE, streaming=False,
                      order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    A_prepared = A.reshape(2, M_per_PE, 2, N_per_PE).transpose(0, 2, 3, 1).ravel()
    runner.memcpy_h2d(A_symbol, A_prepared, 0, 0, 2, 2, M_per_PE * N_per_PE, streaming=False,
                      order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    runner.memcpy_h2d(x_symbol, x, 0, 0, 2, 1, N_per_PE, streaming=False,
                      order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    runner.launch("compute", nonblock=False)
    y_result = np.zeros([M], dtype=np.float32)
    runner.memcpy_d2h(y_result, y_symbol, 1, 0, 1, 2, M_per_PE, streaming=False,
                      order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
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
    with tempfile.TemporaryDirectory(prefix="pywse-gemv07-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(9, 4), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params={"M": 4, "N": 6}, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
