"""The csl-examples benchmark-libs `allreduce` module (benchmarks/benchmark-libs/allreduce),
ported: `layout` is layout.csl (its `get_params(px, py)`), `pe` is pe.csl, a `@pw.module` a
kernel imports with the layout's params plus its own:

    reduce_params = allreduce.layout([C8], [17, 18, 19, 20], width, height)(px, py)
    reduce_mod = p.import_module(allreduce.pe, **reduce_params, f_callback=sys_mod.unblock_cmd_stream,
                                 queues=[2], dest_dsr_ids=[1], src0_dsr_ids=[1], src1_dsr_ids=[1])
    reduce_mod.allreduce(n, x, reduce_mod.TYPE_BINARY_OP.ADD)    # in a task body
    reduce_mod.allreduce_nrm2(x)                                  # x[0] = |x|_2 over all PEs

`allreduce(n, x, op)` reduces `x[0:n]` of every PE of the W x H rectangle with ADD or MAX and
leaves the result in every PE's `x`; `allreduce_nrm2(x)` leaves the 2-norm of the PEs' `x[0]`
in every `x[0]`. Both then call `f_callback` (the kernel's `sys_mod.unblock_cmd_stream`).

How it works (as the original): one color, C_ROUTE, starts in teardown on every PE. A state
machine runs a row reduction (west to east into px = W-1), a column reduction (north to south
into py = H-1) and a broadcast from the bottom-right PE (up its column, then west along every
row). Before each phase every PE reroutes C_ROUTE with `<tile_config>` and leaves teardown;
the reductions pass the data along with switch-advance control wavelets
(`<memcpy/memcpy_switches>`' switch_cmd_11: each sender advances its own and its east/south
neighbour's switch, so the senders take turns), and the phase ends with a TEARDOWN control
wavelet from its first PE (from the bottom-right PE for the broadcast) that puts C_ROUTE back
into teardown on every router it passes. Each PE's teardown handler activates the LOCK task,
which the phase blocked at its start and unblocks when this PE's part is done; LOCK moves the
state machine on.

pywse's one change: the original asserts `width > 1` and would wait forever for a teardown
on a rectangle one PE wide or high (a phase along one PE has no first PE to send the
TEARDOWN). Here a phase with one PE along it is skipped (the state moves on at once), and the
broadcast routes of a one-PE-wide or -high rectangle leave out the side that has no PE, so
the module works on any W x H, 1 x 1 included.

The original keeps the caller's tensor as a pointer (`x = in_tensor`); pywse has no pointer
variables, so the portal functions point the module's memory DSD at the caller's array
(`pw.set_dsd_base_addr`, as the original's reduce() does with its pointer), and the
nrm2 steps read and write `x[0]` through that DSD.
"""
from __future__ import annotations

import pywse as pw
from pywse.dsl.modules import ModuleInstance

STATE_ROW_REDUCE, STATE_COL_REDUCE, STATE_BCAST = 0, 1, 2
STATE_SCALE_AND_SQUARE, STATE_NRM2, STATE_DONE = 3, 4, 5
ADD, MAX = 0, 1          # TYPE_BINARY_OP (CSL: enum(u16) { ADD, MAX })


def layout(colors, entrypoints, width: int, height: int):
    """layout.csl: one color and four local task ids for the whole rectangle; returns its
    `get_params(px, py)`, the params of PE (px, py)'s `pe` module."""
    C0 = colors[0]
    SEND_CTRL, SEND_DATA, STATE_ENTRY, C_LOCK = entrypoints

    def get_params(px: int, py: int) -> dict:
        return dict(first_px=px == 0, last_px=px == width - 1, first_py=py == 0,
                    last_py=py == height - 1, C_ROUTE=C0, C_SEND_CTRL=SEND_CTRL,
                    C_SEND_DATA=SEND_DATA, C_STATE_ENTRY=STATE_ENTRY, C_LOCK=C_LOCK,
                    width=width, height=height)
    return get_params


@pw.module
def pe(p, *, C_ROUTE: pw.Color, C_SEND_CTRL: int, C_SEND_DATA: int, C_STATE_ENTRY: int,
       C_LOCK: int, first_px: bool, last_px: bool, first_py: bool, last_py: bool,
       width: int, height: int, f_callback, queues, dest_dsr_ids, src0_dsr_ids, src1_dsr_ids):
    """pe.csl: the state machine, its four tasks, the teardown handler and C_ROUTE's routes."""
    timestamp = p.import_module("<time>")
    math_lib = p.import_module("<math>")
    tile_config = p.import_module("<tile_config>")
    switches = p.import_module("<memcpy/memcpy_switches>")
    color_config, switch_config = tile_config.color_config, tile_config.switch_config

    TYPE_BINARY_OP = ModuleInstance("TYPE_BINARY_OP", pe, dict(ADD=ADD, MAX=MAX))
    tscRefBuffer = p.var("tscRefBuffer", pw.u16, timestamp.tsc_size_words)

    functor = p.var("functor", pw.u16, 1)
    state_seq = p.var("state_seq", pw.i16, 9 + 1)   # +1: STATE_DONE also reads the next
    state_idx = p.var("state_idx", pw.i16, 1)
    cur_state = p.var("cur_state", pw.i16, 1)
    next_state = p.var("next_state", pw.i16, 1)
    wvlts_per_pe = p.var("wvlts_per_pe", pw.u16, 1)
    reduce_pes = p.var("reduce_pes", pw.i16, 1)          # neighbours the last PE receives
    reduce_first_pe = p.var("reduce_first_pe", pw.u16, 1)
    reduce_last_pe = p.var("reduce_last_pe", pw.u16, 1)
    count_recv_or_send = p.var("count_recv_or_send", pw.i16, 1)
    nrm2_x_copy = p.var("nrm2_x_copy", pw.f32, 1)
    alpha = p.var("alpha", pw.f32, 1)
    inv_alpha = p.var("inv_alpha", pw.f32, 1)
    x0 = p.var("x0", pw.f32, 1)          # pywse: x[0] read and written through the x DSD

    dest_dsr = pw.get_dsr("dsr_dest", dest_dsr_ids[0])
    src0_dsr = pw.get_dsr("dsr_src0", src0_dsr_ids[0])
    src1_dsr = pw.get_dsr("dsr_src1", src1_dsr_ids[0])
    iq_route = p.input_queue(queues[0], C_ROUTE)     # the last PE receives on it
    oq_route = p.output_queue(queues[0], C_ROUTE)    # the others send on it

    # the caller's x: the portals point it at their array, reduce() sets its length
    dummy = p.var("dummy", pw.f32, 1)
    mem_x_buf_dsd = p.dsd_var(pw.mem1d(dummy, extent=1))
    fab_trans_x_wdsd = pw.fabout(C_ROUTE, extent=1, queue=oq_route)
    # data and control go through the same output queue, so they leave in order
    fab_trans_ctrl_wdsd = pw.fabout(C_ROUTE, extent=1, queue=oq_route, control=True)
    fab_recv_wdsd = pw.fabin(C_ROUTE, extent=1, queue=iq_route)

    ctrl_11 = p.var("ctrl_11", pw.u32, 1, init=switches.ctrl(switches.switch_cmd_11()))
    mem_ctrl_buf_dsd = pw.mem1d(ctrl_11)
    teardown_buf = p.var("teardown_buf", pw.u32, 1,
                         init=switches.ctrl(switches.teardown_cmd_1()))
    mem_buf_td_dsd = pw.mem1d(teardown_buf)
    x0_dsd = pw.mem1d(x0)

    # -- the portals ---------------------------------------------------------------------------
    def allreduce(n, in_tensor, op):
        """x[0:n] of every PE reduced with `op` (TYPE_BINARY_OP), the result in every x."""
        nonlocal mem_x_buf_dsd
        mem_x_buf_dsd = pw.set_dsd_base_addr(mem_x_buf_dsd, in_tensor)
        functor[0] = op
        wvlts_per_pe[0] = n
        state_seq[0] = STATE_ROW_REDUCE
        state_seq[1] = STATE_COL_REDUCE
        state_seq[2] = STATE_BCAST
        state_seq[3] = STATE_DONE
        state_idx[0] = 0
        cur_state[0] = state_seq[0]
        pw.activate(f_state_entry)

    def allreduce_nrm2(in_tensor):
        """x[0] = the 2-norm of all PEs' x[0]: allreduce(MAX, |x|), scale by a power of two
        near the max, square, allreduce(ADD), sqrt and scale back."""
        nonlocal mem_x_buf_dsd
        mem_x_buf_dsd = pw.set_dsd_base_addr(mem_x_buf_dsd, in_tensor)
        functor[0] = MAX
        wvlts_per_pe[0] = 1
        xreg = math_lib.abs(in_tensor[0])
        in_tensor[0] = xreg
        nrm2_x_copy[0] = xreg
        state_seq[0] = STATE_ROW_REDUCE
        state_seq[1] = STATE_COL_REDUCE
        state_seq[2] = STATE_BCAST
        state_seq[3] = STATE_SCALE_AND_SQUARE
        state_seq[4] = STATE_ROW_REDUCE
        state_seq[5] = STATE_COL_REDUCE
        state_seq[6] = STATE_BCAST
        state_seq[7] = STATE_NRM2
        state_seq[8] = STATE_DONE
        state_idx[0] = 0
        cur_state[0] = state_seq[0]
        pw.activate(f_state_entry)

    # -- the state machine -----------------------------------------------------------------------
    def next_now():
        """Go on to the next state at once (a sequential step, or a phase with one PE)."""
        state_idx[0] += 1
        cur_state[0] = state_seq[state_idx[0]]
        pw.activate(f_state_entry)

    def next_after_lock():
        """Prefetch the next state; LOCK copies it into cur_state after the teardown."""
        state_idx[0] += 1
        next_state[0] = state_seq[state_idx[0]]

    @p.local_task(C_STATE_ENTRY)
    def f_state_entry():
        s = cur_state[0]
        if s == STATE_ROW_REDUCE:
            if width > 1:
                rowReduce_configure()
                reduce_pes[0] = width - 1
                reduce_first_pe[0] = first_px
                reduce_last_pe[0] = last_px
                reduce(wvlts_per_pe[0])
                next_after_lock()
            else:
                next_now()          # pywse: one PE per row, nothing to reduce
        elif s == STATE_COL_REDUCE:
            if height > 1:
                colReduce_configure()
                reduce_pes[0] = height - 1
                reduce_first_pe[0] = first_py
                reduce_last_pe[0] = last_py
                reduce(wvlts_per_pe[0])
                next_after_lock()
            else:
                next_now()          # pywse: one PE per column
        elif s == STATE_BCAST:
            if width > 1 or height > 1:
                bcast_configure()
                broadcast_to_all(wvlts_per_pe[0])
                next_after_lock()
            else:
                next_now()          # pywse: one PE, it has the result
        elif s == STATE_SCALE_AND_SQUARE:
            scale_and_square()
            functor[0] = ADD
            next_now()
        elif s == STATE_NRM2:
            nrm2_postprocessing()
            next_now()
        else:                       # STATE_DONE
            timestamp.get_timestamp(tscRefBuffer)
            f_callback()

    def reduce(n):
        """Block LOCK until this PE's part is done, then send (or receive) the data."""
        nonlocal mem_x_buf_dsd
        pw.block(f_lock)
        count_recv_or_send[0] = 0
        mem_x_buf_dsd = pw.set_dsd_length(mem_x_buf_dsd, n)
        pw.activate(f_send_data)

    def broadcast_to_all(n):
        nonlocal mem_x_buf_dsd
        pw.block(f_lock)
        mem_x_buf_dsd = pw.set_dsd_length(mem_x_buf_dsd, n)
        if last_px and last_py:
            # the bottom-right PE sends the data, then f_send_ctrl sends the TEARDOWN
            pw.load_to_dsr(dest_dsr, pw.set_dsd_length(fab_trans_x_wdsd, n), async_=True,
                           activate=f_send_ctrl)
            pw.load_to_dsr(src1_dsr, mem_x_buf_dsd)
            pw.mov32(dest_dsr, src1_dsr, async_=True)
        else:
            # the others receive; LOCK is unblocked once the data is in
            pw.load_to_dsr(dest_dsr, mem_x_buf_dsd)
            pw.load_to_dsr(src1_dsr, pw.set_dsd_length(fab_recv_wdsd, n), async_=True,
                           unblock=f_lock)
            pw.mov32(dest_dsr, src1_dsr, async_=True)

    def scale_and_square():
        """x[0] = (|x_j| / alpha)^2, alpha a power of two near max_j |x_j| (now in x[0])."""
        pw.fmovs(x0_dsd, mem_x_buf_dsd)
        approx(x0[0], alpha, inv_alpha)
        xreg = nrm2_x_copy[0] * inv_alpha[0]
        x0[0] = xreg * xreg
        pw.fmovs(mem_x_buf_dsd, x0_dsd)

    def nrm2_postprocessing():
        """x[0] = alpha * sqrt(x[0]): the 2-norm."""
        pw.fmovs(x0_dsd, mem_x_buf_dsd)
        xreg = math_lib.sqrt(x0[0])
        x0[0] = xreg * alpha[0]
        pw.fmovs(mem_x_buf_dsd, x0_dsd)

    @p.local_task(C_SEND_DATA)
    def f_send_data():
        n = wvlts_per_pe[0]
        if reduce_last_pe[0]:
            # the last PE adds (or maxes) in what its reduce_pes neighbours send, in turn
            if count_recv_or_send[0] < reduce_pes[0]:
                pw.load_to_dsr(src1_dsr, pw.set_dsd_length(fab_recv_wdsd, n), async_=True,
                               activate=f_send_data)
                pw.load_to_dsr(src0_dsr, mem_x_buf_dsd)
                pw.load_to_dsr(dest_dsr, mem_x_buf_dsd)
                if functor[0] == ADD:
                    pw.fadds(dest_dsr, src0_dsr, src1_dsr, async_=True)
                else:
                    pw.fmaxs(dest_dsr, src0_dsr, src1_dsr, async_=True)
                count_recv_or_send[0] += 1
            else:
                pw.unblock(f_lock)      # all in: LOCK runs once the TEARDOWN has come
        else:
            # the others send their data, then a switch advance (f_send_ctrl)
            if count_recv_or_send[0] < 1:
                pw.load_to_dsr(dest_dsr, pw.set_dsd_length(fab_trans_x_wdsd, n),
                               async_=True, activate=f_send_ctrl)
                pw.load_to_dsr(src1_dsr, mem_x_buf_dsd)
                pw.mov32(dest_dsr, src1_dsr, async_=True)
                count_recv_or_send[0] += 1
            else:
                pw.unblock(f_lock)
                if reduce_first_pe[0]:  # the first PE ends the phase with a TEARDOWN
                    pw.load_to_dsr(dest_dsr, fab_trans_ctrl_wdsd, async_=True)
                    pw.load_to_dsr(src1_dsr, mem_buf_td_dsd)
                    pw.mov32(dest_dsr, src1_dsr, async_=True)

    @p.local_task(C_SEND_CTRL)
    def f_send_ctrl():
        if cur_state[0] == STATE_BCAST:
            # the bottom-right PE sends the TEARDOWN; LOCK is unblocked once it is out
            pw.load_to_dsr(dest_dsr, fab_trans_ctrl_wdsd, async_=True, unblock=f_lock)
            pw.load_to_dsr(src1_dsr, mem_buf_td_dsd)
            pw.mov32(dest_dsr, src1_dsr, async_=True)
        else:
            # a reduction: advance this PE's switch and the next one's
            pw.load_to_dsr(dest_dsr, fab_trans_ctrl_wdsd, async_=True, activate=f_send_data)
            pw.load_to_dsr(src1_dsr, mem_ctrl_buf_dsd)
            pw.mov32(dest_dsr, src1_dsr, async_=True)

    @p.local_task(C_LOCK)
    def f_lock():
        """Runs once the TEARDOWN came (activated) and this PE's part is done (unblocked)."""
        cur_state[0] = next_state[0]
        pw.activate(f_state_entry)

    def approx(xv, alpha_p, inv_alpha_p):
        """alpha = 2^(E-127) from x's exponent E (1 for 0, inf and NaN; 2^-126 for
        subnormals), inv_alpha = 1/alpha: x/alpha is O(1) with no rounding."""
        x_u32 = pw.bitcast(pw.u32, xv)
        exp = x_u32 & pw.u32(0x7F800000)
        mantissa = x_u32 & pw.u32(0x007FFFFF)
        E = pw.u16(exp >> 23)
        if E == 0:
            if mantissa == 0:
                E = pw.u16(127)         # x = 0
            else:
                E = pw.u16(1)           # subnormal
        if E == 255:
            E = pw.u16(127)             # inf or NaN
        alpha_p[0] = pw.bitcast(pw.f32, pw.u32(E) << 23)
        inv_alpha_p[0] = pw.bitcast(pw.f32, pw.u32(254 - E) << 23)

    # -- C_ROUTE's routes for each phase (reconfigured while in teardown) -----------------------
    def rowReduce_configure():
        addr = color_config.get_color_config_addr(C_ROUTE)
        if first_px:
            color_config.reset_routes(addr, tx=pw.EAST, rx=pw.RAMP)
        elif last_px:
            color_config.reset_routes(addr, tx=pw.RAMP, rx=pw.WEST)
        else:
            color_config.reset_routes(addr, tx=pw.EAST, rx=pw.WEST)
        # back to position 0, then position 1 (rx RAMP) on every PE but the last
        switch_config.clear_current_position(C_ROUTE)
        switch_config.set_invalid_for_all_switch_positions(C_ROUTE)
        if not last_px:
            switch_config.set_rx_switch_pos1(C_ROUTE, pw.RAMP)
        tile_config.teardown.exit(C_ROUTE)

    def colReduce_configure():
        addr = color_config.get_color_config_addr(C_ROUTE)
        if first_py:
            color_config.reset_routes(addr, tx=pw.SOUTH, rx=pw.RAMP)
        elif last_py:
            color_config.reset_routes(addr, tx=pw.RAMP, rx=pw.NORTH)
        else:
            color_config.reset_routes(addr, tx=pw.SOUTH, rx=pw.NORTH)
        switch_config.clear_current_position(C_ROUTE)
        switch_config.set_invalid_for_all_switch_positions(C_ROUTE)
        if not last_py:
            switch_config.set_rx_switch_pos1(C_ROUTE, pw.RAMP)
        tile_config.teardown.exit(C_ROUTE)

    def bcast_configure():
        """Up the last column from the bottom-right PE, then west along every row (pywse:
        a one-PE-wide or -high rectangle leaves out the side with no PE)."""
        addr = color_config.get_color_config_addr(C_ROUTE)
        if last_px:
            if last_py:
                if width == 1:
                    color_config.reset_routes(addr, tx=pw.NORTH, rx=pw.RAMP)
                elif height == 1:
                    color_config.reset_routes(addr, tx=pw.WEST, rx=pw.RAMP)
                else:
                    color_config.reset_routes(addr, tx=(pw.WEST, pw.NORTH), rx=pw.RAMP)
            elif first_py:
                if width == 1:
                    color_config.reset_routes(addr, tx=pw.RAMP, rx=pw.SOUTH)
                else:
                    color_config.reset_routes(addr, tx=(pw.WEST, pw.RAMP), rx=pw.SOUTH)
            else:
                if width == 1:
                    color_config.reset_routes(addr, tx=(pw.RAMP, pw.NORTH), rx=pw.SOUTH)
                else:
                    color_config.reset_routes(addr, tx=(pw.WEST, pw.RAMP, pw.NORTH),
                                              rx=pw.SOUTH)
        elif first_px:
            color_config.reset_routes(addr, tx=pw.RAMP, rx=pw.EAST)
        else:
            color_config.reset_routes(addr, tx=(pw.WEST, pw.RAMP), rx=pw.EAST)
        switch_config.clear_current_position(C_ROUTE)
        switch_config.set_invalid_for_all_switch_positions(C_ROUTE)
        tile_config.teardown.exit(C_ROUTE)

    def teardown_allreduce():
        """C_ROUTE entered teardown here: LOCK may run once this PE's part is done."""
        pw.activate(f_lock)

    p.set_teardown_handler(teardown_allreduce, C_ROUTE)

    # C_ROUTE starts in teardown; its base route is a placeholder each phase replaces, its
    # switch settings (position 1 from RAMP, ring mode, pop on advance) are the phases' own
    p.set_local_color_config(C_ROUTE, rx=pw.WEST, tx=pw.EAST, teardown=True,
                             switches=pw.Switches(pos1=pw.SwitchPos(rx=pw.RAMP),
                                                  ring_mode=True, pop_mode="pop_on_advance"))

    return dict(allreduce=allreduce, allreduce_nrm2=allreduce_nrm2,
                TYPE_BINARY_OP=TYPE_BINARY_OP, tscRefBuffer=tscRefBuffer)
