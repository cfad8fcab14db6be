"""topic-07: switches and control-task entry points (port of csl-examples
tutorials/topic-07-switches-entrypt).

The center PE of a 3x3 grid sends four control wavelets on one color. Its router's switch
starts at position 1 (tx WEST) and each wavelet, a SWITCH_ADV command, is routed with the
current position before the switch moves on (WEST, EAST, SOUTH, then wraps to NORTH). Each
control wavelet names control task 40 and carries 16 data bits; the receiving PE runs that
task, which stores the data. Receivers unblock their input queue at comptime, since no data
task is bound to it.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/topic_07_switches_entrypt.py --arch=wse3 --fabric-dims=10,5 \\
        --fabric-offsets=4,1 -o out --memcpy --channels=1 --width-west-buf=0 \\
        --width-east-buf=0
    python examples/topic_07_switches_entrypt.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_07_switches_entrypt.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

RECV_CTRL_ID = 40


@pw.program
def send(p, *, memcpy_params, tx_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    ctrl = p.import_module("<control>")
    tx_oq = p.output_queue(2, tx_color)
    tx_ctrl_dsd = pw.fabout(tx_color, extent=1, queue=tx_oq, control=True)

    @p.export
    def main_fn():
        adv = ctrl.opcode.SWITCH_ADV
        pw.mov32(tx_ctrl_dsd, ctrl.encode_single_payload(adv, False, RECV_CTRL_ID, 0))
        pw.mov32(tx_ctrl_dsd, ctrl.encode_single_payload(adv, False, RECV_CTRL_ID, 2))
        pw.mov32(tx_ctrl_dsd, ctrl.encode_single_payload(adv, False, RECV_CTRL_ID, 4))
        pw.mov32(tx_ctrl_dsd, ctrl.encode_single_payload(adv, False, RECV_CTRL_ID, 6))
        sys_mod.unblock_cmd_stream()


@pw.program
def recv(p, *, memcpy_params, rx_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    rx_iq = p.input_queue(2, rx_color)
    result = p.var("result", pw.u32, 1, export=True)
    p.unblock(rx_iq)   # no data task on this queue: unblock it for control wavelets

    @p.export
    def main_fn():
        sys_mod.unblock_cmd_stream()

    @p.control_task(RECV_CTRL_ID)
    def recv_ctrl_task(data: pw.u16):
        result[0] = data


@pw.program
def empty(p, *, memcpy_params):
    sys_mod = p.memcpy(memcpy_params)

    @p.export
    def main_fn():
        sys_mod.unblock_cmd_stream()


def layout() -> pw.Layout:
    """The layout.csl twin."""
    channel = pw.Color(0)
    lay = pw.Layout(3, 3)
    memcpy = lay.memcpy()
    lay.set_tile_code(1, 1, send, memcpy_params=memcpy.get_params(1), tx_color=channel)
    switches = pw.Switches(pos1=pw.SwitchPos(tx=pw.WEST), pos2=pw.SwitchPos(tx=pw.EAST),
                           pos3=pw.SwitchPos(tx=pw.SOUTH), current_switch_pos=1, ring_mode=True)
    lay.set_color_config(1, 1, channel, rx=[pw.RAMP], tx=[pw.NORTH], switches=switches)
    for (x, y), side in {(1, 0): pw.SOUTH, (0, 1): pw.EAST, (2, 1): pw.WEST,
                         (1, 2): pw.NORTH}.items():
        lay.set_tile_code(x, y, recv, memcpy_params=memcpy.get_params(x), rx_color=channel)
        lay.set_color_config(x, y, channel, rx=[side], tx=[pw.RAMP])
    for x, y in ((0, 0), (2, 0), (0, 2), (2, 2)):
        lay.set_tile_code(x, y, empty, memcpy_params=memcpy.get_params(x))
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    runner = SdkRuntime(name, jit=jit)
    result_symbol = runner.get_id("result")
    runner.load()
    runner.run()
    runner.launch("main_fn", nonblock=False)
    results = {}
    for side, (x, y) in {"west": (0, 1), "east": (2, 1), "south": (1, 2),
                         "north": (1, 0)}.items():
        results[side] = np.zeros([1], dtype=np.uint32)
        runner.memcpy_d2h(results[side], result_symbol, x, y, 1, 1, 1, streaming=False,
                          order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                          nonblock=False)
    runner.stop()

    np.testing.assert_equal(0, results["west"])
    np.testing.assert_equal(2, results["east"])
    np.testing.assert_equal(4, results["south"])
    np.testing.assert_equal(6, results["north"])
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
    with tempfile.TemporaryDirectory(prefix="pywse-topic07-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(10, 5), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
