"""topic-01: arrays and pointers (port of csl-examples tutorials/topic-01-arrays-and-pointers).

The launched `f_run` makes a function-local array `data = 1, 2, 3` (CSL `var data = [3]i16
{ 1, 2, 3 };`) and hands a helper the array and a pointer to `result[0]`. The helper adds 1
to each element through the array it was given (CSL `*[3]i16`, `(data_ptr.*)[i]`) and writes
their sum through the pointer (CSL `*i16`, `result_ptr.* = ...`): result = 2 + 3 + 4 = 9.

pywse's spelling: an array is passed as itself (the helper reads and writes the caller's
array, as through CSL's `&data`); `pw.ptr(result, 0)` is CSL's `&result[0]`, a one-element
array over that element, read and written as `result_ptr[0]` (CSL's `result_ptr.*`).

The SDK's two steps, with the flags of the original's commands_wse3.sh (commands_wse2.sh:
the same with --arch=wse2):

    pywse compile examples/topic_01_arrays_and_pointers.py --arch=wse3 --fabric-dims=8,3 \\
        --fabric-offsets=4,1 -o out --memcpy --channels=1 --width-west-buf=0 \\
        --width-east-buf=0
    python examples/topic_01_arrays_and_pointers.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_01_arrays_and_pointers.py [--arch wse2] [--no-jit]
"""
import argparse
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.sdk_utils import memcpy_view


@pw.program
def pe_program(p, *, memcpy_params):
    sys_mod = p.memcpy(memcpy_params)
    result = p.var("result", pw.i16, 1, export=True)

    def increment_and_sum(data_ptr, result_ptr):     # data_ptr: *[3]i16, result_ptr: *i16
        data_ptr[0] += 1
        data_ptr[1] += 1
        data_ptr[2] += 1
        result_ptr[0] = data_ptr[0] + data_ptr[1] + data_ptr[2]

    @p.export
    def f_run():
        data = np.array((1, 2, 3), pw.i16)
        increment_and_sum(data, pw.ptr(result, 0))
        sys_mod.unblock_cmd_stream()


def layout() -> pw.Layout:
    """The layout.csl twin."""
    lay = pw.Layout(1, 1)
    memcpy = lay.memcpy()
    lay.set_tile_code(0, 0, pe_program, memcpy_params=memcpy.get_params(0))
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    runner = SdkRuntime(name, jit=jit)
    result_symbol = runner.get_id("result")
    runner.load()
    runner.run()
    runner.launch("f_run", nonblock=False)
    out_tensors_u32 = np.zeros(1, np.uint32)
    runner.memcpy_d2h(out_tensors_u32, result_symbol, 0, 0, 1, 1, 1, streaming=False,
                      data_type=MemcpyDataType.MEMCPY_16BIT, order=MemcpyOrder.COL_MAJOR,
                      nonblock=False)
    result_tensor = memcpy_view(out_tensors_u32, np.dtype(np.int16))
    runner.stop()
    np.testing.assert_equal(result_tensor, [9])
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
    with tempfile.TemporaryDirectory(prefix="pywse-topic01-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(8, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
