"""pipeline-03: an artificial halo holds the FIFOs (port of csl-examples
tutorials/pipeline-03-multiple).

pipeline-02 spends two microthreads and a buffer on its FIFO inside the compute PE. Here the
kernel is three PEs wide: the west PE relays the H2D stream through a FIFO onto color Cin, the
middle PE adds 1 to each value (`add16` from Cin to Cout, async) and the east PE relays Cout
through a FIFO to the D2H stream. The relays are one module, `memcpy_edge`, imported by the
west and the east programs with the direction they face, as the original's memcpy_edge/*.csl
files are; its `h2d` and `d2h` halves do nothing for a color left as None (CSL's `{}`). Every
program routes its own PE (`p.set_local_color_config`): the layout sets no route.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/pipeline_03_multiple.py --arch=wse3 --fabric-dims=10,3 \\
        --fabric-offsets=4,1 --params=size:32 -o out --params=MEMCPYH2D_DATA_1_ID:0 \\
        --params=MEMCPYD2H_DATA_1_ID:1 --memcpy --channels=1 --width-west-buf=0 \\
        --width-east-buf=0
    python examples/pipeline_03_multiple.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/pipeline_03_multiple.py [--arch wse2|wse3] [--no-jit] [--size N]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.sdk_utils import input_array_to_u32, memcpy_view

INFINITE_DSD_LEN = 0x7FFF


def fifo_relay(p, name: str, src: pw.Color, iq: int, dst: pw.Color, oq: int, words: int):
    """Color `src` -> a FIFO of `words` u32 -> color `dst`: the helper that starts it (two
    async mov32s, one microthread each) for a module's `f_startup`."""
    fifo = p.fifo(p.var(name, pw.u32, words))
    recv = pw.fabin(src, extent=INFINITE_DSD_LEN, queue=p.input_queue(iq, src))
    trans = pw.fabout(dst, extent=INFINITE_DSD_LEN, queue=p.output_queue(oq, dst))

    def start():
        pw.mov32(fifo, recv, async_=True)
        pw.mov32(trans, fifo, async_=True)
    return start


def nothing():
    """A relay that is not there (its color was left as None, CSL's `{}`)."""


@pw.module
def h2d(p, *, MEMCPYH2D_1=None, MEMCPYH2D_2=None, USER_IN_1=None, USER_IN_2=None, txdir):
    """H2D stream k -> FIFO -> color USER_IN_k toward `txdir`, for each k given both."""
    start_1 = start_2 = nothing
    if USER_IN_1 is not None:
        p.set_local_color_config(USER_IN_1, rx=[pw.RAMP], tx=[txdir])
        if MEMCPYH2D_1 is not None:
            start_1 = fifo_relay(p, "fifo1_buffer", MEMCPYH2D_1, 5, USER_IN_1, 2, 256 * 20)
    if USER_IN_2 is not None:
        p.set_local_color_config(USER_IN_2, rx=[pw.RAMP], tx=[txdir])
        if MEMCPYH2D_2 is not None:
            start_2 = fifo_relay(p, "fifo2_buffer", MEMCPYH2D_2, 6, USER_IN_2, 3, 256 * 20)

    def f_startup():
        start_1()
        start_2()

    return dict(f_startup=f_startup)


@pw.module
def d2h(p, *, MEMCPYD2H_1=None, USER_OUT_1=None, rxdir):
    """Color USER_OUT_1 from `rxdir` -> FIFO -> D2H stream 1."""
    f_startup = nothing
    if USER_OUT_1 is not None:
        p.set_local_color_config(USER_OUT_1, rx=[rxdir], tx=[pw.RAMP])
        if MEMCPYD2H_1 is not None:
            f_startup = fifo_relay(p, "fifo1_buffer", USER_OUT_1, 7, MEMCPYD2H_1, 4, 256 * 40)
    return dict(f_startup=f_startup)


@pw.module
def memcpy_edge(p, *, memcpy_params, dir, USER_IN_1=None, USER_IN_2=None, USER_OUT_1=None):
    p.memcpy(memcpy_params)
    h2d_mod = p.import_module(h2d, USER_IN_1=USER_IN_1, USER_IN_2=USER_IN_2,
                              MEMCPYH2D_1=memcpy_params.MEMCPYH2D_1,
                              MEMCPYH2D_2=memcpy_params.MEMCPYH2D_2, txdir=dir)
    d2h_mod = p.import_module(d2h, USER_OUT_1=USER_OUT_1,
                              MEMCPYD2H_1=memcpy_params.MEMCPYD2H_1, rxdir=dir)

    @p.on_start
    @p.local_task(9)
    def f_startup():
        h2d_mod.f_startup()
        d2h_mod.f_startup()


@pw.program
def west(p, *, memcpy_params, USER_IN_1=None, USER_IN_2=None, USER_OUT_1=None):
    p.import_module(memcpy_edge, memcpy_params=memcpy_params, USER_IN_1=USER_IN_1,
                    USER_IN_2=USER_IN_2, USER_OUT_1=USER_OUT_1, dir=pw.EAST)


@pw.program
def east(p, *, memcpy_params, USER_IN_1=None, USER_IN_2=None, USER_OUT_1=None):
    p.import_module(memcpy_edge, memcpy_params=memcpy_params, USER_IN_1=USER_IN_1,
                    USER_IN_2=USER_IN_2, USER_OUT_1=USER_OUT_1, dir=pw.WEST)


@pw.program
def pe_program(p, *, memcpy_params, size: int, Cin: pw.Color, Cout: pw.Color):
    Cin_iq = p.input_queue(2, Cin)
    Cout_oq = p.output_queue(3, Cout)
    p.memcpy(memcpy_params)
    Cin_in_dsd = pw.fabin(Cin, extent=size, queue=Cin_iq)
    Cout_out_dsd = pw.fabout(Cout, extent=size, queue=Cout_oq)
    buf = p.const(pw.i16, [1])
    one_dsd = pw.mem1d(buf, extent=size, stride=0)

    @p.on_start
    @p.local_task(8)
    def main_task():
        pw.add16(Cout_out_dsd, Cin_in_dsd, one_dsd, async_=True)

    p.set_local_color_config(Cin, rx=[pw.WEST], tx=[pw.RAMP])
    p.set_local_color_config(Cout, rx=[pw.RAMP], tx=[pw.EAST])


def layout(size: int, MEMCPYH2D_DATA_1_ID: int, MEMCPYD2H_DATA_1_ID: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    Cin, Cout = pw.Color(6), pw.Color(7)
    lay = pw.Layout(3, 1)
    memcpy = lay.memcpy(MEMCPYH2D_1=MEMCPYH2D_DATA_1_ID, MEMCPYD2H_1=MEMCPYD2H_DATA_1_ID)
    lay.set_tile_code(0, 0, west, USER_IN_1=Cin, memcpy_params=memcpy.get_params(0))
    lay.set_tile_code(1, 0, pe_program, size=size, Cin=Cin, Cout=Cout,
                      memcpy_params=memcpy.get_params(1))
    lay.set_tile_code(2, 0, east, USER_OUT_1=Cout, memcpy_params=memcpy.get_params(2))
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`
    (seeded: the original is unseeded)."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    MEMCPYH2D_DATA_1 = int(params["MEMCPYH2D_DATA_1_ID"])
    MEMCPYD2H_DATA_1 = int(params["MEMCPYD2H_DATA_1_ID"])
    size = int(params["size"])
    memcpy_dtype = MemcpyDataType.MEMCPY_16BIT
    runner = SdkRuntime(name, jit=jit)
    runner.load()
    runner.run()
    input_tensor = np.random.default_rng(3).integers(256, size=size, dtype=np.int16)
    input_tensor_u32 = input_array_to_u32(input_tensor, 1, size)
    runner.memcpy_h2d(MEMCPYH2D_DATA_1, input_tensor_u32, 0, 0, 1, 1, size, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=True)
    output_tensor_u32 = np.zeros(size, np.uint32)
    runner.memcpy_d2h(output_tensor_u32, MEMCPYD2H_DATA_1, 2, 0, 1, 1, size, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=False)
    result_tensor = memcpy_view(output_tensor_u32, np.dtype(np.int16))
    runner.stop()

    np.testing.assert_equal(result_tensor, input_tensor + 1)
    print("SUCCESS!")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("--size", type=int, default=32, help="compile param (without --name)")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit)
        return
    params = {"size": args.size, "MEMCPYH2D_DATA_1_ID": 0, "MEMCPYD2H_DATA_1_ID": 1}
    with tempfile.TemporaryDirectory(prefix="pywse-pipeline03-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(10, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
