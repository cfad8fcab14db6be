"""gemv-01: a complete program on one PE (port of csl-examples tutorials/gemv-01-complete-program).

The PE initialises A (4x6 = arange), x (ones) and b (twos), computes y = A @ x + b with scalar
loops inside a host-callable function, and unblocks the command stream; the host launches it
and copies y back.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/gemv_01_complete_program.py --arch=wse3 --fabric-dims=8,3 \\
        --fabric-offsets=4,1 -o out --memcpy --channels 1
    python examples/gemv_01_complete_program.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/gemv_01_complete_program.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

M, N = 4, 6  # matrix dimensions (constants of the program, as in the CSL original)


@pw.program
def pe_program(p, *, memcpy_params):
    sys_mod = p.memcpy(memcpy_params)
    A = p.var("A", pw.f32, M * N)          # row major
    x = p.var("x", pw.f32, N)
    b = p.var("b", pw.f32, M)
    y = p.var("y", pw.f32, M, export=True)  # host-readable

    def initialize():
        for idx in range(M * N):
            A[idx] = idx
        for j in range(N):
            x[j] = 1.0
        i = 0
        while i < M:
            b[i] = 2.0
            y[i] = 0.0
            i += 1

    def gemv():
        for i in range(M):
            tmp = pw.f32(0.0)
            for j in range(N):
                tmp += A[i * N + j] * x[j]
            y[i] = tmp + b[i]

    @p.export
    def init_and_compute():
        initialize()
        gemv()
        # every host-callable function must end by unblocking memcpy's command stream
        sys_mod.unblock_cmd_stream()


def layout() -> pw.Layout:
    """The layout.csl twin."""
    lay = pw.Layout(1, 1)
    memcpy = lay.memcpy()
    lay.set_tile_code(0, 0, pe_program, memcpy_params=memcpy.get_params(0))
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    A = np.arange(M * N, dtype=np.float32).reshape(M, N)
    x = np.full(shape=N, fill_value=1.0, dtype=np.float32)
    b = np.full(shape=M, fill_value=2.0, dtype=np.float32)
    y_expected = A @ x + b

    runner = SdkRuntime(name, jit=jit)
    y_symbol = runner.get_id("y")
    runner.load()
    runner.run()
    runner.launch("init_and_compute", nonblock=False)
    y_result = np.zeros([1 * 1 * M], dtype=np.float32)
    runner.memcpy_d2h(y_result, y_symbol, 0, 0, 1, 1, M, streaming=False,
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
    with tempfile.TemporaryDirectory(prefix="pywse-gemv01-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(8, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
