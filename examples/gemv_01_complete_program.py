"""gemv-01: a complete program on one PE (port of csl-examples tutorials/gemv-01-complete-program).

The PE initialises A (4x6 = arange), x (ones) and b (twos), computes y = A @ x + b with scalar
loops inside a host-callable function, and unblocks the command stream; the host launches it
and copies y back.

    python examples/gemv_01_complete_program.py [--arch wse2|wse3] [--no-jit]
"""
import argparse

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


def make_layout() -> pw.Layout:
    layout = pw.Layout(1, 1)
    memcpy = layout.memcpy()
    layout.set_tile_code(0, 0, pe_program, memcpy_params=memcpy.get_params(0))
    return layout


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="wse3", choices=["wse2", "wse3"])
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)

    A = np.arange(M * N, dtype=np.float32).reshape(M, N)
    x = np.full(shape=N, fill_value=1.0, dtype=np.float32)
    b = np.full(shape=M, fill_value=2.0, dtype=np.float32)
    y_expected = A @ x + b

    artifacts = pw.compile(make_layout(), arch=args.arch, fabric_dims=(8, 3),
                           fabric_offsets=(4, 1), memcpy=True, channels=1)
    runner = SdkRuntime(artifacts, jit=not args.no_jit)
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


if __name__ == "__main__":
    main()
