"""gemv-08: a 4x3 grid with a checkerboard of colors (port of csl-examples
tutorials/gemv-08-routes-3).

Each PE holds a block of A. The top row multicasts x down its column; every PE accumulates
its partial y in a data task per x element. Partial sums then flow west to east: a fixed
route cannot both receive and send on one color at one PE, so even and odd columns swap two
colors (a checkerboard), and each middle PE adds what arrives to its own y on the way
(`fadds(fabout, y, fabin)`). The right column holds the result.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/gemv_08_routes_3.py --arch=wse3 --fabric-dims=11,5 \\
        --fabric-offsets=4,1 --params=kernel_x_dim:4,kernel_y_dim:3,M:6,N:8 -o out \\
        --memcpy --channels 1
    python examples/gemv_08_routes_3.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/gemv_08_routes_3.py [--arch wse2|wse3] [--no-jit]
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
    send_east_oq = p.output_queue(2, send_east_color)
    recv_west_iq = p.input_queue(3, recv_west_color)
    x_color_oq = p.output_queue(4, x_color)
    x_color_iq = p.input_queue(4, x_color)
    A = p.var("A", pw.f32, M_per_PE * N_per_PE, export=True)   # column major
    x = p.var("x", pw.f32, N_per_PE, export=True)
    y = p.var("y", pw.f32, M_per_PE, export=True)
    num_recv_x = p.var("num_recv_x", pw.i16, 1)
    A_dsd = p.dsd_var(pw.mem1d(A, extent=M_per_PE))
    x_dsd = pw.mem1d(x, extent=N_per_PE)
    y_dsd = pw.mem1d(y, extent=M_per_PE)
    out_dsd = pw.fabout(send_east_color, extent=M_per_PE, queue=send_east_oq)
    in_dsd = pw.fabin(recv_west_color, extent=M_per_PE, queue=recv_west_iq)
    send_x_dsd = pw.fabout(x_color, extent=N_per_PE, queue=x_color_oq)
    is_top_row, is_left_col = p.y == 0, p.x == 0
    is_right_col = p.x == kernel_x_dim - 1

    @p.local_task(9)
    def exit_task():
        sys_mod.unblock_cmd_stream()

    @p.local_task(10)
    def reduce():
        if is_left_col:
            pw.fmovs(out_dsd, y_dsd, async_=True, activate=exit_task)
        elif is_right_col:
            pw.fadds(y_dsd, y_dsd, in_dsd, async_=True, activate=exit_task)
        else:
            pw.fadds(out_dsd, y_dsd, in_dsd, async_=True, activate=exit_task)

    @p.data_task(x_color_iq)
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


def layout(kernel_x_dim: int, kernel_y_dim: int, M: int, N: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    if M % kernel_y_dim or N % kernel_x_dim:
        raise pw.LayoutError("M must divide by kernel_y_dim and N by kernel_x_dim")
    ax_color_1, ax_color_2, x_color = pw.Color(0), pw.Color(1), pw.Color(2)
    lay = pw.Layout(kernel_x_dim, kernel_y_dim)
    memcpy = lay.memcpy()
    common = dict(M_per_PE=M // kernel_y_dim, N_per_PE=N // kernel_x_dim,
                  kernel_x_dim=kernel_x_dim, kernel_y_dim=kernel_y_dim, x_color=x_color)
    even = dict(common, send_east_color=ax_color_1, recv_west_color=ax_color_2)
    odd = dict(common, send_east_color=ax_color_2, recv_west_color=ax_color_1)
    for pe_x in range(kernel_x_dim):
        for pe_y in range(kernel_y_dim):
            lay.set_tile_code(pe_x, pe_y, pe_program, memcpy_params=memcpy.get_params(pe_x),
                              **(even if pe_x % 2 == 0 else odd))
    ramp_to_east = dict(rx=[pw.RAMP], tx=[pw.EAST])
    west_to_ramp = dict(rx=[pw.WEST], tx=[pw.RAMP])
    for pe_x in range(kernel_x_dim):
        for pe_y in range(kernel_y_dim):
            if pe_y == 0:
                lay.set_color_config(pe_x, pe_y, x_color, rx=[pw.RAMP], tx=[pw.RAMP, pw.SOUTH])
            elif pe_y == kernel_y_dim - 1:
                lay.set_color_config(pe_x, pe_y, x_color, rx=[pw.NORTH], tx=[pw.RAMP])
            else:
                lay.set_color_config(pe_x, pe_y, x_color, rx=[pw.NORTH], tx=[pw.RAMP, pw.SOUTH])
            sends, receives = (ax_color_1, ax_color_2) if pe_x % 2 == 0 else (ax_color_2, ax_color_1)
            lay.set_color_config(pe_x, pe_y, sends, **ramp_to_east)
            lay.set_color_config(pe_x, pe_y, receives, **west_to_ramp)
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        compile_data = json.load(json_file)
    N = int(compile_data["params"]["N"])
    M = int(compile_data["params"]["M"])
    kernel_x_dim = int(compile_data["params"]["kernel_x_dim"])
    kernel_y_dim = int(compile_data["params"]["kernel_y_dim"])
    np.random.seed(seed=7)
    A = np.random.rand(M, N).astype(np.float32)
    x = np.full(shape=N, fill_value=1.0, dtype=np.float32)
    b = np.full(shape=M, fill_value=2.0, dtype=np.float32)
    y_expected = A @ x + b
    N_per_PE, M_per_PE = N // kernel_x_dim, M // kernel_y_dim

    runner = SdkRuntime(name, jit=jit)
    A_symbol = runner.get_id("A")
    x_symbol = runner.get_id("x")
    y_symbol = runner.get_id("y")
    runner.load()
    runner.run()
    opts = dict(streaming=False, order=MemcpyOrder.ROW_MAJOR,
                data_type=MemcpyDataType.MEMCPY_32BIT, nonblock=False)
    runner.memcpy_h2d(y_symbol, b, 0, 0, 1, kernel_y_dim, M_per_PE, **opts)
    A_prepared = A.reshape(kernel_y_dim, M_per_PE, kernel_x_dim, N_per_PE).transpose(0, 2, 3, 1).ravel()
    runner.memcpy_h2d(A_symbol, A_prepared, 0, 0, kernel_x_dim, kernel_y_dim, M_per_PE * N_per_PE,
                      **opts)
    runner.memcpy_h2d(x_symbol, x, 0, 0, kernel_x_dim, 1, N_per_PE, **opts)
    runner.launch("compute", nonblock=False)
    y_result = np.zeros([M], dtype=np.float32)
    runner.memcpy_d2h(y_result, y_symbol, kernel_x_dim - 1, 0, 1, kernel_y_dim, M_per_PE, **opts)
    runner.stop()

    r = y_result - y_expected
    relerr = np.linalg.norm(r, np.inf) / (np.linalg.norm(A, np.inf) * np.linalg.norm(x, np.inf)
                                          + np.linalg.norm(b, np.inf))
    assert relerr < 1.e-6, "norm-wise relative error is too big, something must be wrong"
    if N < 10:
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
    params = {"kernel_x_dim": 4, "kernel_y_dim": 3, "M": 6, "N": 8}
    with tempfile.TemporaryDirectory(prefix="pywse-gemv08-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(11, 5), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
