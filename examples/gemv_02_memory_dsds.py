"""gemv-02: memory DSDs (port of csl-examples tutorials/gemv-02-memory-dsds).

The same y = A @ x + b as gemv-01, computed with DSD operations: for each column i,
`fmacs(y, y, A[:, i], x[i])` over a strided DSD of A's column, advanced with
`increment_dsd_offset`; then `fadds(y, y, b)`.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/gemv_02_memory_dsds.py --arch=wse3 --fabric-dims=8,3 \\
        --fabric-offsets=4,1 -o out --memcpy --channels 1
    python examples/gemv_02_memory_dsds.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/gemv_02_memory_dsds.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

M, N = 4, 6


@pw.program
def pe_program(p, *, memcpy_params):
    sys_mod = p.memcpy(memcpy_params)
    A = p.var("A", pw.f32, M * N)              # row major
    x = p.var("x", pw.f32, N, init=1.0)        # CSL @constants([N]f32, 1.0)
    b = p.var("b", pw.f32, M, init=2.0)
    y = p.var("y", pw.f32, M, export=True)     # zeros
    b_dsd = pw.mem1d(b, extent=M)
    y_dsd = pw.mem1d(y, extent=M)
    A_dsd = p.dsd_var(pw.mem1d(A, extent=M, stride=N))   # A[i*N]: column 0 of A

    def initialize():
        for idx in range(M * N):
            A[idx] = idx

    def gemv():
        nonlocal A_dsd
        for i in range(N):
            pw.fmacs(y_dsd, y_dsd, A_dsd, x[i])     # y += A[:, i] * x[i]
            A_dsd = pw.increment_dsd_offset(A_dsd, 1, pw.f32)
        pw.fadds(y_dsd, y_dsd, b_dsd)

    @p.export
    def init_and_compute():
        initialize()
        gemv()
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
    with tempfile.TemporaryDirectory(prefix="pywse-gemv02-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(8, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
