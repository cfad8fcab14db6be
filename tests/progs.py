"""Small PE programs shared by the tests (module level, so one numba compile serves all)."""

import pywse as pw


@pw.program
def scale_prog(p, *, memcpy_params, size: int = 4, factor: float = 2.0):
    """data *= factor when launched; `done` (id 10) unblocks the command stream."""
    sys = p.memcpy(memcpy_params)
    data = p.var("data", pw.f32, size, export=True)
    d_data = pw.mem1d(data)

    @p.local_task(10)
    def done():
        sys.unblock_cmd_stream()

    @p.export
    def scale():
        pw.fmuls(d_data, d_data, factor, async_=True, activate=done)


@pw.program
def order_prog(p, *, memcpy_params):
    """Records the order tasks run in: log[k] = task number."""
    sys = p.memcpy(memcpy_params)
    log = p.var("log", pw.i32, 8, export=True)
    n = p.var("n", pw.i32, 1)

    def record(k):
        log[n[0]] = k
        n[0] += 1

    @p.local_task(12)
    def t12():
        record(12)

    @p.local_task(11)
    def t11():
        record(11)
        pw.unblock(t12)

    @p.local_task(9)
    def t9():
        record(9)

    @p.export
    def go():
        pw.block(t12)
        pw.activate(t12)
        pw.activate(t11)
        pw.activate(t9)
        pw.activate(t9)   # activation is a flag: t9 runs once
        sys.unblock_cmd_stream()


@pw.program
def fair_prog(p, *, memcpy_params):
    """t9 re-activates itself while fewer than 3 tasks ran; t11 is activated once."""
    sys = p.memcpy(memcpy_params)
    log = p.var("log", pw.i32, 8, export=True)
    n = p.var("n", pw.i32, 1)

    @p.local_task(9)
    def t9():
        log[n[0]] = 9
        n[0] += 1
        if n[0] < 3:
            pw.activate(t9)

    @p.local_task(11)
    def t11():
        log[n[0]] = 11
        n[0] += 1

    @p.export
    def go():
        pw.activate(t9)
        pw.activate(t11)
        sys.unblock_cmd_stream()


@pw.program
def stuck_prog(p, *, memcpy_params):
    """A launched function that never unblocks the command stream."""
    p.memcpy(memcpy_params)
    x = p.var("x", pw.f32, 1, export=True)

    @p.local_task(8)
    def waits():
        x[0] = 1.0

    @p.export
    def go():
        pw.block(waits)
        pw.activate(waits)


@pw.program
def typing_prog(p, *, memcpy_params, n: int = 64):
    """CSL scalar typing in a task body: f32 stays f32, i16/u16 wrap."""
    sys = p.memcpy(memcpy_params)
    a = p.var("a", pw.f32, n, export=True)
    b = p.var("b", pw.f32, n, export=True)
    out = p.var("out", pw.f32, n, export=True)
    i16s = p.var("i16s", pw.i16, n, export=True)
    u16s = p.var("u16s", pw.u16, n, export=True)

    @p.export
    def compute():
        for i in range(n):
            out[i] = a[i] / 3.0 + b[i] * 1.7
            i16s[i] = i16s[i] * i16s[i] + 12345
            u16s[i] = u16s[i] - 40000
        sys.unblock_cmd_stream()


@pw.program
def memory_prog(p, *, memcpy_params, n16: int = 8, n32: int = 8):
    """Exported 16- and 32-bit symbols for memcpy tests."""
    sys = p.memcpy(memcpy_params)
    p.var("w32", pw.u32, n32, export=True)
    p.var("f32s", pw.f32, n32, export=True)
    p.var("w16", pw.u16, n16, export=True)
    p.var("hidden", pw.u32, n32)
    arg_log = p.var("args", pw.i32, 3, export=True)

    @p.export
    def noop():
        sys.unblock_cmd_stream()

    @p.export
    def with_args(a: pw.i16, b: pw.u16, c: pw.f32):
        arg_log[0] = a
        arg_log[1] = b
        arg_log[2] = pw.i32(c)
        sys.unblock_cmd_stream()


@pw.program
def echo(p, *, memcpy_params, l: int = 4):
    """Stores each H2D wavelet in arrival order; `send_back` streams them to D2H."""
    sys = p.memcpy(memcpy_params)
    got = p.var("got", pw.u32, l, export=True)
    count = p.var("count", pw.u32, 1)
    out = pw.fabout(sys.MEMCPYD2H_1, extent=l)
    d_got = pw.mem1d(got)

    @p.data_task(sys.MEMCPYH2D_1)
    def recv(word: pw.u32):
        got[count[0]] = word
        count[0] += 1

    @p.export
    def send_back():
        pw.mov32(out, d_got, async_=True)
        sys.unblock_cmd_stream()


@pw.program
def relay(p, *, size: int, rx: pw.Color, tx: pw.Color):
    """Receives `size` words on rx into `data`, then sends them on tx."""
    data = p.var("data", pw.u32, size, export=True)
    d = pw.mem1d(data, size)
    inp = pw.fabin(rx, size, queue=p.input_queue(2, rx))
    out = pw.fabout(tx, size, queue=p.output_queue(2, tx))

    @p.local_task(9)
    def send():
        pw.mov32(out, d, async_=True)

    @p.on_start
    @p.local_task(8)
    def main():
        pw.mov32(d, inp, async_=True, activate=send)


@pw.program
def edge_sender(p, *, memcpy_params):
    sys_mod = p.memcpy(memcpy_params)
    data = pw.mem1d(p.var("data", pw.u32, 3))
    out = pw.fabout(pw.Color(3), extent=3, queue=p.output_queue(2, pw.Color(3)))

    @p.export
    def go():
        pw.mov32(out, data, async_=True)
        sys_mod.unblock_cmd_stream()
