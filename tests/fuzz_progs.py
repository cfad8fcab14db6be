"""Program templates the fuzzer (tests/test_fuzz.py) draws its layouts from.

Task bodies must be `def`s in a source file, and every distinct template costs one numba
compile per process (cached on disk after), so the grammar is this fixed, small set of
programs; a drawn layout differs only in their params (op kind, colors, counts, queue ids,
task ids, FIFO sizes, element types). Keep this file stable: editing it recompiles them.
"""
import numpy as np

import pywse as pw

# relay_t's op kinds
FORWARD, ADD, RUNNING_SUM, TOTAL, SWAP, ASYNC_ADD = range(6)
OPS = (FORWARD, ADD, RUNNING_SUM, TOTAL, SWAP, ASYNC_ADD)


@pw.program
def relay_t(p, *, rx, tx, iq: int, oq: int, op: int, k: int, n: int):
    """A data task on `rx` sends on `tx`, with a blocking mov32 per wavelet: the wavelet as
    it came (FORWARD), plus k (ADD), the running sum (RUNNING_SUM), or only the sum once
    `n` wavelets came (TOTAL). SWAP: a data task taking the wavelet as two 16-bit halves
    sends them swapped. ASYNC_ADD: plus k, sent by an async op from memory while the data
    task blocks itself until the op is done (`unblock=`). u32 arithmetic wraps."""
    q_in = p.input_queue(iq, rx)
    q_out = p.output_queue(oq, tx)
    total = p.var("total", pw.u32, 1)
    count = p.var("count", pw.u32, 1)
    out = pw.fabout(tx, extent=1, queue=q_out)
    d_total = pw.mem1d(total)

    if op == 4:
        @p.data_task(q_in)
        def swap(lo: pw.u16, hi: pw.u16):
            count[0] += 1
            pw.mov32(out, pw.u32(lo) << 16 | pw.u32(hi))
    else:
        @p.data_task(q_in)
        def step(v: pw.u32):
            count[0] += 1
            if op == 0:
                pw.mov32(out, v)
            elif op == 1:
                pw.mov32(out, v + k)
            elif op == 5:
                pw.block(step)
                total[0] = v + k
                pw.mov32(out, d_total, async_=True, unblock=step)
            else:
                total[0] += v
                if op == 2 or count[0] == n:
                    pw.mov32(out, total[0])


@pw.program
def fifo_t(p, *, rx, tx, iq: int, oq: int, n: int, cap: int, narrow: bool, tid: int):
    """Relays `n` wavelets from `rx` to `tx` through a FIFO of `cap` elements: one async op
    fills it from the fabric, another drains it onto the fabric (both started at once, by
    an on-start task). `narrow`: a 16-bit FIFO moved with mov16 (the low halves)."""
    q_in = p.input_queue(iq, rx)
    q_out = p.output_queue(oq, tx)
    buf = p.var("buf", pw.u16 if narrow else pw.u32, cap)
    fifo = p.fifo(buf)
    src = pw.fabin(rx, extent=n, queue=q_in)
    dst = pw.fabout(tx, extent=n, queue=q_out)

    @p.on_start
    @p.local_task(tid)
    def start():
        if narrow:
            pw.mov16(fifo, src, async_=True)
            pw.mov16(dst, fifo, async_=True)
        else:
            pw.mov32(fifo, src, async_=True)
            pw.mov32(dst, fifo, async_=True)


@pw.program
def source_t(p, *, tx, oq: int, values: tuple, tid: int):
    """Sends `values` (u32) on `tx` from memory, one async mov32 started on start."""
    q_out = p.output_queue(oq, tx)
    data = p.var("data", pw.u32, len(values), init=np.array(values, np.uint32))
    out = pw.fabout(tx, extent=len(values), queue=q_out)
    d_data = pw.mem1d(data)

    @p.on_start
    @p.local_task(tid)
    def start():
        pw.mov32(out, d_data, async_=True)


@pw.program
def sink_t(p, *, rx, iq: int, n: int, cid: int):
    """Keeps the first `n` wavelets of `rx` in `got`, in arrival order; `count` counts all.
    A control wavelet naming control task `cid` records in `closed` how many came before."""
    q_in = p.input_queue(iq, rx)
    got = p.var("got", pw.u32, n)
    count = p.var("count", pw.u32, 1)
    closed = p.var("closed", pw.u32, 1, init=[0xFFFFFFFF])

    @p.data_task(q_in)
    def keep(v: pw.u32):
        if count[0] < n:
            got[count[0]] = v
        count[0] += 1

    @p.control_task(cid)
    def close():
        closed[0] = count[0]


@pw.program
def idle_t(p):
    """A PE that only routes."""
    p.var("nothing", pw.u32, 1)


# -- memcpy ---------------------------------------------------------------------------------

MEM_TYPES = {"u16": pw.u16, "i16": pw.i16, "f16": pw.f16,
             "u32": pw.u32, "i32": pw.i32, "f32": pw.f32}


@pw.program
def memory_t(p, *, memcpy_params, n: int):
    """One exported symbol of `n` elements per element type, named after it (`u16`, ...)."""
    p.memcpy(memcpy_params)
    for name, dtype in MEM_TYPES.items():
        p.var(name, dtype, n, export=True)


@pw.program
def echo_t(p, *, memcpy_params, l: int, dtype, via_dsd: bool, tid: int):
    """Takes `l` wavelets of the H2D stream into `got` (element type `dtype`: a 16-bit type
    takes the wavelet's low half) and counts them in `count`: one data task run each
    (keeping the first `l`, counting all), or, `via_dsd`, one async op from a fabin DSD
    started on start (it sets `count` when done). `send_back` streams `got` to D2H if
    exactly `l` came. Compiled task bodies cannot index f16 arrays: f16 with jit needs
    `via_dsd`."""
    sys = p.memcpy(memcpy_params)
    got = p.var("got", dtype, l, export=True)
    count = p.var("count", pw.u32, 1, export=True)
    out = pw.fabout(sys.MEMCPYD2H_1, extent=l)
    d_got = pw.mem1d(got)
    wide = np.dtype(dtype).itemsize == 4

    if via_dsd:
        src = pw.fabin(sys.MEMCPYH2D_1, extent=l)

        @p.local_task(tid + 1)
        def arrived():
            count[0] = l

        @p.on_start
        @p.local_task(tid)
        def start():
            if wide:
                pw.mov32(d_got, src, async_=True, activate=arrived)
            else:
                pw.mov16(d_got, src, async_=True, activate=arrived)
    else:
        @p.data_task(sys.MEMCPYH2D_1)
        def recv(word: dtype):
            if count[0] < l:
                got[count[0]] = word
            count[0] += 1

    @p.export
    def send_back():
        if count[0] == l:
            if wide:
                pw.mov32(out, d_got, async_=True)
            else:
                pw.mov16(out, d_got, async_=True)
        sys.unblock_cmd_stream()


# -- CSL arithmetic in a task body ---------------------------------------------------------------

@pw.program
def calc_t(p, *, rx, iq: int, k: int, x: float):
    """Per wavelet (a signed low half, an unsigned high half), typed arithmetic of every
    kind into memory: i16/u16/i32/u32 wrap-around, division and remainder, shifts by up to
    31, bitwise ops, weak Python-number params (`k`, `x`), f32 with infinities and NaNs.
    Compiled and plain-Python runs must leave the same bits. Every expression is one CSL
    types too: an int and a float, or a signed and an unsigned 32-bit value, only meet
    through a cast (numba cannot tell an int64 or float64 result from a weak Python number,
    so such mixed expressions round or wrap differently compiled)."""
    q_in = p.input_queue(iq, rx)
    a16 = p.var("a16", pw.i16, 6)
    b16 = p.var("b16", pw.u16, 5)
    a32 = p.var("a32", pw.i32, 5)
    b32 = p.var("b32", pw.u32, 4)
    f = p.var("f", pw.f32, 6)

    @p.data_task(q_in)
    def calc(lo: pw.i16, hi: pw.u16):
        s = hi & 31
        a16[0] = a16[0] * lo + 7
        a16[1] = lo // (a16[0] | 1)
        a16[2] = lo % (a16[0] | 1)
        a16[3] = (lo << s) ^ (lo >> s)
        a16[4] = -lo - k
        a16[5] = ~lo
        b16[0] = b16[0] * hi - 3
        b16[1] = hi // (b16[0] | 1)
        b16[2] = (hi << s) | (hi >> s)
        b16[3] = -hi + k
        b16[4] = b16[0] % 7
        a32[0] = a32[0] * 31 + lo
        a32[1] = pw.i32(lo) * pw.i32(hi) - k
        a32[2] = a32[0] // (pw.i32(lo) | 1)
        a32[3] = a32[0] % (pw.i32(lo) | 1)
        a32[4] = a32[0] >> s
        b32[0] = b32[0] * 2654435761 + hi
        b32[1] = b32[0] >> s
        b32[2] = b32[0] << s
        b32[3] = b32[0] // (pw.u32(hi) | 1)
        f[0] = f[0] * 0.5 + pw.f32(lo) / 3.0
        f[1] = f[0] * f[0] - pw.f32(hi) * x
        f[2] = pw.f32(lo) / pw.f32(hi)
        f[3] = f[1] // x
        f[4] = f[1] % x
        f[5] = -f[2] + f[4] * 1e30
