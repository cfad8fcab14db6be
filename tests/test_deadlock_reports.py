"""DeadlockError reports a user can act on: one small program per common cause, each report
naming the waiting host command (and its progress), the commands queued behind it, the task,
the color and queue, the counts, where the missing wavelets would come from, and a hint."""
import inspect

import numpy as np
import pytest

import pywse as pw
from progs import echo, relay
from pywse.sdkruntime import (
    Edge,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkTarget,
    SimfabConfig,
    get_platform,
)

pytestmark = pytest.mark.filterwarnings("ignore::pywse.RoutingWarning")  # broken layouts on purpose

C = pw.Color(3)
H2D, D2H = 2, 4          # memcpy's MEMCPYH2D_1 / MEMCPYD2H_1 in these layouts


@pw.program
def pipe(p, *, memcpy_params, size: int):
    """H2D in, D2H out, through one async mov32 started at load (pipeline-01's shape)."""
    sys = p.memcpy(memcpy_params)
    fin = pw.fabin(sys.MEMCPYH2D_1, extent=size, queue=p.input_queue(2, sys.MEMCPYH2D_1))
    fout = pw.fabout(sys.MEMCPYD2H_1, extent=size, queue=p.output_queue(3, sys.MEMCPYD2H_1))

    @p.on_start
    @p.local_task(8)
    def forward():
        pw.mov32(fout, fin, async_=True)


@pw.program
def forgets(p, *, memcpy_params):
    """A launched function that never calls sys.unblock_cmd_stream(); reads no color."""
    p.memcpy(memcpy_params)
    x = p.var("x", pw.u32, 1, export=True)

    @p.export
    def go():
        x[0] = 1


@pw.program
def waits_for_h2d(p, *, memcpy_params, n: int = 8):
    """The launched function unblocks the command stream only once n H2D words are in."""
    sys = p.memcpy(memcpy_params)
    buf = p.var("buf", pw.u32, n, export=True)
    fin = pw.fabin(sys.MEMCPYH2D_1, extent=n, queue=p.input_queue(2, sys.MEMCPYH2D_1))
    d_buf = pw.mem1d(buf)

    @p.local_task(10)
    def done():
        sys.unblock_cmd_stream()

    @p.export
    def go():
        pw.mov32(d_buf, fin, async_=True, activate=done)


@pw.program
def sender(p, *, memcpy_params, n: int, sync: bool):
    """`start` sends n words on C (blocking or async), then unblocks the command stream."""
    sys = p.memcpy(memcpy_params)
    data = pw.mem1d(p.var("data", pw.u32, n))
    out = pw.fabout(C, n, queue=p.output_queue(2, C))

    @p.local_task(10)
    def sent():
        sys.unblock_cmd_stream()

    @p.export
    def start():
        if sync:
            pw.mov32(out, data)
            sys.unblock_cmd_stream()
        else:
            pw.mov32(out, data, async_=True, activate=sent)


@pw.program
def deaf(p, *, memcpy_params):
    """Binds C to input queue 2 (a fabin DSD) but never reads it."""
    sys = p.memcpy(memcpy_params)
    pw.fabin(C, extent=8, queue=p.input_queue(2, C))

    @p.export
    def start():
        sys.unblock_cmd_stream()


@pw.program
def bystander(p, *, memcpy_params):
    """Forwards or is routed C, but binds no queue to it."""
    sys = p.memcpy(memcpy_params)

    @p.export
    def start():
        sys.unblock_cmd_stream()


@pw.program
def collector(p, *, memcpy_params, n: int = 8):
    """An async fabin op takes n words of C; unblocks the command stream when all are in."""
    sys = p.memcpy(memcpy_params)
    got = p.var("got", pw.u32, n, export=True)
    fin = pw.fabin(C, extent=n, queue=p.input_queue(2, C))
    d_got = pw.mem1d(got)

    @p.local_task(10)
    def done():
        sys.unblock_cmd_stream()

    @p.export
    def start():
        pw.mov32(d_got, fin, async_=True, activate=done)


def grid(w, h, program, jit, **params):
    layout = pw.Layout(w, h)
    mc = layout.memcpy(MEMCPYH2D_1=H2D, MEMCPYD2H_1=D2H)
    for x in range(w):
        for y in range(h):
            layout.set_tile_code(x, y, program, memcpy_params=mc.get_params(x), **params)
    return started(layout, jit)


def started(layout, jit):
    rt = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=jit)
    rt.load()
    rt.run()
    return rt


def row(programs, routes, jit):
    """PEs (0, 0), (1, 0), ... running `programs` (with params), color C routed by `routes`."""
    layout = pw.Layout(len(programs), 1)
    mc = layout.memcpy()
    for x, ((program, params), (rx, tx)) in enumerate(zip(programs, routes)):
        layout.set_tile_code(x, 0, program, memcpy_params=mc.get_params(x), **params)
        layout.set_color_config(x, 0, C, rx=rx, tx=tx)
    return started(layout, jit)


def report(call) -> str:
    with pytest.raises(pw.DeadlockError) as err:
        call()
    return str(err.value)


# -- host commands are serialized ------------------------------------------------------------

def test_a_streaming_h2d_waits_for_the_d2h_queued_behind_it(jit):
    rt = grid(1, 1, pipe, jit, size=20)
    rt.memcpy_h2d(H2D, np.arange(20, dtype=np.uint32), 0, 0, 1, 1, 20, streaming=True,
                  nonblock=True)
    out = np.zeros(20, np.uint32)
    text = report(lambda: rt.memcpy_d2h(out, D2H, 0, 0, 1, 1, 20, streaming=True))
    assert ("but host command memcpy_h2d(color 2, streaming) is still waiting: 14 of 20 "
            "wavelet(s) delivered; PE (0, 0) got 14 of 20") in text
    assert "queued behind it: memcpy_d2h(color 4, streaming)" in text
    assert text.splitlines()[1].startswith(
        "root cause: host commands run one at a time, in issue order: memcpy_h2d(color 2, "
        "streaming) is done only once the PEs have taken all its wavelets")
    assert "until memcpy_d2h(color 4, streaming), queued behind it, collects it" in text
    assert ("PE (0, 0) [pipe]: color 4: 2 wavelet(s) in the router (next hop full), going to "
            "the host: nothing on the host collects color 4 now") in text
    assert ("microthread 3: mov32 stalled at element 10 of 20: output queue 3 (color 4) is "
            "full") in text
    assert "input queue 2 (color 2): 4 wavelet(s) not read (full): microthread 3 reads it" in text
    assert "memcpy H2D on color 2: 6 of 20 wavelet(s) not accepted: input queue 2 is full" in text


def test_a_streaming_d2h_waits_for_the_h2d_queued_behind_it(jit):
    rt = grid(3, 2, echo, jit)
    back = np.zeros(24, np.uint32)
    rt.memcpy_d2h(back, D2H, 0, 0, 3, 2, 4, streaming=True, nonblock=True)
    text = report(lambda: rt.memcpy_h2d(H2D, np.arange(24, dtype=np.uint32), 0, 0, 3, 2, 4,
                                        streaming=True))
    assert ("host command memcpy_d2h(color 4, streaming) is still waiting: 0 of 24 wavelet(s) "
            "received; 0 of 6 PE(s) sent all 4; short: PE (0, 0) sent 0") in text
    assert "queued behind it: memcpy_h2d(color 2, streaming)" in text
    assert text.splitlines()[1].startswith(
        "root cause: host commands run one at a time, in issue order: memcpy_d2h(color 4, "
        "streaming) waits for wavelets the PEs have not sent, and memcpy_h2d(color 2, "
        "streaming), queued behind it, cannot start before it ends")
    # six PEs stuck alike share one entry
    assert ("PE (0, 0) [echo] and 5 more PE(s) alike (PE (1, 0), PE (2, 0), PE (0, 1), ...): "
            "memcpy D2H on color 4: expects 4 wavelet(s) from this PE, got 0; they would come "
            "from its own CE (RAMP), and nothing here sends on color 4 now") in text


def test_a_streaming_d2h_that_nothing_feeds(jit):
    rt = grid(2, 1, echo, jit)
    back = np.zeros(8, np.uint32)
    text = report(lambda: rt.memcpy_d2h(back, D2H, 0, 0, 2, 1, 4, streaming=True))
    assert "memcpy_d2h(color 4, streaming) is still waiting: 0 of 8 wavelet(s) received" in text
    assert text.splitlines()[1] == (
        "root cause: PE (0, 0) and 1 more PE(s) alike (PE (1, 0)) [echo] sends nothing on "
        "color 4: the launched function 'send_back', which would, has not been launched (host "
        "commands run in issue order: launch it before the command that waits for its "
        "wavelets)")


def test_a_launch_waits_for_the_h2d_queued_behind_it(jit):
    rt = grid(2, 1, waits_for_h2d, jit)
    rt.launch("go", nonblock=True)
    text = report(lambda: rt.memcpy_h2d(H2D, np.arange(16, dtype=np.uint32), 0, 0, 2, 1, 8,
                                        streaming=True))
    assert ("host command launch('go') is still waiting: 0 of 2 PE(s) called "
            "sys.unblock_cmd_stream()") in text
    assert "queued behind it: memcpy_h2d(color 2, streaming)" in text
    assert text.splitlines()[1].startswith(
        "root cause: host commands run one at a time, in issue order: launch('go') is done "
        "only when every PE has called sys.unblock_cmd_stream(), but 2 PE(s) wait for the "
        "wavelets of memcpy_h2d(color 2, streaming), queued behind it")
    assert ("microthread 2: mov32 stalled at element 0 of 8: waits for input queue 2 (color 2): "
            "0 of 8 wavelet(s) arrived, the rest would come from the host (memcpy_h2d "
            "streaming on color 2, none running now)") in text


# -- a launched function never unblocks the command stream ------------------------------------

def test_a_launched_function_that_never_unblocks(jit):
    rt = grid(4, 3, forgets, jit)
    rt.launch("go", nonblock=True)
    out = np.zeros(12, np.uint32)
    text = report(lambda: rt.memcpy_d2h(out, rt.get_id("x"), 0, 0, 4, 3, 1))
    assert ("host command launch('go') is still waiting: 0 of 12 PE(s) called "
            "sys.unblock_cmd_stream()") in text
    assert "queued behind it: memcpy_d2h(x)" in text
    assert text.splitlines()[1] == (
        "root cause: PE (0, 0) and 11 more PE(s) alike (PE (1, 0), PE (2, 0), PE (3, 0), ...) "
        "[forgets] never calls sys.unblock_cmd_stream(): the launched function 'go' ran, and "
        "neither calls it nor activates a task that does; call it at the end of the launched "
        "function (or of the last task it starts), on every PE")
    assert "  PE (3, 1) [forgets]; has not called unblock_cmd_stream(); nothing left to run" in text
    assert "  ... and 4 more" in text and "PE (0, 2)" not in text.split("queued behind")[1]


# -- a blocking fabric op writing into a full queue nobody drains -----------------------------

def test_a_sync_op_into_a_queue_nobody_drains(jit):
    rt = row([(sender, {"n": 40, "sync": True}), (deaf, {})],
             [([pw.RAMP], [pw.EAST]), ([pw.WEST], [pw.RAMP])], jit)
    text = report(lambda: rt.launch("start"))
    assert text.startswith("PE (0, 0): a blocking (sync) fabric op in task 'start' waits "
                           "forever: nothing else can move")
    assert ("host command launch('start') is still waiting: 1 of 2 PE(s) called "
            "sys.unblock_cmd_stream()") in text
    assert text.splitlines()[1:3] == [
        "root cause: input queue 2 of PE (1, 0) [deaf] holds wavelets of color 3 that nothing "
        "reads: no data task is bound to it, and no task reads it with a fabin DSD: bind a "
        "data task to color 3, or read it",
        "  then 1 PE(s) wait for PE (1, 0) through color 3 (a later phase): PE (0, 0)"]
    assert ("PE (0, 0) [sender]: color 3: 2 wavelet(s) in the router (next hop full), going to "
            "the EAST neighbour PE (1, 0), whose router for color 3 is full") in text
    # 17 sent: 8 in the output queue, 2 in the sender's router, 3 in the receiver's (2 and
    # the link's 1 of a 2-cycle hop), 4 in its input queue
    assert ("blocking (sync) mov32 in task 'start' stalled at element 17 of 40: output queue 2 "
            "(color 3) is full (8 of 8), 17 of 40 sent") in text
    assert ("PE (1, 0) [deaf]: color 3: 3 wavelet(s) in the router (next hop full), going to "
            "its own CE: input queue 2 is full (4 of 4)") in text


# -- wavelets routed to a PE with no input queue for their color ------------------------------

def test_wavelets_routed_to_a_pe_that_binds_no_queue(jit):
    rt = row([(sender, {"n": 40, "sync": False}), (bystander, {})],
             [([pw.RAMP], [pw.EAST]), ([pw.WEST], [pw.RAMP])], jit)
    text = report(lambda: rt.launch("start"))
    assert "host command launch('start') is still waiting: 1 of 2 PE(s)" in text
    assert text.splitlines()[1] == (
        "root cause: wavelets of color 3 reach the CE of PE (1, 0) [bystander], but no input "
        "queue there is bound to color 3 (no data task, no fabin DSD): bind a data task to "
        "color 3, or take RAMP out of its route")
    assert ("PE (1, 0) [bystander]: color 3: 3 wavelet(s) in the router (no input queue reads "
            "it), going to its own CE: no input queue is bound to color 3 here") in text
    assert "microthread 2: mov32 stalled at element 13 of 40" in text     # 8 + 2 + 3


def test_a_streaming_h2d_into_pes_that_bind_no_queue(jit):
    rt = grid(2, 1, forgets, jit)
    rt.memcpy_h2d(H2D, np.arange(8, dtype=np.uint32), 0, 0, 2, 1, 4, streaming=True,
                  nonblock=True)
    text = report(lambda: rt.launch("go"))
    assert ("memcpy_h2d(color 2, streaming) is still waiting: 0 of 8 wavelet(s) delivered; "
            "0 of 2 PE(s) got all 4") in text
    assert "queued behind it: launch('go')" in text
    assert text.splitlines()[1].startswith(
        "root cause: wavelets of color 2 reach the CE of PE (0, 0) and 1 more PE(s) alike "
        "(PE (1, 0)) [forgets], but no input queue there is bound to color 2")
    assert ("memcpy H2D on color 2: 4 of 4 wavelet(s) not accepted: no input queue is bound to "
            "color 2 here") in text


# -- what a stuck PE waits for, and from whom -------------------------------------------------

def test_a_fabin_op_names_the_neighbour_its_wavelets_come_from(jit):
    rt = row([(sender, {"n": 3, "sync": False}), (bystander, {}), (collector, {})],
             [([pw.RAMP], [pw.EAST]), ([pw.WEST], [pw.EAST]), ([pw.WEST], [pw.RAMP])], jit)
    text = report(lambda: rt.launch("start"))
    assert "launch('start') is still waiting: 2 of 3 PE(s) called" in text
    assert ("PE (2, 0) [collector]: microthread 2: mov32 stalled at element 3 of 8: waits for "
            "input queue 2 (color 3): 3 of 8 wavelet(s) arrived, the rest would come from the "
            "WEST neighbour PE (1, 0)") in text
    assert text.splitlines()[1] == (
        "root cause: PE (2, 0) waits for 5 more wavelet(s) of color 3, and PE (0, 0) [sender] "
        "sends nothing more on color 3: 'start', which would, will not run again; something "
        "must send color 3 here")


def test_a_report_lists_at_most_eight_pes(jit):
    n = 12                                   # nothing sends: every collector waits
    routes = [([pw.WEST], [pw.RAMP, pw.EAST])] * (n - 1) + [([pw.WEST], [pw.RAMP])]
    rt = row([(collector, {})] * n, routes, jit)
    text = report(lambda: rt.launch("start"))
    assert "12 PE(s) have not called sys.unblock_cmd_stream() since the launch:" in text
    fabric = text.split("stuck on the fabric:\n")[1].splitlines()
    assert fabric[0].startswith("  PE (0, 0) [collector]: microthread 2: mov32 stalled at "
                                "element 0 of 8")
    assert "from the WEST edge of the kernel" in fabric[0]
    assert "from the WEST neighbour PE (6, 0)" in fabric[7]
    assert fabric[8:] == ["  ... and 4 more PE(s)"]
    assert text.count("  ... and 4 more") == 2   # the unblock list too


# -- SdkLayout streams ------------------------------------------------------------------------

def test_a_stream_receive_waits_for_words_never_sent(jit):
    layout = SdkLayout(get_platform(None, SimfabConfig(dump_core=True), SdkTarget.WSE3))
    r = layout.create_code_region(relay, "a", 1, 1)
    rx, tx = r.color("rx"), r.color("tx")
    r.set_param_all("size", 4)
    r.set_param_all(rx)
    r.set_param_all(tx)
    src = layout.create_input_stream(r.create_input_port(
        rx, Edge.LEFT, [RoutingPosition().set_output([Route.RAMP])], 4))
    dst = layout.create_output_stream(r.create_output_port(
        tx, Edge.RIGHT, [RoutingPosition().set_input([Route.RAMP])], 4))
    r.place(2, 2)
    rt = pw.SdkRuntime(layout.compile(out_prefix=None), layout.platform, memcpy_required=False,
                       jit=jit)
    rt.load()
    rt.run()
    rt.send(src, np.arange(3, dtype=np.uint32), nonblock=True)     # one word short
    text = report(lambda: rt.receive(dst, np.zeros(8, np.uint32), 8))
    assert ("host stream command receive(output stream 0 at port a.tx) is still waiting: "
            "0 of 8 words arrived") in text
    assert ("PE (2, 2) [relay]: microthread 2: mov32 stalled at element 3 of 4: waits for input "
            "queue 2 (color 0): 3 of 4 wavelet(s) arrived, the rest would come from the host "
            "(input stream 0 at port a.rx, no send running now)") in text
    assert ("host output stream on color 1: expects 8 wavelet(s) from this PE, got 0; they "
            "would come from its own CE (RAMP), and nothing here sends on color 1 now") in text
    assert text.splitlines()[1] == (
        "root cause: PE (2, 2) waits for 1 more wavelet(s) of color 0 from the host (input "
        "stream 0 at port a.rx), and no host command streams them now: the last one, "
        "send(input stream 0 at port a.rx), sent it 3 word(s); the stream is short: send the "
        "rest, or expect fewer")


# -- the root cause leads; PEs waiting for a later phase are summed up ------------------------

@pw.program
def chain(p, *, memcpy_params, rx: pw.Color, tx: pw.Color, first: bool, last: bool,
          broken: bool):
    """Passes one word east: the first PE sends it on launch, every other receives it on rx
    and passes it on on tx (`pass_on`), unless `broken`: that one forgets to."""
    sys = p.memcpy(memcpy_params)
    buf = pw.mem1d(p.var("buf", pw.u32, 1))
    c_in = pw.fabin(rx, 1, queue=p.input_queue(2, rx))
    c_out = pw.fabout(tx, 1, queue=p.output_queue(3, tx))

    @p.local_task(10)
    def done():
        sys.unblock_cmd_stream()

    @p.local_task(11)
    def pass_on():
        pw.mov32(c_out, buf, async_=True, activate=done)

    @p.export
    def start():
        if first:
            pw.activate(pass_on)
        elif last:
            pw.mov32(buf, c_in, async_=True, activate=done)
        elif broken:
            pw.mov32(buf, c_in, async_=True)
        else:
            pw.mov32(buf, c_in, async_=True, activate=pass_on)


def test_the_pe_where_the_chain_broke_leads_the_report(jit):
    n, broken = 10, 3
    colors = pw.Color(3), pw.Color(5)
    layout = pw.Layout(n, 1)
    mc = layout.memcpy()
    for x in range(n):
        rx, tx = colors[(x + 1) % 2], colors[x % 2]
        layout.set_tile_code(x, 0, chain, memcpy_params=mc.get_params(x), rx=rx, tx=tx,
                             first=x == 0, last=x == n - 1, broken=x == broken)
        if x:
            layout.set_color_config(x, 0, rx, rx=[pw.WEST], tx=[pw.RAMP])
        if x < n - 1:
            layout.set_color_config(x, 0, tx, rx=[pw.RAMP], tx=[pw.EAST])
    text = report(lambda: started(layout, jit).launch("start"))
    lines = text.splitlines()
    line = inspect.getsourcelines(chain.fn)[1] + 21          # pw.activate(pass_on)
    assert lines[1] == (
        f"root cause: PE (3, 0) [chain]: task 'pass_on' never ran, though the launched function "
        f"'start' (line {line}), which may activate it, ran: a path that skips "
        "pw.activate(pass_on) or activate=pass_on? Activate it on every path that needs it")
    assert lines[2] == ("  then 6 PE(s) wait for PE (3, 0) through color 5 (a later phase): "
                        "PE (4, 0), PE (5, 0), PE (6, 0) and 3 more")
    listed = text.split("since the launch:\n")[1].splitlines()
    assert listed[0].startswith("  PE (3, 0) [chain]")        # its PE first, then the others


@pw.program
def spins_or_waits(p, *, memcpy_params, spins: bool):
    """One PE keeps a task re-activating itself (work left: no deadlock); the other waits for
    `done`, which nothing activates."""
    sys = p.memcpy(memcpy_params)

    @p.local_task(10)
    def spin():
        pw.activate(spin)

    @p.local_task(11)
    def done():
        sys.unblock_cmd_stream()

    @p.export
    def start():
        if spins:
            pw.activate(spin)
            sys.unblock_cmd_stream()


@pytest.mark.filterwarnings("ignore::pywse.UnreachableTaskWarning")
def test_a_cycle_limit_leads_with_what_can_never_move(jit):
    layout = pw.Layout(2, 1)
    mc = layout.memcpy()
    for x in range(2):
        layout.set_tile_code(x, 0, spins_or_waits, memcpy_params=mc.get_params(x), spins=x == 0)
    rt = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=jit, max_cycles=20_000)
    rt.load()
    rt.run()
    with pytest.raises(pw.CycleLimitError) as err:
        rt.launch("start")
    lines = str(err.value).splitlines()
    assert lines[0].startswith("the run reached its budget of 20000 cycles")
    assert lines[1] == (
        "root cause: PE (1, 0) [spins_or_waits]: task 'done' never ran: nothing in program "
        "'spins_or_waits' activates it (no pw.activate(done), no op with activate=done, not "
        "@p.on_start); activate it where its work should start")
    assert "  PE (0, 0) [spins_or_waits]; unblocked the command stream; activated, to run: spin" \
        in lines
