"""topic-12: tracing values for the host (port of csl-examples tutorials/topic-12-debug-library).

A row of four PEs. The host copies [0, 1, 2, 3, 4] into `buf` on PE (0, 0) and launches
`main_fn`; PE (0, 0) sends `buf` east one wavelet at a time. Each receiver forwards the
wavelets east (its router) and, for each, runs a data task that stores it in its own `buf`
and adds twice its value to `global`. Every PE imports `<debug>` twice: the instance `trace`
records a string at the start of each task and, on the receivers, `global` after the update;
`times` records a timestamp at the start and end of each task. After the run the host reads
both traces of every PE with `read_trace` (fabric coordinates) and checks that the receivers
recorded `global` = 0, 2, 6, 12, 20.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/topic_12_debug_library.py --arch=wse3 --fabric-dims=11,3 \\
        --fabric-offsets=4,1 --params=width:4,num_elems:5 -o out --memcpy --channels=1 \\
        --width-west-buf=0 --width-east-buf=0
    python examples/topic_12_debug_library.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_12_debug_library.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.lib.debug_util import debug_util


def traces(p):
    """The two <debug> instances each PE imports (two imports on a PE need two names)."""
    trace = p.import_module("<debug>", key="trace", buffer_size=100, name="trace")
    times = p.import_module("<debug>", key="times", buffer_size=100, name="times")
    return trace, times


@pw.program
def sender(p, *, memcpy_params, num_elems: int, comm: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    trace, times = traces(p)
    comm_oq = p.output_queue(2, comm)
    buf = p.var("buf", pw.u32, num_elems, export=True)   # the host copies the values here
    buf_dsd = pw.mem1d(buf, extent=num_elems)
    out_dsd = pw.fabout(comm, extent=1, queue=comm_oq)

    @p.local_task(8)
    def exit_task():
        trace.trace_string("Sender exiting")
        times.trace_timestamp()
        sys_mod.unblock_cmd_stream()

    @p.export
    def main_fn():
        trace.trace_string("Sender beginning main_fn")
        times.trace_timestamp()
        pw.fmovs(out_dsd, buf_dsd, async_=True, activate=exit_task)


@pw.program
def receiver(p, *, memcpy_params, num_elems: int, comm: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    trace, times = traces(p)
    comm_iq = p.input_queue(2, comm)
    total = p.var("global", pw.u32, 1)                   # CSL: var global: u32 = 0
    buf = p.var("buf", pw.u32, num_elems, export=True)   # the values received
    num_wlts_recvd = p.var("num_wlts_recvd", pw.u16, 1)

    @p.data_task(comm_iq)
    def recv_task(in_data: pw.u32):
        times.trace_timestamp()                  # task start, in `times`
        trace.trace_string("Start recv_task")
        buf[num_wlts_recvd[0]] = in_data
        total[0] += 2 * in_data
        trace.trace_u32(total[0])                # global after the update, in `trace`
        num_wlts_recvd[0] += 1
        if num_wlts_recvd[0] == num_elems:       # every wavelet in: the host may go on
            sys_mod.unblock_cmd_stream()
        times.trace_timestamp()                  # task end

    @p.export
    def main_fn():
        pass   # the receivers' work happens in recv_task


def layout(width: int, num_elems: int) -> pw.Layout:
    """The layout.csl twin: a sender and `width - 1` receivers on one row, color 0."""
    comm = pw.Color(0)
    lay = pw.Layout(width, 1)
    memcpy = lay.memcpy()
    lay.set_tile_code(0, 0, sender, memcpy_params=memcpy.get_params(0), comm=comm,
                      num_elems=num_elems)
    lay.set_color_config(0, 0, comm, rx=[pw.RAMP], tx=[pw.EAST])
    for pe_x in range(1, width):
        lay.set_tile_code(pe_x, 0, receiver, memcpy_params=memcpy.get_params(pe_x), comm=comm,
                          num_elems=num_elems)
        tx = [pw.RAMP] if pe_x == width - 1 else [pw.RAMP, pw.EAST]
        lay.set_color_config(pe_x, 0, comm, rx=[pw.WEST], tx=tx)
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(Path(name) / "out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    num_elems = int(params["num_elems"])
    width = int(params["width"])
    print(f"width = {width}")
    print(f"num_elems = {num_elems}")

    runner = SdkRuntime(name, jit=jit)
    sym_buf = runner.get_id("buf")
    runner.load()
    runner.run()
    opts = dict(streaming=False, data_type=MemcpyDataType.MEMCPY_32BIT,
                order=MemcpyOrder.ROW_MAJOR, nonblock=False)
    x = np.arange(num_elems, dtype=np.uint32)
    print("step 1: H2D copy buf to sender PE")
    runner.memcpy_h2d(sym_buf, x, 0, 0, 1, 1, num_elems, **opts)
    print("step 2: launch main_fn")
    runner.launch("main_fn", nonblock=False)
    print("step 3: D2H copy buf back from all PEs")
    out_buf = np.arange(width * num_elems, dtype=np.uint32)
    runner.memcpy_d2h(out_buf, sym_buf, 0, 0, width, 1, num_elems, **opts)
    runner.stop()      # the traces are saved with the compile output

    debug_mod = debug_util(name)
    core_offset_x, core_offset_y = 4, 1        # read_trace takes fabric coordinates
    print(f"=== dump core: core rectangle starts at {core_offset_x}, {core_offset_y}")
    result = np.zeros([width, num_elems])
    for idx in range(width):
        trace_output = debug_mod.read_trace(core_offset_x + idx, core_offset_y, "trace")
        if idx > 0:        # receivers: a string, then global, per wavelet
            result[idx, :] = trace_output[1::2]
        timestamp_output = debug_mod.read_trace(core_offset_x + idx, core_offset_y, "times")
        print("PE (", idx, ", 0): ")
        print("Trace: ", trace_output)
        print("Times: ", timestamp_output)
        print()

    # global after each update: 0, 2, 6, 12, 20 (twice the running sum of 0..4)
    oracle = np.zeros([width, num_elems])
    for i in range(1, width):
        for j in range(num_elems):
            oracle[i, j] = 2 * j * (j + 1) / 2
    np.testing.assert_equal(result, oracle)
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
    with tempfile.TemporaryDirectory(prefix="pywse-topic12-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(11, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params={"width": 4, "num_elems": 5}, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
