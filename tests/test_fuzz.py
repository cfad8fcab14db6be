"""Fuzzing with hypothesis (issue 14 part 4).

(a) Small layouts drawn from a grammar of the DSL: flows of wavelets that enter at the grid's
    edge (or leave a source PE), pass stages that forward, add, sum or relay through FIFOs
    (tests/fuzz_progs.py: a fixed set of program templates, drawn params), hop through PEs
    that only route, and leave at the edge (tapped on the way) or end in a sink. Plus route
    sets drawn at random, most of which cslc's rules refuse.
(b) memcpy round trips: every data type and element type x order x mode x sub-rectangle x
    elements per PE.

Properties: nothing but pywse's own errors and warnings ever comes out; a valid design
finishes within its cycle budget and delivers exactly the wavelets the model says, once
each, in order per color; copy-mode memcpy round-trips (16-bit: the low halves) and writes
nothing outside its region; compiled and plain-Python runs agree on memory, outputs and
cycles; every run either finishes or ends in a DeadlockError / CycleLimitError.

The default hypothesis profile ("fast", tests/conftest.py) is deterministic and small;
`--hypothesis-profile=long` draws many more examples (docs/testing.md, "Fuzzing").
"""
from __future__ import annotations

import warnings

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, note, reject, settings, strategies as st

import pywse as pw
from pywse import MemcpyDataType as DT, MemcpyOrder as ORD
from pywse.testing import Harness

import fuzz_progs as fp

EXAMPLES = settings.default.max_examples        # the profile's (tests/conftest.py)


def fewer(divisor: int) -> int:
    """A share of the profile's examples, for the costly properties (jit vs not)."""
    return max(2, EXAMPLES // divisor)


SIDES = {"NORTH": (0, -1), "SOUTH": (0, 1), "EAST": (1, 0), "WEST": (-1, 0)}
OPPOSITE = {"NORTH": "SOUTH", "SOUTH": "NORTH", "EAST": "WEST", "WEST": "EAST"}
USER_COLORS = list(range(21))                  # 21..23 are memcpy's
ARCHES = ["wse2", "wse3"]
MASK32 = 0xFFFFFFFF
u32s = st.integers(0, MASK32)


# -- what may come out -------------------------------------------------------------------------

def pywse_warnings_only(caught) -> None:
    """Every warning a run emitted is one of pywse's."""
    for w in caught:
        assert issubclass(w.category, pw.RoutingWarning), \
            f"a non-pywse warning: {w.category.__name__}: {w.message}"


def outcome(run) -> str:
    """Run `run()`: 'finished', or the pywse error that ended it. Any other exception (an
    internal one) propagates and fails the property."""
    try:
        run()
    except (pw.DeadlockError, pw.CycleLimitError) as e:
        return type(e).__name__
    except pw.PywseError as e:
        return f"refused: {type(e).__name__}: {str(e)[:60]}"
    return "finished"


# -- (a) the layout grammar --------------------------------------------------------------------

@attrs.define
class Design:
    """A drawn layout, what the test feeds it, and what must come out."""

    width: int
    height: int
    arch: str = "wse3"
    tiles: dict = attrs.Factory(dict)     # (x, y) -> (template, params)
    routes: dict = attrs.Factory(dict)    # (x, y, color) -> (rx, tx)
    sends: list = attrs.Factory(list)     # (color, values, pe, side, start, interval)
    exits: list = attrs.Factory(list)     # (color, pe, side, values)
    sinks: dict = attrs.Factory(dict)     # (x, y) -> values
    budget: int = 0

    def layout(self) -> pw.Layout:
        layout = pw.Layout(self.width, self.height)
        for y in range(self.height):
            for x in range(self.width):
                program, params = self.tiles.get((x, y), (fp.idle_t, {}))
                layout.set_tile_code(x, y, program, **params)
        for (x, y, c), (rx, tx) in self.routes.items():
            layout.set_color_config(x, y, c, rx=rx, tx=tx)
        return layout


def _inside(d: Design, x: int, y: int) -> bool:
    return 0 <= x < d.width and 0 <= y < d.height


def _outside_sides(d: Design, x: int, y: int) -> list[str]:
    return [s for s, (dx, dy) in SIDES.items() if not _inside(d, x + dx, y + dy)]


def stage_output(template, params: dict, values: list[int]) -> list[int]:
    """What a stage sends for `values` received (the model)."""
    if template is fp.fifo_t:
        return [v & 0xFFFF for v in values] if params["narrow"] else list(values)
    op, k = params["op"], params["k"]
    if op == fp.FORWARD:
        return list(values)
    if op in (fp.ADD, fp.ASYNC_ADD):
        return [(v + k) & MASK32 for v in values]
    if op == fp.SWAP:
        return [(v & 0xFFFF) << 16 | v >> 16 for v in values]
    sums = [int(s) for s in np.cumsum(values, dtype=np.uint64) & MASK32]
    return sums if op == fp.RUNNING_SUM else sums[-1:]


ARCH = {  # per arch: local task ids (never a color on wse2, never teardown's 29), output queues
    "wse3": dict(tids=st.integers(8, 28), oqs=range(8)),
    "wse2": dict(tids=st.integers(24, 28), oqs=range(6)),
}


@st.composite
def designs(draw, max_width: int = 4, max_height: int = 3, max_flows: int = 3,
            max_stages: int = 3):
    """A Design: flows of wavelets through stages (fuzz_progs templates), each hop between
    two of them on its own color, routed through PEs that only route. A flow starts at a
    source PE, at the grid's edge (the test sends it in) or in a stage's input queue (the
    test puts it there); one fed by the test straight into a sink may end with a control
    wavelet (a sentinel)."""
    d = Design(draw(st.integers(1, max_width)), draw(st.integers(1, max_height)),
               draw(st.sampled_from(sorted(ARCH))))
    tids, oqs = ARCH[d.arch]["tids"], st.sampled_from(ARCH[d.arch]["oqs"])
    colors = list(draw(st.permutations(USER_COLORS)))   # one per segment, popped
    stages: set = set()                           # PEs with a program (one each)
    cells = [(x, y) for y in range(d.height) for x in range(d.width)]
    edge = [c for c in cells if _outside_sides(d, *c)]
    hops = 0
    for _ in range(draw(st.integers(1, max_flows))):
        if not colors:
            break
        color = colors.pop()
        values = draw(st.lists(u32s, min_size=1, max_size=draw(st.sampled_from([4, 8, 24]))))
        free = [c for c in cells if c not in stages]
        sentinel = None
        how = draw(st.sampled_from(["edge", "source", "queue"] if free else ["edge"]))
        if how == "source":                       # a source PE sends the values
            here = draw(st.sampled_from(free))
            d.tiles[here] = (fp.source_t, dict(tx=pw.Color(color), oq=draw(oqs),
                                               values=tuple(values), tid=draw(tids)))
            stages.add(here)
            rx = pw.RAMP
        else:       # the test sends them in from an edge, or straight into an input queue
            here = draw(st.sampled_from(edge if how == "edge" else free))
            rx = draw(st.sampled_from(_outside_sides(d, *here))) if how == "edge" else None
            d.sends.append((color, values, here, rx, draw(st.integers(0, 300)),
                            draw(st.integers(1, 20)), False))
            if draw(st.booleans()):
                sentinel = draw(st.integers(32, 62))     # a control task id
        for stage in range(max_stages + 1):       # one segment (one color) per loop
            last = stage == max_stages or not colors

            def ends(pe, came):                   # how a segment may end at pe
                out = [s for s in _outside_sides(d, *pe) if s != came]
                return (["exit"] if out else []) + \
                    ([] if pe in stages else ["sink"] if last else ["relay", "fifo", "sink"])

            path = [(here, rx)]
            if rx is None:                        # no route: the stage here reads its queue
                kinds = ["sink"] if last else ["relay", "fifo", "sink"]
            else:
                seen = {here}
                while True:                       # walk through PEs that only route
                    options = ends(*path[-1])
                    steps = [s for s, (dx, dy) in SIDES.items()
                             if _inside(d, here[0] + dx, here[1] + dy)
                             and (here[0] + dx, here[1] + dy) not in seen]
                    if options and (not steps or draw(st.booleans())):
                        break
                    if not steps:
                        reject()
                    s = draw(st.sampled_from(steps))
                    here = (here[0] + SIDES[s][0], here[1] + SIDES[s][1])
                    seen.add(here)
                    path.append((here, OPPOSITE[s]))
                for (pe, came), nxt in zip(path, path[1:] + [None]):
                    tx = [] if nxt is None else [next(s for s, (dx, dy) in SIDES.items()
                                                       if (pe[0] + dx, pe[1] + dy) == nxt[0])]
                    d.routes[(*pe, color)] = ([came], tx)
                kinds = ends(*path[-1])
            hops += len(path)
            end, came = path[-1]
            # stages twice as likely as a sink or an exit
            kind = draw(st.sampled_from(kinds + [k for k in kinds if k in ("relay", "fifo")]))
            if kind != "sink":                    # a sentinel only for a sink fed straight
                sentinel = None
            seen_here = list(values)
            if sentinel is not None:              # after the data, on the same color
                payload = int(pw.control.encode_control_task_payload(sentinel))
                d.sends.append((color, [payload], path[0][0], rx, 0, 1, True))
                seen_here.append(payload)
            if rx is not None:
                tx = d.routes[(*end, color)][1]
                if kind == "exit":
                    side = draw(st.sampled_from([s for s in _outside_sides(d, *end)
                                                 if s != came]))
                    tx.append(side)
                    d.exits.append((color, end, side, seen_here))
                else:
                    tx.append(pw.RAMP)
                for pe, came_ in path:            # taps: a copy off the edge on the way
                    taps = [s for s in _outside_sides(d, *pe)
                            if s != came_ and s not in d.routes[(*pe, color)][1]]
                    if taps and draw(st.integers(0, 3)) == 0:
                        tap = draw(st.sampled_from(taps))
                        d.routes[(*pe, color)][1].append(tap)
                        d.exits.append((color, pe, tap, seen_here))
            if kind == "exit":
                break
            stages.add(end)
            iq = draw(st.integers(0, 7))
            if kind == "sink":
                cid = sentinel if sentinel is not None else draw(st.integers(32, 62))
                d.tiles[end] = (fp.sink_t, dict(rx=pw.Color(color), iq=iq, n=len(values),
                                                cid=cid))
                d.sinks[end] = (list(values), sentinel is not None)
                break
            nxt = colors.pop()
            if kind == "fifo":                    # a microthread each: oq != iq
                oq = draw(st.sampled_from([q for q in ARCH[d.arch]["oqs"] if q != iq]))
                params = dict(rx=pw.Color(color), tx=pw.Color(nxt), iq=iq, oq=oq,
                              n=len(values), cap=draw(st.integers(1, 8)),
                              narrow=draw(st.booleans()), tid=draw(tids))
                d.tiles[end] = (fp.fifo_t, params)
            else:
                params = dict(rx=pw.Color(color), tx=pw.Color(nxt), iq=iq, oq=draw(oqs),
                              op=draw(st.sampled_from(fp.OPS)), k=draw(u32s), n=len(values))
                d.tiles[end] = (fp.relay_t, params)
            values = stage_output(d.tiles[end][0], params, values)
            color, rx = nxt, pw.RAMP
    n_wavelets = sum(len(s[1]) for s in d.sends) + 24 * len(d.tiles)
    d.budget = 20_000 + 400 * n_wavelets * (hops + 1)
    return d


def run_design(d: Design, jit: bool) -> Harness:
    """Build the design's harness, feed it, and run it to the end (within its budget)."""
    h = Harness(d.layout(), arch=d.arch, jit=jit)
    for color, values, pe, side, start, interval, control in d.sends:
        h.send(color, np.array(values, np.uint32), pe=pe, direction=side, start=start,
               interval=interval, control=control)
    h.run_until_idle(max_cycles=d.budget)
    return h


def check_design(d: Design, h: Harness) -> None:
    """Exactly the modelled wavelets left at every exit and tap, in order, and every sink
    got exactly its wavelets, once each, in order."""
    for color, pe, side, values in d.exits:
        h.expect(color, np.array(values, np.uint32), pe=pe, direction=side)
    for pe, (values, sentinel) in d.sinks.items():
        assert h.peek("count", pe=pe)[0] == len(values), f"sink at {pe}"
        assert h.peek("got", pe=pe).tolist() == values, f"sink at {pe}"
        # a sentinel comes after the data it follows on its color
        assert h.peek("closed", pe=pe)[0] == (len(values) if sentinel else MASK32), \
            f"sink at {pe}"


def describe(d: Design) -> str:
    lines = [f"{d.width}x{d.height} {d.arch}, budget {d.budget}"]
    lines += [f"  tile {pe}: {prog.name}({params})" for pe, (prog, params) in d.tiles.items()]
    lines += [f"  route {key}: {cfg}" for key, cfg in d.routes.items()]
    lines += [f"  send {s}" for s in d.sends]
    lines += [f"  exit {e}" for e in d.exits]
    lines += [f"  sink {pe}: {v}" for pe, v in d.sinks.items()]
    return "\n".join(lines)


@given(designs())
def test_drawn_designs_deliver_what_the_model_says(d):
    note(describe(d))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_design(d, run_design(d, jit=False))
    pywse_warnings_only(caught)


@settings(max_examples=fewer(3))
@given(designs(max_flows=2))
def test_compiled_and_plain_python_runs_agree(d):
    note(describe(d))
    compiled, plain = run_design(d, jit=True), run_design(d, jit=False)
    check_design(d, compiled)
    assert compiled.cycles == plain.cycles
    np.testing.assert_array_equal(compiled.engine.captured(), plain.engine.captured())
    assert compiled.engine.st.arena.tobytes() == plain.engine.st.arena.tobytes()


# -- (a2) route sets drawn at random ------------------------------------------------------------

DIRS = [pw.RAMP, *SIDES]
SWITCH_COLORS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 20)   # wse3's, but memcpy's 21


@st.composite
def switch_sets(draw):
    positions = [draw(st.none() | st.builds(pw.SwitchPos, tx=st.sets(st.sampled_from(DIRS),
                                                                      max_size=2)))
                 for _ in range(3)]
    valid = [0] + [k + 1 for k, pos in enumerate(positions) if pos is not None]
    return pw.Switches(*positions, current_switch_pos=draw(st.sampled_from(valid)),
                       ring_mode=draw(st.booleans()),
                       pop_mode=draw(st.sampled_from(["no_pop", "always_pop"])))


@st.composite
def route_sets(draw):
    """Programs on a few colors and routes drawn with no regard for what makes sense;
    control wavelets among the sends advance switches."""
    d = Design(draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    palette = draw(st.lists(st.sampled_from(USER_COLORS), min_size=2, max_size=3, unique=True))
    configs = {}
    for y in range(d.height):
        for x in range(d.width):
            rx, tx = draw(st.permutations(palette))[:2]
            kind = draw(st.sampled_from(["relay", "sink", "idle"]))
            if kind == "relay":
                d.tiles[(x, y)] = (fp.relay_t, dict(
                    rx=pw.Color(rx), tx=pw.Color(tx), iq=draw(st.integers(0, 7)),
                    oq=draw(st.integers(0, 7)), op=draw(st.sampled_from(fp.OPS)), k=1,
                    n=draw(st.integers(1, 4))))
            elif kind == "sink":
                d.tiles[(x, y)] = (fp.sink_t, dict(rx=pw.Color(rx), iq=draw(st.integers(0, 7)),
                                                   n=draw(st.integers(1, 4)), cid=40))
            for c in palette:
                if draw(st.booleans()):
                    configs[(x, y, c)] = dict(
                        rx=draw(st.sets(st.sampled_from(DIRS), max_size=3)),
                        tx=draw(st.sets(st.sampled_from(DIRS), max_size=3)),
                        switches=draw(st.none() | switch_sets()) if c in SWITCH_COLORS else None,
                        filter=draw(st.none() | st.builds(pw.RangeFilter, st.integers(0, 3),
                                                           st.integers(0, 3))))
    if draw(st.booleans()):
        # mostly: make every hop in the kernel one its target receives, so that more of
        # them pass cslc's rules and run (merges, cycles, dead ends and switches stay)
        def config(x, y, c):
            return configs.setdefault((x, y, c), dict(rx=set(), tx=set()))

        for (x, y, c), cfg in list(configs.items()):
            sends = set(cfg["tx"]).union(*(p.tx for p in (cfg.get("switches") and
                                            [cfg["switches"].pos1, cfg["switches"].pos2,
                                             cfg["switches"].pos3] or []) if p is not None))
            for s in sends - {pw.RAMP}:
                nx, ny = x + SIDES[s][0], y + SIDES[s][1]
                if _inside(d, nx, ny):
                    config(nx, ny, c)["rx"].add(OPPOSITE[s])
        for (x, y, c), cfg in list(configs.items()):
            for s in set(cfg["rx"]) - {pw.RAMP}:
                nx, ny = x + SIDES[s][0], y + SIDES[s][1]
                if _inside(d, nx, ny):
                    config(nx, ny, c)["tx"].add(OPPOSITE[s])
    d.routes = configs
    entries = [((x, y), c, s) for (x, y, c), cfg in configs.items()
               for s in _outside_sides(d, x, y) if s in cfg["rx"]]
    for _ in range(draw(st.integers(0, 3)) if entries else 0):
        pe, c, side = draw(st.sampled_from(entries))
        control = draw(st.integers(0, 3)) == 0
        values = [pw.control.encode_single_payload(draw(st.integers(0, 2)), draw(st.booleans()),
                                                   None, draw(st.integers(0, 0xFFFF)))
                  for _ in range(draw(st.integers(1, 3)))] if control else \
            draw(st.lists(st.integers(0, 0x3FFFF), min_size=1, max_size=6))
        d.sends.append((c, values, pe, side, draw(st.integers(0, 50)), 1, control))
    d.budget = 3_000
    return d


def layout_of(d: Design) -> pw.Layout:
    layout = pw.Layout(d.width, d.height)
    for y in range(d.height):
        for x in range(d.width):
            program, params = d.tiles.get((x, y), (fp.idle_t, {}))
            layout.set_tile_code(x, y, program, **params)
    for (x, y, c), cfg in d.routes.items():
        layout.set_color_config(x, y, c, **cfg)
    return layout


def run_route_set(d: Design, jit: bool) -> tuple[str, Harness | None]:
    """(how the run ended, the harness if one was built)."""
    made = []

    def run():
        made.append(Harness(layout_of(d), jit=jit))
        h = made[0]
        for color, values, pe, side, start, interval, control in d.sends:
            h.send(color, np.array(values, np.uint32), pe=pe, direction=side, start=start,
                   interval=interval, control=control)
        h.run_until_idle(max_cycles=d.budget)
        assert not h.engine.has_work()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = outcome(run)
    pywse_warnings_only(caught)
    return result, (made[0] if made else None)


@given(route_sets())
def test_drawn_route_sets_finish_or_fail_with_pywse_errors(d):
    note(describe(d))
    result, _ = run_route_set(d, jit=False)
    note(result)
    event(result if not result.startswith("refused") else result.split(":")[0]
          + result.split(":")[1])


@settings(max_examples=fewer(3))
@given(route_sets())
def test_route_sets_compiled_and_plain_python_agree_even_when_stuck(d):
    """The same ending (finished, deadlock, budget), at the same cycle, with the same
    memory and the same wavelets out, compiled or not."""
    note(describe(d))
    (a, compiled), (b, plain) = run_route_set(d, jit=True), run_route_set(d, jit=False)
    assert a.split(":")[:2] == b.split(":")[:2]
    if compiled is not None and plain is not None:
        assert compiled.cycles == plain.cycles
        np.testing.assert_array_equal(compiled.engine.captured(), plain.engine.captured())
        assert compiled.engine.st.arena.tobytes() == plain.engine.st.arena.tobytes()


# -- (b) memcpy round trips --------------------------------------------------------------------

SYMBOL_N = 6                                   # elements of each memory_t symbol
HOST_DTYPES = [np.uint32, np.int32, np.float32]
ORDERS = [ORD.ROW_MAJOR, ORD.COL_MAJOR]


def tensor(flat: np.ndarray, h: int, w: int, l: int, order) -> np.ndarray:
    """The host array as A[h][w][l] (ROW_MAJOR: C order; COL_MAJOR: Fortran order)."""
    return flat.reshape((h, w, l), order="C" if order is ORD.ROW_MAJOR else "F")


def flat(a: np.ndarray, order) -> np.ndarray:
    return a.reshape(-1, order="C" if order is ORD.ROW_MAJOR else "F")


@st.composite
def regions(draw, width: int, height: int, max_l: int):
    px, py = draw(st.integers(0, width - 1)), draw(st.integers(0, height - 1))
    return (px, py, draw(st.integers(1, width - px)), draw(st.integers(1, height - py)),
            draw(st.integers(1, max_l)))


@st.composite
def copy_commands(draw, width: int, height: int):
    """A copy-mode memcpy_h2d, _d2h or broadcast, mostly valid; sometimes out of the
    kernel, too many elements, or the wrong data type for the symbol."""
    name = draw(st.sampled_from(sorted(fp.MEM_TYPES)))
    wide = np.dtype(fp.MEM_TYPES[name]).itemsize == 4
    if draw(st.integers(0, 5)):
        region = draw(regions(width, height, SYMBOL_N))
        data_type = DT.MEMCPY_32BIT if wide else DT.MEMCPY_16BIT
    else:
        region = (draw(st.integers(0, width)), draw(st.integers(0, height)),
                  draw(st.integers(0, width + 1)), draw(st.integers(0, height + 1)),
                  draw(st.integers(0, SYMBOL_N + 1)))
        data_type = draw(st.sampled_from(list(DT)))
    return dict(kind=draw(st.sampled_from(["h2d", "d2h", "rowbcast", "colbcast"])),
                name=name, region=region, data_type=data_type,
                order=draw(st.sampled_from(ORDERS)), host=draw(st.sampled_from(HOST_DTYPES)),
                nonblock=draw(st.booleans()), seed=draw(st.integers(0, 2**32 - 1)))


def valid(cmd: dict, width: int, height: int) -> bool:
    px, py, w, h, l = cmd["region"]
    wide = np.dtype(fp.MEM_TYPES[cmd["name"]]).itemsize == 4
    # elem_per_pe=0 moves nothing and is accepted (w or h of 0 is not)
    return (w >= 1 and h >= 1 and px + w <= width and py + h <= height and 0 <= l <= SYMBOL_N
            and (cmd["data_type"] is DT.MEMCPY_32BIT) == wide)


@st.composite
def copy_cases(draw):
    width, height = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    return width, height, draw(st.lists(copy_commands(width, height), min_size=1, max_size=6))


_copy_artifacts: dict = {}


def copy_runtime(width: int, height: int) -> pw.SdkRuntime:
    key = (width, height)
    if key not in _copy_artifacts:
        layout = pw.Layout(width, height)
        mc = layout.memcpy()
        for y in range(height):
            for x in range(width):
                layout.set_tile_code(x, y, fp.memory_t, memcpy_params=mc.get_params(x),
                                     n=SYMBOL_N)
        _copy_artifacts[key] = pw.compile(layout, arch="wse3", fabric_dims=(width + 7, height + 2))
    runner = pw.SdkRuntime(_copy_artifacts[key], jit=False, max_cycles=1_000_000)
    runner.load()
    runner.run()
    return runner


def device_symbol(runner, name: str, width: int, height: int) -> np.ndarray:
    """Symbol `name` of every PE as (height, width, n) raw words (16-bit: zero-extended)."""
    ox, oy = runner.artifacts.fabric_offsets
    bits = np.uint16 if np.dtype(fp.MEM_TYPES[name]).itemsize == 2 else np.uint32
    return np.array([[runner.read_symbol(ox + x, oy + y, name, dtype=bits).astype(np.uint32)
                      for x in range(width)] for y in range(height)])


@given(copy_cases())
def test_copy_mode_round_trips_and_writes_only_its_region(case):
    """Every symbol type, host type, order and sub-rectangle: an H2D (or a row / column
    broadcast) puts exactly the host tensor (16-bit: its low halves) into the region, a D2H
    gives back exactly what is there (16-bit: zero-extended), nothing outside the region
    changes, and a bad call raises a MemcpyError having written nothing."""
    width, height, commands = case
    runner = copy_runtime(width, height)
    model = {name: np.zeros((height, width, SYMBOL_N), np.uint32) for name in fp.MEM_TYPES}
    handles = []
    for cmd in commands:
        note(repr(cmd))
        px, py, w, h, l = cmd["region"]
        name, order, data_type = cmd["name"], cmd["order"], cmd["data_type"]
        rng = np.random.default_rng(cmd["seed"])
        kind = cmd["kind"]
        # a row broadcast sends one column (h x l) to every column; a column broadcast one row
        shape = {"rowbcast": (h, 1, l), "colbcast": (1, w, l)}.get(kind, (h, w, l))
        words = rng.integers(0, 2**32, max(int(np.prod(shape)), 0), dtype=np.uint32)
        host = words.view(cmd["host"])
        call = dict(h2d=runner.memcpy_h2d, d2h=runner.memcpy_d2h,
                    rowbcast=runner.memcpy_h2d_rowbcast,
                    colbcast=runner.memcpy_h2d_colbcast)[kind]
        if not valid(cmd, width, height):
            before = runner.engine.st.arena.copy()
            with pytest.raises(pw.MemcpyError):
                call(runner.get_id(name), host, px, py, w, h, l, streaming=False,
                     data_type=data_type, order=order, nonblock=cmd["nonblock"])
            assert runner.engine.st.arena.tobytes() == before.tobytes()
            continue
        mask = 0xFFFF if data_type is DT.MEMCPY_16BIT else MASK32
        if kind == "d2h":
            out = np.full(w * h * l, 0xDEADBEEF, np.uint32).view(cmd["host"])
            runner.memcpy_d2h(out, runner.get_id(name), px, py, w, h, l, data_type=data_type,
                              order=order, nonblock=False)
            np.testing.assert_array_equal(out.view(np.uint32),
                                          flat(model[name][py:py + h, px:px + w, :l], order))
        else:
            handles.append(call(runner.get_id(name), host, px, py, w, h, l,
                                data_type=data_type, order=order, nonblock=cmd["nonblock"]))
            sent = np.broadcast_to(tensor(words, *shape, order), (h, w, l))
            model[name][py:py + h, px:px + w, :l] = sent & mask
            host[:] = 0                   # a nonblocking H2D keeps its own copy
    for name, want in model.items():      # read_symbol waits for pending commands first
        np.testing.assert_array_equal(device_symbol(runner, name, width, height), want,
                                      err_msg=f"symbol {name}")
    assert all(handle is None or handle.done() for handle in handles)
    runner.stop()


@st.composite
def stream_cases(draw, compiled: bool = False):
    width, height = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    h2d, d2h = draw(st.permutations(USER_COLORS))[:2]
    dtype = draw(st.sampled_from(sorted(fp.MEM_TYPES)))
    # compiled task bodies cannot index f16 arrays (a documented limit): f16 via a DSD op
    via_dsd = True if dtype == "f16" and compiled else draw(st.booleans())
    return dict(width=width, height=height, h2d=h2d, d2h=d2h,
                region=draw(regions(width, height, 6)),
                dtype=dtype, via_dsd=via_dsd, tid=draw(st.integers(8, 25)),
                data_type=draw(st.sampled_from(list(DT))), order=draw(st.sampled_from(ORDERS)),
                host=draw(st.sampled_from(HOST_DTYPES)), seed=draw(st.integers(0, 2**32 - 1)))


def run_stream(case: dict, jit: bool):
    """H2D streaming into echo_t on the case's region, send_back, D2H streaming out.
    Returns (runner, host words, words back)."""
    width, height = case["width"], case["height"]
    px, py, w, h, l = case["region"]
    layout = pw.Layout(width, height)
    mc = layout.memcpy(MEMCPYH2D_1=case["h2d"], MEMCPYD2H_1=case["d2h"])
    for y in range(height):
        for x in range(width):
            layout.set_tile_code(x, y, fp.echo_t, memcpy_params=mc.get_params(x), l=l,
                                 dtype=fp.MEM_TYPES[case["dtype"]], via_dsd=case["via_dsd"],
                                 tid=case["tid"])
    runner = pw.SdkRuntime(pw.compile(layout, arch="wse3", fabric_dims=(width + 7, height + 2)),
                           jit=jit, max_cycles=2_000_000)
    runner.load()
    runner.run()
    words = np.random.default_rng(case["seed"]).integers(0, 2**32, w * h * l, dtype=np.uint32)
    kw = dict(streaming=True, data_type=case["data_type"], order=case["order"])
    runner.memcpy_h2d(case["h2d"], words.view(case["host"]), px, py, w, h, l, nonblock=True, **kw)
    runner.launch("send_back")
    back = np.zeros(w * h * l, case["host"])
    runner.memcpy_d2h(back, case["d2h"], px, py, w, h, l, nonblock=False, **kw)
    runner.stop()
    return runner, words, back.view(np.uint32)


def stream_model(case: dict, words: np.ndarray) -> np.ndarray:
    """Each PE of the region keeps its own words, in order: whole (32-bit element types)
    or their low halves (16-bit ones); as (h, w, l) raw words."""
    px, py, w, h, l = case["region"]
    wide = np.dtype(fp.MEM_TYPES[case["dtype"]]).itemsize == 4
    return tensor(words, h, w, l, case["order"]) & (MASK32 if wide else 0xFFFF)


@given(stream_cases())
def test_streaming_delivers_every_wavelet_once_in_order(case):
    note(repr(case))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runner, words, back = run_stream(case, jit=False)
    pywse_warnings_only(caught)
    px, py, w, h, l = case["region"]
    width, height = case["width"], case["height"]
    want = stream_model(case, words)
    count = device_symbol_any(runner, "count", np.uint32, width, height)[:, :, 0]
    expected_count = np.zeros((height, width), np.uint32)
    expected_count[py:py + h, px:px + w] = l           # exactly l each, none elsewhere
    np.testing.assert_array_equal(count, expected_count)
    bits = np.uint16 if np.dtype(fp.MEM_TYPES[case["dtype"]]).itemsize == 2 else np.uint32
    got = device_symbol_any(runner, "got", bits, width, height)
    np.testing.assert_array_equal(got[py:py + h, px:px + w], want, err_msg="in PE memory")
    np.testing.assert_array_equal(back, flat(want, case["order"]), err_msg="streamed back")


def device_symbol_any(runner, name: str, bits, width: int, height: int) -> np.ndarray:
    ox, oy = runner.artifacts.fabric_offsets
    return np.array([[runner.read_symbol(ox + x, oy + y, name, dtype=bits).astype(np.uint32)
                      for x in range(width)] for y in range(height)])


@settings(max_examples=fewer(3))
@given(stream_cases(compiled=True))
def test_streaming_compiled_and_plain_python_agree(case):
    note(repr(case))
    compiled, words, back_c = run_stream(case, jit=True)
    plain, _, back_p = run_stream(case, jit=False)
    np.testing.assert_array_equal(back_c, back_p)
    assert compiled.cycles == plain.cycles
    assert compiled.engine.st.arena.tobytes() == plain.engine.st.arena.tobytes()


# -- (c) the same run, cut in pieces or perturbed -----------------------------------------------

def feed(d: Design, h: Harness) -> Harness:
    for color, values, pe, side, start, interval, control in d.sends:
        h.send(color, np.array(values, np.uint32), pe=pe, direction=side, start=start,
               interval=interval, control=control)
    return h


@given(designs(max_flows=2), st.lists(st.integers(1, 400), min_size=1, max_size=6))
def test_a_run_cut_in_pieces_is_the_same_run(d, pieces):
    """Harness.run(n) a few times, then run_until_idle: the same memory, wavelets out and
    cycles as one run_until_idle."""
    note(describe(d))
    whole = run_design(d, jit=False)
    cut = feed(d, Harness(d.layout(), arch=d.arch, jit=False))
    for n in pieces:
        cut.run(n)
    cut.run_until_idle(max_cycles=d.budget)
    assert cut.cycles == whole.cycles
    np.testing.assert_array_equal(cut.engine.captured(), whole.engine.captured())
    assert cut.engine.st.arena.tobytes() == whole.engine.st.arena.tobytes()


@given(designs(), st.integers(0, 2**31))
def test_perturbed_designs_still_deliver(d, seed):
    """The drawn designs have no races (one sender per color, in order): perturbing what
    the hardware leaves open changes no value that arrives, nor its order."""
    note(describe(d))
    h = Harness(d.layout(), arch=d.arch, jit=False)
    h.engine.perturb(seed)
    feed(d, h).run_until_idle(max_cycles=d.budget)
    check_design(d, h)


# -- (d) wavelet values of every type, through the harness's free routes -----------------------

WAVELET_DTYPES = [np.uint16, np.int16, np.float16, np.uint32, np.int32, np.float32]
SPECIAL_BITS = {2: [0x0000, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0x7C01, 0x0001, 0x7BFF],
                4: [0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 1,
                    0x7F7FFFFF]}      # +-0, +-inf, quiet and signalling NaN, tiny, largest


@st.composite
def typed_values(draw):
    dtype = np.dtype(draw(st.sampled_from(WAVELET_DTYPES)))
    bits = st.integers(0, (1 << 8 * dtype.itemsize) - 1)
    raw = draw(st.lists(bits | st.sampled_from(SPECIAL_BITS[dtype.itemsize]), min_size=1,
                        max_size=12))
    return np.array(raw, np.uint16 if dtype.itemsize == 2 else np.uint32).view(dtype)


@given(typed_values(), st.sampled_from([None, *SIDES]), st.sampled_from(ARCHES))
def test_values_of_every_wavelet_type_come_back_as_sent(values, side, arch):
    """A FORWARD relay with routes for free: what the test sends (any wavelet type, NaNs and
    infinities included), `sent` reads back bit for bit and `expect` accepts."""
    note(f"{values.dtype}: {values.view(np.uint16 if values.itemsize == 2 else np.uint32)}")
    h = Harness(fp.relay_t, arch=arch, jit=False, rx=pw.Color(3), tx=pw.Color(4), iq=2, oq=3,
                op=fp.FORWARD, k=0, n=len(values))
    h.send(3, values, direction=side)
    h.run_until_idle(max_cycles=20_000)
    got = h.sent(4, dtype=values.dtype).values
    assert got.dtype == values.dtype and got.tobytes() == values.tobytes()
    h.expect(4, values)


# -- regressions: what the fuzzer found ------------------------------------------------------------

def test_a_quiet_fabric_cycle_is_not_counted_so_a_cut_run_is_the_same_run():
    """Found by test_a_run_cut_in_pieces_is_the_same_run: one wavelet fed at cycle 1 through
    two PEs ends in cycle 3; one run_until_idle ended at cycle 5 (fabric.advance counted the
    cycle in which nothing moved), but run(4) then run_until_idle at cycle 4."""
    def harness():
        layout = pw.Layout(1, 2)
        for y in range(2):
            layout.set_tile_code(0, y, fp.idle_t)
            layout.set_color_config(0, y, 20, rx=[pw.NORTH], tx=[pw.SOUTH, pw.EAST])
        h = Harness(layout, jit=False)
        h.send(20, [7], direction=pw.NORTH, start=1)
        return h

    whole, cut = harness(), harness()
    whole.run_until_idle(max_cycles=1_000)
    cut.run(4)
    cut.run_until_idle(max_cycles=1_000)
    last = max(int(whole.sent(20, pe=pe, direction=side).cycles[-1])   # the last one left
               for pe, side in [((0, 0), pw.EAST), ((0, 1), pw.EAST), ((0, 1), pw.SOUTH)])
    assert last == 3 and whole.cycles == cut.cycles == last + 1


@pw.program
def control_63(p):
    @p.control_task(63)
    def never():
        pass


def test_control_task_63_is_refused_as_no_wavelet_can_name_it():
    """Found by test_drawn_designs_deliver_what_the_model_says: a sentinel naming control
    task 63 never ran it, silently, since 63 (0x3F) in a control wavelet's entry-point field
    means "no control task" (pw.control.NO_ENTRYPOINT); p.control_task(63) was accepted."""
    assert pw.control.NO_ENTRYPOINT == 63
    with pytest.raises(pw.ProgramError, match=r"control task id 63 is out of range 0\.\.62"):
        Harness(control_63, jit=False)


def test_expect_accepts_the_infinity_that_arrived():
    """Found by test_values_of_every_wavelet_type_come_back_as_sent: `expect` compared floats
    by |e - r| <= atol + rtol * |e|, and inf - inf is NaN, so an expected inf (f16 or f32)
    was reported as 'a different value arrived' though inf arrived."""
    for dtype in (np.float16, np.float32):
        h = Harness(fp.relay_t, jit=False, rx=pw.Color(3), tx=pw.Color(4), iq=2, oq=3,
                    op=fp.FORWARD, k=0, n=3)
        values = np.array([np.inf, -np.inf, 1.5], dtype)
        h.send(3, values)
        h.run_until_idle(max_cycles=10_000)
        h.expect(4, values)
        with pytest.raises(pw.testing.ExpectError, match="wavelet 0: a different value arrived"):
            h.expect(4, -values)


# -- (e) CSL arithmetic, compiled and as plain Python ----------------------------------------------

@settings(max_examples=fewer(2))
@given(st.lists(st.integers(0, MASK32) | st.sampled_from(SPECIAL_BITS[4]), min_size=1,
                max_size=10),
       st.integers(-300, 300) | st.integers(-40_000, 70_000),
       st.sampled_from([0.5, -3.0, 0.0, 1e-3, float("inf")]))
def test_task_arithmetic_is_the_same_compiled_and_as_plain_python(words, k, x):
    """calc_t's typed arithmetic over drawn wavelets and params: the same memory (NaNs aside:
    `same_nans`) and the same ending (finished, or the same pywse error) compiled and as
    plain Python."""
    results = []
    for jit in (True, False):
        made = []

        def run():
            made.append(Harness(fp.calc_t, jit=jit, rx=pw.Color(3), iq=2, k=k, x=x))
            made[0].send(3, np.array(words, np.uint32))
            made[0].run_until_idle(max_cycles=50_000)

        ending = outcome(run)
        memory = {name: same_nans(made[0].peek(name)).tobytes()
                  for name in ("a16", "b16", "a32", "b32", "f")} if made else {}
        results.append((ending.split(":")[:2], memory))
        note(f"jit={jit}: {ending}")
    event(":".join(ending.split(":")[:3]))
    assert results[0] == results[1]


def same_nans(a: np.ndarray) -> np.ndarray:
    """`a` with every NaN the same NaN. A NaN's sign and payload are not kept alike
    compiled and interpreted: numpy's 0/0 is the CPU's NaN (-NaN on x86) where compiled code
    returns +NaN, and LLVM rewrites `-a + b` as `b - a`, which keeps the sign of a NaN `a`."""
    return np.where(np.isnan(a), a.dtype.type(np.nan), a) if a.dtype.kind == "f" else a


@pw.program
def named_like_arguments(p, *, x: float, y: int, program: int, params: int):
    p.var("v", pw.f32, 1, init=[x + y + program + params])


def test_program_params_may_be_named_like_set_tile_codes_arguments():
    """Found by test_task_arithmetic_is_the_same_compiled_and_as_plain_python (calc_t has a
    param `x`): set_tile_code(x, y, program, params=None, **kwargs) took a program param `x`
    (or y, program, params) as its own argument and raised a bare TypeError ('got multiple
    values for argument'), in a Layout and in a Harness alike; so did Harness(program, ...)
    and the pywse_harness fixture for a param named `program`."""
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, named_like_arguments, x=0.5, y=1, program=2, params=3)
    assert Harness(layout, jit=False).peek("v")[0] == 6.5
    h = Harness(named_like_arguments, jit=False, x=0.25, y=1, program=2, params={"params": 3})
    assert h.peek("v")[0] == 6.25


def test_the_fixture_takes_a_param_named_program(pywse_harness):
    h = pywse_harness(named_like_arguments, x=0.0, y=1, program=2, params={"params": 3})
    assert h.peek("v")[0] == 6.0


@pw.program
def add_param(p, *, k: int):
    r = p.var("r", pw.u16, 1)

    @p.on_start
    @p.local_task(10)
    def go():
        r[0] = r[0] + k


@pytest.mark.parametrize("jit", [True, False], ids=["jit", "nojit"])
def test_a_python_int_that_does_not_fit_raises_compiled_too(jit):
    """Found by test_task_arithmetic_is_the_same_compiled_and_as_plain_python: `u16 + k` with
    a param k = -1 raised OverflowError as plain Python (numpy 2, NEP 50: a Python int must
    fit the typed operand) but wrapped silently compiled."""
    h = Harness(add_param, jit=jit, k=5)
    h.run_until_idle(max_cycles=1_000)
    assert h.peek("r")[0] == 5
    h = Harness(add_param, jit=jit, k=-1)
    with pytest.raises(pw.TaskError, match="OverflowError: Python integer -?1? ?out of bounds "
                                           "for uint16"):
        h.run_until_idle(max_cycles=1_000)
