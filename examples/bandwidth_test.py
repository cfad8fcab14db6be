"""bandwidth-test: timing H2D (or D2H) copies on the device (port of csl-examples
benchmarks/bandwidth-test).

Every PE of a `width` x `height` rectangle holds `A` (4096 f32) and the `<time>` counter,
started by the `sync` module at load. The host
1. calls `f_sync`: the sync module sends one wavelet from the east end of each row to its west
   end (`c_recv_px`/`c_send_px`, checkerboarded), then from the south end of column 0 to its
   north end (`c_recv_py`/`c_send_py`), then broadcasts one from PE (0, 0) to every PE
   (`c_bcast`); each PE stamps its reference clock when the broadcast arrives and calls the
   module's `f_callback` (the kernel passes memcpy's `unblock_cmd_stream`);
2. calls `f_tic` (a stamp), copies `pe_length` values per PE into `A` `loop_count` times
   (H2D, column-major; `--d2h`: D2H of `A` instead), calls `f_toc` (a stamp);
3. calls `f_memcpy_timestamps` and `f_reference_timestamps`, which pack the stamps (three
   u16 each) into 32-bit words, copies them back and prints the bandwidth, as the original.

The original's run.py asserts nothing numeric (it prints the bandwidth). This port checks
what it can: after the run it copies `A` back and compares it exactly with what the host
sent (zeros with `--d2h`), and checks on every PE that the reference clock is at most the
start stamp and the start stamp at most the end stamp (the three stamps do not decrease).
The cycles printed are pywse's engine clock (docs/libraries.md, `## <time>`): a copy-mode
memcpy costs what its words need through the I/O channels at about 7 Gbit/s each
(docs/semantics.md, "Timing"), so one channel tops out near 875 MB/s for a large copy, and
`--channels` helps until the rows run out or about 8 channels (`-m 16 -n 2 -k 1024
--channels 8`). A model of the SDK's documented figures, not a measurement of a machine.

The sync module is a user module (CSL: src/sync/layout.csl and src/sync/pe.csl): `sync_layout`
is the layout half (its `get_params(px, py)`) and `sync` the PE half, a `@pw.module` the
kernel imports. examples/row_col_broadcast.py reuses the layout (kernel and sync module with it)
and the host's timestamp helpers.

The SDK's two steps, with the flags of the original's commands_wse3.sh (commands_wse2.sh:
the same with --arch wse2):

    pywse compile examples/bandwidth_test.py --arch=wse3 --fabric-dims=12,7 \\
        --fabric-offsets=4,1 --params=width:5,height:5,pe_length:5 --params=C0_ID:0 \\
        --params=C1_ID:1 --params=C2_ID:2 --params=C3_ID:3 --params=C4_ID:4 -o=out \\
        --memcpy --channels=1 --width-west-buf=0 --width-east-buf=0
    python examples/bandwidth_test.py --name out --loop_count=1

(the original's run.py takes `-m=5 -n=5 -k=5 --latestlink out --channels=1
--width-west-buf=0 --width-east-buf=0 --run-only --loop_count=1`), or both in one run (it
compiles into a temporary directory first):

    python examples/bandwidth_test.py [--arch wse2|wse3] [--no-jit] [-m 5 -n 5 -k 5] [--d2h]
        [--channels 1]
"""
import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.lib.time import make_u48

# -- the sync module: src/sync/layout.csl --------------------------------------------------------

def sync_layout(colors, entrypoints, width: int, height: int):
    """The layout half: five colors, four local task ids; `get_params(px, py)` gives each PE
    its colors (checkerboarded along the row and the column), task ids and position."""
    C0, C1, C2, C3, C4 = colors
    STARTUP, SYNC_Y, SYNC_BCAST, EXIT = entrypoints

    def get_params(px: int, py: int) -> dict:
        c_recv_px, c_send_px = (C0, C1) if px % 2 == 0 else (C1, C0)
        c_recv_py, c_send_py = (C2, C3) if py % 2 == 0 else (C3, C2)
        return dict(c_recv_px=c_recv_px, c_send_px=c_send_px, c_recv_py=c_recv_py,
                    c_send_py=c_send_py, c_bcast=C4, STARTUP=STARTUP, SYNC_Y=SYNC_Y,
                    SYNC_BCAST=SYNC_BCAST, EXIT=EXIT, first_px=px == 0,
                    last_px=px == width - 1, first_py=py == 0, last_py=py == height - 1)
    return get_params


# -- the sync module: src/sync/pe.csl ------------------------------------------------------------

@pw.module
def sync(p, *, c_recv_px: pw.Color, c_send_px: pw.Color, c_recv_py: pw.Color,
         c_send_py: pw.Color, c_bcast: pw.Color, STARTUP: int, SYNC_Y: int, SYNC_BCAST: int,
         EXIT: int, first_px: bool, last_px: bool, first_py: bool, last_py: bool, f_callback,
         input_queues, output_queues):
    c_recv_px_iq = p.input_queue(input_queues[0], c_recv_px)
    c_send_px_oq = p.output_queue(output_queues[0], c_send_px)
    c_recv_py_iq = p.input_queue(input_queues[1], c_recv_py)
    c_send_py_oq = p.output_queue(output_queues[1], c_send_py)
    c_bcast_iq = p.input_queue(input_queues[2], c_bcast)
    c_bcast_oq = p.output_queue(input_queues[2], c_bcast)    # sic: the input queue's number

    timestamp = p.import_module("<time>")
    tscRefBuffer = p.var("tscRefBuffer", pw.u16, timestamp.tsc_size_words)
    buf = p.var("buf", pw.f32, 1)
    mem_buf_dsd = pw.mem1d(buf, extent=1)
    fab_recv_data_px_wdsd = pw.fabin(c_recv_px, extent=1, queue=c_recv_px_iq)
    fab_trans_data_px_wdsd = pw.fabout(c_send_px, extent=1, queue=c_send_px_oq)
    fab_recv_data_py_wdsd = pw.fabin(c_recv_py, extent=1, queue=c_recv_py_iq)
    fab_trans_data_py_wdsd = pw.fabout(c_send_py, extent=1, queue=c_send_py_oq)
    fab_recv_data_bcast_wdsd = pw.fabin(c_bcast, extent=1, queue=c_bcast_iq)
    fab_trans_data_bcast_wdsd = pw.fabout(c_bcast, extent=1, queue=c_bcast_oq)

    @p.local_task(EXIT)
    def f_exit():
        timestamp.get_timestamp(tscRefBuffer)
        f_callback()

    @p.local_task(SYNC_BCAST)
    def f_sync_bcast():
        if first_px and first_py:       # P0.0 sends the signal
            pw.mov32(fab_trans_data_bcast_wdsd, mem_buf_dsd, async_=True, activate=f_exit)
        else:                           # the others wait for it
            pw.mov32(mem_buf_dsd, fab_recv_data_bcast_wdsd, async_=True, activate=f_exit)

    @p.local_task(SYNC_Y)
    def f_sync_y():
        if first_px:                    # the first column syncs along y
            if last_py:                 # py = height-1: send the signal
                pw.mov32(fab_trans_data_py_wdsd, mem_buf_dsd, async_=True,
                         activate=f_sync_bcast)
            elif first_py:              # py = 0: receive it
                pw.mov32(mem_buf_dsd, fab_recv_data_py_wdsd, async_=True,
                         activate=f_sync_bcast)
            else:                       # receive it and forward it north
                pw.mov32(fab_trans_data_py_wdsd, fab_recv_data_py_wdsd, async_=True,
                         activate=f_sync_bcast)
        else:                           # the other PEs wait for the broadcast
            pw.activate(f_sync_bcast)

    def f_sync():
        """Sync a row, then column 0, then broadcast from P0.0 (a helper of the kernel's
        exported f_sync)."""
        if last_px:                     # px = width-1: send the signal
            pw.mov32(fab_trans_data_px_wdsd, mem_buf_dsd, async_=True, activate=f_sync_y)
        elif first_px:                  # px = 0: receive it
            pw.mov32(mem_buf_dsd, fab_recv_data_px_wdsd, async_=True, activate=f_sync_y)
        else:                           # receive it and forward it west
            pw.mov32(fab_trans_data_px_wdsd, fab_recv_data_px_wdsd, async_=True,
                     activate=f_sync_y)

    @p.on_start
    @p.local_task(STARTUP)
    def f_startup():
        timestamp.enable_tsc()

    # the routes of this PE (CSL's comptime @set_local_color_config blocks)
    if first_px:                        # receive from the east
        p.set_local_color_config(c_recv_px, rx=[pw.EAST], tx=[pw.RAMP])
    elif last_px:                       # send to the west
        p.set_local_color_config(c_send_px, rx=[pw.RAMP], tx=[pw.WEST])
    else:
        p.set_local_color_config(c_recv_px, rx=[pw.EAST], tx=[pw.RAMP])
        p.set_local_color_config(c_send_px, rx=[pw.RAMP], tx=[pw.WEST])
    if first_py:                        # receive from the south
        p.set_local_color_config(c_recv_py, rx=[pw.SOUTH], tx=[pw.RAMP])
    elif last_py:                       # send to the north
        p.set_local_color_config(c_send_py, rx=[pw.RAMP], tx=[pw.NORTH])
    else:
        p.set_local_color_config(c_recv_py, rx=[pw.SOUTH], tx=[pw.RAMP])
        p.set_local_color_config(c_send_py, rx=[pw.RAMP], tx=[pw.NORTH])
    if first_px:
        if first_py:                    # P0,0: east and south
            p.set_local_color_config(c_bcast, rx=[pw.RAMP], tx=[pw.EAST, pw.SOUTH])
        elif last_py:
            p.set_local_color_config(c_bcast, rx=[pw.NORTH], tx=[pw.EAST, pw.RAMP])
        else:
            p.set_local_color_config(c_bcast, rx=[pw.NORTH], tx=[pw.EAST, pw.RAMP, pw.SOUTH])
    elif last_px:
        p.set_local_color_config(c_bcast, rx=[pw.WEST], tx=[pw.RAMP])
    else:
        p.set_local_color_config(c_bcast, rx=[pw.WEST], tx=[pw.EAST, pw.RAMP])

    return dict(f_sync=f_sync, tscRefBuffer=tscRefBuffer)


# -- src/bw_sync_kernel.csl ----------------------------------------------------------------------

@pw.program
def bw_sync_kernel(p, *, memcpyParams, syncParams: dict, pe_length: int):
    timestamp = p.import_module("<time>")
    tscStartBuffer = p.var("tscStartBuffer", pw.u16, timestamp.tsc_size_words)
    tscEndBuffer = p.var("tscEndBuffer", pw.u16, timestamp.tsc_size_words)
    sys_mod = p.memcpy(memcpyParams)

    sync_mod = p.import_module(sync, **syncParams, f_callback=sys_mod.unblock_cmd_stream,
                               input_queues=(2, 3, 4), output_queues=(2, 3, 4))
    size = 1024 * 4
    assert pe_length <= size, f"pe_length {pe_length} > {size}"
    p.var("A", pw.f32, size, export=True)
    time_buf = p.var("time_memcpy", pw.f32, 3, export=True)   # two stamps' 6 u16, packed
    time_ref = p.var("time_ref", pw.f32, 2, export=True)      # the reference stamp, packed

    @p.export
    def f_tic():
        timestamp.get_timestamp(tscStartBuffer)
        sys_mod.unblock_cmd_stream()

    @p.export
    def f_toc():
        timestamp.get_timestamp(tscEndBuffer)
        sys_mod.unblock_cmd_stream()

    @p.export
    def f_memcpy_timestamps():
        # word 0 = {start[1], start[0]}, word 1 = {end[0], start[2]}, word 2 = {end[2], end[1]}
        time_buf[0] = pw.bitcast(pw.f32, (pw.u32(tscStartBuffer[1]) << 16)
                                 | pw.u32(tscStartBuffer[0]))
        time_buf[1] = pw.bitcast(pw.f32, (pw.u32(tscEndBuffer[0]) << 16)
                                 | pw.u32(tscStartBuffer[2]))
        time_buf[2] = pw.bitcast(pw.f32, (pw.u32(tscEndBuffer[2]) << 16)
                                 | pw.u32(tscEndBuffer[1]))
        sys_mod.unblock_cmd_stream()

    @p.export
    def f_sync():
        sync_mod.f_sync()          # sync all PEs and stamp the reference clock

    @p.export
    def f_reference_timestamps():
        # word 0 = {ref[1], ref[0]}, word 1 = {0, ref[2]}
        ref = sync_mod.tscRefBuffer
        time_ref[0] = pw.bitcast(pw.f32, (pw.u32(ref[1]) << 16) | pw.u32(ref[0]))
        time_ref[1] = pw.bitcast(pw.f32, pw.u32(ref[2]))
        sys_mod.unblock_cmd_stream()


# -- src/bw_sync_layout.csl ----------------------------------------------------------------------

STARTUP, SYNC_Y, SYNC_BCAST, EXIT = 15, 16, 17, 18


def layout(width: int, height: int, pe_length: int, C0_ID: int, C1_ID: int, C2_ID: int,
           C3_ID: int, C4_ID: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params (row-col-broadcast's
    layout.csl is the same: examples/row_col_broadcast.py uses this one)."""
    # H2D/D2H colors must be below 15, the smallest of the entrypoints
    assert C0_ID < C1_ID < C2_ID < C3_ID < C4_ID, "need C0_ID < C1_ID < ... < C4_ID"
    colors = [pw.Color(c) for c in (C0_ID, C1_ID, C2_ID, C3_ID, C4_ID)]
    lay = pw.Layout(width, height)
    memcpy = lay.memcpy()
    get_sync_params = sync_layout(colors, (STARTUP, SYNC_Y, SYNC_BCAST, EXIT), width, height)
    for py in range(height):
        for px in range(width):
            lay.set_tile_code(px, py, bw_sync_kernel, memcpyParams=memcpy.get_params(px),
                              pe_length=pe_length, syncParams=get_sync_params(px, py))
    return lay


# -- the host: run.py ----------------------------------------------------------------------------

def hwl_2_oned_colmajor(A_hwl: np.ndarray) -> np.ndarray:
    """A[height][width][pe_length] as one column-major vector (height varies fastest)."""
    return np.ascontiguousarray(A_hwl.transpose(2, 1, 0)).ravel()


def unpack_timestamps(time_memcpy: np.ndarray, time_ref: np.ndarray):
    """(start, end, ref) cycles per PE from the packed words: time_memcpy (h, w, 3) and
    time_ref (h, w, 2) as the host received them (f32 arrays holding the bits)."""
    words = time_memcpy.view(np.uint32).astype(np.int64)
    halves = np.stack([words & 0xFFFF, words >> 16], axis=-1).reshape(*words.shape[:2], 6)
    start, end = make_u48(halves[..., 0:3]), make_u48(halves[..., 3:6])
    ref_words = time_ref.view(np.uint32).astype(np.int64)
    ref = make_u48(np.stack([ref_words[..., 0] & 0xFFFF, ref_words[..., 0] >> 16,
                             ref_words[..., 1] & 0xFFFF], axis=-1))
    return start, end, ref


def read_timestamps(runner, width: int, height: int):
    """Steps 5-8 of run.py: pack the stamps on the device, copy them back, unpack them."""
    opts = dict(streaming=False, data_type=MemcpyDataType.MEMCPY_32BIT,
                order=MemcpyOrder.ROW_MAJOR, nonblock=False)
    print("step 5: prepare (time_start, time_end)")
    runner.call("f_memcpy_timestamps", [], nonblock=False)
    print("step 6: D2H (time_start, time_end)")
    time_memcpy = np.zeros(height * width * 3, np.float32)
    runner.memcpy_d2h(time_memcpy, runner.get_id("time_memcpy"), 0, 0, width, height, 3, **opts)
    print("step 7: prepare reference clock")
    runner.call("f_reference_timestamps", [], nonblock=False)
    print("step 8: D2H reference clock")
    time_ref = np.zeros(height * width * 2, np.float32)
    runner.memcpy_d2h(time_ref, runner.get_id("time_ref"), 0, 0, width, height, 2, **opts)
    return unpack_timestamps(time_memcpy.reshape(height, width, 3),
                             time_ref.reshape(height, width, 2))


def report_bandwidth(start, end, ref, wvlts: int, loop_count: int) -> tuple[int, float]:
    """run.py's figures: the stamps shifted by the reference clock (less the propagation
    delay px + py), the cycles from the first start to the last end, the bandwidth; printed
    as run.py prints them and returned as (cycles_send, MB/s) for tests and sweeps."""
    height, width = ref.shape
    ref = ref - (np.arange(width)[None, :] + np.arange(height)[:, None])  # propagation delay
    cycles_send = (end - ref).max() - (start - ref).min()
    time_send = (cycles_send / 0.85) * 1.0e-3        # us at 850 MHz
    print(f"wvlts = {wvlts}, loop_count = {loop_count}")
    print(f"cycles_send = {cycles_send} cycles")
    bandwidth = ((wvlts * 4) / time_send) * loop_count if cycles_send > 0 else 0.0
    if cycles_send > 0:
        print(f"time_send = {time_send} us")
        print(f"bandwidth = {bandwidth} MB/S ")
    return int(cycles_send), bandwidth


def run(name: str, loop_count: int = 1, d2h: bool = False,
        jit: bool | None = None) -> tuple[int, float]:
    """The host side, as in the original run.py, on the compile output directory `name`,
    plus this port's checks (the docstring); returns (cycles_send, MB/s)."""
    with open(Path(name) / "out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    width, height, pe_length = (int(params[k]) for k in ("width", "height", "pe_length"))
    print(f"width = {width}, height = {height}, pe_length={pe_length}, "
          f"loop_count = {loop_count}")
    A = np.arange(height * width * pe_length, dtype=np.float32).reshape(height, width, pe_length)
    A_1d = hwl_2_oned_colmajor(A)
    opts = dict(streaming=False, data_type=MemcpyDataType.MEMCPY_32BIT,
                order=MemcpyOrder.COL_MAJOR)

    runner = SdkRuntime(name, jit=jit)
    symbol_A = runner.get_id("A")
    runner.load()
    runner.run()
    print("step 1: sync() synchronizes all PEs and records reference clock")
    runner.call("f_sync", [], nonblock=True)
    print("step 2: tic() records time_start")
    runner.call("f_tic", [], nonblock=True)
    E_1d = np.zeros(height * width * pe_length, np.float32)
    for j in range(loop_count):
        print(f"step 3: measure {'D2H' if d2h else 'H2D'} with loop_count = {loop_count}, "
              f"{j}-th")
        if d2h:
            runner.memcpy_d2h(E_1d, symbol_A, 0, 0, width, height, pe_length, **opts,
                              nonblock=False)
        else:
            runner.memcpy_h2d(symbol_A, A_1d, 0, 0, width, height, pe_length, **opts,
                              nonblock=True)
    print("step 4: toc() records time_end")
    runner.call("f_toc", [], nonblock=False)
    start, end, ref = read_timestamps(runner, width, height)
    print("check: D2H(A) returns what the host sent")
    runner.memcpy_d2h(E_1d, symbol_A, 0, 0, width, height, pe_length, **opts, nonblock=False)
    runner.stop()

    # this port's checks (the original asserts nothing): A holds exactly what the host sent
    # (zeros when only D2H ran), and on every PE the stamps do not decrease
    expected = np.zeros_like(A_1d) if d2h else A_1d
    np.testing.assert_array_equal(E_1d, expected)
    assert (ref <= start).all() and (start <= end).all(), (ref, start, end)
    figures = report_bandwidth(start, end, ref, height * width * pe_length, loop_count)
    print("SUCCESS!")
    return figures


def main(argv=None) -> tuple[int, float]:
    """The command line; returns (cycles_send, MB/s) of the run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("-m", type=int, default=5, help="rows (height), without --name")
    parser.add_argument("-n", type=int, default=5, help="columns (width), without --name")
    parser.add_argument("-k", type=int, default=5, help="pe_length, without --name")
    parser.add_argument("--channels", type=int, default=1,
                        help="memcpy I/O channels (1..16), without --name")
    parser.add_argument("--loop_count", type=int, default=1, help="back-to-back H2D/D2H")
    parser.add_argument("--d2h", action="store_true", help="measure D2H (default: H2D)")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        return run(args.name, args.loop_count, args.d2h, jit)
    params = dict(width=args.n, height=args.m, pe_length=args.k,
                  C0_ID=0, C1_ID=1, C2_ID=2, C3_ID=3, C4_ID=4)
    with tempfile.TemporaryDirectory(prefix="pywse-bandwidth-") as out:
        # run.py's smallest fabric: 4 columns west of the core (memcpy), 3 east, 1 row each side
        fabric_dims = (4 + args.n + 3, 1 + args.m + 1)
        pw.compile(layout, arch=args.arch, fabric_dims=fabric_dims, fabric_offsets=(4, 1),
                   memcpy=True, channels=args.channels, params=params, out_dir=out)
        return run(out, args.loop_count, args.d2h, jit)


if __name__ == "__main__":
    main()
