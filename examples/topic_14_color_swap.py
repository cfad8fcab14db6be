"""topic-14: color swap (port of csl-examples tutorials/topic-14-color-swap; wse2 only, as
the original: wse3 has no color swap).

A row of `width` PEs routes two colors, red (0) and blue (1), east with `color_swap_x`: a
wavelet leaving a router east or west changes color c to c ^ 1, so what leaves PE 0 on blue
arrives at PE 1 on red, at PE 2 on blue, and so on. PE 0 streams five u32 values from the
host (a data task on the H2D color) onto blue, each through an async `mov16` over a one-word
u32 buffer (a 16-bit op on 32-bit memory, which cslc accepts: it moves the low half). Every
PE adds each value it receives on red to its sum, and twice each value on blue; the host
reads the sums back: [20, 10, 20, 10] for four PEs.

The SDK's two steps, with the flags of the original's commands_wse2.sh:

    pywse compile examples/topic_14_color_swap.py --arch=wse2 --fabric-dims=11,3 \\
        --fabric-offsets=4,1 -o out --params=width:4 --params=MEMCPYH2D_DATA_1_ID:6 \\
        --memcpy --channels=1 --width-west-buf=0 --width-east-buf=0
    python examples/topic_14_color_swap.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_14_color_swap.py [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

ARCHES = ("wse2",)     # tests/conftest.py: the original runs on wse2 only


@pw.program
def pe_program(p, *, memcpy_params, red: pw.Color, blue: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    blue_oq = p.output_queue(2, blue)
    sum_ = p.var("sum", pw.u32, 1, export=True)

    @p.data_task(red)
    def red_task(in_data: pw.u32):
        sum_[0] += in_data

    @p.data_task(blue)
    def blue_task(in_data: pw.u32):
        sum_[0] += in_data * 2

    buf = p.var("buf", pw.u32, 1)
    buf_dsd = pw.mem1d(buf, extent=1)
    out_dsd = pw.fabout(blue, extent=1, queue=blue_oq)

    @p.data_task(sys_mod.MEMCPYH2D_1)
    def wtt_h2d(data: pw.u32):
        pw.block(wtt_h2d)
        buf[0] = data
        pw.mov16(out_dsd, buf_dsd, async_=True, unblock=wtt_h2d)


def layout(width: int, MEMCPYH2D_DATA_1_ID: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    red, blue = pw.Color(0), pw.Color(1)
    lay = pw.Layout(width, 1)
    memcpy = lay.memcpy(MEMCPYH2D_1=MEMCPYH2D_DATA_1_ID)
    start = dict(rx=[pw.RAMP], tx=[pw.RAMP, pw.EAST], color_swap_x=True)
    routes = dict(rx=[pw.WEST], tx=[pw.RAMP, pw.EAST], color_swap_x=True)
    end = dict(rx=[pw.WEST], tx=[pw.RAMP], color_swap_x=True)
    for pe_x in range(width):
        lay.set_tile_code(pe_x, 0, pe_program, memcpy_params=memcpy.get_params(pe_x),
                          red=red, blue=blue)
        # PE 0: the H2D task sends on blue; red's route there only mirrors blue's
        cfg = start if pe_x == 0 else end if pe_x == width - 1 else routes
        lay.set_color_config(pe_x, 0, blue, **cfg)
        lay.set_color_config(pe_x, 0, red, **cfg)
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    MEMCPYH2D_DATA_1 = int(params["MEMCPYH2D_DATA_1_ID"])
    width = int(params["width"])
    memcpy_dtype = MemcpyDataType.MEMCPY_32BIT
    runner = SdkRuntime(name, jit=jit)
    sum_symbol = runner.get_id("sum")
    runner.load()
    runner.run()
    num_elems = 5
    x = np.arange(num_elems, dtype=np.uint32)
    runner.memcpy_h2d(MEMCPYH2D_DATA_1, x, 0, 0, 1, 1, num_elems, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=True)
    result = np.zeros(width, np.uint32)
    runner.memcpy_d2h(result, sum_symbol, 0, 0, width, 1, 1, streaming=False,
                      data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=False)
    runner.stop()

    oracle = np.zeros([width], dtype=np.uint32)
    for i in range(width):
        oracle[i] = ((i + 1) % 2 + 1) * num_elems * (num_elems - 1) / 2
    np.testing.assert_equal(result, oracle)
    print("SUCCESS!")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse2", choices=["wse2"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit)
        return
    params = {"width": 4, "MEMCPYH2D_DATA_1_ID": 6}
    with tempfile.TemporaryDirectory(prefix="pywse-topic14-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(11, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
