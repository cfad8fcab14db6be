"""gemv-05: many PEs (port of csl-examples tutorials/gemv-05-multiple-pes).

A row of `width` PEs runs the same program (params M, N) with the memcpy params of its column;
the host copies the same A, x, b to every PE (`np.tile`) over a width x 1 region, launches
`compute` on all of them, and reads every PE's y back.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/gemv_05_multiple_pes.py --arch=wse3 --fabric-dims=11,3 \\
        --fabric-offsets=4,1 --params=M:4,N:6,width:4 -o out --memcpy --channels 1
    python examples/gemv_05_multiple_pes.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/gemv_05_multiple_pes.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime


@pw.program
def pe_program(p, *, memcpy_params, M: int, N: int):
    sys_mod = p.memcpy(memcpy_params)
    A = p.var("A", pw.f32, M * N, export=True)   # row major
    x = p.var("x", pw.f32, N, export=True)
    b = p.var("b", pw.f32, M, export=True)
    y = p.var("y", pw.f32, M, export=True)
    A_dsd = p.dsd_var(pw.mem1d(A, extent=M, stride=N))
    b_dsd = pw.mem1d(b, extent=M)
    y_dsd = pw.mem1d(y, extent=M)

    def gemv():
        nonlocal A_dsd
        for i in range(N):
            pw.fmacs(y_dsd, y_dsd, A_dsd, x[i])
            A_dsd = pw.increment_dsd_offset(A_dsd, 1, pw.f32)
        pw.fadds(y_dsd, y_dsd, b_dsd)

    @p.export
    def compute():
        gemv()
        sys_mod.unblock_cmd_stream()


def layout(M: int, N: int, width: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    lay = pw.Layout(width, 1)            # PE coordinates are (column, row)
    memcpy = lay.memcpy()
    for x in range(width):
        lay.set_tile_code(x, 0, pe_program, memcpy_params=memcpy.get_params(x), M=M, N=N)
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        compile_data = json.load(json_file)
    N = int(compile_data["params"]["N"])
    M = int(compile_data["params"]["M"])
    width = int(compile_data["params"]["width"])
    A = np.arange(M * N, dtype=np.float32)
    x = np.full(shape=N, fill_value=1.0, dtype=np.float32)
    b = np.full(shape=M, fill_value=2.0, dtype=np.float32)
    y_expected = A.reshape(M, N) @ x + b

    runner = SdkRuntime(name, jit=jit)
    A_symbol = runner.get_id("A")
    x_symbol = runner.get_id("x")
    b_symbol = runner.get_id("b")
    y_symbol = runner.get_id("y")
    runner.load()
    runner.run()
    opts = dict(streaming=False, order=MemcpyOrder.ROW_MAJOR,
                data_type=MemcpyDataType.MEMCPY_32BIT, nonblock=False)
    runner.memcpy_h2d(A_symbol, np.tile(A, width), 0, 0, width, 1, M * N, **opts)
    runner.memcpy_h2d(x_symbol, np.tile(x, width), 0, 0, width, 1, N, **opts)
    runner.memcpy_h2d(b_symbol, np.tile(b, width), 0, 0, width, 1, M, **opts)
    runner.launch("compute", nonblock=False)
    y_result = np.zeros([M * width], dtype=np.float32)
    runner.memcpy_d2h(y_result, y_symbol, 0, 0, width, 1, M, **opts)
    runner.stop()

    np.testing.assert_allclose(y_result, np.tile(y_expected, width), atol=0.01, rtol=0)
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
    with tempfile.TemporaryDirectory(prefix="pywse-gemv05-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(11, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params={"M": 4, "N": 6, "width": 4}, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
