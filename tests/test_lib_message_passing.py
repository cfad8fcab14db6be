"""`<message_passing>` (pywse/lib/message_passing.py, wse3): a ring of sends on a 3x3
rectangle (every message passes PEs on its way), 16- and 32-bit elements, on_term activate and
unblock, several rounds in order; a data task of the program's own on mp_input_queue; and the
mistakes it names. Compiled and plain, with the same cycles."""
import numpy as np
import pytest

import pywse as pw
from pywse.lib import message_passing
from pywse.testing import Harness

pytestmark = pytest.mark.compile_heavy    # its compiled leg: slow tier (tests/conftest.py)

ROUNDS = 2


@pw.program
def ring(p, *, dtype: str, n: int, send_unblocks: bool):
    """Round k: send `n` elements to the next PE in row-major order, receive from the one
    before; the next round starts once both are done. One of the two on_terms activates its
    task, the other unblocks it (a task activated at the start, blocked until then)."""
    mp = p.import_module("<message_passing>", input_queue_id=2, output_queue_id=3,
                         enable_asserts=True)
    t = getattr(pw, dtype)
    me = p.y * p.width + p.x
    nxt = (me + 1) % (p.width * p.height)
    dc, dr = nxt % p.width, nxt // p.width
    out = p.var("out", t, n)
    got = p.var("got", t, n * ROUNDS)
    buf = p.var("buf", t, n)
    state = p.var("state", pw.u16, 4)          # round, sent, received, on_term order check

    @p.local_task(12)
    def sent():
        state[1] += 1
        pw.activate(advance)

    @p.local_task(13)
    def received():
        k = state[2]
        for i in range(n):
            got[k * n + i] = buf[i]
        state[2] += 1
        pw.activate(advance)

    @p.on_start
    @p.local_task(10)
    def advance():
        """The next round, once this one's send and receive are done (one task calls the
        library, so the test compiles its helpers once)."""
        if state[0] == 0 and state[1] == 0:
            mp.init()
        if state[1] == state[0] and state[2] == state[0] and state[0] < ROUNDS:
            k = state[0]
            state[0] += 1
            for i in range(n):
                out[i] = t(1000 * k + 10 * me + i) - t(7)
            if send_unblocks:
                pw.block(sent)                 # (again: the last round's on_term unblocked it)
                mp.send_message(dc, dr, out, n, mp.on_unblock(sent))
                mp.recv_message(buf, mp.on_activate(received))
                pw.activate(sent)              # runs once the send unblocks it
            else:
                pw.block(received)
                mp.send_message(dc, dr, out, n, mp.on_activate(sent))
                mp.recv_message(buf, mp.on_unblock(received))
                pw.activate(received)


def ring_layout(w, h, **params) -> pw.Layout:
    lay = pw.Layout(w, h)
    for x in range(w):
        for y in range(h):
            lay.set_tile_code(x, y, ring, **params)
    return lay


@pytest.mark.parametrize("dtype, n, send_unblocks", [
    ("f32", 5, False),          # 32-bit, the receive's on_term unblocks
    ("i16", 32, True),          # 16-bit, the longest message, the send's on_term unblocks
    ("f32", 1, True),           # one element: the header and the control wavelet
])
def test_a_ring_of_sends_on_3x3(dtype, n, send_unblocks, jit):
    h = Harness(ring_layout(3, 3, dtype=dtype, n=n, send_unblocks=send_unblocks),
                arch="wse3", jit=jit)
    h.run_until_idle(max_cycles=400_000)
    t = np.dtype(getattr(pw, dtype))
    for y in range(3):
        for x in range(3):
            me = 3 * y + x
            prev = (me - 1) % 9
            want = np.concatenate([1000 * k + 10 * prev + np.arange(n) - 7
                                   for k in range(ROUNDS)]).astype(t)
            np.testing.assert_array_equal(h.peek("got", pe=(x, y)), want, err_msg=str((x, y)))
            assert list(h.peek("state", pe=(x, y))[:3]) == [ROUNDS] * 3


@pytest.mark.slow     # it compiles the library's tasks (~20 s cold): with the other compiled legs
def test_both_modes_take_the_same_cycles():
    """The ring's run is cycle for cycle the same compiled and plain."""
    got = []
    for jit in (True, False):
        h = Harness(ring_layout(3, 2, dtype="f32", n=5, send_unblocks=False), arch="wse3",
                    jit=jit)
        h.run_until_idle(max_cycles=400_000)
        got.append((h.cycles, h.peek("got", pe=(2, 1)).tolist()))
    assert got[0] == got[1]


def test_the_ring_and_its_return_path():
    """Snake order; color 16 runs west along the last row, then north up column 0."""
    assert [message_passing.ring_pe(r, 3) for r in range(6)] == \
        [(0, 0), (1, 0), (2, 0), (2, 1), (1, 1), (0, 1)]
    assert message_passing.return_path(3, 3) == [(2, 2), (1, 2), (0, 2), (0, 1), (0, 0)]
    assert message_passing.return_path(3, 2) == [(0, 1), (0, 0)]
    assert message_passing.return_path(4, 1) == [(3, 0), (2, 0), (1, 0), (0, 0)]
    r = message_passing.routes(1, 2, 3, 3)          # ring index 7, on the return path
    assert r == {14: ([pw.WEST], [pw.RAMP]), 15: ([pw.RAMP], [pw.EAST]),
                 16: ([pw.EAST], [pw.WEST])}


K_MANY, N_MANY = 3, 32


@pw.program
def many_to_one(p, *, sink: int):
    """Every other PE sends K_MANY messages of N_MANY u32 to `sink`, one after another; the
    sink receives them all, one after another, keeping the first and last element of each."""
    mp = p.import_module("<message_passing>", input_queue_id=2, output_queue_id=3)
    me = p.y * p.width + p.x
    n_pes = p.width * p.height
    is_sink = me == sink
    sc, sr = sink % p.width, sink // p.width
    out = p.var("out", pw.u32, N_MANY)
    buf = p.var("buf", pw.u32, N_MANY)
    got = p.var("got", pw.u32, (n_pes - 1) * K_MANY if is_sink else 1)
    st = p.var("st", pw.u16, 2)

    @p.local_task(11)
    def step():
        if is_sink:
            if st[1] > 0:
                got[st[1] - 1] = buf[0] * 1000 + buf[N_MANY - 1]
            if st[1] < (n_pes - 1) * K_MANY:
                st[1] += 1
                mp.recv_message(buf, mp.on_activate(step))
        elif st[0] < K_MANY:
            for i in range(N_MANY):
                out[i] = me * 100 + st[0] * 10 + i
            st[0] += 1
            mp.send_message(sc, sr, out, N_MANY, mp.on_activate(step))

    @p.on_start
    @p.local_task(10)
    def go():
        mp.init()
        pw.activate(step)


@pytest.mark.parametrize("sink", [0, 4])
def test_many_to_one_fills_the_slots_and_nothing_deadlocks(sink, jit):
    """24 messages of 32 words into one PE: the slots on the way fill, PEs stop reading and
    start again, and the bubble rule keeps the ring moving. Each sender's messages arrive in
    the order it sent them."""
    lay = pw.Layout(3, 3)
    for x in range(3):
        for y in range(3):
            lay.set_tile_code(x, y, many_to_one, sink=sink)
    h = Harness(lay, arch="wse3", jit=jit)
    h.run_until_idle(max_cycles=2_000_000)
    got = h.peek("got", pe=(sink % 3, sink // 3)).astype(np.int64)
    first, last = got // 1000, got % 1000
    assert (last == first + N_MANY - 1).all()
    senders = [me for me in range(9) if me != sink]
    assert sorted(first.tolist()) == sorted(100 * me + 10 * k for me in senders
                                            for k in range(K_MANY))
    for me in senders:
        assert [f % 100 for f in first.tolist() if f // 100 == me] == [0, 10, 20]


N_DT = 6


@pw.program
def watcher(p, *, role: int):
    """PE (0, 0) sends N_DT u32 to (1, 0), which reads its input queue with its own data
    task; (2, 0) only routes."""
    mp = p.import_module("<message_passing>", input_queue_id=4, output_queue_id=5)
    data = p.var("data", pw.u32, N_DT, init=[0xABC0000 + 17 * i for i in range(N_DT)])
    seen = p.var("seen", pw.u32, N_DT + 2)
    count = p.var("count", pw.u16, 1)

    if role == 1:
        @p.data_task(mp.mp_input_queue)
        def watch(w: pw.u32):
            seen[count[0]] = w
            count[0] += 1

    @p.on_start
    @p.local_task(10)
    def go():
        mp.init()
        if role == 0:
            mp.send_message(1, 0, data, N_DT, mp.NOTHING)


def test_a_data_task_on_the_input_queue_sees_the_header_and_n_minus_1_elements(jit):
    lay = pw.Layout(3, 1)
    for x in range(3):
        lay.set_tile_code(x, 0, watcher, role=x)
    h = Harness(lay, arch="wse3", jit=jit)
    h.run_until_idle(max_cycles=100_000)
    assert h.peek("count", pe=(1, 0))[0] == N_DT          # the header and N-1 elements
    seen = h.peek("seen", pe=(1, 0))
    assert seen[0] & 31 == N_DT - 1                         # the header: N-1 ...
    assert (seen[0] >> 5) & 0x7FF == 1                      # ... and the destination's index
    np.testing.assert_array_equal(seen[1:N_DT], 0xABC0000 + 17 * np.arange(N_DT - 1))


# -- mistakes -----------------------------------------------------------------------------------

@pw.program
def bad_send(p, *, n: int, col: int):
    mp = p.import_module("<message_passing>", input_queue_id=2, output_queue_id=3,
                         enable_asserts=True)
    data = p.var("data", pw.f32, 40)
    sender = p.x == 0

    @p.on_start
    @p.local_task(10)
    def go():
        mp.init()
        if sender:
            mp.send_message(col, 0, data, n, mp.NOTHING)


@pytest.mark.parametrize("n, col, message", [
    (33, 1, "PE (0, 0) task 'go': ValueError: <message_passing>: send_message's len must be "
            "1..32"),
    (4, 2, "PE (0, 0) task 'go': ValueError: <message_passing>: send_message's destination "
           "(dest_col, dest_row) is outside the program rectangle"),
])
def test_a_send_the_asserts_refuse_is_named(n, col, message, jit):
    lay = pw.Layout(2, 1)
    for x in range(2):
        lay.set_tile_code(x, 0, bad_send, n=n, col=col)
    with pytest.raises(pw.TaskError) as err:
        Harness(lay, arch="wse3", jit=jit).run_until_idle()
    assert message in str(err.value)


@pw.program
def plain_mp(p):
    p.import_module("<message_passing>", input_queue_id=2, output_queue_id=3)


@pw.program
def mp_and_color_15(p):
    p.import_module("<message_passing>", input_queue_id=2, output_queue_id=3)
    p.input_queue(4, 15)


def two_pes(program, arch="wse3", before=None):
    lay = pw.Layout(2, 1)
    if before:
        before(lay)
    for x in range(2):
        lay.set_tile_code(x, 0, program)
    return pw.compile(lay, arch=arch, memcpy=False)


@pw.program
def bytes_sender(p):
    mp = p.import_module("<message_passing>", input_queue_id=2, output_queue_id=3)
    data = p.var("data", pw.u32, 4)

    @p.on_start
    @p.local_task(10)
    def go():
        mp.init()
        mp.send_message(1, 0, data[0], 4, mp.NOTHING)       # an element, not the array


def test_compile_time_mistakes_are_named():
    with pytest.raises(pw.TaskError, match=r"<message_passing>.send_message takes an array of "
                                           r"16- or 32-bit elements"):
        two_pes(bytes_sender)
    with pytest.raises(pw.ProgramError, match=r"<message_passing> at PE \(0, 0\): "
                                              r"<message_passing> is a WSE-3 library"):
        two_pes(plain_mp, arch="wse2")
    with pytest.raises(pw.ProgramError, match=r"the program binds input queue 4 to color 15, "
                                              r"but <message_passing> keeps colors 14, 15, 16, "
                                              r"17, 18"):
        two_pes(mp_and_color_15)
    with pytest.raises(pw.RoutingError, match=r"PE \(0, 0\) color 17: the layout routes it, "
                                              r"but <message_passing>"):
        two_pes(plain_mp, before=lambda lay: lay.set_color_config(0, 0, 17, rx=[pw.RAMP],
                                                                  tx=[pw.EAST]))
    one = pw.Layout(1, 1)
    one.set_tile_code(0, 0, plain_mp)
    with pytest.raises(pw.ProgramError, match="the program rectangle has one PE"):
        pw.compile(one, arch="wse3", memcpy=False)
