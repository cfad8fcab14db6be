"""topic-15: wse3 microthreads (port of csl-examples tutorials/topic-15-wse3-microthreads;
wse3 only, as the original: wse2 has no microthread ids).

Two PEs. The host copies y = 0..9 into the left PE and launches `compute` on both: the left
PE sends y east with an async `fmovs` on output queue 2, the right PE receives it into its
own y with an async `fmovs` from input queue 2. Each op names its microthread with
`ut_id=` (the left's 4, the right's 5, from `pw.get_ut_id`) instead of running on its
queue's microthread (2), and activates `exit_task`, which unblocks the host's next command.
The host reads y back from the right PE: 0..9.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/topic_15_wse3_microthreads.py --arch=wse3 --fabric-dims=11,3 \\
        --fabric-offsets=4,1 -o out --memcpy --channels=1
    python examples/topic_15_wse3_microthreads.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_15_wse3_microthreads.py [--no-jit]
"""
import argparse
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

ARCHES = ("wse3",)     # tests/conftest.py: the original runs on wse3 only

M = 10


@pw.program
def left_pe(p, *, memcpy_params, send_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    send_color_oq = p.output_queue(2, send_color)
    send_color_ut = pw.get_ut_id(4)
    y = p.var("y", pw.f32, M, export=True)
    y_dsd = pw.mem1d(y, extent=M)
    out_dsd = pw.fabout(send_color, extent=M, queue=send_color_oq)

    @p.local_task(9)
    def exit_task():
        sys_mod.unblock_cmd_stream()

    @p.export
    def compute():
        pw.fmovs(out_dsd, y_dsd, async_=True, ut_id=send_color_ut, activate=exit_task)


@pw.program
def right_pe(p, *, memcpy_params, recv_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    recv_color_iq = p.input_queue(2, recv_color)
    recv_color_ut = pw.get_ut_id(5)
    y = p.var("y", pw.f32, M, export=True)
    y_dsd = pw.mem1d(y, extent=M)
    in_dsd = pw.fabin(recv_color, extent=M, queue=recv_color_iq)

    @p.local_task(9)
    def exit_task():
        sys_mod.unblock_cmd_stream()

    @p.export
    def compute():
        pw.fmovs(y_dsd, in_dsd, async_=True, ut_id=recv_color_ut, activate=exit_task)


def layout() -> pw.Layout:
    """The layout.csl twin."""
    send_color = pw.Color(0)
    lay = pw.Layout(2, 1)
    memcpy = lay.memcpy()
    lay.set_tile_code(0, 0, left_pe, memcpy_params=memcpy.get_params(0), send_color=send_color)
    lay.set_color_config(0, 0, send_color, rx=[pw.RAMP], tx=[pw.EAST])
    lay.set_tile_code(1, 0, right_pe, memcpy_params=memcpy.get_params(1), recv_color=send_color)
    lay.set_color_config(1, 0, send_color, rx=[pw.WEST], tx=[pw.RAMP])
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    y = np.arange(M, dtype=np.float32)
    runner = SdkRuntime(name, jit=jit)
    y_symbol = runner.get_id("y")
    runner.load()
    runner.run()
    runner.memcpy_h2d(y_symbol, y, 0, 0, 1, 1, M, streaming=False, order=MemcpyOrder.ROW_MAJOR,
                      data_type=MemcpyDataType.MEMCPY_32BIT, nonblock=False)
    runner.launch("compute", nonblock=False)
    y_result = np.zeros([M], dtype=np.float32)
    runner.memcpy_d2h(y_result, y_symbol, 1, 0, 1, 1, M, streaming=False,
                      order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    runner.stop()
    np.testing.assert_allclose(y_result, y, atol=0.01, rtol=0)
    print("SUCCESS!")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit)
        return
    with tempfile.TemporaryDirectory(prefix="pywse-topic15-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(11, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
