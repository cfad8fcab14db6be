"""`<kernels/tally/layout>` + `<kernels/tally/pe>`: a kernel-wide count, and "everyone is
done" (CSL-LIBRARIES §1.11).

A kernel of `kernel_width` x `kernel_height` PEs works in two phases. Phase 1: every PE
calls `signal_completion()` at least once (say, when it has sent all its work). Phase 2:
PEs call `bump_tally(n)` as work lands (bumps made during phase 1 count too). Once every PE
has signalled and the kernel's bumps add up to `phase2_tally`, the PE at
(`kernel_width - 1`, 0) finishes: it activates the `callback` local task given to its PE
import, where its `local_tally[0]` holds the kernel's total; without a callback it sends the
total as one wavelet north on `output_color` instead (route a PE there to read it).
`phase2_tally = 0` finishes as soon as phase 1 ends. As in CSL, the layout imports one side
and passes each PE its params, and each PE of the kernel imports the other:

    tally = layout.import_module("<kernels/tally/layout>", kernel_width=W, kernel_height=H,
                                 phase2_tally=W * H * n, colors=[c0, c1, c2],
                                 output_color=c_out)
    layout.set_tile_code(x, y, prog, tally_params=tally.get_params(x, y), ...)

    t = p.import_module("<kernels/tally/pe>", tally_params,        # in the program
                        input_queues=[6, 7], output_queues=[4, 5], callback=15)
    ...                                                            # in task bodies:
    t.signal_completion()
    t.bump_tally(1)
    out[0] = t.local_tally[0]           # CSL `tally.local_tally`: a one-word u32 var here

(or `from pywse.lib.kernels import tally` and `tally.layout_library` / `tally.library`).
`get_params(x, y)` takes kernel coordinates, so the kernel may sit anywhere in the layout,
or be an `SdkLayout` code region (`region.set_param(IntVector(x, y), "tally_params", ...)`).

Design (pywse's own: the SDK's library is not public, so neither are its cycles; these are
pywse's). Counts flow along a reduction tree: each row east to its last PE, the last column
north to (W-1, 0), the root. One wavelet carries either a count (below 2**31) or, as
0x80000000, "I and every PE behind me have signalled". The link from PE (x, y) to (x+1, y)
uses color `colors[x % 2]`; the last column's link from (W-1, y) to (W-1, y-1) alternates
`colors[2]` (y even) and `colors[(W-1) % 2]` (y odd), so each router sees three different
colors. Each PE routes its own links (`@set_local_color_config`). A PE adds what reaches it
to its `local_tally` and to a pending count; its sender task (local task `sender_task_id`,
16 unless given) sends the pending count as one wavelet whenever its last send is done, so a
burst of bumps costs one wavelet per link, not one per bump; it sends its signal once it and
every PE behind it have signalled, after its pending counts.

Resources, as in CSL: the three colors and `output_color`; input queue `input_queues[0]`
(from the west) and `[1]` (from the south, last column), output queue `output_queues[0]`
(toward the root) and `[1]` (`output_color`, the root without a callback); one local task.
"""
from __future__ import annotations

from typing import Any, Sequence

import attrs

from ...dsl.dsd import fabout, mem1d
from ...dsl.image import LOCAL_TASK_IDS
from ...dsl.modules import layout_library, library
from ...dsl.signatures import TABLE
from ...errors import LayoutError, ProgramError
from ...layout.classic import Layout
from ...types import EAST, NORTH, RAMP, SOUTH, WEST, color_id, u32

# the builtins task bodies below call (lib/ may not import `pywse`)
mov32, activate = TABLE["mov32"], TABLE["activate"]

SIGNAL = 0x80000000
"""The wavelet "I and every PE behind me have signalled"; smaller values are counts."""
MAX_COUNT = SIGNAL - 1
DEFAULT_SENDER_TASK = 16
PENDING, BUSY, SIGNALS, SIGNALLED, SENT, DONE = range(6)     # the state words


# -- layout side ----------------------------------------------------------------------------

@attrs.frozen
class PEParams:
    """One PE's place in the kernel (what `get_params` gives; opaque, as in CSL)."""

    x: int
    y: int
    width: int
    height: int
    phase2_tally: int
    colors: tuple[int, int, int]
    output_color: int


class TallyLayout:
    """`<kernels/tally/layout>` imported by a layout: one instance for the kernel."""

    def __init__(self, width: int, height: int, phase2_tally: int, colors, output_color):
        self._kernel = (width, height, phase2_tally, colors, output_color)

    def __repr__(self) -> str:
        w, h, n, _, _ = self._kernel
        return f"<kernels/tally/layout {w}x{h}, phase2_tally={n}>"

    def get_params(self, x: int, y: int) -> dict[str, PEParams]:
        """The params of the kernel's PE (x, y) (kernel coordinates), to pass to its
        `<kernels/tally/pe>` import (CSL: `tally.get_params(x, y)`)."""
        w, h, n, colors, out = self._kernel
        if not (isinstance(x, int) and isinstance(y, int) and 0 <= x < w and 0 <= y < h):
            raise LayoutError(f"<kernels/tally/layout>.get_params({x!r}, {y!r}): outside the "
                              f"{w}x{h} kernel; give kernel coordinates 0 <= x < {w}, "
                              f"0 <= y < {h}")
        return {"tally": PEParams(x, y, w, h, n, colors, out)}


@layout_library("<kernels/tally/layout>")
def layout_library(layout, *, kernel_width: int, kernel_height: int, phase2_tally: int,
                   colors: Sequence, output_color) -> TallyLayout:
    """The layout side (CSL `@import_module("<kernels/tally/layout>", .{...})`), for a
    classic `Layout` or an `SdkLayout` (the PE side routes the links, so a code region
    works as a rectangle does)."""
    where = "<kernels/tally/layout>"
    for name, v, top in (("kernel_width", kernel_width, 1024),
                         ("kernel_height", kernel_height, 1024),
                         ("phase2_tally", phase2_tally, 0xFFFFFFFF)):
        low = 0 if name == "phase2_tally" else 1
        if not (isinstance(v, int) and low <= v <= top):
            raise LayoutError(f"{where}: {name} must be an integer in {low}..{top}, got {v!r}")
    try:
        cs = tuple(color_id(c) for c in colors)
        out = color_id(output_color)
    except (TypeError, ValueError):
        raise LayoutError(f"{where}: colors must be three colors and output_color a color, "
                          f"got {colors!r} and {output_color!r}") from None
    if len(cs) != 3 or len(set(cs)) != 3 or out in cs:
        raise LayoutError(f"{where}: colors must be three distinct colors and output_color a "
                          f"fourth, got colors={list(cs)}, output_color={out}")
    if isinstance(layout, Layout):
        w, h = layout.width, layout.height
        if kernel_width > w or kernel_height > h:
            raise LayoutError(f"{where}: a {kernel_width}x{kernel_height} kernel does not fit "
                              f"the {w}x{h} rectangle")
    return TallyLayout(kernel_width, kernel_height, phase2_tally, cs, out)


# -- PE side --------------------------------------------------------------------------------

def _check(p, tally, input_queues, output_queues, callback, sender_task_id):
    where = f"<kernels/tally/pe> at ({p.x}, {p.y})"
    if not isinstance(tally, PEParams):
        raise ProgramError(f"{where}: give it the params of <kernels/tally/layout>.get_params"
                           "(x, y): p.import_module('<kernels/tally/pe>', tally_params, "
                           "input_queues=[...], output_queues=[...])"
                           + (f"; got tally={tally!r}" if tally is not None else ""))
    qs = []
    for name, q in (("input_queues", input_queues), ("output_queues", output_queues)):
        try:
            q = tuple(int(i) for i in q)
        except (TypeError, ValueError):
            q = ()
        if len(q) != 2 or q[0] == q[1]:
            raise ProgramError(f"{where}: {name} must be two distinct queue ids, got {q!r}")
        qs.append(q)
    if p.arch == "wse3" and set(qs[0]) & set(qs[1]):
        raise ProgramError(f"{where}: on wse3 the input and output queues must differ, got "
                           f"input_queues={list(qs[0])}, output_queues={list(qs[1])}")
    lo, hi = LOCAL_TASK_IDS[p.arch]
    for name, t in (("callback", callback), ("sender_task_id", sender_task_id)):
        if t is None:
            continue
        tid = getattr(t, "id", t)
        kind = getattr(t, "kind", "local")
        if kind != "local" or not isinstance(tid, int) or not lo <= tid <= hi:
            raise ProgramError(f"{where}: {name} must be a local task id ({lo}..{hi} on "
                               f"{p.arch}) or a local task, got {t!r}")
    return qs


def _routes(p, k: PEParams, iq, oq, callback):
    """This PE's links (module docstring): (task name, input queue) of each link it reads,
    and the fabout DSD it sends on (None: the root with a callback sends nothing)."""
    c, w, h, x, y = k.colors, k.width, k.height, k.x, k.y
    ins, out = [], None

    def col_color(row):                 # the last column's link from `row` to `row - 1`
        return c[2] if row % 2 == 0 else c[(w - 1) % 2]
    if x > 0:
        p.set_local_color_config(c[(x - 1) % 2], rx=[WEST], tx=[RAMP])
        ins.append(("from_west", p.input_queue(iq[0], c[(x - 1) % 2])))
    if x < w - 1:
        p.set_local_color_config(c[x % 2], rx=[RAMP], tx=[EAST])
        out = fabout(c[x % 2], 1, queue=p.output_queue(oq[0], c[x % 2]))
        return ins, out
    if y < h - 1:
        p.set_local_color_config(col_color(y + 1), rx=[SOUTH], tx=[RAMP])
        ins.append(("from_south", p.input_queue(iq[1], col_color(y + 1))))
    if y > 0:
        p.set_local_color_config(col_color(y), rx=[RAMP], tx=[NORTH])
        out = fabout(col_color(y), 1, queue=p.output_queue(oq[0], col_color(y)))
    elif callback is None:
        p.set_local_color_config(k.output_color, rx=[RAMP], tx=[NORTH])
        out = fabout(k.output_color, 1, queue=p.output_queue(oq[1], k.output_color))
    return ins, out


@library("<kernels/tally/pe>")
def library(p, *, tally=None, input_queues=None, output_queues=None, callback=None,
            sender_task_id: int = DEFAULT_SENDER_TASK) -> dict[str, Any]:
    """One kernel PE's part (CSL `@import_module("<kernels/tally/pe>", ...)`)."""
    iq, oq = _check(p, tally, input_queues, output_queues, callback, sender_task_id)
    k = tally
    root = k.x == k.width - 1 and k.y == 0
    needed = 1 + int(k.x > 0) + int(k.x == k.width - 1 and k.y < k.height - 1)
    goal = k.phase2_tally
    try:
        ins, d_out = _routes(p, k, iq, oq, callback)
    except ProgramError as e:
        raise ProgramError(f"<kernels/tally/pe> at ({p.x}, {p.y}): {e}; give the library "
                           "queues and colors the program does not use") from None
    st = p.var("state", u32, 6)
    local_tally = p.var("local_tally", u32, 1)
    stage = p.var("stage", u32, 1)
    d_stage = mem1d(stage)

    if root:
        if callback is not None:
            def _finish():
                activate(callback)
        else:
            def _finish():
                stage[0] = local_tally[0]
                mov32(d_out, d_stage, async_=True)

        def _progress():
            """Finish once, when every PE has signalled and the count is reached."""
            if st[DONE] == 0 and st[SIGNALS] == needed and local_tally[0] >= goal:
                st[DONE] = 1
                _finish()
    else:
        def _progress():
            """Wake the sender unless it is awake or a send is under way (it looks again
            when the send is done)."""
            if st[BUSY] == 0:
                st[BUSY] = 1
                activate(sender)

    def signal_completion():
        """Phase 1: this PE is done (again is harmless)."""
        if st[SIGNALLED] == 0:
            st[SIGNALLED] = 1
            st[SIGNALS] = st[SIGNALS] + 1
            _progress()

    def bump_tally(n):
        """Phase 2: add `n` to the kernel's tally."""
        local_tally[0] = local_tally[0] + n
        st[PENDING] = st[PENDING] + n
        _progress()

    def _receive(w):
        if w == SIGNAL:
            st[SIGNALS] = st[SIGNALS] + 1
        else:
            local_tally[0] = local_tally[0] + w
            st[PENDING] = st[PENDING] + w
        _progress()

    members = dict(signal_completion=signal_completion, bump_tally=bump_tally,
                   local_tally=local_tally)
    def from_west(w: u32):
        _receive(w)

    def from_south(w: u32):
        _receive(w)
    for name, q in ins:
        p.data_task(q)(dict(from_west=from_west, from_south=from_south)[name])
    if root:
        return members

    @p.local_task(sender_task_id)
    def sender():
        """Send the pending count, else the signal once due, else go idle."""
        n = st[PENDING]
        if n > 0:
            if n > MAX_COUNT:
                n = MAX_COUNT
            st[PENDING] = st[PENDING] - n
            stage[0] = n
        elif st[SIGNALS] == needed and st[SENT] == 0:
            st[SENT] = 1
            stage[0] = SIGNAL
        else:
            st[BUSY] = 0
            return
        mov32(d_out, d_stage, async_=True, activate=sender)

    return members
