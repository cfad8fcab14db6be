"""The 7-point stencil y = A x on a 3-D grid spread over the PEs (port of csl-examples
benchmarks/benchmark-libs/stencil_3d_7pts: layout.csl, pe.csl, wse2/pe.csl, wse3/pe.csl).

Each PE (px, py) of a width x height rectangle holds one z-column of x and y (zDim values).
`spmv(n, coeff, x, y)` computes, for k = 0..n-1,

    y[k] = c_west * x_W[k] + c_east * x_E[k] + c_south * x_S[k] + c_north * x_N[k]
         + c_bottom * x[k-1] + c_top * x[k+1] + c_center * x[k]

with coeff = (c_west, c_east, c_south, c_north, c_bottom, c_top, c_center), x_W the column
of the PE to the west (px - 1), x_N the one to the north (py - 1), and so on; a neighbour
outside the rectangle, x[-1] and x[n] count as 0 (the original's boundary: Dirichlet zero;
a caller wanting another boundary changes the coefficients of the boundary PEs). `n >= 2`.

How it runs, as the original: `spmv` zeroes y and activates COMM. COMM cuts the column
into blocks of BLOCK_SIZE and, per block, activates SEND and RECV: SEND sends the block of x
east, west, north and south (one async `mov32` per neighbour, each started by the last's
completion), RECV receives the four neighbours' blocks into west_buf .. north_buf the same
way. When both are through, the block's x-y part is added into y (four `fmacs`) and COMM
runs again; after the last block the z part (three `fmacs` over the whole column) and the
caller's `f_callback` finish the call. Every op goes through the DSRs the caller gives
(`dest_dsr_ids`, `src0_dsr_ids`, `src1_dsr_ids`); each direction has its own color pair,
checkerboarded by the layout half so that a PE's send color is its neighbour's receive one.

The two arches differ in the output queues only: on wse2 the four sends share
`output_queues[0]` (an async op runs on its queue's microthread), on wse3 each send color has
its own output queue (`@initialize_queue`) and the sends run on microthread
`output_ut_id` (`ut_id=`), as the original's wse3/pe.csl; `stencil` picks the variant by
arch, as pe.csl does.

Import, as benchmarks/power-method does:

    get_params = stencil_layout(colors, entrypoints, width, height)     # layout side
    ... p.import_module(stencil, **get_params(px, py), f_callback=..., input_queues=...)
    stencil_mod.spmv(n, stencil_coeff, x, y)                           # in a task body
"""
from __future__ import annotations

import numpy as np

import pywse as pw

# -- layout.csl ---------------------------------------------------------------------------------

def stencil_layout(colors, entrypoints, width: int, height: int):
    """The layout half: eight colors and three local task ids (SEND, RECV, COMM); returns
    `get_params(px, py)`, each PE's colors (checkerboarded per direction), task ids and
    where it sits on the rectangle's edges."""
    C0, C1, C2, C3, C4, C5, C6, C7 = colors
    SEND, RECV, COMM = entrypoints

    def get_params(px: int, py: int) -> dict:
        is_px_even, is_py_even = px % 2 == 0, py % 2 == 0
        # C0, C1: recv_west, send_east       West P0 --C0--> P1 --C1--> P2 ... East
        c_recv_west, c_send_east = (C1, C0) if is_px_even else (C0, C1)
        # C2, C3: recv_east, send_west       West P0 <--C2-- P1 <--C3-- P2 ... East
        c_recv_east, c_send_west = (C2, C3) if is_px_even else (C3, C2)
        # C4, C5: recv_south, send_north     North P0 <--C4-- P1 <--C5-- P2 ... South
        c_recv_south, c_send_north = (C4, C5) if is_py_even else (C5, C4)
        # C6, C7: recv_north, send_south     North P0 --C6--> P1 --C7--> P2 ... South
        c_recv_north, c_send_south = (C7, C6) if is_py_even else (C6, C7)
        return dict(c_recv_west=c_recv_west, c_send_east=c_send_east,
                    c_recv_east=c_recv_east, c_send_west=c_send_west,
                    c_recv_south=c_recv_south, c_send_north=c_send_north,
                    c_recv_north=c_recv_north, c_send_south=c_send_south,
                    SEND=SEND, RECV=RECV, COMM=COMM,
                    first_px=px == 0, last_px=px == width - 1,
                    first_py=py == 0, last_py=py == height - 1)
    return get_params


# -- wse2/pe.csl and wse3/pe.csl -----------------------------------------------------------------

SEND_STATE_EAST, SEND_STATE_WEST, SEND_STATE_NORTH, SEND_STATE_SOUTH, SEND_STATE_DONE = range(5)
RECV_STATE_WEST, RECV_STATE_EAST, RECV_STATE_SOUTH, RECV_STATE_NORTH, RECV_STATE_DONE = range(5)


def _stencil_pe(p, *, c_recv_west, c_send_east, c_recv_east, c_send_west, c_recv_south,
                c_send_north, c_recv_north, c_send_south, COMM: int, SEND: int, RECV: int,
                first_px: bool, last_px: bool, first_py: bool, last_py: bool, f_callback,
                input_queues, oq_send_east, oq_send_west, oq_send_north, oq_send_south,
                out_ut, BLOCK_SIZE: int, dest_dsr_ids, src0_dsr_ids, src1_dsr_ids) -> dict:
    """The body both arch variants share: everything but the output queues (given bound on
    wse3, one queue id on wse2) and the sends' microthread `out_ut` (None on wse2)."""
    # binding a color to each input queue: an explicit DSR takes a fabin, so the compiler
    # cannot set the queue up from the DSD (the original's comment)
    iq_recv_west = p.input_queue(input_queues[0], c_recv_west)
    iq_recv_east = p.input_queue(input_queues[1], c_recv_east)
    iq_recv_south = p.input_queue(input_queues[2], c_recv_south)
    iq_recv_north = p.input_queue(input_queues[3], c_recv_north)

    # the coefficients spmv() copies from its caller
    c_west = p.var("c_west", pw.f32)
    c_east = p.var("c_east", pw.f32)
    c_south = p.var("c_south", pw.f32)
    c_north = p.var("c_north", pw.f32)
    c_bottom = p.var("c_bottom", pw.f32)
    c_top = p.var("c_top", pw.f32)
    c_center = p.var("c_center", pw.f32)

    # one block of each neighbour's x
    west_buf = p.var("west_buf", pw.f32, BLOCK_SIZE)
    east_buf = p.var("east_buf", pw.f32, BLOCK_SIZE)
    south_buf = p.var("south_buf", pw.f32, BLOCK_SIZE)
    north_buf = p.var("north_buf", pw.f32, BLOCK_SIZE)

    count_send_recv = p.var("count_send_recv", pw.i16)
    recv_state = p.var("recv_state", pw.i16, init=RECV_STATE_WEST)
    send_state = p.var("send_state", pw.i16, init=SEND_STATE_EAST)
    zDim = p.var("zDim", pw.i16)
    cur_length = p.var("cur_length", pw.i16, init=BLOCK_SIZE)
    start_x = p.var("start_x", pw.i16)
    rem_length = p.var("rem_length", pw.i16)

    # two sets of DSRs: one for SEND, one for RECV (the x-y and z parts reuse SEND's)
    dest_dsr_send = pw.get_dsr("dsr_dest", dest_dsr_ids[0])
    src1_dsr_send = pw.get_dsr("dsr_src1", src1_dsr_ids[0])
    dest_dsr_recv = pw.get_dsr("dsr_dest", dest_dsr_ids[1])
    src1_dsr_recv = pw.get_dsr("dsr_src1", src1_dsr_ids[1])
    src0_dsr = pw.get_dsr("dsr_src0", src0_dsr_ids[0])

    # CSL's is [1]f32 under DSDs BLOCK_SIZE long (cslc does not check a comptime DSD against
    # its array); pywse's pw.mem1d does, so it is as long as the longest DSD over it until
    # spmv() points them at x and y
    dummy_f32 = p.const(pw.f32, np.zeros(max(BLOCK_SIZE, 2)))

    # x to send and the received blocks; spmv() points x's DSD (and y's) at the caller's
    # arrays, and update_dsd_length() cuts them to the block's length
    mem_center_buf_dsd = p.dsd_var(pw.mem1d(dummy_f32, extent=BLOCK_SIZE))
    mem_west_buf_dsd = p.dsd_var(pw.mem1d(west_buf, extent=BLOCK_SIZE))
    mem_east_buf_dsd = p.dsd_var(pw.mem1d(east_buf, extent=BLOCK_SIZE))
    mem_south_buf_dsd = p.dsd_var(pw.mem1d(south_buf, extent=BLOCK_SIZE))
    mem_north_buf_dsd = p.dsd_var(pw.mem1d(north_buf, extent=BLOCK_SIZE))
    # the block of y the x-y part adds into
    mem_y_buf_dsd = p.dsd_var(pw.mem1d(dummy_f32, extent=BLOCK_SIZE))

    # the z part over the whole column (x[-1] = x[zDim] = 0):
    #   y[k] += x[k-1] * c_bottom, k = 1..zDim-1   (y_z_minus, x_z_minus: zDim-1 long)
    #   y[k] += x[k+1] * c_top,    k = 0..zDim-2   (y_z_plus, x_z_plus: zDim-1 long)
    #   y[k] += x[k] * c_center,   k = 0..zDim-1   (y_z, x_z: zDim long)
    mem_y_z_minus_buf_dsd = p.dsd_var(pw.mem1d(dummy_f32, extent=1, offset=1))
    mem_y_z_plus_buf_dsd = p.dsd_var(pw.mem1d(dummy_f32, extent=1))
    mem_y_z_buf_dsd = p.dsd_var(pw.mem1d(dummy_f32, extent=1))
    mem_x_z_minus_buf_dsd = p.dsd_var(pw.mem1d(dummy_f32, extent=1))
    mem_x_z_plus_buf_dsd = p.dsd_var(pw.mem1d(dummy_f32, extent=1, offset=1))
    mem_x_z_buf_dsd = p.dsd_var(pw.mem1d(dummy_f32, extent=1))

    fab_recv_west_wdsd = p.dsd_var(pw.fabin(c_recv_west, extent=BLOCK_SIZE, queue=iq_recv_west))
    fab_recv_east_wdsd = p.dsd_var(pw.fabin(c_recv_east, extent=BLOCK_SIZE, queue=iq_recv_east))
    fab_recv_south_wdsd = p.dsd_var(pw.fabin(c_recv_south, extent=BLOCK_SIZE,
                                             queue=iq_recv_south))
    fab_recv_north_wdsd = p.dsd_var(pw.fabin(c_recv_north, extent=BLOCK_SIZE,
                                             queue=iq_recv_north))
    fab_trans_east_wdsd = p.dsd_var(pw.fabout(c_send_east, extent=BLOCK_SIZE,
                                              queue=oq_send_east))
    fab_trans_west_wdsd = p.dsd_var(pw.fabout(c_send_west, extent=BLOCK_SIZE,
                                              queue=oq_send_west))
    fab_trans_north_wdsd = p.dsd_var(pw.fabout(c_send_north, extent=BLOCK_SIZE,
                                               queue=oq_send_north))
    fab_trans_south_wdsd = p.dsd_var(pw.fabout(c_send_south, extent=BLOCK_SIZE,
                                               queue=oq_send_south))

    def spmv(n, coeff, x, y):
        """y = A x over the column x[0..n) (the module's portal); n >= 2. Returns at once:
        the work goes on in COMM, SEND and RECV, and f_callback() runs when y is done."""
        nonlocal mem_center_buf_dsd, mem_y_buf_dsd
        nonlocal mem_y_z_minus_buf_dsd, mem_y_z_plus_buf_dsd, mem_y_z_buf_dsd
        nonlocal mem_x_z_minus_buf_dsd, mem_x_z_plus_buf_dsd, mem_x_z_buf_dsd
        assert 2 <= n
        zDim[0] = n
        c_west[0] = coeff[0]
        c_east[0] = coeff[1]
        c_south[0] = coeff[2]
        c_north[0] = coeff[3]
        c_bottom[0] = coeff[4]
        c_top[0] = coeff[5]
        c_center[0] = coeff[6]

        # one block of min(zDim, BLOCK_SIZE): a previous call may have left a shorter one
        cur_length[0] = BLOCK_SIZE
        if zDim[0] < cur_length[0]:
            cur_length[0] = zDim[0]
        mem_center_buf_dsd = pw.set_dsd_base_addr(mem_center_buf_dsd, x)
        mem_y_buf_dsd = pw.set_dsd_base_addr(mem_y_buf_dsd, y)
        update_dsd_length(cur_length[0])

        # the z part's DSDs over x and y (x, y and zDim are known only now)
        mem_y_z_minus_buf_dsd = pw.set_dsd_base_addr(mem_y_z_minus_buf_dsd, y)
        mem_y_z_minus_buf_dsd = pw.increment_dsd_offset(mem_y_z_minus_buf_dsd, 1, pw.f32)
        mem_y_z_minus_buf_dsd = pw.set_dsd_length(mem_y_z_minus_buf_dsd,
                                                  pw.bitcast(pw.u16, zDim[0] - 1))
        mem_y_z_plus_buf_dsd = pw.set_dsd_base_addr(mem_y_z_plus_buf_dsd, y)
        mem_y_z_plus_buf_dsd = pw.set_dsd_length(mem_y_z_plus_buf_dsd,
                                                 pw.bitcast(pw.u16, zDim[0] - 1))
        mem_y_z_buf_dsd = pw.set_dsd_base_addr(mem_y_z_buf_dsd, y)
        mem_y_z_buf_dsd = pw.set_dsd_length(mem_y_z_buf_dsd, pw.bitcast(pw.u16, zDim[0]))
        mem_x_z_minus_buf_dsd = pw.set_dsd_base_addr(mem_x_z_minus_buf_dsd, x)
        mem_x_z_minus_buf_dsd = pw.set_dsd_length(mem_x_z_minus_buf_dsd,
                                                  pw.bitcast(pw.u16, zDim[0] - 1))
        mem_x_z_plus_buf_dsd = pw.set_dsd_base_addr(mem_x_z_plus_buf_dsd, x)
        mem_x_z_plus_buf_dsd = pw.increment_dsd_offset(mem_x_z_plus_buf_dsd, 1, pw.f32)
        mem_x_z_plus_buf_dsd = pw.set_dsd_length(mem_x_z_plus_buf_dsd,
                                                 pw.bitcast(pw.u16, zDim[0] - 1))
        mem_x_z_buf_dsd = pw.set_dsd_base_addr(mem_x_z_buf_dsd, x)
        mem_x_z_buf_dsd = pw.set_dsd_length(mem_x_z_buf_dsd, pw.bitcast(pw.u16, zDim[0]))

        start_x[0] = 0
        # y[k] = 0, k = 0..zDim-1
        pw.load_to_dsr(dest_dsr_send, mem_y_z_buf_dsd)
        pw.fmovs(dest_dsr_send, pw.f32(0))
        pw.activate(f_comm)          # the first block; COMM runs once per block and once more

    def laplacian_xy():
        """y[block] += c_west x_W + c_east x_E + c_south x_S + c_north x_N."""
        pw.load_to_dsr(dest_dsr_send, mem_y_buf_dsd)
        pw.load_to_dsr(src0_dsr, mem_y_buf_dsd)
        pw.load_to_dsr(src1_dsr_send, mem_west_buf_dsd)
        pw.fmacs(dest_dsr_send, src0_dsr, src1_dsr_send, c_west)

        pw.load_to_dsr(dest_dsr_send, mem_y_buf_dsd)
        pw.load_to_dsr(src0_dsr, mem_y_buf_dsd)
        pw.load_to_dsr(src1_dsr_send, mem_east_buf_dsd)
        pw.fmacs(dest_dsr_send, src0_dsr, src1_dsr_send, c_east)

        pw.load_to_dsr(dest_dsr_send, mem_y_buf_dsd)
        pw.load_to_dsr(src0_dsr, mem_y_buf_dsd)
        pw.load_to_dsr(src1_dsr_send, mem_south_buf_dsd)
        pw.fmacs(dest_dsr_send, src0_dsr, src1_dsr_send, c_south)

        pw.load_to_dsr(dest_dsr_send, mem_y_buf_dsd)
        pw.load_to_dsr(src0_dsr, mem_y_buf_dsd)
        pw.load_to_dsr(src1_dsr_send, mem_north_buf_dsd)
        pw.fmacs(dest_dsr_send, src0_dsr, src1_dsr_send, c_north)

    def laplacian_z():
        """y += c_bottom x[k-1] + c_top x[k+1] + c_center x[k] over the whole column (a
        separate pass: the column's ends need their own DSD lengths)."""
        pw.load_to_dsr(dest_dsr_send, mem_y_z_minus_buf_dsd)
        pw.load_to_dsr(src0_dsr, mem_y_z_minus_buf_dsd)
        pw.load_to_dsr(src1_dsr_send, mem_x_z_minus_buf_dsd)
        pw.fmacs(dest_dsr_send, src0_dsr, src1_dsr_send, c_bottom)

        pw.load_to_dsr(dest_dsr_send, mem_y_z_plus_buf_dsd)
        pw.load_to_dsr(src0_dsr, mem_y_z_plus_buf_dsd)
        pw.load_to_dsr(src1_dsr_send, mem_x_z_plus_buf_dsd)
        pw.fmacs(dest_dsr_send, src0_dsr, src1_dsr_send, c_top)

        pw.load_to_dsr(dest_dsr_send, mem_y_z_buf_dsd)
        pw.load_to_dsr(src0_dsr, mem_y_z_buf_dsd)
        pw.load_to_dsr(src1_dsr_send, mem_x_z_buf_dsd)
        pw.fmacs(dest_dsr_send, src0_dsr, src1_dsr_send, c_center)

    def compute_and_next_send_recv():
        """Once SEND and RECV are both through this block: its x-y part, then step x's and
        y's DSDs to the next block and run COMM again."""
        nonlocal mem_center_buf_dsd, mem_y_buf_dsd
        if 2 <= count_send_recv[0]:
            laplacian_xy()
            start_x[0] += BLOCK_SIZE
            mem_center_buf_dsd = pw.increment_dsd_offset(mem_center_buf_dsd, BLOCK_SIZE, pw.f32)
            mem_y_buf_dsd = pw.increment_dsd_offset(mem_y_buf_dsd, BLOCK_SIZE, pw.f32)
            pw.activate(f_comm)

    def send_block(fab_trans_wdsd):
        """Start sending the block of x on `fab_trans_wdsd`, async through the SEND DSRs,
        f_send again when it is through (wse3: on microthread out_ut)."""
        if out_ut is None:      # wse2: the output queue's microthread
            pw.load_to_dsr(dest_dsr_send, fab_trans_wdsd, async_=True, activate=f_send)
            pw.load_to_dsr(src1_dsr_send, mem_center_buf_dsd)
            pw.mov32(dest_dsr_send, src1_dsr_send, async_=True)
        else:
            pw.load_to_dsr(dest_dsr_send, fab_trans_wdsd, async_=True, activate=f_send,
                           ut_id=out_ut)
            pw.load_to_dsr(src1_dsr_send, mem_center_buf_dsd)
            pw.mov32(dest_dsr_send, src1_dsr_send, async_=True, ut_id=out_ut)

    @p.local_task(SEND)
    def f_send():
        """Send the block east, west, north, south in turn, each started by the last's
        completion; an edge PE skips the sides it has no neighbour on."""
        if SEND_STATE_EAST == send_state[0]:
            if last_px:
                pw.activate(f_send)          # nothing to send
            else:
                send_block(fab_trans_east_wdsd)
            send_state[0] = SEND_STATE_WEST
        elif SEND_STATE_WEST == send_state[0]:
            if first_px:
                pw.activate(f_send)
            else:
                send_block(fab_trans_west_wdsd)
            send_state[0] = SEND_STATE_NORTH
        elif SEND_STATE_NORTH == send_state[0]:
            if first_py:
                pw.activate(f_send)
            else:
                send_block(fab_trans_north_wdsd)
            send_state[0] = SEND_STATE_SOUTH
        elif SEND_STATE_SOUTH == send_state[0]:
            if last_py:
                pw.activate(f_send)
            else:
                send_block(fab_trans_south_wdsd)
            send_state[0] = SEND_STATE_DONE
        else:
            count_send_recv[0] += 1
            compute_and_next_send_recv()
            send_state[0] = SEND_STATE_EAST

    @p.local_task(RECV)
    def f_recv():
        """Receive the west, east, south and north blocks in turn (SEND's order, seen from
        the other side)."""
        if RECV_STATE_WEST == recv_state[0]:
            if first_px:
                pw.activate(f_recv)          # nothing to receive
            else:
                pw.load_to_dsr(dest_dsr_recv, mem_west_buf_dsd)
                pw.load_to_dsr(src1_dsr_recv, fab_recv_west_wdsd, async_=True, activate=f_recv)
                pw.mov32(dest_dsr_recv, src1_dsr_recv, async_=True)
            recv_state[0] = RECV_STATE_EAST
        elif RECV_STATE_EAST == recv_state[0]:
            if last_px:
                pw.activate(f_recv)
            else:
                pw.load_to_dsr(dest_dsr_recv, mem_east_buf_dsd)
                pw.load_to_dsr(src1_dsr_recv, fab_recv_east_wdsd, async_=True, activate=f_recv)
                pw.mov32(dest_dsr_recv, src1_dsr_recv, async_=True)
            recv_state[0] = RECV_STATE_SOUTH
        elif RECV_STATE_SOUTH == recv_state[0]:
            if last_py:
                pw.activate(f_recv)
            else:
                pw.load_to_dsr(dest_dsr_recv, mem_south_buf_dsd)
                pw.load_to_dsr(src1_dsr_recv, fab_recv_south_wdsd, async_=True,
                               activate=f_recv)
                pw.mov32(dest_dsr_recv, src1_dsr_recv, async_=True)
            recv_state[0] = RECV_STATE_NORTH
        elif RECV_STATE_NORTH == recv_state[0]:
            if first_py:
                pw.activate(f_recv)
            else:
                pw.load_to_dsr(dest_dsr_recv, mem_north_buf_dsd)
                pw.load_to_dsr(src1_dsr_recv, fab_recv_north_wdsd, async_=True,
                               activate=f_recv)
                pw.mov32(dest_dsr_recv, src1_dsr_recv, async_=True)
            recv_state[0] = RECV_STATE_DONE
        else:
            count_send_recv[0] += 1
            compute_and_next_send_recv()
            recv_state[0] = RECV_STATE_WEST

    def update_dsd_length(cur_length):
        """Cut every block DSD (fabric and memory) to `cur_length`."""
        nonlocal fab_recv_west_wdsd, fab_recv_east_wdsd, fab_recv_south_wdsd
        nonlocal fab_recv_north_wdsd, fab_trans_east_wdsd, fab_trans_west_wdsd
        nonlocal fab_trans_north_wdsd, fab_trans_south_wdsd, mem_center_buf_dsd
        nonlocal mem_west_buf_dsd, mem_east_buf_dsd, mem_south_buf_dsd, mem_north_buf_dsd
        nonlocal mem_y_buf_dsd
        u16_cur_length = pw.bitcast(pw.u16, cur_length)
        fab_recv_west_wdsd = pw.set_dsd_length(fab_recv_west_wdsd, u16_cur_length)
        fab_recv_east_wdsd = pw.set_dsd_length(fab_recv_east_wdsd, u16_cur_length)
        fab_recv_south_wdsd = pw.set_dsd_length(fab_recv_south_wdsd, u16_cur_length)
        fab_recv_north_wdsd = pw.set_dsd_length(fab_recv_north_wdsd, u16_cur_length)
        fab_trans_east_wdsd = pw.set_dsd_length(fab_trans_east_wdsd, u16_cur_length)
        fab_trans_west_wdsd = pw.set_dsd_length(fab_trans_west_wdsd, u16_cur_length)
        fab_trans_north_wdsd = pw.set_dsd_length(fab_trans_north_wdsd, u16_cur_length)
        fab_trans_south_wdsd = pw.set_dsd_length(fab_trans_south_wdsd, u16_cur_length)
        mem_center_buf_dsd = pw.set_dsd_length(mem_center_buf_dsd, u16_cur_length)
        mem_west_buf_dsd = pw.set_dsd_length(mem_west_buf_dsd, u16_cur_length)
        mem_east_buf_dsd = pw.set_dsd_length(mem_east_buf_dsd, u16_cur_length)
        mem_south_buf_dsd = pw.set_dsd_length(mem_south_buf_dsd, u16_cur_length)
        mem_north_buf_dsd = pw.set_dsd_length(mem_north_buf_dsd, u16_cur_length)
        mem_y_buf_dsd = pw.set_dsd_length(mem_y_buf_dsd, u16_cur_length)

    @p.local_task(COMM)
    def f_comm():
        """One block: cut the DSDs if it is the last, shorter one, then SEND and RECV; past
        the end, the z part and the caller's callback.

        zDim = 5, BLOCK_SIZE = 2: start_x = 0, 2 (length 2), 4 (length 1, cut), 6: done."""
        rem_length[0] = zDim[0] - start_x[0]
        if 0 < rem_length[0]:
            if rem_length[0] < cur_length[0]:     # the last block, shorter
                cur_length[0] = rem_length[0]
                update_dsd_length(cur_length[0])
            assert RECV_STATE_WEST == recv_state[0]
            assert SEND_STATE_EAST == send_state[0]
            count_send_recv[0] = 0
            pw.activate(f_send)
            pw.activate(f_recv)
        else:
            laplacian_z()
            f_callback()

    # routes: each direction's chain, the first PE only sending, the last only receiving
    # C0, C1: recv_west, send_east
    if first_px:
        p.set_local_color_config(c_send_east, rx=[pw.RAMP], tx=[pw.EAST])
    elif last_px:
        p.set_local_color_config(c_recv_west, rx=[pw.WEST], tx=[pw.RAMP])
    else:
        p.set_local_color_config(c_recv_west, rx=[pw.WEST], tx=[pw.RAMP])
        p.set_local_color_config(c_send_east, rx=[pw.RAMP], tx=[pw.EAST])
    # C2, C3: recv_east, send_west
    if first_px:
        p.set_local_color_config(c_recv_east, rx=[pw.EAST], tx=[pw.RAMP])
    elif last_px:
        p.set_local_color_config(c_send_west, rx=[pw.RAMP], tx=[pw.WEST])
    else:
        p.set_local_color_config(c_recv_east, rx=[pw.EAST], tx=[pw.RAMP])
        p.set_local_color_config(c_send_west, rx=[pw.RAMP], tx=[pw.WEST])
    # C4, C5: recv_south, send_north
    if first_py:
        p.set_local_color_config(c_recv_south, rx=[pw.SOUTH], tx=[pw.RAMP])
    elif last_py:
        p.set_local_color_config(c_send_north, rx=[pw.RAMP], tx=[pw.NORTH])
    else:
        p.set_local_color_config(c_recv_south, rx=[pw.SOUTH], tx=[pw.RAMP])
        p.set_local_color_config(c_send_north, rx=[pw.RAMP], tx=[pw.NORTH])
    # C6, C7: recv_north, send_south
    if first_py:
        p.set_local_color_config(c_send_south, rx=[pw.RAMP], tx=[pw.SOUTH])
    elif last_py:
        p.set_local_color_config(c_recv_north, rx=[pw.NORTH], tx=[pw.RAMP])
    else:
        p.set_local_color_config(c_recv_north, rx=[pw.NORTH], tx=[pw.RAMP])
        p.set_local_color_config(c_send_south, rx=[pw.RAMP], tx=[pw.SOUTH])

    return dict(spmv=spmv)


@pw.module
def stencil_wse2(p, *, c_recv_west, c_send_east, c_recv_east, c_send_west, c_recv_south,
                 c_send_north, c_recv_north, c_send_south, COMM: int, SEND: int, RECV: int,
                 first_px: bool, last_px: bool, first_py: bool, last_py: bool, f_callback,
                 input_queues, output_queues, output_ut_id=None, BLOCK_SIZE: int,
                 dest_dsr_ids, src0_dsr_ids, src1_dsr_ids):
    """wse2/pe.csl: the four sends share output queue output_queues[0] (wse2's output queues
    take no color: each fabout names its own), so they run on its microthread, one at a
    time; output_ut_id is not used."""
    oq = output_queues[0]
    return _stencil_pe(
        p, c_recv_west=c_recv_west, c_send_east=c_send_east, c_recv_east=c_recv_east,
        c_send_west=c_send_west, c_recv_south=c_recv_south, c_send_north=c_send_north,
        c_recv_north=c_recv_north, c_send_south=c_send_south, COMM=COMM, SEND=SEND,
        RECV=RECV, first_px=first_px, last_px=last_px, first_py=first_py, last_py=last_py,
        f_callback=f_callback, input_queues=input_queues, oq_send_east=oq, oq_send_west=oq,
        oq_send_north=oq, oq_send_south=oq, out_ut=None, BLOCK_SIZE=BLOCK_SIZE,
        dest_dsr_ids=dest_dsr_ids, src0_dsr_ids=src0_dsr_ids, src1_dsr_ids=src1_dsr_ids)


@pw.module
def stencil_wse3(p, *, c_recv_west, c_send_east, c_recv_east, c_send_west, c_recv_south,
                 c_send_north, c_recv_north, c_send_south, COMM: int, SEND: int, RECV: int,
                 first_px: bool, last_px: bool, first_py: bool, last_py: bool, f_callback,
                 input_queues, output_queues, output_ut_id, BLOCK_SIZE: int, dest_dsr_ids,
                 src0_dsr_ids, src1_dsr_ids):
    """wse3/pe.csl: each send color bound to its own output queue (`@initialize_queue`),
    the sends on microthread output_ut_id (comptime, as CSL requires of a DSD op's ut_id)."""
    oq_send_east = p.output_queue(output_queues[0], c_send_east)
    oq_send_west = p.output_queue(output_queues[1], c_send_west)
    oq_send_north = p.output_queue(output_queues[2], c_send_north)
    oq_send_south = p.output_queue(output_queues[3], c_send_south)
    out_ut = pw.get_ut_id(output_ut_id)
    return _stencil_pe(
        p, c_recv_west=c_recv_west, c_send_east=c_send_east, c_recv_east=c_recv_east,
        c_send_west=c_send_west, c_recv_south=c_recv_south, c_send_north=c_send_north,
        c_recv_north=c_recv_north, c_send_south=c_send_south, COMM=COMM, SEND=SEND,
        RECV=RECV, first_px=first_px, last_px=last_px, first_py=first_py, last_py=last_py,
        f_callback=f_callback, input_queues=input_queues, oq_send_east=oq_send_east,
        oq_send_west=oq_send_west, oq_send_north=oq_send_north, oq_send_south=oq_send_south,
        out_ut=out_ut, BLOCK_SIZE=BLOCK_SIZE, dest_dsr_ids=dest_dsr_ids,
        src0_dsr_ids=src0_dsr_ids, src1_dsr_ids=src1_dsr_ids)


# -- pe.csl --------------------------------------------------------------------------------------

@pw.module
def stencil(p, *, c_recv_west, c_send_east, c_recv_east, c_send_west, c_recv_south,
            c_send_north, c_recv_north, c_send_south, COMM: int, SEND: int, RECV: int,
            first_px: bool, last_px: bool, first_py: bool, last_py: bool, f_callback,
            input_queues, output_queues=None, output_ut_id=None, BLOCK_SIZE: int,
            dest_dsr_ids, src0_dsr_ids, src1_dsr_ids):
    """pe.csl: the wse3 or the wse2 variant, by the program's arch, with the same params
    (get_params(px, py)'s and the caller's). Exposes `spmv(n, coeff, x, y)`."""
    variant = stencil_wse3 if p.arch == "wse3" else stencil_wse2
    stencil_mod = p.import_module(
        variant, c_recv_west=c_recv_west, c_send_east=c_send_east, c_recv_east=c_recv_east,
        c_send_west=c_send_west, c_recv_south=c_recv_south, c_send_north=c_send_north,
        c_recv_north=c_recv_north, c_send_south=c_send_south, COMM=COMM, SEND=SEND,
        RECV=RECV, first_px=first_px, last_px=last_px, first_py=first_py, last_py=last_py,
        f_callback=f_callback, input_queues=input_queues, output_queues=output_queues,
        output_ut_id=output_ut_id, BLOCK_SIZE=BLOCK_SIZE, dest_dsr_ids=dest_dsr_ids,
        src0_dsr_ids=src0_dsr_ids, src1_dsr_ids=src1_dsr_ids)

    def spmv(n, coeff, x, y):
        stencil_mod.spmv(n, coeff, x, y)

    return dict(spmv=spmv)
