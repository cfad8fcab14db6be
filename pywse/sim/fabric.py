"""The fabric: routers, queues and microthreads, stepped one cycle at a time (numba).

Per PE and color a router holds a small FIFO (`ROUTER_DEPTH` wavelets). Each cycle, a
wavelet that reached the router before this cycle leaves when every tx target of the current
switch position can take it (multicast moves all-or-nothing; a full target stalls the sender,
never drops): a neighbour's router FIFO, the PE's input queue bound to the color (RAMP), or
the host (memcpy D2H). Each physical link carries one wavelet per cycle.

From one router to the next takes the platform's `hop` cycles (costs.py): 1 in the router,
`hop - 1` on the link. A link is a pipeline: per color it holds one wavelet for each of its
cycles, kept in extra slots of the next router's FIFO (`router_slots`, stamped with the cycle
the wavelet gets there), so a stream still moves one wavelet per cycle whatever `hop` is.
What enters a router from its own RAMP, the host or a test source takes `ROUTER_DEPTH` slots
at most, so the buffering between a PE and the host does not depend on `hop`.

Output queues feed their color's router FIFO, one wavelet per cycle; microthreads (async DSD
ops) advance one element per cycle, from the cycle their op was issued at in its task's body
(`ut_from`: the body itself runs at once, at the task's start). Only PEs on the active list
are visited.

A color's filter (routerfilter.py) decides whether a wavelet sent down RAMP reaches the CE;
a counter filter counts each wavelet its router moves. Forwarding never looks at it.

On a color with switch positions, a router takes wavelets only from the sides (and its own
RAMP) that its current position lists as rx: anything else waits upstream until a control
wavelet moves the switch. Control wavelets that reach the host end there (streams collect
data wavelets only).

For unit tests (testing/harness.py), test *sources* feed wavelets into a PE's router (as if
a neighbour or the CE sent them) or straight into its input queue (as memcpy does), one per
cycle at most, waiting while the target is full; and the capture log records, with their
cycle, wavelets routed to the test (tx `CAPTURE_BIT`) or, with `config[CFG_CAPTURE_EDGES]`
set, off the kernel's edge. A full log stalls the sender and flags `counters[HOST_IO]`
until the engine grows it: nothing is dropped.

Host streams pass through bounded rings (rings.py): `_h2d` takes each PE's next word from
its ring, D2H puts words into one, and `ring_moved` asks the engine to refill or drain a ring
(`counters[HOST_IO]`) before the next cycle needs it.
"""
from __future__ import annotations

import numba
import numpy as np
from numba.extending import register_jitable

from ..dsl.control import CE_IGNORE_BITS, CMD_BITS
from . import account, tracebuf
from .costs import C_HOP
from .ops import N_SLOTS, activate, notify, queue_emptied, run_slot
from .rings import D2H_PORT, N_PORTS
from .routerfilter import COUNTER
from .routerfilter import count as _filter_count
from .routerfilter import passes as _passes_filter

ROUTER_DEPTH = 2       # wavelets buffered per (PE, color) in the router (a platform setting)
N_DIRS = 6             # RAMP, NORTH, SOUTH, EAST, WEST, HOST (memcpy's edge of the fabric)
D_RAMP, D_NORTH, D_SOUTH, D_EAST, D_WEST, D_HOST = range(6)
DIR_BITS = {"RAMP": 1, "NORTH": 2, "SOUTH": 4, "EAST": 8, "WEST": 16}
HOST_BIT = 32
CAPTURE_BIT = 64       # tx "to the test": a harness's free route out of RAMP
CFG_CAPTURE_EDGES = 3  # config[3] = 1: a tx off the kernel is captured instead of stalling
CFG_PERTURB = 4        # config[4] != 0: the seed that reorders which PE moves first each cycle
HOST_IO = 6            # counters[6]: the engine has work before the next cycle (host_io):
IO_CAPTURE, IO_RINGS = 1, 2  # bits: the capture log needs room, a stream ring needs the host
SRC_PE, SRC_COLOR, SRC_SIDE, SRC_CTL, SRC_INTERVAL, SRC_NEXT, SRC_POS, SRC_LEN, SRC_OFF = range(9)
SRC_FIELDS = 9         # src_meta columns; SRC_SIDE is a D_* side, or SIDE_QUEUE; a source's
                       # words are src_data[SRC_OFF:SRC_OFF + SRC_LEN] (one flat array for all)
SIDE_QUEUE = -1        # a source writing straight into the input queue bound to its color
CAP_PE, CAP_DIR, CAP_COLOR, CAP_WORD, CAP_CYCLE, CAP_CTL = range(6)
CAP_FIELDS = 6         # cap_log columns; CAP_DIR D_RAMP means "to the test at RAMP-out"
OPPOSITE = (0, 2, 1, 4, 3)   # the side a wavelet sent toward direction d enters from
IQ_DEPTH = {"wse2": (6, 6, 4, 4, 2, 2, 2, 2), "wse3": (8, 8, 4, 4, 4, 4, 4, 4)}
ASYNC_SLOTS = (1 << (N_SLOTS - 1)) - 1   # microthreads the fabric steps (not the CE's own)
OQ_DEPTH = {"wse2": (2, 2, 6, 6, 2, 2, 0, 0), "wse3": (8, 8, 8, 8, 8, 8, 8, 8)}


def router_slots(hop: int) -> int:
    """Slots per (PE, color) of the router FIFOs (`rb_buf`): its own `ROUTER_DEPTH` and the
    `hop - 1` of the link in front of it."""
    return ROUTER_DEPTH + hop - 1


@numba.njit(cache=True)
def _deliver_ok(st, pe, c, txm, t, w, ctl):
    """Can every tx target of this wavelet take it this cycle?"""
    width = st.config[1]
    x = pe % width
    for d in range(1, 5):
        if txm & (1 << d):
            npe, nc = _neighbour(st, pe, c, d, x, width)
            if st.link_time[pe, d] == t + 1:
                return False
            if npe < 0:      # off the kernel: stuck, unless a harness captures it there
                if not (st.config[CFG_CAPTURE_EDGES] and _log_room(st)):
                    return False
                continue
            if st.rb_count[npe, nc] >= st.rb_buf.shape[2] or \
                    not _accepts(st, npe, nc, OPPOSITE[d]):
                return False     # its FIFO and the link's slots in front of it are full
    if txm & CAPTURE_BIT and not _log_room(st):
        return False
    if txm & 1:
        q = st.ce_iq[pe, c]
        if q >= 0 and _passes_filter(st, pe, c, w, ctl):
            if st.iq_count[pe, q] >= st.iq_cap[q]:
                return False
        elif q < 0 and _passes_filter(st, pe, c, w, ctl):
            return False   # nothing on this PE reads the color: the wavelet waits
    if txm & HOST_BIT and not ctl:
        k = _d2h_channel(st, c)
        if k < 0 or st.d2h_left[pe, k] <= 0:
            return False
        if st.d2h_done[pe, k] - st.ring_mark[pe, D2H_PORT + k] >= st.ring_len[D2H_PORT + k]:
            return False      # never: the engine drains a full ring before the next cycle
    return True


@numba.njit(cache=True)
def _log_room(st):
    """Room in the capture log for one wavelet's copies? If not, ask the engine for more."""
    if st.cap_n[0] + 5 <= st.cap_log.shape[0]:
        return True
    st.counters[HOST_IO] |= IO_CAPTURE
    return False


@numba.njit(cache=True)
def _capture(st, pe, d, c, w, ctl, t):
    i = st.cap_n[0]
    row = st.cap_log[i]
    row[CAP_PE], row[CAP_DIR], row[CAP_COLOR] = pe, d, c
    row[CAP_WORD], row[CAP_CYCLE], row[CAP_CTL] = w, t, ctl
    st.cap_n[0] = i + 1


@numba.njit(cache=True)
def _accepts(st, pe, c, side):
    """Does the router take a wavelet of color `c` entering from `side` now? Switch
    positions restrict it, and so does a route set at run time (routing checks vouch for a
    fixed route's rx); a color in teardown takes nothing: senders wait (backpressure)."""
    tip = st.tip[pe, c]
    if tip & TIP_ON:
        return False
    if st.sw_npos[pe, c] <= 1 and not tip & TIP_DYNAMIC:
        return True
    if tip & TIP_DYNAMIC:
        # one FIFO per color stands for the router's input buffers: while a switch command
        # (or TEARDOWN) waits in it, nothing else gets in, so what comes in after it is
        # admitted by the position in force once it has left (docs/semantics.md, Teardown)
        for k in range(st.rb_count[pe, c]):
            slot = (st.rb_head[pe, c] + k) % st.rb_buf.shape[2]
            if st.rb_ctl[pe, c, slot] and (st.rb_buf[pe, c, slot] >> 22) & 3:
                return False
    return (st.sw_rx[pe, c, st.sw_cur[pe, c]] >> side) & 1 == 1


@numba.njit(cache=True)
def _d2h_channel(st, c):
    for k in range(st.d2h_color.shape[0]):
        if st.d2h_color[k] == c:
            return k
    return -1


@numba.njit(cache=True)
def _neighbour(st, pe, c, d, x, width):
    npe = -1   # off the kernel: nothing there takes wavelets
    if d == D_NORTH:
        if pe >= width:
            npe = pe - width
    elif d == D_SOUTH:
        if pe + width < st.task_state.shape[0]:
            npe = pe + width
    elif d == D_EAST:
        if x + 1 < width:
            npe = pe + 1
    elif x > 0:
        npe = pe - 1
    nc = c
    if (d == D_EAST or d == D_WEST) and st.swap_x[pe, c]:
        nc = c ^ 1
    if (d == D_NORTH or d == D_SOUTH) and st.swap_y[pe, c]:
        nc = c ^ 1
    return npe, nc


@numba.njit(cache=True)
def _push_rb(st, pe, c, w, ctl, t):
    """Put a wavelet in router `pe`'s FIFO of color `c`; it may leave after cycle `t`."""
    slot = (st.rb_head[pe, c] + st.rb_count[pe, c]) % st.rb_buf.shape[2]
    st.rb_buf[pe, c, slot] = w
    st.rb_ctl[pe, c, slot] = ctl
    st.rb_time[pe, c, slot] = t
    st.rb_count[pe, c] += 1
    st.rb_mask[pe] |= np.uint32(1 << c)
    activate(st, pe)


@numba.njit(cache=True)
def _push_iq(st, pe, q, w, ctl, t):
    cap = st.iq_buf.shape[2]
    slot = (st.iq_head[pe, q] + st.iq_count[pe, q]) % cap
    st.iq_buf[pe, q, slot] = w
    st.iq_ctl[pe, q, slot] = ctl
    st.iq_count[pe, q] += 1
    tracebuf.queue(st, pe, q, t)
    notify(st, pe)
    activate(st, pe)


@numba.njit(cache=True)
def _wake_upstream(st, pe, x, width):
    """A router slot of `pe` freed up: neighbours stalled on it may send again."""
    if pe >= width:
        activate(st, pe - width)
    if pe + width < st.task_state.shape[0]:
        activate(st, pe + width)
    if x + 1 < width:
        activate(st, pe + 1)
    if x > 0:
        activate(st, pe - 1)


@numba.njit(cache=True)
def _route_pe(st, pe, t):
    """Move what can move out of PE `pe`'s router FIFOs and output queues this cycle."""
    moved = 0
    width = st.config[1]
    x = pe % width
    pending = st.rb_mask[pe]
    c = -1
    while pending:
        c += 1
        bit = np.uint32(1 << c)
        if not pending & bit:
            continue
        pending &= ~bit
        h = st.rb_head[pe, c]
        if st.rb_time[pe, c, h] >= t or st.tip[pe, c] & TIP_ON:
            if st.rb_time[pe, c, h] >= t:
                moved += 1  # arrived this cycle, or still on the link: the clock runs on
            continue        # ... or the color is in teardown here
        w = st.rb_buf[pe, c, h]
        ctl = st.rb_ctl[pe, c, h]
        txm = st.sw_tx[pe, c, st.sw_cur[pe, c]]
        if not _deliver_ok(st, pe, c, txm, t, w, ctl):
            continue
        fwd = _popped(st, pe, c, w) if ctl else w
        for d in range(1, 5):
            if txm & (1 << d):
                npe, nc = _neighbour(st, pe, c, d, x, width)
                st.link_time[pe, d] = t + 1
                st.links[pe, c, d] += 1
                if npe < 0:
                    _capture(st, pe, d, c, fwd, ctl, t)
                else:          # the link's hop - 1 cycles, then the next router's one
                    _push_rb(st, npe, nc, fwd, ctl, t + st.cost[C_HOP] - 1)
                    tracebuf.hop(st, pe, npe, c, t, t + st.cost[C_HOP])
                    st.links[npe, nc, N_DIRS + OPPOSITE[d]] += 1
        if txm & CAPTURE_BIT:
            _capture(st, pe, D_RAMP, c, fwd, ctl, t)
            st.links[pe, c, D_HOST] += 1
        if txm & 1 and _passes_filter(st, pe, c, w, ctl) and not (ctl and (w >> 24) & 1):
            q = st.ce_iq[pe, c]
            _push_iq(st, pe, q, w, ctl, t)
            st.links[pe, c, D_RAMP] += 1
        if st.flt_on[pe, c] >= COUNTER:      # a counter filter counts what passed the router
            _filter_count(st, pe, c, ctl)
        if txm & HOST_BIT and not ctl:
            k = _d2h_channel(st, c)
            port = D2H_PORT + k
            i = st.d2h_done[pe, k]
            st.ring[st.ring_base[pe, port] + i % st.ring_len[port]] = w
            st.d2h_done[pe, k] = i + 1
            st.d2h_left[pe, k] -= 1
            st.links[pe, c, D_HOST] += 1
            if st.d2h_left[pe, k] == 0:
                st.counters[0] += 1     # sched.EVENTS: a host command may be done
            else:
                ring_moved(st, pe, port, i + 1 - st.ring_mark[pe, port])
        st.color_moves[c] += 1
        st.rb_head[pe, c] = (h + 1) % st.rb_buf.shape[2]
        st.rb_count[pe, c] -= 1
        if st.rb_count[pe, c] == 0:
            st.rb_mask[pe] &= ~bit
        _wake_upstream(st, pe, x, width)
        moved += 1
        if ctl:
            _switch(st, pe, c, (w >> 22) & 3)
    queues = st.oq_mask[pe]
    q = -1
    while queues:
        q += 1
        qbit = np.uint8(1 << q)
        if not queues & qbit:
            continue
        queues &= ~qbit
        h = st.oq_head[pe, q]
        c = np.int64(st.oq_wcol[pe, q, h])     # the color its fabout named
        if st.rb_count[pe, c] >= ROUTER_DEPTH or st.link_time[pe, 0] == t + 1 or \
                not _accepts(st, pe, c, D_RAMP):
            continue
        st.link_time[pe, 0] = t + 1
        _push_rb(st, pe, c, st.oq_buf[pe, q, h], st.oq_ctl[pe, q, h], t)
        st.links[pe, c, N_DIRS + D_RAMP] += 1
        st.oq_head[pe, q] = (h + 1) % st.oq_buf.shape[2]
        st.oq_count[pe, q] -= 1
        if st.oq_count[pe, q] == 0:
            st.oq_mask[pe] &= ~qbit
            queue_emptied(st, pe, 1, q)
        moved += 1
    return moved


TIP_ON = 1          # tip[pe, c]: the color is in teardown on this router
TIP_DYNAMIC = 2     # tip[pe, c]: its route is set at run time, so its rx is enforced here
TEARDOWN_TASK = 29  # the reserved teardown task id (the program's teardown handler)
_TASK_ACTIVE = 1    # builtins.ACTIVE (builtins imports this module)


@register_jitable
def enter_teardown(st, pe, c):
    """A TEARDOWN command has passed router `pe` on color `c` (after the wavelet carrying it
    left): the router stops forwarding and taking in `c`, and if the PE's program has a
    teardown handler for `c` its teardown task is activated (docs/semantics.md)."""
    st.tip[pe, c] |= TIP_ON | TIP_DYNAMIC
    if (st.td_colors[pe] >> c) & 1:
        st.task_state[pe, TEARDOWN_TASK] |= _TASK_ACTIVE
        notify(st, pe)


@register_jitable
def exit_teardown(st, pe, c):
    """The PE's code left teardown on `c` (`<tile_config>` teardown.exit): its router
    forwards again, by the route and switches set meanwhile; stalled neighbours may send."""
    st.tip[pe, c] &= ~np.uint8(TIP_ON)
    wake_around(st, pe)


@register_jitable
def wake_around(st, pe):
    """`pe`'s router changed: it and the neighbours that may send into it go back on the
    active list (callable from task bodies in both modes, unlike the njit helpers here)."""
    width = st.config[1]
    activate(st, pe)
    if pe >= width:
        activate(st, pe - width)
    if pe + width < st.task_state.shape[0]:
        activate(st, pe + width)
    if pe % width + 1 < width:
        activate(st, pe + 1)
    if pe % width > 0:
        activate(st, pe - 1)


POP_NONE, POP_ALWAYS, POP_ON_ADVANCE, POP_ON_ADVANCE_NOP = range(4)
_CMD_BITS = CMD_BITS           # each hop's 2-bit command and its CE-filter bit (dsl/control.py)
_FILTER_BITS = CE_IGNORE_BITS


@numba.njit(cache=True)
def _switch(st, pe, c, cmd):
    """A control wavelet has passed: SWITCH_ADV moves to the next valid position (wrapping
    to 0 in ring mode, else staying on the last), SWITCH_RST goes back to position 0.
    A move may let waiting senders in (this PE's output queues, its neighbours)."""
    old = st.sw_cur[pe, c]
    if cmd == 1:
        nxt = st.sw_cur[pe, c] + 1
        if nxt < st.sw_npos[pe, c]:
            st.sw_cur[pe, c] = nxt
        elif st.sw_ring[pe, c]:
            st.sw_cur[pe, c] = 0
    elif cmd == 2:
        st.sw_cur[pe, c] = 0
    elif cmd == 3:
        enter_teardown(st, pe, c)
    if st.sw_cur[pe, c] != old:
        width = st.config[1]
        activate(st, pe)
        _wake_upstream(st, pe, pe % width, width)


@numba.njit(cache=True)
def _popped(st, pe, c, w):
    """The control word forwarded downstream: its head command removed per the pop mode."""
    mode = st.sw_pop[pe, c]
    cmd = (w >> 22) & 3
    if mode == POP_NONE or (mode == POP_ON_ADVANCE and cmd != 1) or \
            (mode == POP_ON_ADVANCE_NOP and cmd > 1):
        return w
    out = np.uint32(w)
    for k in range(8):
        out &= ~np.uint32((3 << _CMD_BITS[k]) | (1 << _FILTER_BITS[k]))
    for k in range(7):
        cbits = (w >> _CMD_BITS[k + 1]) & 3
        fbit = (w >> _FILTER_BITS[k + 1]) & 1
        out |= np.uint32((cbits << _CMD_BITS[k]) | (fbit << _FILTER_BITS[k]))
    return out


@numba.njit(cache=True)
def ring_moved(st, pe, port, used):
    """A word moved through ring (pe, port), which has now `used` of its words used up (H2D:
    taken and not refilled, D2H: filled and not collected) and more words to come. At half
    of it the ring goes on the host's list; all of it also ends the run after this cycle, so
    the engine refills or drains every listed ring before the next (rings.py)."""
    size = st.ring_len[port]
    if used == (size + 1) // 2 or used == size:
        n = st.ring_nreq[0]
        st.ring_req[n] = pe * N_PORTS + port
        st.ring_nreq[0] = n + 1
        if used == size:
            st.counters[HOST_IO] |= IO_RINGS


@numba.njit(cache=True)
def _h2d(st, pe, t):
    """Host streams, one wavelet per cycle per channel, from the PE's ring: memcpy streaming
    H2D goes into the PE's input queue; an SdkLayout input stream (`h2d_entry`) into the port
    PE's router, whose route takes it on."""
    moved = 0
    for k in range(st.h2d_left.shape[1]):
        if st.h2d_left[pe, k] <= 0:
            continue
        c = st.h2d_color[k]
        i = st.h2d_pos[pe, k]
        if i >= st.ring_mark[pe, k]:
            continue       # never: the engine refills an empty ring before the next cycle
        w = st.ring[st.ring_base[pe, k] + i % st.ring_len[k]]
        if st.h2d_entry[k]:
            if st.rb_count[pe, c] >= ROUTER_DEPTH:
                continue
            _push_rb(st, pe, c, w, 0, t)
        else:
            q = st.ce_iq[pe, c]
            if q < 0 or st.iq_count[pe, q] >= st.iq_cap[q]:
                continue
            _push_iq(st, pe, q, w, 0, t)
        st.links[pe, c, N_DIRS + D_HOST] += 1      # from the host: into the router or queue
        st.h2d_pos[pe, k] = i + 1
        st.h2d_left[pe, k] -= 1
        if st.h2d_left[pe, k] == 0:
            st.h2d_mask[pe] &= ~np.uint8(1 << k)
            st.counters[0] += 1         # sched.EVENTS
        elif st.h2d_left[pe, k] > st.ring_mark[pe, k] - i - 1:   # the host has more
            ring_moved(st, pe, k, st.ring_len[k] - (st.ring_mark[pe, k] - i - 1))
        moved += 1
    return moved


@numba.njit(cache=True)
def _inject(st, pe, t):
    """Test sources of PE `pe`, one wavelet per cycle each; of several sources on one color
    only the oldest unfinished one sends, so sends on a color arrive in the order made."""
    moved = 0
    feeding = np.uint32(0)
    for k in range(st.src_meta.shape[0]):
        m = st.src_meta[k]
        if m[SRC_PE] != pe or m[SRC_POS] >= m[SRC_LEN]:
            continue
        c = m[SRC_COLOR]
        bit = np.uint32(1 << c)
        if feeding & bit:
            continue
        feeding |= bit
        if t < m[SRC_NEXT]:
            moved += 1        # not due yet: counts as motion, so the clock runs on to it
            continue
        w = st.src_data[m[SRC_OFF] + m[SRC_POS]]
        ctl = m[SRC_CTL]
        if m[SRC_SIDE] == SIDE_QUEUE:
            q = st.ce_iq[pe, c]
            if q < 0 or st.iq_count[pe, q] >= st.iq_cap[q]:
                continue
            _push_iq(st, pe, q, w, ctl, t)
        else:
            if st.rb_count[pe, c] >= ROUTER_DEPTH or not _accepts(st, pe, c, m[SRC_SIDE]):
                continue
            _push_rb(st, pe, c, w, ctl, t)
        st.links[pe, c, N_DIRS + (D_HOST if m[SRC_SIDE] == SIDE_QUEUE else m[SRC_SIDE])] += 1
        m[SRC_POS] += 1
        m[SRC_NEXT] = t + max(m[SRC_INTERVAL], 1)
        if m[SRC_POS] == m[SRC_LEN]:
            st.src_pending[pe] -= 1
        moved += 1
    return moved


@numba.njit(cache=True)
def advance(st, t0, max_cycles):
    """Run the fabric from cycle t0 until a PE needs its CE (st.wake), nothing moves, or
    `max_cycles` pass. Returns the number of cycles run and whether anything moved."""
    t = t0
    any_move = False
    while t < t0 + max_cycles:
        moved = 0
        n = st.n_active[0]
        first = 0
        if st.config[CFG_PERTURB] and n:      # a seeded rotation: who reaches a router first
            first = ((t + 1) * 0x9E3779B1 ^ st.config[CFG_PERTURB]) % n
        for jj in range(n):
            pe = st.active[(jj + first) % n]
            here = 0
            if st.h2d_mask[pe]:
                here += _h2d(st, pe, t)
            if st.src_pending[pe]:
                here += _inject(st, pe, t)
            if st.rb_mask[pe] or st.oq_mask[pe]:
                here += _route_pe(st, pe, t)
            threads = st.ut_mask[pe] & ASYNC_SLOTS
            if threads:
                here += _step_threads(st, pe, t, threads)
            if here:
                st.poked[pe] = 1
                moved += here
        _compact(st)
        if moved == 0:        # not spent: the fabric went quiet before this cycle
            return t - t0, any_move
        t += 1
        any_move = True
        if st.n_wake[0] or st.counters[HOST_IO]:
            return t - t0, any_move
    return t - t0, any_move


@numba.njit(cache=True)
def _step_threads(st, pe, t, threads):
    """Advance PE `pe`'s async ops (microthreads) by an element each at cycle `t`, keeping
    the cycle account (account.py): the waits of ops that cannot move, and the PE's time.
    Returns the number of ops that moved or wait for the cycle their task issued them at."""
    moved = 0
    issued = 0     # ops whose task body has not reached them yet at cycle t (`ut_from`)
    s = -1
    while threads:
        s += 1
        if threads & (1 << s):
            threads &= ~(1 << s)
            if t < st.ut_from[pe, s]:
                issued += 1          # neither moving nor stalled: the clock runs on to it
                continue
            code = st.ut_code[pe, s]
            done = run_slot(st, pe, s, 1)
            if done > 0:
                moved += 1
                account.thread_moved(st, pe, s, t)
                if tracebuf.on(st, pe):
                    _trace_thread(st, pe, s, code, t)
            elif done < 0:
                account.thread_stuck(st, pe, s, t)
    account.threads_cycle(st, pe, t, moved)
    return moved + issued


@register_jitable
def _trace_thread(st, pe, s, code, t):
    """The trace of an async op that moved at `t`: the queues it read, and the op itself
    once it is done (from the cycle its task issued it)."""
    tracebuf.fabins(st, pe, s, code, t)
    if not st.ut_mask[pe] & (1 << s):
        tracebuf.op(st, pe, s, code, st.ut_from[pe, s], t + 1)


@numba.njit(cache=True)
def _busy(st, pe):
    return (st.h2d_mask[pe] | st.rb_mask[pe] | st.oq_mask[pe]
            | (st.ut_mask[pe] & ASYNC_SLOTS)) != 0 or st.src_pending[pe] > 0


@numba.njit(cache=True)
def _compact(st):
    """Drop PEs with nothing left in their routers, queues or microthreads, and PEs that
    moved nothing this cycle and were not poked: they wait on a neighbour or their CE, and
    whatever frees them (a router slot upstream, a queue read, a new wavelet) puts them
    back with `activate`."""
    k = 0
    for j in range(st.n_active[0]):
        pe = st.active[j]
        if st.poked[pe] and _busy(st, pe):
            st.active[k] = pe
            k += 1
        else:
            st.on_list[pe] = 0
        st.poked[pe] = 0
    st.n_active[0] = k
