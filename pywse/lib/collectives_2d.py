"""`<collectives_2d>`: broadcast, scatter, gather and reduce along a row or column of PEs.

As in CSL, the layout imports the params side and asks it for each PE's params; each PE
imports the PE side once per axis:

    c2d = layout.import_module("<collectives_2d/params>")     # layout side
    params = c2d.get_params(px, py, x_colors=(c0, c1), x_entrypoints=(10, 11),
                            y_colors=(c4, c5), y_entrypoints=(12, 13))
    layout.set_tile_code(px, py, prog, c2d_params=params, ...)

    mpi_x = p.import_module("<collectives_2d/pe>", name="mpi_x",   # in the program
                            dim_params=c2d_params.x, queues=[2, 4])
    ...                                               # in a task body:
    mpi_x.broadcast(0, buf, n, done)                  # done: a local task, run on completion

(or `from pywse.lib import collectives_2d` and `collectives_2d.library` /
`collectives_2d.params_library` in place of the names). Every PE of the axis must call the
same collective with the same root and count; its `callback` task is activated on each PE
once that PE's part is done, and a PE starts its next collective only after that.

Design (pywse's own: the SDK's library is not public, so its cycles are not the SDK's).
Each axis is a linear nearest-neighbour chain, as the SDK's is. The link between PE i and
i+1 uses color `colors[i % 2]`, so a PE's two links have different colors and each color
carries one link. As CSL's library does, the PE side routes its own links (here with
`p.set_local_color_config`), each with two switch positions: position 0 sends toward higher
indices (rx RAMP, tx EAST/SOUTH at PE i; rx WEST/NORTH, tx RAMP at PE i+1), position 1 the
other way. A collective turns each link toward or away from its root: the end sending on it
sends one control wavelet (SWITCH_ADV, CE-filtered) behind its data, which moves the
switches at both ends; the other end's sends wait in its output queue until it has passed.
Data moves by the PEs' own DSD operations: relayed in rounds of PIECE words (broadcast: a PE
receives piece j into its buffer while it sends piece j-1 on), streamed from one link to the
next (scatter, gather), or added on the way (`reduce_fadds`: each PE sends `in + own`, so
the root gets the chain's sum in chain order, (own + west side) + east side). A call costs
about `max(root, N-1-root)` hops plus its words.

Resources per axis, as in CSL: its 2 colors (routed by the PE side), its 2 local task ids
(the state machine, and a join for the root's two concurrent sends or receives), its 2 queue
ids, each used as an input and an output queue. It moves data with plain DSDs, no DSRs: the
`*_dsr_ids` params are accepted (and checked) so CSL code ports unchanged. `pe_id` is known at comptime here (CSL
sets it in `init()`, which pywse keeps for the same reason).
"""
from __future__ import annotations

from typing import Any

import attrs

from ..dsl.control import SWITCH_ADV, encode_single_payload
from ..dsl.dsd import fabin, fabout, mem1d
from ..dsl.image import LOCAL_TASK_IDS
from ..dsl.modules import layout_library, library
from ..dsl.signatures import TABLE
from ..errors import LayoutError, ProgramError
from ..layout.classic import Layout
from ..layout.routing import Switches, SwitchPos
from ..types import EAST, NORTH, RAMP, SOUTH, WEST, color_id, u32

# the builtins task bodies below call (pw.mov32 and friends; lib/ may not import `pywse`)
mov32, fmovs, fadds = TABLE["mov32"], TABLE["fmovs"], TABLE["fadds"]
activate, block = TABLE["activate"], TABLE["block"]
set_dsd_base_addr, set_dsd_length = TABLE["set_dsd_base_addr"], TABLE["set_dsd_length"]
increment_dsd_offset = TABLE["increment_dsd_offset"]

AXES = {"x": (EAST, WEST), "y": (SOUTH, NORTH)}     # axis -> (toward higher, toward lower index)
DEFAULT_QUEUES = {"x": (2, 4), "y": (3, 5)}
N_PIECES = 15
"""A stream of run-time length n from one link to the next is sent as fabric DSDs of fixed
extents 1, 2, 4, ..., 2**14 (n's binary digits): fabric extents are comptime in pywse."""
FLIP = int(encode_single_payload(SWITCH_ADV, True, None, 0))
"""The control wavelet that turns a link: advance the switch at both ends, not to the CE."""

BCAST, SCATTER, GATHER, REDUCE = range(4)
SEND, RECV, FWD, ADD_FWD, ADD_RECV, RELAY = range(1, 7)   # a planned step: one async op, or
PIECE = 16                              # FWD's pieces, or RELAY's rounds of PIECE words
E, W = 0, 1                                          # the link toward higher / lower index
FIELDS, MAX_STEPS = 5, 3                             # a step: code, link, offset, length, pair
N_ACTS, NEXT, CALLBACK, DIR_E, DIR_W, OP, ROOT, COUNT, FRESH, STEP, PE_I, N_PES, PLAN = \
    range(13)                                       # words of the state var


# -- layout side ----------------------------------------------------------------------------

@attrs.frozen
class AxisParams:
    """One axis's params (`c2d_params.x`): opaque to the user, as in CSL. A PE's place on
    the axis is its place in its rectangle (or SdkLayout region), which it knows itself."""

    axis: str
    colors: tuple[int, int]
    entrypoints: tuple[int, int]


@attrs.frozen
class Params:
    """What `get_params` returns for a PE: `.x` and `.y` (None for an axis not asked for)."""

    x: AxisParams | None
    y: AxisParams | None


class ParamsModule:
    """`<collectives_2d/params>` imported by a layout (classic, or an SdkLayout whose
    regions' PEs take the params with `set_param`)."""

    def __init__(self, layout):
        self._layout = layout
        self._made: dict[tuple, Params] = {}    # one object per ids: one tile kind, not N

    def __repr__(self) -> str:
        return "<collectives_2d/params>"

    def get_params(self, Px: int, Py: int, ids: dict | None = None, /, **kwids) -> Params:
        """PE (Px, Py)'s params for each axis named in `ids` (`x_colors`, `x_entrypoints`,
        `y_colors`, `y_entrypoints`: two each)."""
        lay = self._layout
        where = f"<collectives_2d/params>.get_params({Px}, {Py})"
        ids = {**(ids or {}), **kwids}
        unknown = set(ids) - {f"{a}_{k}" for a in AXES for k in ("colors", "entrypoints")}
        if unknown:
            raise LayoutError(f"{where}: unknown id(s) {', '.join(sorted(unknown))}; give "
                              "x_colors, x_entrypoints, y_colors and/or y_entrypoints")
        if isinstance(lay, Layout) and not (0 <= Px < lay.width and 0 <= Py < lay.height):
            raise LayoutError(f"{where}: outside the {lay.width}x{lay.height} rectangle")
        axes = {a: _axis_ids(ids, a, where) for a in AXES}
        both = [a for a in AXES if axes[a]]
        if not both:
            raise LayoutError(f"{where}: give x_colors and x_entrypoints, y_colors and "
                              "y_entrypoints, or all four")
        if len(both) == 2:
            for kind, k in (("colors", 0), ("entrypoints", 1)):
                shared = set(axes["x"][k]) & set(axes["y"][k])
                if shared:
                    raise LayoutError(f"{where}: x_{kind} and y_{kind} share {sorted(shared)}; "
                                      "each axis needs its own")
        key = (axes["x"], axes["y"])
        if key not in self._made:
            self._made[key] = Params(*(AxisParams(a, *axes[a]) if axes[a] else None
                                       for a in AXES))
        return self._made[key]


def _axis_ids(ids: dict, a: str, where: str):
    colors, eps = ids.get(f"{a}_colors"), ids.get(f"{a}_entrypoints")
    if colors is None and eps is None:
        return None
    try:
        colors = tuple(color_id(c) for c in colors)
        eps = tuple(int(getattr(e, "id", e)) for e in eps)
    except (TypeError, ValueError):
        raise LayoutError(f"{where}: {a}_colors must be two colors and {a}_entrypoints two "
                          f"local task ids, got {colors!r} and {eps!r}") from None
    if len(colors) != 2 or len(set(colors)) != 2 or len(eps) != 2 or len(set(eps)) != 2:
        raise LayoutError(f"{where}: {a}_colors and {a}_entrypoints need two distinct values "
                          f"each, got {colors} and {eps}")
    return colors, eps


@layout_library("<collectives_2d/params>")
def params_library(layout) -> ParamsModule:
    """The layout side (CSL `@import_module("<collectives_2d/params>")`)."""
    return ParamsModule(layout)


# -- PE side -----------------------------------------------------------------------------------

def _check(p, ax, queues, dsr_ids) -> tuple[int, int]:
    where = f"<collectives_2d/pe> at ({p.x}, {p.y})"
    if not isinstance(ax, AxisParams):
        raise ProgramError(f"{where}: dim_params must be c2d_params.x or c2d_params.y from "
                           "<collectives_2d/params>.get_params(...), got "
                           f"{ax!r}" + (" (was that axis given colors and entrypoints?)"
                                        if ax is None else ""))
    qs = DEFAULT_QUEUES[ax.axis] if queues is None else queues
    try:
        qs = tuple(int(q) for q in qs)
    except (TypeError, ValueError):
        qs = ()
    if len(qs) != 2 or qs[0] == qs[1]:
        raise ProgramError(f"{where}: queues must be two distinct queue ids, got {queues!r}")
    for name, ids in dsr_ids.items():
        if ids is not None and (len(ids) != 1 or not 0 <= int(ids[0]) <= 15):
            raise ProgramError(f"{where}: {name} must be one DSR id, [1]u16{{n}}, got {ids!r}")
    lo, hi = LOCAL_TASK_IDS[p.arch]
    bad = [e for e in ax.entrypoints if not lo <= e <= hi]
    if bad:
        raise ProgramError(f"{where}: entrypoint {bad[0]} is not a local task id on {p.arch} "
                           f"({lo}..{hi}); give get_params other {ax.axis}_entrypoints")
    return qs


@library("<collectives_2d/pe>")
def collectives_2d(p, *, dim_params, queues=None, dest_dsr_ids=None, src0_dsr_ids=None,
                   src1_dsr_ids=None) -> dict[str, Any]:
    """One axis of the collectives on this PE (CSL `@import_module("<collectives_2d/pe>")`).

    The functions a caller's task calls only record the call and activate the library's
    `step` task, which plans and runs it: a task body's calls lift few values that way."""
    ax = dim_params
    qs = _check(p, ax, queues, dict(dest_dsr_ids=dest_dsr_ids, src0_dsr_ids=src0_dsr_ids,
                                    src1_dsr_ids=src1_dsr_ids))
    i, n_pes = (p.x, p.width) if ax.axis == "x" else (p.y, p.height)
    pe_id = i
    has_e, has_w = int(i < n_pes - 1), int(i > 0)
    step_id, join_id = ax.entrypoints
    scratch = p.var("scratch", u32, 1) if n_pes == 1 else None

    higher, lower = AXES[ax.axis]
    if has_e:      # link (i, i+1): position 0 sends toward higher indices, 1 receives
        p.set_local_color_config(ax.colors[i % 2], rx=[RAMP], tx=[higher], switches=Switches(
            pos1=SwitchPos(rx=[higher], tx=[RAMP]), ring_mode=True))
    if has_w:      # link (i-1, i): position 0 receives, 1 sends toward lower indices
        p.set_local_color_config(ax.colors[(i - 1) % 2], rx=[lower], tx=[RAMP],
                                 switches=Switches(pos1=SwitchPos(rx=[RAMP], tx=[lower]),
                                                   ring_mode=True))

    def link(k):
        """(in, out, control out, in pieces, out pieces) of the link with color colors[k]."""
        if n_pes == 1:      # no links: never used, but task bodies capture the same names
            d = mem1d(scratch)
            return d, d, d, (d,) * N_PIECES, (d,) * N_PIECES
        c, q = ax.colors[k], qs[k]
        try:                # CSL's library initializes its queues; a clash names both users
            p.input_queue(q, c)
            p.output_queue(q, c)
        except ProgramError as e:
            raise ProgramError(f"<collectives_2d/pe> ({ax.axis} axis) at ({p.x}, {p.y}) binds "
                               f"queue {q} to its color {c}, but: {e}. Give the library other "
                               "queues=, or the program other queues") from None
        return (fabin(c, 1, queue=q), fabout(c, 1, queue=q), fabout(c, 1, queue=q, control=True),
                tuple(fabin(c, 1 << b, queue=q) for b in range(N_PIECES)),
                tuple(fabout(c, 1 << b, queue=q) for b in range(N_PIECES)))
    k_e = i % 2 if has_e else (i + 1) % 2         # an edge PE's missing link: the other one
    k_w = (i + 1) % 2 if has_w else k_e
    ins, outs, ctls, pins, pouts = zip(link(k_e), link(k_w))    # each indexed by E, W

    mem = p.var("state", u32, PLAN + FIELDS * MAX_STEPS,
                init=[{STEP: step_id, PE_I: i, N_PES: n_pes}.get(k, 0)
                      for k in range(PLAN + FIELDS * MAX_STEPS)])
    # the buffers of the current call: any 32-bit arrays (the ops read their bits as the op's
    # type, so an f32 array works as CSL's @ptrcast([*]u32, ...) does, and the other way round)
    d_send = p.dsd_var(mem1d(p.var("send", u32, 1)))
    d_recv = p.dsd_var(mem1d(p.var("recv", u32, 1)))

    def init():
        """Nothing to do: CSL sets `pe_id` here, pywse knows it at comptime (kept so that
        CSL code ports unchanged)."""

    def _call(op, root, send_buf, recv_buf, count, callback):
        """Record the call; `step` plans and runs it. (A caller's task lifts only what this
        function captures, per API function: numba's inlining takes at most 29 arguments.)"""
        nonlocal d_send, d_recv
        n_pes_, whole = mem[N_PES], count * mem[N_PES]
        mine = 1 if mem[PE_I] == root else 0
        if root >= n_pes_:
            raise ValueError("<collectives_2d>: the root is not a PE of this axis (0..N-1)")
        if len(send_buf) < (0 if op == SCATTER and mine == 0 else
                            whole if op == SCATTER else count):
            raise ValueError("<collectives_2d>: send_buf is shorter than what the call sends "
                             "(count words; count * N at a scatter's root)")
        if len(recv_buf) < (count if op == BCAST or op == SCATTER else
                            0 if mine == 0 else whole if op == GATHER else count):
            raise ValueError("<collectives_2d>: recv_buf is shorter than what the call "
                             "writes (count words; count * N at a gather's root)")
        d_send = set_dsd_base_addr(d_send, send_buf)
        d_recv = set_dsd_base_addr(d_recv, recv_buf)
        mem[OP] = op
        mem[ROOT] = root
        mem[COUNT] = count
        mem[CALLBACK] = int(callback)      # a task is its id at run time
        mem[FRESH] = 1
        activate(mem[STEP])

    def broadcast(root, buf, count, callback):
        """The root's `count` words of `buf` into every other PE's `buf`."""
        _call(BCAST, root, buf, buf, count, callback)

    def scatter(root, send_buf, recv_buf, count, callback):
        """Words [j*count, (j+1)*count) of the root's `send_buf` into PE j's `recv_buf`."""
        _call(SCATTER, root, send_buf, recv_buf, count, callback)

    def gather(root, send_buf, recv_buf, count, callback):
        """PE j's `count` words of `send_buf` into words [j*count, (j+1)*count) of the
        root's `recv_buf`."""
        _call(GATHER, root, send_buf, recv_buf, count, callback)

    def reduce_fadds(root, send_buf, recv_buf, count, callback):
        """The element-wise f32 sum of every PE's `send_buf` into the root's `recv_buf`."""
        _call(REDUCE, root, send_buf, recv_buf, count, callback)

    def _add(code, lnk, off, n, pair):
        k = PLAN + mem[N_ACTS] * FIELDS
        mem[k] = code
        mem[k + 1] = lnk
        mem[k + 2] = off
        mem[k + 3] = n
        mem[k + 4] = pair
        mem[N_ACTS] = mem[N_ACTS] + 1

    def _plan(snd, rcv):
        """Turn this PE's links toward (gather, reduce) or away from the root (broadcast,
        scatter): a link's current sender sends FLIP. Then plan this PE's part."""
        op, r, n = mem[OP], mem[ROOT], mem[COUNT]
        mem[N_ACTS] = 0
        mem[NEXT] = 0
        away = 1 if op == BCAST or op == SCATTER else 0
        want_e = 1 if (1 if i >= r else 0) != away else 0
        want_w = 1 if (1 if i > r else 0) != away else 0
        if has_e == 1 and mem[DIR_E] != want_e:
            if mem[DIR_E] == 0:
                mov32(ctls[E], FLIP)
            mem[DIR_E] = want_e
        if has_w == 1 and mem[DIR_W] != want_w:
            if mem[DIR_W] == 1:
                mov32(ctls[W], FLIP)
            mem[DIR_W] = want_w
        up = W if i > r else E          # toward the root; the other link is "down"
        down = E if i > r else W
        has_down = has_e if i > r else has_w
        if i == r:                      # the root: both sides, concurrently if it has both
            pair = 1 if has_e == 1 and has_w == 1 and n > 0 else 0
            code = SEND if op == BCAST or op == SCATTER else RECV
            if op == REDUCE:
                if has_w == 1:
                    _add(ADD_RECV, W, 1, n, 0)
                if has_e == 1:
                    _add(ADD_RECV, E, 1 - has_w, n, 0)
                if has_e + has_w == 0:
                    fmovs(set_dsd_length(rcv, n), set_dsd_length(snd, n))
            elif op == BCAST:
                if has_e == 1:
                    _add(SEND, E, 0, n, pair)
                if has_w == 1:
                    _add(SEND, W, 0, n, 0)
            else:                       # scatter, gather: its own chunk locally, then each side
                if op == SCATTER:
                    mov32(set_dsd_length(rcv, n),
                          set_dsd_length(increment_dsd_offset(snd, r * n, u32), n))
                else:
                    mov32(set_dsd_length(increment_dsd_offset(rcv, r * n, u32), n),
                          set_dsd_length(snd, n))
                if has_e == 1:
                    _add(code, E, (r + 1) * n, (n_pes - 1 - r) * n, pair)
                if has_w == 1:
                    _add(code, W, 0, r * n, 0)
        elif op == BCAST:               # receive, and pass on if there is a PE beyond
            if has_down == 1:
                _add(RELAY, up, 0, n, 0)
            else:
                _add(RECV, up, 0, n, 0)
        elif op == REDUCE:              # send own + what comes from below, or just own
            if has_down == 1:
                _add(ADD_FWD, down, 0, n, 0)
            else:
                _add(SEND, up, 0, n, 0)
        else:                           # scatter, gather: the chunks of the PEs beyond
            beyond = (n_pes - 1 - i) * n if i > r else i * n     # this one pass through it
            mine = RECV if op == SCATTER else SEND
            if i > r:                   # its own chunk first on the high side ...
                _add(mine, up, 0, n, 0)
            if has_down == 1:
                _add(FWD, up if op == SCATTER else down, 0, beyond, 0)
            if i < r:                   # ... and last on the low side (chunks go in order)
                _add(mine, up, 0, n, 0)

    def _start(k, snd, rcv, act, unb):
        """Start plan step k's async op (or FWD's next piece); 1 if it started one."""
        code, lnk, off, n = mem[k], mem[k + 1], mem[k + 2], mem[k + 3]
        if n == 0:
            mem[NEXT] = mem[NEXT] + 1
            return 0
        if code == FWD:      # from link lnk to the other one, the largest piece that fits
            b = N_PIECES - 1
            while (n >> b) == 0:
                b -= 1
            mem[k + 3] = n - (1 << b)
            if mem[k + 3] == 0:
                mem[NEXT] = mem[NEXT] + 1
            mov32(pouts[1 - lnk][b], pins[lnk][b], async_=True, activate=act, unblock=unb)
            return 1
        if code == RELAY:    # round j: receive piece j while sending piece j-1 on
            j = mem[k + 2]
            lo = j * PIECE
            n_in = min(PIECE, n - lo) if lo < n else 0
            n_out = min(PIECE, n - lo + PIECE) if j > 0 else 0
            mem[k + 2] = j + 1
            if n_in == 0:
                mem[NEXT] = mem[NEXT] + 1
            if n_in > 0 and n_out > 0:
                block(join)
            if n_in > 0:
                mov32(set_dsd_length(increment_dsd_offset(rcv, lo, u32), n_in), ins[lnk],
                      async_=True, activate=join_id if n_out > 0 else act, unblock=unb)
            if n_out > 0:
                mov32(outs[1 - lnk], set_dsd_length(increment_dsd_offset(snd, lo - PIECE, u32),
                                                    n_out),
                      async_=True, activate=-1 if n_in > 0 else act,
                      unblock=join_id if n_in > 0 else unb)
            return 1
        mem[NEXT] = mem[NEXT] + 1
        if code == SEND:
            mov32(outs[lnk], set_dsd_length(increment_dsd_offset(snd, off, u32), n),
                  async_=True, activate=act, unblock=unb)
        elif code == RECV:
            mov32(set_dsd_length(increment_dsd_offset(rcv, off, u32), n), ins[lnk],
                  async_=True, activate=act, unblock=unb)
        elif code == ADD_FWD:
            fadds(outs[1 - lnk], ins[lnk], set_dsd_length(snd, n),
                  async_=True, activate=act, unblock=unb)
        elif off == 1:       # ADD_RECV, the first side: recv = send + in
            fadds(set_dsd_length(rcv, n), set_dsd_length(snd, n), ins[lnk],
                  async_=True, activate=act, unblock=unb)
        else:                # ADD_RECV, the second side: recv += in
            fadds(set_dsd_length(rcv, n), set_dsd_length(rcv, n), ins[lnk],
                  async_=True, activate=act, unblock=unb)
        return 1

    @p.local_task(step_id)
    def step():
        """Plan a new call, then run the plan: each op activates this task again when it is
        done (the root's concurrent two: via `join`); the last activates the callback."""
        if mem[FRESH] == 1:
            mem[FRESH] = 0
            _plan(d_send, d_recv)
        paired = 0
        while mem[NEXT] < mem[N_ACTS]:
            k = PLAN + mem[NEXT] * FIELDS
            act, unb = step_id, -1
            if mem[k + 4] == 1:              # the first of the root's two: join both
                block(join)
                act = join_id
                paired = 1
            elif paired == 1:
                act, unb = -1, join_id
                paired = 0
            started = _start(k, d_send, d_recv, act, unb)
            if started == 1 and paired == 0:
                return
        activate(mem[CALLBACK])

    @p.local_task(join_id)
    def join():
        """Both of the root's concurrent ops are done (one activates it, one unblocks it)."""
        activate(step)

    return dict(init=init, pe_id=pe_id, broadcast=broadcast, scatter=scatter, gather=gather,
                reduce_fadds=reduce_fadds)


library = collectives_2d
"""The PE side, for `p.import_module(collectives_2d.library, ...)`."""
