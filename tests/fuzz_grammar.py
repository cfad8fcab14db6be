"""The fuzzer's grammar (tests/test_fuzz.py): hypothesis strategies that draw layouts, route
sets, memcpy calls and wavelet values, and the models that say what must come out.

A drawn layout only varies the params of the program templates in tests/fuzz_progs.py.
"""
from __future__ import annotations

import attrs
import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

import fuzz_progs as fp
import pywse as pw
from pywse import MemcpyDataType as DT
from pywse import MemcpyOrder as ORD

SIDES = {"NORTH": (0, -1), "SOUTH": (0, 1), "EAST": (1, 0), "WEST": (-1, 0)}
OPPOSITE = {"NORTH": "SOUTH", "SOUTH": "NORTH", "EAST": "WEST", "WEST": "EAST"}
USER_COLORS = list(range(21))                  # 21..23 are memcpy's
ARCHES = ["wse2", "wse3"]
MASK32 = 0xFFFFFFFF
u32s = st.integers(0, MASK32)

# -- layouts: flows of wavelets through stages -------------------------------------------------

@attrs.define
class Design:
    """A drawn layout, what the test feeds it, and what must come out."""

    width: int
    height: int
    arch: str = "wse3"
    tiles: dict = attrs.Factory(dict)     # (x, y) -> (template, params); idle_t elsewhere
    routes: dict = attrs.Factory(dict)    # (x, y, color) -> set_color_config's keywords
    sends: list = attrs.Factory(list)     # (color, values, pe, side, start, interval, control)
    exits: list = attrs.Factory(list)     # (color, pe, side, values): what must leave there
    sinks: dict = attrs.Factory(dict)     # (x, y) -> (values it must keep, sentinel or not)
    budget: int = 0                       # cycles

    def layout(self) -> pw.Layout:
        layout = pw.Layout(self.width, self.height)
        for y in range(self.height):
            for x in range(self.width):
                program, params = self.tiles.get((x, y), (fp.idle_t, {}))
                layout.set_tile_code(x, y, program, **params)
        for (x, y, c), config in self.routes.items():
            layout.set_color_config(x, y, c, **config)
        return layout

    def feed(self, h):
        """Make the design's sends on harness `h`; returns `h`."""
        for color, values, pe, side, start, interval, control in self.sends:
            h.send(color, np.array(values, np.uint32), pe=pe, direction=side, start=start,
                   interval=interval, control=control)
        return h

    def describe(self) -> str:
        lines = [f"{self.width}x{self.height} {self.arch}, budget {self.budget}"]
        lines += [f"  tile {pe}: {prog.name}({params})"
                  for pe, (prog, params) in self.tiles.items()]
        lines += [f"  route {key}: {config}" for key, config in self.routes.items()]
        lines += [f"  send {s}" for s in self.sends]
        lines += [f"  exit {e}" for e in self.exits]
        lines += [f"  sink {pe}: {v}" for pe, v in self.sinks.items()]
        return "\n".join(lines)


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

            def ends(pe, came, last=last):        # how a segment may end at pe
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
                    d.routes[(*pe, color)] = dict(rx=[came], tx=tx)
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
                tx = d.routes[(*end, color)]["tx"]
                if kind == "exit":
                    side = draw(st.sampled_from([s for s in _outside_sides(d, *end)
                                                 if s != came]))
                    tx.append(side)
                    d.exits.append((color, end, side, seen_here))
                else:
                    tx.append(pw.RAMP)
                for pe, came_ in path:            # taps: a copy off the edge on the way
                    taps = [s for s in _outside_sides(d, *pe)
                            if s != came_ and s not in d.routes[(*pe, color)]["tx"]]
                    if taps and draw(st.integers(0, 3)) == 0:
                        tap = draw(st.sampled_from(taps))
                        d.routes[(*pe, color)]["tx"].append(tap)
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

# -- route sets drawn at random ----------------------------------------------------------------

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
def filters(draw):
    """Any kind of filter with small limits, so that counters wrap within a short run."""
    kind = draw(st.sampled_from(["range", "counter", "sparse_counter"]))
    if kind == "range":
        return pw.Filter("range", min_idx=draw(st.integers(0, 3)), max_idx=draw(st.integers(0, 3)))
    extra = {"limit2": draw(st.integers(0, 3))} if kind == "sparse_counter" else {}
    return pw.Filter(kind, limit1=draw(st.integers(0, 3)), max_counter=draw(st.integers(0, 3)),
                     init_counter=draw(st.integers(0, 4)), count_data=draw(st.booleans()),
                     count_control=draw(st.booleans()), filter_control=draw(st.booleans()),
                     **extra)


@st.composite
def route_sets(draw):
    """Programs on a few colors and routes drawn with no regard for what makes sense;
    control wavelets among the sends advance switches."""
    d = Design(draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    palette = draw(st.permutations(USER_COLORS))[:draw(st.integers(2, 3))]
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
                        filter=draw(st.none() | filters()))
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

# -- memcpy calls ------------------------------------------------------------------------------

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


def stream_model(case: dict, words: np.ndarray) -> np.ndarray:
    """Each PE of the region keeps its own words, in order: whole (32-bit element types)
    or their low halves (16-bit ones); as (h, w, l) raw words."""
    px, py, w, h, l = case["region"]
    wide = np.dtype(fp.MEM_TYPES[case["dtype"]]).itemsize == 4
    return tensor(words, h, w, l, case["order"]) & (MASK32 if wide else 0xFFFF)

# -- wavelet values of every type --------------------------------------------------------------

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


# -- task bodies: statements drawn from CSL's subset of Python, with or without a mistake -------

BODY_PROGRAM = '''import pywse as pw


@pw.program
def prog(p, *, at: int):
    f = p.var("f", pw.f32, 4, init=[1.5, -2.0, 0.25, 3.0])
    h = p.var("h", pw.i16, 4, init=[7, -3, 100, 0])
    u = p.var("u", pw.u32, 4, init=[1, 2, 3, 4])
    k = p.var("k", pw.i16, 1, init=[at])
    df, dh, du = pw.mem1d(f), pw.mem1d(h), pw.mem1d(u)

    @p.on_start
    @p.local_task(10)
    def body():
{statements}
'''
BODY_FIRST_LINE = BODY_PROGRAM[:BODY_PROGRAM.index("{statements}")].count("\n") + 1
"""The file line of a drawn body's first statement."""

MISTAKES = {
    "a library function": "pw.get_timestamp(h)",
    "a negative index": "f[-1] = 1.0",
    "a dropped DSD": "pw.set_dsd_length(df, 2)",
    "a form CSL lacks": "pw.fmacs(df, df, df, df)",
    "a 32-bit op on i16": "pw.fadds(dh, dh, dh)",
    "an f-string": 'print(f"{f[0]}")',
    "a dict": 'f[0] = {"a": 1.0}["a"]',
    "an undefined name": "f[0] = missing",
    "a number becoming a DSD": "z = 1\nz = df",
}
"""Each is one mistake pw.compile must report, at the entry's last line."""

floats = st.sampled_from(["0.5", "-1.25", "3.0", "0.1", "1e30", "2.0"])
small_ints = st.integers(-5, 300).map(str)
indices = st.sampled_from(["0", "1", "2", "3", "k[0]"])    # k[0] may be out of range


@st.composite
def statements(draw) -> str:
    """One statement (possibly over several lines, indented by 4 below the first)."""
    i, j = draw(indices), draw(st.sampled_from(["0", "1", "2", "3"]))
    c, n = draw(floats), draw(small_ints)
    return draw(st.sampled_from([
        f"f[{i}] = f[{j}] * {c} + {draw(floats)}",
        f"h[{i}] = h[{j}] + {n}",
        f"u[{i}] = u[{j}] * 3 + {draw(st.integers(0, 9))}",
        f"x: pw.f32 = f[{j}] * {c}\nf[{i}] = x - {draw(floats)}",
        f"for i in range({draw(st.integers(1, 4))}):\n    f[i] = f[i] * {c} + 1.0",
        f"if f[{j}] > {c}:\n    h[{i}] = h[{i}] + 1\nelse:\n    u[{i}] = u[{i}] + 2",
        f"pw.fadds(df, df, {c})",
        f"pw.fmacs(df, df, df, {c})",
        f"pw.add16(dh, dh, {draw(st.integers(-50, 50))})",
        f"pw.mov32(du, {draw(st.integers(0, 1000))})",
        "pw.fnegs(df, df)",
        f"d2 = pw.set_dsd_length(df, {draw(st.integers(1, 4))})\npw.fmovs(d2, {c})",
        f"m = int(h[{j}])\nu[{i}] = u[{i}] + m",
    ]))


@st.composite
def task_bodies(draw) -> tuple[str, str | None, int | None, int]:
    """(the body's statements, indented for BODY_PROGRAM; the mistake drawn or None; the
    file line of the mistake; the value of k[0], an index that may be out of range)."""
    stmts = draw(st.lists(statements(), min_size=1, max_size=5))
    mistake = draw(st.none() | st.sampled_from(sorted(MISTAKES)))
    where = None
    if mistake is not None:
        pos = draw(st.integers(0, len(stmts)))
        where = BODY_FIRST_LINE + sum(s.count("\n") + 1 for s in stmts[:pos]) \
            + MISTAKES[mistake].count("\n")
        stmts.insert(pos, MISTAKES[mistake])
    text = "\n".join(" " * 8 + line for s in stmts for line in s.split("\n"))
    return text, mistake, where, draw(st.sampled_from([0, 3, 4, -1]))
