"""`<message_passing>` (wse3): point-to-point messages between any two PEs of the rectangle.

    mp = p.import_module("<message_passing>", input_queue_id=2, output_queue_id=3,
                         enable_asserts=True)       # or: from pywse.lib import message_passing
    ...                                             #     p.import_module(message_passing.library)
    mp.init()                                       # in a task body, before any send/receive
    mp.send_message(col, row, buf, n, mp.on_activate(sent))    # n 16- or 32-bit elements
    mp.recv_message(buf, mp.on_unblock(got))        # the length comes from the message
    mp.send_message(col, row, buf, n, mp.NOTHING)   # CSL's `.{}`

`on_term` is CSL's comptime struct `.{ .activate = id }`, `.{ .unblock = id }` or `.{}`,
spelled `mp.on_activate(task)`, `mp.on_unblock(task)` or `mp.NOTHING`. Every PE of the
rectangle must import the library (its routes pass through them all). A program may bind its
own data task to `mp.mp_input_queue` instead of calling `recv_message`: it then sees each
message's header and its first N-1 elements, as in CSL, because the last element travels as a
control wavelet (which the library's control task takes and drops on that PE).

Design (pywse's own: the SDK's library is not public, so its cycles are not the SDK's).
CSL gives the library one input and one output queue per PE and colors 14..18, so each PE
reads one color and writes one. pywse threads a ring through the rectangle: the PEs in snake
order (row 0 left to right, row 1 right to left, ...), each sending to the next over a
nearest-neighbour link, colors 14 and 15 alternating, and the last PE back to the first on
color 16, which runs west along the last row and north up column 0 through the routers of the
PEs on the way (colors 17 and 18 are reserved and unused). A message hops from CE to CE along
the ring, store and forward: each PE's library reads what arrives on its input queue into one
of its SLOTS message slots (its data task, one run per wavelet; the last wavelet, a control
wavelet, runs its control task) and sends on what is not for it from there, one message at a
time on its output queue (async `mov32`s of power-of-two pieces and the control wavelet, a
local task chaining them). Bubble flow control keeps the ring from deadlocking: a PE starts a
message of its own only while it has two free slots, a passing message needs one. A PE reads
nothing more while its slots are full; a message addressed to it waits in a slot until
`recv_message` takes it (oldest first), so a PE that never receives can hold up messages
that pass it. Hops cost a PE's task switches and the fabric's cycles, the copies into and out
of slots none (pywse's clock charges DSD ops, not scalar statements). Messages from one PE to
another arrive in the order they were sent.

On the wire a message of N elements is N + 1 wavelets: the header (bits 0-4: N-1, bits 5-15:
the destination's index row * width + col, bits 16-31: the last element's high half), the
first N-1 elements (16-bit ones in the low half), and the last element's low half in a control
wavelet whose entry point is the library's control task. So a rectangle has at most 2048 PEs.

Resources per PE: its input and output queue (bound to the colors its ring links use:
`mp_comm_color` is the color messages arrive on, which differs between PEs), colors 14..18,
two local task ids and a control task id (`task_ids=`, pywse's choice: CSL does not say which
its library takes), about 500 bytes.

Checks: the library refuses wse2 and rectangles of one PE, and a program or layout that uses
colors 14..18 itself. At run time a send of 0 or more than 32 elements, to a PE outside the
rectangle, or of more elements than its buffer has, a message longer than the posted receive
buffer, and a second send (or receive) before the first one's `on_term` are errors naming the
PE. pywse checks these whatever `enable_asserts` says (a message past them would corrupt the
simulation silently), so `enable_asserts` changes nothing.
"""
from __future__ import annotations

from typing import Any

from ..dsl import primitives as prim
from ..dsl.dsd import FABIN, FABOUT, fabout, mem1d
from ..dsl.image import LOCAL_TASK_IDS
from ..dsl.kinds import Kind
from ..dsl.modules import library
from ..dsl.queues import fabric_descs
from ..dsl.signatures import TABLE
from ..errors import ProgramError
from ..types import EAST, NORTH, RAMP, SOUTH, WEST, u16, u32

mov16, mov32 = TABLE["mov16"], TABLE["mov32"]
activate, block, unblock = TABLE["activate"], TABLE["block"], TABLE["unblock"]
set_dsd_base_addr, set_dsd_length = TABLE["set_dsd_base_addr"], TABLE["set_dsd_length"]
increment_dsd_offset = TABLE["increment_dsd_offset"]

COLORS = (14, 15, 16, 17, 18)
"""The colors the library keeps for itself (CSL's defaults)."""
LINK_COLORS, RETURN_COLOR = (14, 15), 16
MAX_LEN = 32
"""Elements a message may have (SDK 1.3.0 raised it from 16)."""
MAX_PES = 2048
SLOTS = 3
"""Message slots per PE for messages arriving (the staging slot of its own send aside)."""
SW = MAX_LEN + 1
"""Words of a slot: the header, then the elements."""
PIECES = 6
"""A slot's N data wavelets go out as async pieces of 1, 2, 4, ..., 32 (fabric extents are
comptime in pywse)."""
DEFAULT_TASK_IDS = (25, 26, 38)
"""(pump local task, send-step local task, control task for a message's last wavelet)."""
NONE = 0xFFFF
FREE_S, RECV_S, HELD_S, OUT_S, STAGED_S, POSTED_S = range(6)  # a slot's state
ACT, UNB = 1, 2                                              # on_term actions
(N_FREE, RX_SLOT, RX_POS, TX_SLOT, TX_POS, TX_BUSY, R_POST, R_TERM, R_WIDTH, R_CAP, SEQ,
 L_BLOCKED, INITED, P_DEST, P_LEN, P_WIDTH, S_STATE) = range(17)   # words of the state var
S_SEQ = S_STATE + SLOTS + 1
S_TERM = S_SEQ + SLOTS + 1
N_STATE = S_TERM + SLOTS + 1


def ring_index(x: int, y: int, width: int) -> int:
    """PE (x, y)'s place on the ring: snake order."""
    return y * width + (x if y % 2 == 0 else width - 1 - x)


def ring_pe(r: int, width: int) -> tuple[int, int]:
    y, k = divmod(r, width)
    return (k if y % 2 == 0 else width - 1 - k), y


def _toward(a: tuple[int, int], b: tuple[int, int]):
    """The side of PE a that neighbour b is on."""
    return {(1, 0): EAST, (-1, 0): WEST, (0, 1): SOUTH, (0, -1): NORTH}[
        (b[0] - a[0], b[1] - a[1])]


def return_path(width: int, height: int) -> list[tuple[int, int]]:
    """The PEs color 16 passes from the ring's last PE back to (0, 0): west along its row,
    then north up column 0 (both ends included)."""
    x, y = ring_pe(width * height - 1, width)
    path = [(x, y)]
    while x > 0:
        x -= 1
        path.append((x, y))
    while y > 0:
        y -= 1
        path.append((x, y))
    return path


def routes(x: int, y: int, width: int, height: int) -> dict[int, tuple[list, list]]:
    """PE (x, y)'s routes, color -> (rx, tx): its two ring links, and color 16 where the
    return path passes."""
    n = width * height
    r = ring_index(x, y, width)
    out: dict[int, tuple[list, list]] = {}
    back = return_path(width, height)
    if r < n - 1:
        out[LINK_COLORS[r % 2]] = ([RAMP], [_toward((x, y), ring_pe(r + 1, width))])
    if r > 0:
        out[LINK_COLORS[(r - 1) % 2]] = ([_toward((x, y), ring_pe(r - 1, width))], [RAMP])
    if (x, y) in back:
        k = back.index((x, y))
        rx = [RAMP] if k == 0 else [_toward((x, y), back[k - 1])]
        tx = [RAMP] if k == len(back) - 1 else [_toward((x, y), back[k + 1])]
        out[RETURN_COLOR] = (rx, tx)
    return out


def _where(p) -> str:
    return f"<message_passing> at PE ({p.x}, {p.y})"


def _check(p, task_ids) -> tuple[int, int, int]:
    where = _where(p)
    if p.arch != "wse3":
        raise ProgramError(f"{where}: <message_passing> is a WSE-3 library (its queues are "
                           f"WSE-3's); this program compiles for {p.arch}: compile with "
                           "--arch=wse3, or use <collectives_2d> on wse2")
    n = p.width * p.height
    if n < 2:
        raise ProgramError(f"{where}: the program rectangle has one PE; messages need at least "
                           "two")
    if n > MAX_PES:
        raise ProgramError(f"{where}: the program rectangle has {n} PEs; pywse's "
                           f"<message_passing> addresses at most {MAX_PES} (11 bits of its "
                           "header)")
    try:
        pump_id, step_id, ctl_id = (int(getattr(t, "id", t)) for t in task_ids)
    except (TypeError, ValueError):
        raise ProgramError(f"{where}: task_ids must be (local id, local id, control id), got "
                           f"{task_ids!r}") from None
    lo, hi = LOCAL_TASK_IDS[p.arch]
    for t in (pump_id, step_id):
        if not lo <= t <= hi:
            raise ProgramError(f"{where}: task id {t} is not a local task id on {p.arch} "
                               f"({lo}..{hi}); give task_ids= others")
    if pump_id == step_id:
        raise ProgramError(f"{where}: task_ids needs two different local task ids")
    return pump_id, step_id, ctl_id


def _reserved_clashes(p, own_queues: set) -> str | None:
    """What of the program, besides the library, uses colors 14..18."""
    for (kind, q), c in sorted(p.declared_queues().items()):
        if c in COLORS and (kind, q) not in own_queues:
            side = "input" if kind == FABIN else "output"
            return f"the program binds {side} queue {q} to color {c}"
    for t in p.data_tasks():
        if t.color in COLORS and (t.queue is None or (FABIN, t.queue) not in own_queues):
            return f"data task '{t.name}' is bound to color {t.color}"
    for d in fabric_descs(p.declared_tasks()):
        if d.color in COLORS and (d.queue is None or (d.kind, d.queue) not in own_queues):
            return f"a task body uses a fabric DSD on color {d.color}"
    return None


def _buffer_rule(name: str, at: int, nargs: int):
    """The checker's rule for send_message / recv_message: `nargs` arguments, the one at
    `at` an array of 16- or 32-bit elements (what a message carries)."""
    def check_call(args: list[Kind]):
        if len(args) != nargs:
            return f"<message_passing>.{name} takes {nargs} arguments, got {len(args)}"
        k = args[at]
        if k.what == "unknown":
            return None
        if k.what != "array" or k.dtype is None or k.dtype.kind == "b" or \
                k.dtype.itemsize not in (2, 4):
            return (f"<message_passing>.{name} takes an array of 16- or 32-bit elements (i16, "
                    f"u16, f16, i32, u32 or f32) as argument {at + 1}, got {k.describe()}")
        return None
    return check_call


@library("<message_passing>")
def message_passing(p, *, input_queue_id, output_queue_id, enable_asserts=False,
                    task_ids=DEFAULT_TASK_IDS) -> dict[str, Any]:
    """One PE's side of the message passing (CSL `@import_module("<message_passing>")`)."""
    pump_id, step_id, ctl_id = _check(p, task_ids)
    x, y, width, height = p.x, p.y, p.width, p.height
    n_pes = width * height
    me = y * width + x
    r = ring_index(x, y, width)
    in_color = LINK_COLORS[(r - 1) % 2] if r > 0 else RETURN_COLOR
    out_color = LINK_COLORS[r % 2] if r < n_pes - 1 else RETURN_COLOR
    p.reserve_colors(COLORS, "<message_passing>")
    for c, (rx, tx) in sorted(routes(x, y, width, height).items()):
        p.set_local_color_config(c, rx=rx, tx=tx)
    try:
        iq = p.input_queue(int(input_queue_id), in_color)
        oq = p.output_queue(int(output_queue_id), out_color)
    except (ProgramError, TypeError, ValueError) as e:
        raise ProgramError(f"{_where(p)}: input_queue_id={input_queue_id!r}, "
                           f"output_queue_id={output_queue_id!r}: {e}") from None
    own_queues = {(FABIN, iq.id), (FABOUT, oq.id)}
    mp_input_queue, mp_output_queue, mp_comm_color = iq, oq, in_color

    sv = p.var("state", u32, N_STATE,
               init=[{N_FREE: SLOTS, RX_SLOT: NONE, TX_SLOT: NONE}.get(k, 0)
                     for k in range(N_STATE)])
    pool = p.var("slots", u32, (SLOTS + 1) * SW)        # slot SLOTS: this PE's own send
    ctl = p.var("ctl", u32, 1)
    d_pool = mem1d(pool)
    d_ctl = mem1d(ctl)
    t16 = mem1d(p.var("t16", u16, 1))                   # templates: a user buffer's DSD
    t32 = mem1d(p.var("t32", u32, 1))
    d_dst16 = p.dsd_var(t16)                            # the posted receive's buffer
    d_dst32 = p.dsd_var(t32)
    d_src16 = p.dsd_var(t16)                            # the posted send's buffer
    d_src32 = p.dsd_var(t32)
    outs = tuple(fabout(out_color, 1 << b, queue=oq.id) for b in range(PIECES))
    ctl_out = fabout(out_color, 1, queue=oq.id, control=True)
    stage = SLOTS * SW

    NOTHING = 0

    def on_activate(task):
        """CSL `.{ .activate = task }`: activate `task` when the send or receive is done."""
        return (ACT << 16) | int(task)

    def on_unblock(task):
        """CSL `.{ .unblock = task }`: unblock `task` when the send or receive is done."""
        return (UNB << 16) | int(task)

    def init():
        """Before any send or receive (CSL's init sets the library up; pywse's is ready at
        load, and notes the call)."""
        sv[INITED] = 1

    def send_message(dest_col, dest_row, buf, length, on_term):
        """Send `length` elements of `buf` to PE (dest_col, dest_row) of the rectangle;
        `on_term` once they have left this PE. The library's task copies them from `buf`
        right after the calling task ends (keep `buf` as it is until `on_term`, as CSL's
        microthread reads it while it sends)."""
        nonlocal d_src16, d_src32
        if sv[INITED] == 0:
            raise ValueError("<message_passing>: call init() before send_message")
        if length < 1 or length > 32:
            raise ValueError("<message_passing>: send_message's len must be 1..32 (the "
                             "longest message is 32 elements)")
        if dest_col < 0 or dest_col >= width or dest_row < 0 or dest_row >= height:
            raise ValueError("<message_passing>: send_message's destination (dest_col, "
                             "dest_row) is outside the program rectangle")
        if length > len(buf):
            raise ValueError("<message_passing>: send_message's len is more than its buffer "
                             "holds")
        if sv[S_STATE + SLOTS] != FREE_S:
            raise ValueError("<message_passing>: send_message while this PE's previous send "
                             "has not finished (wait for its on_term)")
        kind = prim.number_kind(buf[0])             # prim.NUMBER_TYPES: u16, i16, f16 are
        if kind == 3 or kind == 4 or kind == 5:     # 3, 4, 5: sent in the low halves
            d_src16 = set_dsd_base_addr(d_src16, buf)
            sv[P_WIDTH] = 2
        else:
            d_src32 = set_dsd_base_addr(d_src32, buf)
            sv[P_WIDTH] = 4
        sv[P_DEST] = dest_row * width + dest_col
        sv[P_LEN] = length
        sv[S_STATE + SLOTS] = POSTED_S
        sv[S_TERM + SLOTS] = on_term
        activate(pump_id)

    def recv_message(buf, on_term):
        """Receive the next message addressed to this PE into `buf`; `on_term` once it is
        there. Its length comes from the message."""
        nonlocal d_dst16, d_dst32
        if sv[INITED] == 0:
            raise ValueError("<message_passing>: call init() before recv_message")
        if sv[R_POST] == 1:
            raise ValueError("<message_passing>: recv_message while this PE's previous "
                             "receive has not finished (wait for its on_term)")
        kind = prim.number_kind(buf[0])
        if kind == 3 or kind == 4 or kind == 5:
            d_dst16 = set_dsd_base_addr(d_dst16, buf)
            sv[R_WIDTH] = 2
        else:
            d_dst32 = set_dsd_base_addr(d_dst32, buf)
            sv[R_WIDTH] = 4
        sv[R_CAP] = len(buf)
        sv[R_TERM] = on_term
        sv[R_POST] = 1
        activate(pump_id)

    send_message.check_call = _buffer_rule("send_message", 2, 5)
    recv_message.check_call = _buffer_rule("recv_message", 0, 2)

    def _term(code):
        if code >> 16 == ACT:
            activate(code & 0xFFFF)
        elif code >> 16 == UNB:
            unblock(code & 0xFFFF)

    def _oldest(state):
        best, k = NONE, 0
        while k <= SLOTS:
            if sv[S_STATE + k] == state and (best == NONE or sv[S_SEQ + k] < sv[S_SEQ + best]):
                best = k
            k += 1
        return best

    def _stage(src16, src32):
        """Copy the posted send's elements into the staging slot, behind its header."""
        length = sv[P_LEN]
        for i in range(length + 1):
            pool[stage + i] = 0
        words = set_dsd_length(increment_dsd_offset(d_pool, stage + 1, u32), length)
        if sv[P_WIDTH] == 2:                        # 16-bit: the low halves of the words
            mov16(words, set_dsd_length(src16, length))
        else:
            mov32(words, set_dsd_length(src32, length))
        pool[stage] = (pool[stage + length] & 0xFFFF0000) | (sv[P_DEST] << 5) | (length - 1)
        sv[S_STATE + SLOTS] = STAGED_S

    def _schedule(dst16, dst32, src16, src32):
        """Deliver, stage and inject this PE's own message, wake the listener, send:
        whatever can go on now (called by both local tasks)."""
        more = 1
        while more == 1:
            more = 0
            if sv[S_STATE + SLOTS] == POSTED_S:
                _stage(src16, src32)
            if sv[R_POST] == 1:
                k = _oldest(HELD_S)
                if k != NONE:
                    base = k * SW
                    n = (pool[base] & 31) + 1
                    if n > sv[R_CAP]:
                        raise ValueError("<message_passing>: a message is longer than the "
                                         "buffer recv_message was given")
                    words = set_dsd_length(increment_dsd_offset(d_pool, base + 1, u32), n)
                    if sv[R_WIDTH] == 2:
                        mov16(set_dsd_length(dst16, n), words)
                    else:
                        mov32(set_dsd_length(dst32, n), words)
                    sv[S_STATE + k] = FREE_S
                    sv[N_FREE] = sv[N_FREE] + 1
                    sv[R_POST] = 0
                    _term(sv[R_TERM])
                    more = 1
            if sv[S_STATE + SLOTS] == STAGED_S and sv[N_FREE] >= 2:    # the bubble rule
                sv[N_FREE] = sv[N_FREE] - 1
                sv[S_STATE + SLOTS] = OUT_S
                sv[S_SEQ + SLOTS] = sv[SEQ]
                sv[SEQ] = sv[SEQ] + 1
                more = 1
            if sv[L_BLOCKED] == 1 and sv[N_FREE] >= 1:
                sv[L_BLOCKED] = 0
                unblock(iq_task_id)
            if sv[TX_BUSY] == 0:
                if sv[TX_SLOT] == NONE:
                    k = _oldest(OUT_S)
                    if k != NONE:
                        sv[TX_SLOT] = k
                        sv[TX_POS] = 0
                if sv[TX_SLOT] != NONE:
                    k = sv[TX_SLOT]
                    base = k * SW
                    n = (pool[base] & 31) + 1
                    pos = sv[TX_POS]
                    if pos < n:            # the header and N-1 elements, in pieces
                        b = PIECES - 1
                        while (1 << b) > n - pos:
                            b -= 1
                        sv[TX_POS] = pos + (1 << b)
                        sv[TX_BUSY] = 1
                        mov32(outs[b], set_dsd_length(increment_dsd_offset(d_pool, base + pos,
                                                                           u32), 1 << b),
                              async_=True, activate=step_id)
                    elif pos == n:         # the last element, as a control wavelet
                        ctl[0] = (ctl_id << 16) | (pool[base + n] & 0xFFFF)
                        sv[TX_POS] = n + 1
                        sv[TX_BUSY] = 1
                        mov32(ctl_out, d_ctl, async_=True, activate=step_id)
                    else:                  # sent: free the slot (its own: fire on_term)
                        sv[TX_SLOT] = NONE
                        sv[S_STATE + k] = FREE_S
                        sv[N_FREE] = sv[N_FREE] + 1
                        if k == SLOTS:
                            _term(sv[S_TERM + SLOTS])
                        more = 1

    @p.local_task(pump_id)
    def pump():
        """Something happened (a send or receive posted, a message in): go on."""
        _schedule(d_dst16, d_dst32, d_src16, d_src32)

    @p.local_task(step_id)
    def step():
        """A piece of the message being sent has left: the pump sends the next (one task
        compiles the scheduler, not two)."""
        sv[TX_BUSY] = 0
        activate(pump_id)

    def listen(w: u32):
        """A data wavelet arrived: a header (take a free slot) or an element."""
        if sv[RX_SLOT] == NONE:
            k = 0
            while k < SLOTS and sv[S_STATE + k] != FREE_S:
                k += 1
            if k == SLOTS:
                raise ValueError("<message_passing>: internal: a message arrived with no free "
                                 "slot")
            sv[S_STATE + k] = RECV_S
            sv[N_FREE] = sv[N_FREE] - 1
            sv[RX_SLOT] = k
            sv[RX_POS] = 1
            pool[k * SW] = w
        else:
            pos = sv[RX_POS]
            if pos > MAX_LEN:
                raise ValueError("<message_passing>: internal: a message ran past its slot")
            pool[sv[RX_SLOT] * SW + pos] = w
            sv[RX_POS] = pos + 1

    def last(data: u16):
        """A message's control wavelet: its last element's low half. The message is in:
        hold it for recv_message, or send it on."""
        k = sv[RX_SLOT]
        if k == NONE:
            raise ValueError("<message_passing>: internal: a last wavelet with no message")
        base = k * SW
        hdr = pool[base]
        n = (hdr & 31) + 1
        pool[base + n] = (hdr & 0xFFFF0000) | data
        sv[S_STATE + k] = HELD_S if ((hdr >> 5) & 0x7FF) == me else OUT_S
        sv[S_SEQ + k] = sv[SEQ]
        sv[SEQ] = sv[SEQ] + 1
        sv[RX_SLOT] = NONE
        if sv[N_FREE] == 0:
            sv[L_BLOCKED] = 1
            block(iq_task_id)
        activate(pump_id)

    def last_dropped(data: u16):
        """The program reads the input queue with its own data task: the last element's
        control wavelet ends here (CSL's data task sees the header and N-1 elements)."""

    iq_task_id = iq.id            # on wse3 a data task's id is its input queue's

    def finish():
        """Once the program body has returned: refuse its uses of colors 14..18, and read
        the input queue with the library's data task unless the program binds its own."""
        clash = _reserved_clashes(p, own_queues)
        if clash is not None:
            raise ProgramError(f"{_where(p)}: {clash}, but <message_passing> keeps colors "
                               f"{', '.join(map(str, COLORS))} for itself; use other colors")
        own = [t for t in p.data_tasks() if t.queue == iq.id]
        if own:
            p.control_task(ctl_id)(last_dropped)
        else:
            p.data_task(iq)(listen)
            p.control_task(ctl_id)(last)

    p.at_end(finish)

    return dict(init=init, send_message=send_message, recv_message=recv_message,
                on_activate=on_activate, on_unblock=on_unblock, NOTHING=NOTHING,
                mp_input_queue=mp_input_queue, mp_output_queue=mp_output_queue,
                mp_comm_color=mp_comm_color)


library = message_passing
"""What `p.import_module` takes for the Pythonic spelling."""
