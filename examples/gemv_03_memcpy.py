"""gemv-03: copy-mode memcpy in (port of csl-examples tutorials/gemv-03-memcpy).

The host now writes A, x and b into exported symbols with `memcpy_h2d` before launching the
DSD-based gemv of gemv-02, and reads y back.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/gemv_03_memcpy.py --arch=wse3 --fabric-dims=8,3 \\
        --fabric-offsets=4,1 -o out --memcpy --channels 1
    python examples/gemv_03_memcpy.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/gemv_03_memcpy.py [--arch wse2|wse3] [--no-jit]
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
    A = p.var("A", pw.f32, M * N, export=True)   # row major, written by the host
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
    def init_and_compute():
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
    runner.memcpy_h2d(A_symbol, A, 0, 0, 1, 1, M * N, **opts)
    runner.memcpy_h2d(x_symbol, x, 0, 0, 1, 1, N, **opts)
    runner.memcpy_h2d(b_symbol, b, 0, 0, 1, 1, M, **opts)
    runner.launch("init_and_compute", nonblock=False)
    y_result = np.zeros([M], dtype=np.float32)
    runner.memcpy_d2h(y_result, y_symbol, 0, 0, 1, 1, M, **opts)
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
    with tempfile.TemporaryDirectory(prefix="pywse-gemv03-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(8, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
