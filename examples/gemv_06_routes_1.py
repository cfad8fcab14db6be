"""gemv-06: two PEs and a route (port of csl-examples tutorials/gemv-06-routes-1).

Each PE holds half of A's columns and computes a partial y. PE (0, 0) sends its partial y
east on `send_color` (route RAMP -> EAST); PE (1, 0) receives it (WEST -> RAMP) and adds it
to its own with an async `fadds` whose completion activates the exit task.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/gemv_06_routes_1.py --arch=wse3 --fabric-dims=11,3 \\
        --fabric-offsets=4,1 --params=M:4,N:6 -o out --memcpy --channels 1
    python examples/gemv_06_routes_1.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/gemv_06_routes_1.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime


@pw.program
def pe_program(p, *, memcpy_params, M: int, N_per_PE: int, pe_id: int, send_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    oq = p.output_queue(2, send_color)
    iq = p.input_queue(2, send_color)
    A = p.var("A", pw.f32, M * N_per_PE, export=True)   # column major
    x = p.var("x", pw.f32, N_per_PE, export=True)
    y = p.var("y", pw.f32, M, export=True)
    A_dsd = pw.mem1d(A, extent=M)
    y_dsd = pw.mem1d(y, extent=M)
    out_dsd = pw.fabout(send_color, extent=M, queue=oq)
    in_dsd = pw.fabin(send_color, extent=M, queue=iq)

    @p.local_task(9)
    def exit_task():
        sys_mod.unblock_cmd_stream()

    def gemv():
        a = A_dsd
        for i in range(N_per_PE):
            pw.fmacs(y_dsd, y_dsd, a, x[i])
            a = pw.increment_dsd_offset(a, M, pw.f32)

    @p.export
    def compute():
        gemv()
        if pe_id == 0:
            pw.fmovs(out_dsd, y_dsd, async_=True, activate=exit_task)
        else:
            pw.fadds(y_dsd, y_dsd, in_dsd, async_=True, activate=exit_task)


def layout(M: int, N: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    send_color = pw.Color(0)
    lay = pw.Layout(2, 1)
    memcpy = lay.memcpy()
    for pe_id in range(2):
        lay.set_tile_code(pe_id, 0, pe_program, memcpy_params=memcpy.get_params(pe_id), M=M,
                          N_per_PE=N // 2, pe_id=pe_id, send_color=send_color)
    lay.set_color_config(0, 0, send_color, rx=[pw.RAMP], tx=[pw.EAST])
    lay.set_color_config(1, 0, send_color, rx=[pw.WEST], tx=[pw.RAMP])
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
    N_per_PE = N // 2

    runner = SdkRuntime(name, jit=jit)
    A_symbol = runner.get_id("A")
    x_symbol = runner.get_id("x")
    y_symbol = runner.get_id("y")
    runner.load()
    runner.run()
    runner.memcpy_h2d(y_symbol, b, 0, 0, 1, 1, M, streaming=False,
                      order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    runner.memcpy_h2d(A_symbol, A.transpose().ravel(), 0, 0, 2, 1, M * N_per_PE, streaming=False,
                      order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    runner.memcpy_h2d(x_symbol, x, 0, 0, 2, 1, N_per_PE, streaming=False,
                      order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    runner.launch("compute", nonblock=False)
    y_result = np.zeros([M], dtype=np.float32)
    runner.memcpy_d2h(y_result, y_symbol, 1, 0, 1, 1, M, streaming=False,
                      order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    runner.stop()

    np.testing.assert_allclose(y_result, y_expected, atol=0.01, rtol=0)
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
    with tempfile.TemporaryDirectory(prefix="pywse-gemv06-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(11, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params={"M": 4, "N": 6}, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
