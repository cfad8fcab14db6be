"""PE programs and layouts the benchmarks share.

They live at module level so that numba compiles (and caches on disk) each task body once
for every case and size. Programs the host launches export `go` (a launch runs it on every
PE); `go` on a PE that has nothing to wait for unblocks the command stream at once.
"""
import time

import pywse as pw

C = pw.Color(3)          # the color the benchmark wavelets travel on
MAX_EXTENT = 0x7FFF      # a fabric DSD moves at most this many wavelets per op


def chunks_of(n: int) -> tuple[int, int]:
    """(chunks, chunk) with chunks * chunk == n and chunk <= MAX_EXTENT."""
    chunks = -(-n // MAX_EXTENT)
    while n % chunks:
        chunks += 1
    return chunks, n // chunks


@pw.program
def source(p, *, memcpy_params, chunks: int, chunk: int, autostart: bool = False):
    """Sends chunks * chunk copies of one word on C: each chunk is one async mov32 (a
    microthread, one wavelet per cycle) whose completion re-activates `send`. `go` starts
    a round; with `autostart` a first round also starts when the device does."""
    sys = p.memcpy(memcpy_params)
    word = p.var("word", pw.u32, 1, init=[0x12345678])
    left = p.var("left", pw.i32, 1, init=[chunks if autostart else 0])
    out = pw.fabout(C, extent=chunk, queue=p.output_queue(2, C))
    src = pw.mem1d(word, extent=chunk, stride=0)

    @p.local_task(10)
    def send():
        if left[0] > 0:
            left[0] -= 1
            pw.mov32(out, src, async_=True, activate=send)

    if autostart:
        p.on_start(send)

    @p.export
    def go():
        left[0] = chunks
        pw.activate(send)
        sys.unblock_cmd_stream()


@pw.program
def sink(p, *, memcpy_params, n: int, report: bool = False):
    """Counts the wavelets arriving on C with a data task; every n-th unblocks the host (so
    `go` can be launched again) and, with `report`, sends the count to the host on the
    MEMCPYD2H_1 stream (a host can wait for work no launch started)."""
    sys = p.memcpy(memcpy_params)
    count = p.var("count", pw.u32, 1, export=True)
    to_host = pw.fabout(sys.MEMCPYD2H_1, extent=1)

    @p.data_task(C)
    def recv(w: pw.u32):
        count[0] += 1
        if count[0] % n == 0:
            sys.unblock_cmd_stream()
            if report:
                pw.mov32(to_host, count[0])

    @p.export
    def go():
        pass


@pw.program
def relay(p, *, memcpy_params):
    """A PE whose router only forwards C; its CE does nothing."""
    sys = p.memcpy(memcpy_params)

    @p.export
    def go():
        sys.unblock_cmd_stream()


@pw.program
def h2d_counter(p, *, memcpy_params, n: int):
    """One data-task run per word streamed in by memcpy_h2d (the host waits with stop())."""
    sys = p.memcpy(memcpy_params)
    count = p.var("count", pw.u32, 1, export=True)

    @p.data_task(sys.MEMCPYH2D_1)
    def recv(w: pw.u32):
        count[0] += 1


@pw.program
def spinner(p, *, memcpy_params, n: int):
    """A local task that re-activates itself n times: task dispatch with no fabric at all."""
    sys = p.memcpy(memcpy_params)
    count = p.var("count", pw.u32, 1, export=True)

    @p.local_task(10)
    def spin():
        count[0] += 1
        if count[0] < n:
            pw.activate(spin)
        else:
            sys.unblock_cmd_stream()

    @p.export
    def go():
        pw.activate(spin)


@pw.program
def store(p, *, memcpy_params, words: int, dtype16: bool, pad: int = 0):
    """One exported array for copy-mode memcpy: `w32` (u32) or `w16` (u16), plus `pad`
    extra u32 of memory (the footprint case's bytes per PE)."""
    sys = p.memcpy(memcpy_params)
    if dtype16:
        p.var("w16", pw.u16, words, export=True)
    else:
        p.var("w32", pw.u32, words, export=True)
    if pad:
        p.var("pad", pw.u32, pad, export=True)

    @p.export
    def go():
        sys.unblock_cmd_stream()


def chain_layout(width: int, n: int, grid: tuple[int, int] | None = None,
                 autostart: bool = False) -> pw.Layout:
    """PE (0, 0) sends n wavelets east along row 0 to PE (width - 1, 0), whose data task
    counts them; PEs between only route. The rest of a larger `grid` is idle PEs.
    `autostart`: the source starts by itself and the sink reports to the host (see sink)."""
    gw, gh = grid or (width, 1)
    layout = pw.Layout(gw, gh)
    mc = layout.memcpy()
    chunks, chunk = chunks_of(n)
    for y in range(gh):
        for x in range(gw):
            prm = mc.get_params(x)
            if y == 0 and x == 0:
                layout.set_tile_code(x, y, source, memcpy_params=prm, chunks=chunks, chunk=chunk,
                                     autostart=autostart)
            elif y == 0 and x == width - 1:
                layout.set_tile_code(x, y, sink, memcpy_params=prm, n=n, report=autostart)
            else:
                layout.set_tile_code(x, y, relay, memcpy_params=prm)
    layout.set_color_config(0, 0, C, rx=[pw.RAMP], tx=[pw.EAST])
    for x in range(1, width - 1):
        layout.set_color_config(x, 0, C, rx=[pw.WEST], tx=[pw.EAST])
    layout.set_color_config(width - 1, 0, C, rx=[pw.WEST], tx=[pw.RAMP])
    return layout


def broadcast_layout(w: int, h: int, n: int) -> pw.Layout:
    """PE (0, 0) sends n wavelets; row 0 carries them east, every column south, and every
    other PE takes a copy down its RAMP and counts it (a multicast tree)."""
    layout = pw.Layout(w, h)
    mc = layout.memcpy()
    chunks, chunk = chunks_of(n)
    for y in range(h):
        for x in range(w):
            prm = mc.get_params(x)
            if x == y == 0:
                layout.set_tile_code(0, 0, source, memcpy_params=prm, chunks=chunks, chunk=chunk)
            else:
                layout.set_tile_code(x, y, sink, memcpy_params=prm, n=n)
            tx = [] if x == y == 0 else [pw.RAMP]
            if y == 0 and x + 1 < w:
                tx.append(pw.EAST)
            if y + 1 < h:
                tx.append(pw.SOUTH)
            rx = pw.RAMP if x == y == 0 else (pw.WEST if y == 0 else pw.NORTH)
            layout.set_color_config(x, y, C, rx=[rx], tx=tx)
    return layout


def broadcast_hops(w: int, h: int) -> int:
    """Buffer-to-buffer moves per broadcast wavelet: up the source's RAMP, one per tree
    link (w*h - 1 of them), and down every receiving PE's RAMP (w*h - 1)."""
    return 1 + 2 * (w * h - 1)


def chain_hops(width: int) -> int:
    """Moves per chain wavelet: up the RAMP, width - 1 links, down the last RAMP."""
    return width + 1


def run_launch(layout: pw.Layout, jit: bool, **options) -> dict:
    """Compile, load, launch `go` once and stop; wall times of each phase, and cycles.
    `options`: more SdkRuntime keywords (trace=...)."""
    t0 = time.perf_counter()
    art = pw.compile(layout, arch="wse3")
    t1 = time.perf_counter()
    runner = pw.SdkRuntime(art, jit=jit, **options)
    runner.load()
    runner.run()
    t2 = time.perf_counter()
    runner.launch("go")
    runner.stop()
    t3 = time.perf_counter()
    return {"compile_s": t1 - t0, "load_s": t2 - t1, "run_s": t3 - t2,
            "cycles": runner.cycles, "runner": runner}
