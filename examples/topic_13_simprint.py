"""topic-13: printing to the simulator's log (port of csl-examples tutorials/topic-13-simprint).

A row of four PEs. The host copies [0, 1, 2, 3, 4] into `buf` on PE (0, 0) and launches
`main_fn`; PE (0, 0) prints a line with `<simprint>`, sends `buf` east one wavelet at a time
and prints again when the send completes. Each receiver forwards the wavelets east (its
router) and, for each, runs a data task that stores it in its own `buf`, adds twice its value
to `global` and prints its coordinates, the value and `global` (the line is written out at its
"\\n"). The host copies every PE's `buf` back and checks that each equals the input.

When the run stops, the simprint lines appear as sim.log has them, `@<cycle> PE(x,y): ...`
(`PYWSE_SIM_LOG=sim.log` writes them to that file instead: docs/libraries.md).

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/topic_13_simprint.py --arch=wse3 --fabric-dims=11,3 \\
        --fabric-offsets=4,1 --params=width:4,num_elems:5 -o out --memcpy --channels=1 \\
        --width-west-buf=0 --width-east-buf=0
    python examples/topic_13_simprint.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_13_simprint.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime


@pw.program
def sender(p, *, memcpy_params, num_elems: int, comm: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    prt = p.import_module("<simprint>")
    comm_oq = p.output_queue(2, comm)
    buf = p.var("buf", pw.u32, num_elems, export=True)   # the host copies the values here
    buf_dsd = pw.mem1d(buf, extent=num_elems)
    out_dsd = pw.fabout(comm, extent=1, queue=comm_oq)

    @p.local_task(8)
    def exit_task():
        prt.print_string("PE(0,0): sender exiting\n")
        sys_mod.unblock_cmd_stream()

    @p.export
    def main_fn():
        prt.print_string("PE(0,0): sender beginning main_fn\n")
        pw.fmovs(out_dsd, buf_dsd, async_=True, activate=exit_task)


@pw.program
def receiver(p, *, memcpy_params, num_elems: int, comm: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    prt = p.import_module("<simprint>")
    comm_iq = p.input_queue(2, comm)
    total = p.var("global", pw.u32, 1)                   # CSL: var global: u32 = 0
    buf = p.var("buf", pw.u32, num_elems, export=True)   # the values received
    num_wlts_recvd = p.var("num_wlts_recvd", pw.u16, 1)
    x, y = p.x, p.y            # CSL: layout_mod.get_x_coord(), get_y_coord()

    def simprint_pe_coords():
        # no newline: the text waits in the PE's print buffer until one comes
        prt.print_string("PE(")
        prt.print_u16_decimal(x)
        prt.print_string(",")
        prt.print_u16_decimal(y)
        prt.print_string("): ")

    @p.data_task(comm_iq)
    def recv_task(in_data: pw.u32):
        simprint_pe_coords()
        prt.print_string("recv_task: in_data = ")
        prt.print_u32_decimal(in_data)
        buf[num_wlts_recvd[0]] = in_data
        total[0] += 2 * in_data
        prt.print_string(", global = ")
        prt.print_u32_decimal(total[0])
        prt.print_string("\n")
        num_wlts_recvd[0] += 1
        if num_wlts_recvd[0] == num_elems:   # every wavelet in: the host may go on
            sys_mod.unblock_cmd_stream()

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
    runner.stop()      # prints the simprint lines

    # every receiver stored what the sender sent, so each PE's buf equals x
    np.testing.assert_equal(np.tile(x, (width, 1)), out_buf.reshape(width, num_elems))
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
    with tempfile.TemporaryDirectory(prefix="pywse-topic13-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(11, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params={"width": 4, "num_elems": 5}, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
