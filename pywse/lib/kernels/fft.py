"""`<kernels/fft/fft3d_layout>`: a 3-D FFT of N x N x N complex values on a W x W kernel
(CSL-LIBRARIES §1.12; csl-examples benchmarks/fft-3d).

The layout imports it and asks it for the kernel; it gives every PE of the rectangle its code:

    memcpy = layout.import_module("<memcpy/get_params>", width=W, height=W)
    fft = layout.import_module("<kernels/fft/fft3d_layout>", width=W, memcpy=memcpy)
    fft.FFT_kernel(W, N, pw.f32)          # or FFT_kernel(0, 0, W, N, pw.f32), the SDK doc's form

(or `from pywse.lib.kernels import fft` and `layout.import_module(fft.layout_library, ...)`).
W = N / T, where each PE holds T x T pencils along z: PE (px, py) holds the points
(y, x, z) with y // T == py and x // T == px, complex element `z*T*T + (y%T)*T + x%T` of its
exported `X` ([2*T*T*N] f16 or f32, real then imaginary). The host writes `twiddle_array`
([N]: cos, sin of 2*pi*k/N for k < N/2, interleaved) and `X`, launches one of
`csfftExecC2C(norm, inverse)`, `csfftExecR2C(norm)`, `csfftExecC2R(norm)` (i16 arguments;
norm 0 backward, 1 ortho, 2 forward, numpy's meanings), and reads the transform back from `X`,
in the layout it wrote. R2C and C2R read the real parts only and leave the full complex
forward (R2C) or inverse (C2R) transform in `X`, as fft-3d's run.py checks against
`numpy.fft.fftn` / `ifftn` of the real data. `fft_time` ([2]u32, four u16 words) holds the
cycles the transform took on the PE, 48 bits in the first three u16 words, low first.

Design (pywse's own: the SDK's library is not public, so neither are its cycles; these are
pywse's; docs/libraries.md has the whole story). A pencil decomposition: three rounds of local
1-D FFTs, each along the axis a PE holds whole, with all-to-all transposes along rows (x) and
columns (y) between them.

- Layout on a PE: complex element `loc*T*T + a*T + b`, where `loc` runs along the local axis,
  `a` is the in-PE coordinate of the axis spread over the column (y at first) and `b` the one
  spread over the row (x at first). The T*T values of one `loc` are contiguous, so a butterfly
  of the radix-2 decimation-in-time FFT is six DSD ops over T*T complex values (real and
  imaginary parts as stride-2 DSDs): t = w*B (two `fmul`, two `fmac`), B = A - t, A = A + t.
  Twiddles are the host's, conjugated for a forward transform; each op rounds to the element
  type (f16 ops round at f16).
- Transposes: a row transpose swaps `loc` with the row axis, a column transpose `loc` with the
  column axis; each is W `scatter`s of `<collectives_2d>` (root 0, 1, ..., W-1: the root's
  T*T*T values for PE j go to PE j), and after each a local move (a `mem4d` DSD) puts the
  received cube where the next FFT wants it, in bit-reversed order when an FFT follows.
- Order: FFT along z; row transpose, FFT along x; column transpose, FFT along y; column and
  row transposes back to the input layout; one final scale (1, 1/sqrt(N^3) or 1/N^3) into X.
  Four transposes, since a single row or column exchange swaps two axes and three swaps cannot
  return to the input layout.
- f16: the work buffers hold one f16 value in the low half of a u32 word (f16 DSD ops read and
  write low halves), so the 32-bit collectives move them; f32 uses f32 buffers and X itself.
- Few task bodies, few DSD-op call sites (numba compiles each site into its task): one state
  machine task (`fft_step`) runs every phase; the launched functions only record the request.

Resources (the library owns the whole rectangle, as the SDK's kernel does): colors 0, 1 (row
links) and 2, 3 (column links) for `<collectives_2d>`, its local tasks 10, 11 and 12, 13 and
its queues (2, 4 and 3, 5), local task 14 (the FFT's state machine), memcpy. wse3 only, as
csl-examples runs fft-3d on WSE-3 only; a classic `pw.Layout` only (memcpy carries the data).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...dsl.dsd import mem4d
from ...dsl.modules import layout_library
from ...dsl.program import program
from ...dsl.signatures import TABLE
from ...errors import LayoutError, ProgramError
from ...layout.classic import Layout, MemcpyInfo
from ...types import f16, f32, i16, u16, u32
from .. import collectives_2d

activate, mov32 = TABLE["activate"], TABLE["mov32"]
increment_dsd_offset, mem1d = TABLE["increment_dsd_offset"], TABLE["mem1d"]
fh2s, fmovs = TABLE["fh2s"], TABLE["fmovs"]
F16_OPS = {k: TABLE[k + "h"] for k in ("fmov", "fmul", "fmac", "fadd", "fsub")}
F32_OPS = {k: TABLE[k + "s"] for k in ("fmov", "fmul", "fmac", "fadd", "fsub")}

NAME = "<kernels/fft/fft3d_layout>"
X_COLORS, Y_COLORS = (0, 1), (2, 3)           # <collectives_2d>'s links: rows, columns
X_TASKS, Y_TASKS = (10, 11), (12, 13)         # its local tasks per axis
STEP_TASK = 14                                # the FFT's state machine
PHASE, ROOT, INVERSE, REAL, SCALE = range(5)  # the state words


def bit_reversed(n: int) -> list[int]:
    """rev[i]: i with its log2(n) bits reversed (the decimation-in-time input order)."""
    bits = n.bit_length() - 1
    return [int(format(i, f"0{bits}b")[::-1], 2) if bits else 0 for i in range(n)]


# -- PE side: the kernel's program ----------------------------------------------------------

@program
def fft3d_pe(p, *, memcpy_params, c2d_params, N: int, T: int, fp16: bool):
    """One PE of the kernel (module docstring); the library places it on every PE."""
    if p.arch != "wse3":
        raise ProgramError(f"{NAME} at ({p.x}, {p.y}): the library runs on wse3 only (as "
                           "csl-examples' fft-3d does); compile with arch='wse3'")
    sys_mod = p.memcpy(memcpy_params)
    tsc = p.import_module("<time>")
    mpi_x = p.import_module(collectives_2d.library, name="fft_x", dim_params=c2d_params.x)
    mpi_y = p.import_module(collectives_2d.library, name="fft_y", dim_params=c2d_params.y)
    W = N // T
    P = T * T                       # complex values per local-axis index (one block)
    BW = 2 * P                      # words (values) per block
    L = BW * N                      # values of the local array
    CH = 2 * T * T * T              # words one PE sends another in a transpose
    dt, wt, ops = (f16, u32, F16_OPS) if fp16 else (f32, f32, F32_OPS)
    fmov, fmul, fmac, fadd, fsub = (ops[k] for k in ("fmov", "fmul", "fmac", "fadd", "fsub"))
    widen = fh2s if fp16 else fmovs         # the host's twiddles, as f32

    X = p.var("X", dt, L, export=True)
    twiddle_array = p.var("twiddle_array", dt, N, export=True)
    fft_time = p.var("fft_time", u32, 2, export=True)
    # the work buffers (f16: one value in the low half of each u32 word); f32 reuses X
    buf_a = p.var("fft_work", wt, L)
    buf_b = p.var("fft_work2", wt, L) if fp16 else X
    chunk = p.var("fft_chunk", wt, CH)
    tmp = p.var("fft_tmp", wt, BW)
    tw = p.var("fft_twiddles", f32, N)
    rev = p.var("fft_bitrev", u16, N, init=bit_reversed(N))
    ortho = 1.0 / math.sqrt(float(N) ** 3)
    scales = [float(np.dtype(dt).type(s)) for s in (1.0, ortho, 1.0 / float(N) ** 3)]
    scale = p.var("fft_scales", f32, 3, init=scales)
    st = p.var("fft_state", u32, 5)
    t_start = p.var("fft_t_start", u16, tsc.tsc_size_words)
    t_end = p.var("fft_t_end", u16, tsc.tsc_size_words)
    t_all = mem1d(tmp, BW)
    # a received cube (root r's T*T*T values, in the sender's order (l, a, b)) seen in the
    # order one block of the receiver wants: row transposes fix b (offset 2b) and walk a, then
    # l; column transposes fix a (offset 2aT) and walk l, then b (real, imaginary innermost)
    cube_row = mem4d(chunk, (2, T, T), (1, BW, 2 * T))
    cube_col = mem4d(chunk, (2 * T, T), (1, BW))
    # X and the twiddles by DSDs only (compiled code has no f16 values)
    x_all, x_block = mem1d(X), mem1d(X, BW, 0, 1)
    d_twiddles = mem1d(twiddle_array)

    def _fft(buf, inverse):
        """In-place radix-2 DIT FFT along the local axis of `buf` (in bit-reversed order):
        all T*T pencils at once, one butterfly = six DSD ops over T*T complex values."""
        h = 1
        while h < N:
            step = N // (2 * h)
            for g in range(0, N, 2 * h):
                for j in range(h):
                    wr = tw[2 * j * step]
                    wi = tw[2 * j * step + 1]
                    if inverse == 0:
                        wi = -wi
                    a = (g + j) * BW
                    b = a + h * BW
                    for c in range(2):      # t = w * B: real part (c = 0), imaginary (c = 1)
                        fmul(mem1d(tmp, P, c, 2), mem1d(buf, P, b + c, 2), wr)
                        fmac(mem1d(tmp, P, c, 2), mem1d(tmp, P, c, 2),
                             mem1d(buf, P, b + 1 - c, 2), wi if c == 1 else -wi)
                    fsub(mem1d(buf, BW, b, 1), mem1d(buf, BW, a, 1), t_all)
                    fadd(mem1d(buf, BW, a, 1), mem1d(buf, BW, a, 1), t_all)
            h = h * 2

    def _place(t, r):
        """Transpose t received root r's cube: move it into its T blocks of the buffer the
        transpose fills (bit-reversed before an FFT, transposes 0 and 1; in order after)."""
        dst = buf_b if t % 2 == 0 else buf_a
        row = t == 0 or t == 3
        cube = cube_row if row else cube_col
        step = 2 if row else 2 * T
        for i in range(T):
            block = r * T + i
            if t < 2:
                block = rev[block]
            mov32(mem1d(dst, BW, block * BW, 1), increment_dsd_offset(cube, step * i, wt))

    def _finish():
        """Scale into X, stamp the elapsed cycles, let the host go on."""
        fmul(x_all, mem1d(buf_a), scale[st[SCALE]])
        tsc.get_timestamp(t_end)
        lo_end = u32(t_end[0]) | (u32(t_end[1]) << 16)
        lo_start = u32(t_start[0]) | (u32(t_start[1]) << 16)
        borrow = u32(1) if lo_end < lo_start else u32(0)
        fft_time[0] = lo_end - lo_start
        fft_time[1] = (u32(t_end[2]) - u32(t_start[2]) - borrow) & 0xFFFF
        st[PHASE] = 0
        sys_mod.unblock_cmd_stream()

    @p.local_task(STEP_TASK)
    def fft_step():
        """The transform's state machine. Phase 0 (a launch) loads X and runs the FFT along
        z; phase 1 + t runs after each scatter of transpose t. Each run ends by starting the
        next scatter (transpose t, root r), or, after the last, by finishing."""
        phase = st[PHASE]
        t = 0
        r = 0
        fft_buf = 0                 # the buffer to transform now: 1 buf_a, 2 buf_b
        if phase == 0:
            tsc.get_timestamp(t_start)
            widen(mem1d(tw), d_twiddles)
            for z in range(N):      # X into buf_a, in bit-reversed order
                fmov(mem1d(buf_a, BW, rev[z] * BW, 1), increment_dsd_offset(x_block, z * BW, dt))
            if st[REAL] == 1:       # the real parts only: the imaginary parts become 0
                fmov(mem1d(buf_a, P * N, 1, 2), 0.0)
            fft_buf = 1
        else:
            t = phase - 1
            r = st[ROOT]
            _place(t, r)
            r = r + 1
            if r == W:              # transpose t is complete
                fft_buf = 2 if t == 0 else 1 if t == 1 else 0
                t = t + 1
                r = 0
        if fft_buf > 0:
            _fft(buf_a if fft_buf == 1 else buf_b, st[INVERSE])
        if t == 4:
            _finish()
            return
        st[PHASE] = t + 1
        st[ROOT] = r
        src = buf_a if t % 2 == 0 else buf_b
        if t == 0 or t == 3:
            mpi_x.scatter(r, src, chunk, CH, fft_step)
        else:
            mpi_y.scatter(r, src, chunk, CH, fft_step)

    def _start(norm, inverse, real):
        """A launch: check `norm`, note the direction, scale and input, start the state
        machine on this PE."""
        if norm < 0 or norm > 2:
            raise ValueError("<kernels/fft/fft3d_layout>: norm must be 0 (backward), 1 (ortho) "
                             "or 2 (forward)")
        st[INVERSE] = inverse
        st[REAL] = real
        if norm == 1:
            st[SCALE] = 1
        elif (norm == 0 and inverse == 1) or (norm == 2 and inverse == 0):
            st[SCALE] = 2
        else:
            st[SCALE] = 0
        activate(fft_step)

    @p.export
    def csfftExecC2C(norm: i16, inverse: i16):
        """Complex to complex, forward (inverse = 0) or inverse (inverse != 0)."""
        _start(norm, 1 if inverse != 0 else 0, 0)

    @p.export
    def csfftExecR2C(norm: i16):
        """The forward transform of the real parts of X (a full complex result)."""
        _start(norm, 0, 1)

    @p.export
    def csfftExecC2R(norm: i16):
        """The inverse transform of the real parts of X (a full complex result)."""
        _start(norm, 1, 1)


# -- layout side ----------------------------------------------------------------------------

class FFT3DLayout:
    """`<kernels/fft/fft3d_layout>` imported by a layout: `FFT_kernel` places the kernel."""

    def __init__(self, layout: Layout, width: int, memcpy: MemcpyInfo):
        self._layout, self._width, self._memcpy = layout, width, memcpy
        self._placed = False

    def __repr__(self) -> str:
        return f"<{NAME.strip('<>')} width={self._width}>"

    def FFT_kernel(self, *args) -> None:  # noqa: N802  (the SDK's name)
        """Give every PE of the kernel its code: `FFT_kernel(W, N, T)` (fft-3d's layout.csl)
        or `FFT_kernel(x0, y0, W, N, T)` (the SDK doc's), T = pw.f16 or pw.f32."""
        where = f"{NAME}.FFT_kernel"
        if len(args) == 3:
            x0, y0, (w, n, dtype) = 0, 0, args
        elif len(args) == 5:
            x0, y0, w, n, dtype = args
        else:
            raise LayoutError(f"{where}: takes (width, N, type) or (x0, y0, width, N, type), "
                              f"got {len(args)} argument(s)")
        if self._placed:
            raise LayoutError(f"{where}: called twice; the kernel takes the whole rectangle, "
                              "place it once")
        try:
            fp16 = {np.dtype(f16): True, np.dtype(f32): False}[np.dtype(dtype)]
        except (TypeError, KeyError):
            raise LayoutError(f"{where}: the element type must be pw.f16 or pw.f32, got "
                              f"{dtype!r}") from None
        if not (isinstance(w, (int, np.integer)) and w == self._width):
            raise LayoutError(f"{where}: width {w!r} differs from the import's .width = "
                              f"{self._width}; pass the same width")
        if not (isinstance(n, (int, np.integer)) and n >= 2 and n & (n - 1) == 0):
            raise LayoutError(f"{where}: N = {n!r} is not a power of two >= 2 (the library is "
                              "a radix-2 FFT)")
        n, w = int(n), int(w)
        if n % w:
            raise LayoutError(f"{where}: N = {n} is not divisible by the width {w}; each PE "
                              f"holds N / width pencils a side (give N a multiple of {w})")
        lay = self._layout
        if (x0, y0) != (0, 0) or (lay.width, lay.height) != (w, w):
            raise LayoutError(f"{where}: the kernel at ({x0}, {y0}), {w}x{w}, must be the whole "
                              f"{lay.width}x{lay.height} rectangle (pywse's library moves data "
                              "along whole rows and columns): use Layout(width, width) and "
                              "x0 = y0 = 0")
        self._placed = True
        c2d = collectives_2d.params_library(lay)
        params = c2d.get_params(0, 0, x_colors=X_COLORS, x_entrypoints=X_TASKS,
                                y_colors=Y_COLORS, y_entrypoints=Y_TASKS)
        for x in range(w):
            for y in range(w):
                lay.set_tile_code(x, y, fft3d_pe, memcpy_params=self._memcpy.get_params(x),
                                  c2d_params=params, N=n, T=n // w, fp16=fp16)


@layout_library(NAME)
def layout_library(layout, *, width: int, memcpy: Any) -> FFT3DLayout:
    """The layout side (CSL `@import_module("<kernels/fft/fft3d_layout>", .{ .width = W,
    .memcpy = memcpy })`), for a classic `Layout` (the kernel needs memcpy)."""
    if not isinstance(layout, Layout):
        raise LayoutError(f"{NAME} is imported by a classic pw.Layout: the kernel's host data "
                          "goes through memcpy, which an SdkLayout does not have")
    if not (isinstance(width, (int, np.integer)) and width >= 1):
        raise LayoutError(f"{NAME}: .width must be a positive integer, got {width!r}")
    if not isinstance(memcpy, MemcpyInfo) or memcpy is not layout.memcpy_info:
        got = "another layout's" if isinstance(memcpy, MemcpyInfo) else f"{memcpy!r}, not the"
        raise LayoutError(f"{NAME}: .memcpy must be this layout's <memcpy/get_params> import "
                          f"(layout.import_module('<memcpy/get_params>', ...)); got {got} "
                          "import")
    rect = (layout.width, layout.height)
    if rect != (width, width):
        raise LayoutError(f"{NAME}: .width = {width}, but the memcpy params (and the "
                          f"rectangle) are {rect[0]}x{rect[1]}; the kernel is width x width: "
                          "pass the rectangle's width")
    return FFT3DLayout(layout, int(width), memcpy)
