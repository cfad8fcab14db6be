"""histogram-torus: a histogram of values spread over the kernel, routed on torus rings (port
of csl-examples benchmarks/histogram-torus; wse2 only, as the original).

Each PE of a HIST_WIDTH x HIST_HEIGHT kernel holds INPUT_SIZE values and NUM_BUCKETS buckets
of width BUCKET_SIZE; bucket b of PE (x, y) counts the values in
[(n*NB + b)*BS, (n*NB + b + 1)*BS) with n = y*HIST_WIDTH + x. A PE sends each value to the
PE owning its bucket in two hops: along its column to the right row, then along that row.
Every column and every row is a ring (even PEs pass wavelets one way, odd PEs the other, on
four colors per direction, as `TorusRoutes` says), and each PE forwards what is not its own
through a software FIFO per direction. A wavelet is `y:10 | x:10 | bucket:12` on the vertical
hop and `x:10 | 0:10 | bucket:12` on the horizontal one.

The kernel never knows locally that all values have landed: `<kernels/tally>` does. Each PE
calls `signal_completion()` once it has sent its last value and `bump_tally(1)` per value
it keeps; when the tally reaches HIST_WIDTH*HIST_HEIGHT*INPUT_SIZE, PE (HIST_WIDTH-1, 0)
runs its callback task, which streams the total to the host on MEMCPYD2H_1. The host checks
that number and the buckets exactly against its own histogram.

Where pywse differs: memcpy reserves output queue 0 (the original sends local values north
on it), and each of this port's fabouts binds its queue to its color with `p.output_queue`
(the original's exit shares queue 1 with the northward forwarding; pywse's wse2 queues can be
shared too, by fabouts that name the queue, `pw.fabout(c, 1, queue=1)`, docs/semantics.md),
so the local values go north on output queue 5 and the exit streams on queue 4, which the
tally leaves free at PE (w-1, 0) since it has a callback there; that task is bound on that
PE only, the one that runs it. `<kernels/tally>`'s cycles are pywse's
own (docs/libraries.md).

The SDK's two steps, with the flags of the original's commands_wse2.sh:

    pywse compile examples/histogram_torus.py --arch=wse2 \\
        --params=INPUT_SIZE:16,HIST_WIDTH:8,HIST_HEIGHT:8,NUM_BUCKETS:4,BUCKET_SIZE:2 \\
        --colors=OUT_COLOR:8 --fabric-dims=15,10 --fabric-offsets=4,1 -o out \\
        --params=MEMCPYH2D_DATA_1_ID:10 --params=MEMCPYD2H_DATA_1_ID:11 \\
        --memcpy --channels=1 --width-west-buf=0 --width-east-buf=0
    python examples/histogram_torus.py --name out      # or: pywse run run.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/histogram_torus.py [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.lib import directions  # routes.csl: @import_module("<directions>")

ARCHES = ("wse2",)     # tests/conftest.py: the original runs on wse2 only

FIFO_BITS = 11                      # each forwarding FIFO holds 2**11 wavelets
FIFO_SIZE = 1 << FIFO_BITS
FIFO_MASK = FIFO_SIZE - 1
TALLY_EXIT, START, SENDER_NS, SENDER_WE = 15, 24, 25, 26      # local task ids
# output queues (the original's 0, 1, 2, 3 for these four, 1 for the exit: see the docstring)
Q_NS_INPUTS, Q_NS_SENDER, Q_WE_INPUTS, Q_WE_SENDER, Q_EXIT = 5, 1, 2, 3, 4


class TorusRoutes:
    """routes.csl: the rings of one direction (every column, or every row) on four colors
    from `first_color`. 'c1'/'c2' alternate to carry wavelets from `from_dir` toward its
    opposite, 'c3'/'c4' back; PE 0 receives c4 and sends c1, the last PE turns around on
    colors that depend on `last_pe % 4`, the PEs between alternate."""

    def __init__(self, first_color: int, last_pe: int, from_dir):
        self.c1, self.c2, self.c3, self.c4 = (pw.Color(first_color + k) for k in range(4))
        self.last_pe, self.FROM, self.TO = last_pe, from_dir, directions.flip(from_dir)
        self.first_color = first_color

    def next_available_color(self) -> int:
        return self.first_color + 4

    def get_colors(self, pe: int) -> tuple[pw.Color, pw.Color]:
        """(recv, send) colors of PE `pe` on its ring."""
        c1, c2, c3, c4 = self.c1, self.c2, self.c3, self.c4
        if pe == 0:
            return c4, c1
        if pe == self.last_pe:
            return {1: (c1, c4), 2: (c1, c3), 3: (c2, c3), 0: (c2, c4)}[self.last_pe % 4]
        return {1: (c3, c4), 2: (c1, c2), 3: (c4, c3), 0: (c2, c1)}[pe % 4]

    def set_routes(self, lay: pw.Layout, col: int, row: int, pe: int) -> None:
        c1, c2, c3, c4 = self.c1, self.c2, self.c3, self.c4
        F, T, R = self.FROM, self.TO, pw.RAMP
        if pe == 0:
            routes = [(c1, R, T), (c4, T, R)]
        elif pe == self.last_pe:
            recv, send = self.get_colors(pe)
            routes = [(recv, F, R), (send, R, F)]
        elif pe % 4 == 1:
            routes = [(c3, T, R), (c4, R, F), (c1, F, T)]
        elif pe % 4 == 2:
            routes = [(c1, F, R), (c2, R, T), (c3, T, F)]
        elif pe % 4 == 3:
            routes = [(c3, R, F), (c4, T, R), (c2, F, T)]
        else:
            routes = [(c1, R, T), (c2, F, R), (c4, T, F)]
        for c, rx, tx in routes:
            lay.set_color_config(col, row, c, rx=[rx], tx=[tx])


@pw.program
def histogram(p, *, memcpy_params, tally_params, send_we: pw.Color, send_ns: pw.Color,
              recv_we: pw.Color, recv_ns: pw.Color, HIST_WIDTH: int, INPUT_SIZE: int,
              N_BUCKETS: int, BUCKET_SIZE: int):
    sys_mod = p.memcpy(memcpy_params)
    fabric = p.import_module("<layout>")

    output_buf = p.var("output_buf", pw.u32, 1)
    inputs = p.var("inputs", pw.u32, INPUT_SIZE, export=True)
    buckets = p.var("buckets", pw.u32, N_BUCKETS, export=True)
    PE_X = p.var("PE_X", pw.u32, 1)
    PE_Y = p.var("PE_Y", pw.u32, 1)

    stage_ns = p.var("stage_ns", pw.u32, 1)
    stage_ew = p.var("stage_ew", pw.u32, 1)
    stage_input = p.var("stage_input", pw.u32, 1)
    ns_mdsd = pw.mem1d(stage_ns, extent=1)
    ew_mdsd = pw.mem1d(stage_ew, extent=1)
    stage_mdsd = pw.mem1d(stage_input, extent=1)
    ns_dsd_inputs = pw.fabout(send_ns, extent=1, queue=p.output_queue(Q_NS_INPUTS, send_ns))
    ns_dsd_sender = pw.fabout(send_ns, extent=1, queue=p.output_queue(Q_NS_SENDER, send_ns))
    ew_dsd_inputs = pw.fabout(send_we, extent=1, queue=p.output_queue(Q_WE_INPUTS, send_we))
    ew_dsd_sender = pw.fabout(send_we, extent=1, queue=p.output_queue(Q_WE_SENDER, send_we))

    fifo_ns = p.var("fifo_ns", pw.u32, FIFO_SIZE)
    fifo_we = p.var("fifo_we", pw.u32, FIFO_SIZE)
    # head and tail of each FIFO (CSL's i16 fifo_ns_head, ...): ns head, ns tail, we head, we tail
    ends = p.var("ends", pw.i16, 4)
    NS_HEAD, NS_TAIL, WE_HEAD, WE_TAIL = 0, 1, 2, 3
    i = p.var("i", pw.u32, 1)

    tally = p.import_module("<kernels/tally/pe>", tally_params,
                            output_queues=[4, 5], input_queues=[6, 7], callback=TALLY_EXIT)

    @p.local_task(SENDER_NS)
    def sender_ns():
        if ends[NS_TAIL] == ends[NS_HEAD]:
            pw.block(sender_ns)
            pw.activate(sender_ns)
            return
        stage_ns[0] = fifo_ns[ends[NS_HEAD]]
        ends[NS_HEAD] = (ends[NS_HEAD] + 1) & FIFO_MASK
        pw.unblock(handle_NS)
        pw.mov32(ns_dsd_sender, ns_mdsd, async_=True, activate=sender_ns)

    @p.local_task(SENDER_WE)
    def sender_we():
        if ends[WE_TAIL] == ends[WE_HEAD]:
            pw.block(sender_we)
            pw.activate(sender_we)
            return
        stage_ew[0] = fifo_we[ends[WE_HEAD]]
        ends[WE_HEAD] = (ends[WE_HEAD] + 1) & FIFO_MASK
        pw.unblock(handle_WE)
        pw.mov32(ew_dsd_sender, ew_mdsd, async_=True, activate=sender_we)

    def forward_we(waveletx):
        """Copy the wavelet to fifo_we (assumed to have room) for sender_we."""
        fifo_we[ends[WE_TAIL]] = waveletx
        ends[WE_TAIL] = (ends[WE_TAIL] + 1) & FIFO_MASK
        pw.unblock(sender_we)
        if ((FIFO_SIZE + ends[WE_TAIL] - ends[WE_HEAD]) & FIFO_MASK) == FIFO_SIZE - 1:
            pw.block(handle_WE)

    @p.data_task(recv_ns)
    def handle_NS(wavelety: pw.u32):
        y = wavelety >> 22
        if y != PE_Y[0]:
            fifo_ns[ends[NS_TAIL]] = wavelety
            ends[NS_TAIL] = (ends[NS_TAIL] + 1) & FIFO_MASK
            pw.unblock(sender_ns)
            if ((FIFO_SIZE + ends[NS_TAIL] - ends[NS_HEAD]) & FIFO_MASK) == FIFO_SIZE - 1:
                pw.block(handle_NS)
            return
        # the right row: repack for the horizontal hop
        waveletx = repack_wavelet_hop_horizontal(wavelety)
        x = waveletx >> 22
        if x != PE_X[0]:
            forward_we(waveletx)
            return
        keep(waveletx)

    @p.data_task(recv_we)
    def handle_WE(waveletx: pw.u32):
        x = waveletx >> 22
        if x != PE_X[0]:
            forward_we(waveletx)
            return
        keep(waveletx)

    def pack_wavelet_hop_vertical(x, y, bucket_id):
        """|---10(y)---|---10(x)---|----12(bucket)----|"""
        return (y << 22) | (x << 12) | bucket_id

    def repack_wavelet_hop_horizontal(wavelety):
        """|---10(x)---|-----10----|----12(bucket)----|"""
        bucket = (wavelety << 20) >> 20
        x = (wavelety << 10) >> 22
        return (x << 22) | bucket

    def keep(waveletx):
        bucket = (waveletx << 20) >> 20
        buckets[bucket] += 1
        tally.bump_tally(1)

    @p.local_task(START)
    def process_inputs():
        value = inputs[i[0]]
        _r1 = value // BUCKET_SIZE
        bucket_id = _r1 % N_BUCKETS
        _r2 = _r1 // N_BUCKETS
        pe_x = _r2 % pw.u32(HIST_WIDTH)
        pe_y = _r2 // pw.u32(HIST_WIDTH)
        wavelety = pack_wavelet_hop_vertical(pe_x, pe_y, bucket_id)
        # re-activate the input processing task if needed
        i[0] += 1
        if i[0] < INPUT_SIZE:
            pw.activate(process_inputs)
        else:
            tally.signal_completion()
        pw.block(process_inputs)
        if pe_y != PE_Y[0]:
            stage_input[0] = wavelety
            pw.mov32(ns_dsd_inputs, stage_mdsd, async_=True, unblock=process_inputs)
            return
        waveletx = repack_wavelet_hop_horizontal(wavelety)
        if pe_x != PE_X[0]:
            stage_input[0] = waveletx
            pw.mov32(ew_dsd_inputs, stage_mdsd, async_=True, unblock=process_inputs)
            return
        pw.unblock(process_inputs)
        keep(waveletx)

    p.block(sender_ns)
    p.block(sender_we)

    if p.x == HIST_WIDTH - 1 and p.y == 0:
        # only PE (w-1, 0) runs it, when the tally is done: the total to the host, streamed
        # on MEMCPYD2H_1 (memcpy reserves output queue 0)
        out_dsd = pw.fabout(sys_mod.MEMCPYD2H_1, extent=1,
                            queue=p.output_queue(Q_EXIT, sys_mod.MEMCPYD2H_1))
        data_dsd = pw.mem1d(output_buf, extent=1)

        @p.local_task(TALLY_EXIT)
        def f_tally_exit():
            output_buf[0] = tally.local_tally[0]
            pw.mov32(out_dsd, data_dsd, async_=True)

    @p.export
    def f_run():
        # the run-time coordinates
        PE_X[0] = pw.u32(fabric.get_x_coord())
        PE_Y[0] = pw.u32(fabric.get_y_coord())
        pw.activate(process_inputs)
        pw.activate(sender_ns)
        pw.activate(sender_we)
        # WARNING: the user must unblock cmd color for every PE
        sys_mod.unblock_cmd_stream()


def layout(INPUT_SIZE: int, NUM_BUCKETS: int, BUCKET_SIZE: int, HIST_WIDTH: int,
           HIST_HEIGHT: int, OUT_COLOR: int, MEMCPYH2D_DATA_1_ID: int,
           MEMCPYD2H_DATA_1_ID: int) -> pw.Layout:
    """code.csl's twin; its arguments are the compile params."""
    assert INPUT_SIZE > 0
    assert 0 < HIST_WIDTH <= 1024 and 0 < HIST_HEIGHT <= 1024     # 10 bits each
    assert 0 < NUM_BUCKETS <= 4096                                 # 12 bits
    lay = pw.Layout(HIST_WIDTH, HIST_HEIGHT)
    tally = lay.import_module("<kernels/tally/layout>", kernel_height=HIST_HEIGHT,
                              kernel_width=HIST_WIDTH,
                              phase2_tally=HIST_WIDTH * HIST_HEIGHT * INPUT_SIZE,
                              colors=[pw.Color(12), pw.Color(13), pw.Color(14)],
                              output_color=pw.Color(OUT_COLOR))
    ns_routes = TorusRoutes(0, HIST_HEIGHT - 1, pw.NORTH)
    we_routes = TorusRoutes(ns_routes.next_available_color(), HIST_WIDTH - 1, pw.WEST)
    memcpy = lay.memcpy(MEMCPYH2D_1=MEMCPYH2D_DATA_1_ID, MEMCPYD2H_1=MEMCPYD2H_DATA_1_ID)
    for i in range(HIST_WIDTH):
        recv_we, send_we = we_routes.get_colors(i)
        for j in range(HIST_HEIGHT):
            recv_ns, send_ns = ns_routes.get_colors(j)
            lay.set_tile_code(i, j, histogram, memcpy_params=memcpy.get_params(i),
                              tally_params=tally.get_params(i, j), HIST_WIDTH=HIST_WIDTH,
                              INPUT_SIZE=INPUT_SIZE, N_BUCKETS=NUM_BUCKETS,
                              BUCKET_SIZE=BUCKET_SIZE, send_we=send_we, recv_we=recv_we,
                              send_ns=send_ns, recv_ns=recv_ns)
            ns_routes.set_routes(lay, i, j, j)
            we_routes.set_routes(lay, i, j, i)
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    HIST_W, HIST_H = int(params["HIST_WIDTH"]), int(params["HIST_HEIGHT"])
    INPUT_SIZE = int(params["INPUT_SIZE"])
    NUM_BUCKETS, BUCKET_SIZE = int(params["NUM_BUCKETS"]), int(params["BUCKET_SIZE"])
    np.random.seed(seed=7)
    MEMCPYD2H_DATA_1 = int(params["MEMCPYD2H_DATA_1_ID"])
    memcpy_dtype = MemcpyDataType.MEMCPY_32BIT
    runner = SdkRuntime(name, jit=jit)
    sym_inputs = runner.get_id("inputs")
    sym_buckets = runner.get_id("buckets")
    runner.load()
    runner.run()

    inputs = np.random.randint(0, HIST_W * HIST_H * NUM_BUCKETS * BUCKET_SIZE,
                               (HIST_W, HIST_H, INPUT_SIZE)).astype(np.uint32)   # w-h-l
    inputs_1d = np.transpose(inputs, [1, 0, 2]).T.ravel()      # h-w-l, column major
    runner.memcpy_h2d(sym_inputs, inputs_1d, 0, 0, HIST_W, HIST_H, INPUT_SIZE,
                      streaming=False, data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR,
                      nonblock=True)
    runner.launch("f_run", nonblock=False)

    o = np.zeros((HIST_H, HIST_W, NUM_BUCKETS), dtype=np.uint32)      # the host's histogram
    for i in range(HIST_W):
        for j in range(HIST_H):
            for n in range(INPUT_SIZE):
                v2 = inputs[i][j][n] // BUCKET_SIZE
                v3 = v2 // NUM_BUCKETS
                o[v3 // HIST_W][v3 % HIST_W][v2 % NUM_BUCKETS] += 1

    result_tensor = np.zeros(1, np.uint32)      # the tally's signal from PE (w-1, 0)
    runner.memcpy_d2h(result_tensor, MEMCPYD2H_DATA_1, HIST_W - 1, 0, 1, 1, 1,
                      streaming=True, data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR,
                      nonblock=False)
    np.testing.assert_equal(result_tensor, HIST_W * HIST_H * INPUT_SIZE)
    buckets_1d = np.zeros(HIST_H * HIST_W * NUM_BUCKETS, np.uint32)
    runner.memcpy_d2h(buckets_1d, sym_buckets, 0, 0, HIST_W, HIST_H, NUM_BUCKETS,
                      streaming=False, data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR,
                      nonblock=False)
    ans = buckets_1d.reshape((HIST_H, HIST_W, NUM_BUCKETS), order="F")
    runner.stop()
    assert (ans == o).all()
    print("SUCCESS!")


PARAMS = {"INPUT_SIZE": 16, "HIST_WIDTH": 8, "HIST_HEIGHT": 8, "NUM_BUCKETS": 4,
          "BUCKET_SIZE": 2, "OUT_COLOR": 8, "MEMCPYH2D_DATA_1_ID": 10,
          "MEMCPYD2H_DATA_1_ID": 11}


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
    with tempfile.TemporaryDirectory(prefix="pywse-histogram-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(15, 10), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=PARAMS, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
