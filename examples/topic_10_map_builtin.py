"""topic-10: the @map builtin (port of csl-examples tutorials/topic-10-map-builtin).

One PE holds a size x size f32 matrix A (all 42.0), an i32 array B = 10, 20, ..., and a
weight vector the host copies in. The launched `f_run` does three `pw.map`s (CSL `@map`),
each a loop over DSDs without writing the loop:
1. `<math>`'s `sqrt_f32` over A's diagonal (a DSD of stride size + 1) into `sqrt_diag_A`;
2. a callback of its own over the diagonal, two numbers and the weights, written back into
   the diagonal: `value * (2 + w) + value * (6 + w)`;
3. a reduction: each element of B added to `sum[0]`, the running sum passed as a pointer
   (the one-element var `sum`, CSL's `&sum[0]`) and written back there.
The host checks all three exactly, as the original run.py does.

The SDK's two steps, with the flags of the original's commands_wse3.sh (commands_wse2.sh:
the same with --arch=wse2):

    pywse compile examples/topic_10_map_builtin.py --arch=wse3 --fabric-dims=8,3 \\
        --fabric-offsets=4,1 --params=size:5 -o out --memcpy --channels=1 \\
        --width-west-buf=0 --width-east-buf=0
    python examples/topic_10_map_builtin.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_10_map_builtin.py [--arch wse2] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime


@pw.program
def pe_program(p, *, memcpy_params, size: int):
    sys_mod = p.memcpy(memcpy_params)
    math_lib = p.import_module("<math>")

    A = p.var("A", pw.f32, (size, size), init=np.full((size, size), 42.0), export=True)
    B = p.const(pw.i32, [10, 20, 30, 40, 50])
    weight = p.var("weight", pw.f32, size, export=True)
    sqrt_diag_A = p.var("sqrt_diag_A", pw.f32, size, export=True)
    sum_ = p.var("sum", pw.i32, 1, export=True)

    dsdA = pw.mem1d(A, extent=size, stride=size + 1)       # A[i, i]
    dsdB = pw.mem1d(B, extent=size)
    dsd_sqrt_diag_A = pw.mem1d(sqrt_diag_A, extent=size)
    dsd_weight = pw.mem1d(weight, extent=size)

    def transformation(value, coeff1, coeff2, w):
        return value * (coeff1 + w) + value * (coeff2 + w)

    def reduction(value, s):
        return s[0] + value

    @p.export
    def f_run():
        pw.map(math_lib.sqrt_f32, dsdA, dsd_sqrt_diag_A)
        pw.map(transformation, dsdA, 2.0, 6.0, dsd_weight, dsdA)
        pw.map(reduction, dsdB, sum_, sum_)
        sys_mod.unblock_cmd_stream()


def layout(size: int) -> pw.Layout:
    """The layout.csl twin; its argument is the compile param."""
    lay = pw.Layout(1, 1)
    memcpy = lay.memcpy()
    lay.set_tile_code(0, 0, pe_program, memcpy_params=memcpy.get_params(0), size=size)
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        size = int(json.load(json_file)["params"]["size"])
    dtype = MemcpyDataType.MEMCPY_32BIT
    order = MemcpyOrder.COL_MAJOR
    runner = SdkRuntime(name, jit=jit)
    sym_weight, sym_sqrt = runner.get_id("weight"), runner.get_id("sqrt_diag_A")
    sym_A, sym_sum = runner.get_id("A"), runner.get_id("sum")
    runner.load()
    runner.run()

    A = np.full((5, 5), 42.0, np.float32)
    B = np.array([10, 20, 30, 40, 50], np.int32)
    np.random.seed(seed=7)
    weights = np.random.random(size).astype(np.float32)
    runner.memcpy_h2d(sym_weight, weights, 0, 0, 1, 1, size, streaming=False, data_type=dtype,
                      order=order, nonblock=False)
    runner.launch("f_run", nonblock=False)
    sqrt_result = np.zeros(size, np.float32)
    runner.memcpy_d2h(sqrt_result, sym_sqrt, 0, 0, 1, 1, size, streaming=False,
                      data_type=dtype, order=order, nonblock=False)
    sum_result = np.zeros(1, np.int32)
    runner.memcpy_d2h(sum_result, sym_sum, 0, 0, 1, 1, 1, streaming=False, data_type=dtype,
                      order=order, nonblock=False)
    A_trans_result = np.zeros(size * size, np.float32)
    runner.memcpy_d2h(A_trans_result, sym_A, 0, 0, 1, 1, size * size, streaming=False,
                      data_type=dtype, order=order, nonblock=False)
    runner.stop()

    np.testing.assert_equal(sqrt_result, np.sqrt(np.diag(A)))
    diag = np.diag(A)
    np.fill_diagonal(A, np.multiply(diag, 2.0 + weights) + np.multiply(diag, 6.0 + weights))
    np.testing.assert_equal(A_trans_result.reshape((5, 5)), A)
    np.testing.assert_equal(np.array([sum(B)], dtype=np.int32), sum_result)
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
    with tempfile.TemporaryDirectory(prefix="pywse-topic10-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(8, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params={"size": 5}, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
