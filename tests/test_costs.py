"""The platform's cost table (pw.Costs) and the cycles scalar code in task bodies costs.

Each statement's operations are counted by class when the program is compiled
(dsl/opclasses.py) and charged at run time from the engine's cost array (sim/costs.py,
sim/charges.py), the same compiled and as plain Python; an override changes the cycles and
compiles nothing again.
"""
import linecache
from pathlib import Path

import numpy as np
import pytest

import pywse as pw
from pywse.dsl.opclasses import CLASSES, OP_COUNTS
from pywse.sim.costs import NAMES
from pywse.testing import Harness

K = 3   # operations of the class under test in each task below


def same(v):
    return v


@pw.program
def classes(p):
    """One local task per class, each doing K operations of it after the two loads every
    task (and `base`) does."""
    a = p.var("a", pw.f32, 4, init=np.array([3.0, 2.0, 1.5, 0.5], np.float32))
    n = p.var("n", pw.i32, 4, init=np.array([7, 3, 2, 1], np.int32))

    @p.local_task(8)
    def base():
        x = a[0]
        i = n[0]

    @p.local_task(9)
    def f32_div():
        x = a[0]
        i = n[0]
        y = x / x
        y = y / x
        y = y / x

    @p.local_task(10)
    def f32_mul():
        x = a[0]
        i = n[0]
        y = x * x
        y = y * x
        y = y * x

    @p.local_task(11)
    def f32_add():
        x = a[0]
        i = n[0]
        y = x + x
        y = y - x
        y = -y

    @p.local_task(12)
    def int_alu():
        x = a[0]
        i = n[0]
        j = i + i
        j = j << 1
        j = j ^ i

    @p.local_task(13)
    def int_mul():
        x = a[0]
        i = n[0]
        j = i * i
        j = j * i
        j = j * i

    @p.local_task(14)
    def int_div():
        x = a[0]
        i = n[0]
        j = i // 3
        j = i % 3
        j = j // 2

    @p.local_task(15)
    def load():
        x = a[0]
        i = n[0]
        y = a[1]
        y = a[2]
        y = a[3]

    @p.local_task(16)
    def store():
        x = a[0]
        i = n[0]
        a[1] = x
        a[2] = x
        a[3] = x

    @p.local_task(17)
    def branch():
        x = a[0]
        i = n[0]
        if i:
            pass
        if i:
            pass
        if i:
            pass

    @p.local_task(18)
    def loop_iter():
        x = a[0]
        i = n[0]
        for _ in range(3):
            pass

    @p.local_task(19)
    def call():
        x = a[0]
        i = n[0]
        j = same(i)
        j = same(j)
        j = same(j)

    @p.local_task(20)
    def convert():
        x = a[0]
        i = n[0]
        y = pw.f32(i)
        y = pw.f32(i)
        y = pw.f32(i)


RUN_CLASSES = ("f32_div", "f32_mul", "f32_add", "int_alu", "int_mul", "int_div", "load",
               "store", "branch", "loop_iter", "call", "convert")


def task_cycles(h: Harness, name: str) -> int:
    """What running task `name` alone costs: the clock's advance from idle to idle."""
    before = h.cycles
    h.activate(name)
    h.run_until_idle(max_cycles=100_000)
    return h.cycles - before


@pytest.mark.parametrize("cls", RUN_CLASSES)
def test_k_operations_of_a_class_cost_k_times_its_constant(cls, jit):
    costs = pw.Costs()
    h = Harness(classes, jit=jit)
    base = task_cycles(h, "base")
    assert base == costs.task_switch + 2 * costs.load
    assert task_cycles(h, cls) - base == K * getattr(costs, cls)
    # the same program under another table: only the class's constant differs
    dearer = costs.evolve(**{cls: getattr(costs, cls) + 7})
    h2 = Harness(classes, jit=jit, costs=dearer)
    assert task_cycles(h2, cls) - task_cycles(h2, "base") == K * (getattr(costs, cls) + 7)


def test_an_override_recompiles_nothing():
    h = Harness(classes, jit=True)
    cycles = task_cycles(h, "f32_div")
    before = {g.task.name: (g.wrapper, len(g.wrapper.overloads)) for g in h.engine.plan().groups}
    assert before, "the compiled loop ran no task"
    h2 = Harness(classes, jit=True, costs=pw.Costs().evolve(f32_div=130))
    assert task_cycles(h2, "f32_div") == cycles + K * 100
    after = {g.task.name: (g.wrapper, len(g.wrapper.overloads)) for g in h2.engine.plan().groups}
    assert after == before       # the very same compiled wrappers, no signature added


@pw.program
def loops(p, *, m: int):
    a = p.var("a", pw.f32, 16, init=np.arange(16, dtype=np.float32))
    out = p.var("out", pw.f32, 1)

    @p.local_task(10)
    def sum_for():
        s = 0.0
        for k in range(m):
            s = s + a[k]
        out[0] = s

    @p.local_task(11)
    def count_while():
        j = 0
        while j < m:
            j = j + 1
        out[0] = pw.f32(j)

    @p.local_task(12)
    def each_element():
        s = 0.0
        for v in a:
            s = s + v
        out[0] = s


def test_loops_charge_each_iteration(jit):
    c = pw.Costs()
    runs = {m: Harness(loops, m=m, jit=jit) for m in (2, 6)}
    sums = {m: task_cycles(h, "sum_for") for m, h in runs.items()}
    assert sums[6] - sums[2] == 4 * (c.loop_iter + c.load + c.f32_add)
    assert runs[6].peek("out")[0] == sum(range(6))
    whiles = {m: task_cycles(h, "count_while") for m, h in runs.items()}
    # each iteration: the loop, its add, and the test again (a compare and a branch)
    assert whiles[6] - whiles[2] == 4 * (c.loop_iter + 2 * c.int_alu + c.branch)
    # one test before the first iteration, one per iteration: m + 1 tests in all
    assert whiles[2] == c.task_switch + 3 * (c.int_alu + c.branch) + 2 * (
        c.loop_iter + c.int_alu) + c.convert + c.store
    # iterating an array reads an element per iteration
    assert task_cycles(runs[2], "each_element") == c.task_switch + 16 * (
        c.loop_iter + c.load + c.f32_add) + c.store


def statement_counts(fn) -> dict:
    """{source line: (each, per_iter)} of what the checker counted in `fn`."""
    code = fn.__code__
    return {linecache.getline(code.co_filename, line).strip(): v
            for (line, _), v in OP_COUNTS[(code, code.co_filename)]}


@pw.program
def counted(p, *, scale: float):
    h = p.var("h", pw.f16, 4)
    g = p.var("g", pw.f32, (4, 4))
    n = p.var("n", pw.i16, 2)
    d = pw.mem1d(g, extent=4)
    sizes = (2, 3)

    @p.on_start
    @p.local_task(10)
    def t():
        x = h[0] * h[1] / h[2]
        y = g[n[0], 1] + scale * 2.0
        z = y if y > x else -y
        k = 3 * 4 + 1
        w: pw.i16 = y
        pw.fmuls(d, d, g[1, 2])
        v = min(y, z, w)
        assert n[1] != k
        q = sizes[0] * sizes[1] + k


def test_the_checker_counts_each_statement_by_class():
    got = statement_counts(_task(counted, "t"))
    assert got["x = h[0] * h[1] / h[2]"] == ((("f16_div", 1), ("f16_mul", 1), ("load", 3)), ())
    # a row index known only at run time adds its address arithmetic; `scale * 2.0` is comptime
    assert got["y = g[n[0], 1] + scale * 2.0"] == (
        (("f32_add", 1), ("int_alu", 1), ("int_mul", 1), ("load", 2)), ())
    # one arm of a conditional expression runs: the larger of the two, per class
    assert got["z = y if y > x else -y"] == ((("branch", 1), ("f32_add", 2)), ())
    assert "k = 3 * 4 + 1" not in got                   # comptime: free
    assert got["w: pw.i16 = y"] == ((("convert", 1),), ())
    assert "pw.fmuls(d, d, g[1, 2])" not in got         # the op reads its operands itself
    assert got["v = min(y, z, w)"] == ((("f32_add", 2),), ())
    assert got["assert n[1] != k"] == ((("branch", 1), ("int_alu", 1), ("load", 1)), ())
    assert got["q = sizes[0] * sizes[1] + k"] == ((("int_alu", 1),), ())  # k is a local


def _task(program, name):
    """The body of task `name` of a 1x1 compile of `program` (the function the checker saw)."""
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, program, scale=0.5)
    art = pw.compile(layout, arch="wse3")
    return next(t.fn for t in art.images[0].tasks if t.name == name)


def test_the_table_is_filed_again_when_a_check_comes_from_the_cache():
    fn = _task(counted, "t")
    key = (fn.__code__, fn.__code__.co_filename)
    table = OP_COUNTS.pop(key)
    _task(counted, "t")          # the same check: served from the checker's cache
    assert OP_COUNTS[key] == table


def test_costs_evolve_describe_and_reject_unknown_names():
    c = pw.Costs().evolve(f32_div=40, simd={"fmuls": (2, 4)})
    assert (c.f32_div, dict(c.simd)["fmuls"], dict(c.simd)["fadds"]) == (40, (2, 4), (2, 4))
    assert dict(c.evolve(simd={"fadds": (1, 1)}).simd)["fmuls"] == (2, 4)   # kept
    text = pw.Costs().describe()
    for name in ("task_switch", "hop", "host_command_latency", "simd", *CLASSES):
        assert name in text
    with pytest.raises(pw.CostError, match=r"no constant 'f32_dvi' \(did you mean 'f32_div'"):
        pw.Costs().evolve(f32_dvi=3)
    with pytest.raises(pw.CostError, match="at least 1"):
        pw.Costs(hop=0)
    with pytest.raises(pw.CostError, match="simd has no op 'fmul'"):
        pw.Costs().evolve(simd={"fmul": (1, 1)})
    assert all(getattr(pw.Costs().without_scalar(), k) == 0 for k in CLASSES)


def test_the_timing_page_lists_every_constant_with_its_value():
    page = (Path(__file__).parent.parent / "docs" / "semantics.md").read_text()
    timing = page[page.index("## Timing"):]
    c = pw.Costs()
    for name in NAMES:
        shown = "per op, (wse2, wse3)" if name == "simd" else getattr(c, name)
        assert f"| `{name}` | {shown} |" in timing, name


@pw.program
def hopper(p, *, c: pw.Color, sender: bool, n: int = 1, divides: int = 0):
    out = pw.fabout(c, extent=n)
    x = pw.mem1d(p.var("x", pw.u32, n, init=np.arange(5, 5 + n, dtype=np.uint32)))
    f = p.var("f", pw.f32, 1, init=[3.0])

    @p.local_task(10)
    def send():
        for _ in range(divides):        # work before the send: it leaves after it
            f[0] = f[0] / 3.0
        pw.mov32(out, x, async_=True)

    if sender:
        p.on_start(send)


def _chain_cycles(jit, costs, n=1, divides=0):
    """The cycles at which PE (0, 0)'s n wavelets leave PE (3, 0) eastward, off the grid."""
    c = pw.Color(3)

    def routes(x, y):
        return {c: dict(rx=[pw.RAMP] if x == 0 else [pw.WEST], tx=[pw.EAST])}

    h = Harness(hopper, width=4, c=c, routes=routes, jit=jit, costs=costs,
                pe_params=lambda x, y: dict(sender=x == 0, n=n, divides=divides))
    h.run_until_idle(max_cycles=1000)
    got = h.sent(c, direction=pw.EAST, pe=(3, 0))
    assert list(got.values) == list(range(5, 5 + n))
    return [int(t) for t in got.cycles]


def test_the_hop_constant_delays_every_link(jit):
    one, three = (_chain_cycles(jit, pw.Costs(hop=hop))[0] for hop in (1, 3))
    assert three - one == 2 * 3       # three links between four routers, 2 cycles more each


def test_a_link_is_a_pipeline_so_a_stream_keeps_one_wavelet_a_cycle(jit):
    for hop in (1, 2, 5):
        cycles = _chain_cycles(jit, pw.Costs(hop=hop), n=40)
        assert np.diff(cycles).tolist() == [1] * 39, hop


def test_an_async_op_moves_from_where_its_task_issued_it(jit):
    """A task body runs at once, at its start; its async op's wavelets leave only after the
    work before the op (here divides at 30 and 50 cycles each)."""
    cheap, dear = (_chain_cycles(jit, pw.Costs(f32_div=k), divides=3)[0] for k in (30, 50))
    assert dear - cheap == 3 * 20


@pw.program
def jacobi(p, *, t: int, iters: int, west: bool, send_c: pw.Color, recv_c: pw.Color):
    """A 2-D Jacobi sweep (5-point stencil) of a (2t) x t grid on two PEs, each a t x t tile
    with a one-cell halo, stored u[x, y] so that a column is contiguous. Each iteration sends
    the tile's inner edge column to the other PE and receives its column into the halo, then
    updates the interior with plain loops."""
    u = p.var("u", pw.f32, (t + 2, t + 2), export=True)
    v = p.var("v", pw.f32, (t, t))
    done = p.var("done", pw.i32, 1, export=True)
    edge, halo = (t, t + 1) if west else (1, 0)          # the column sent, the one received
    d_edge = pw.mem1d(u, extent=t, offset=edge * (t + 2) + 1)
    d_halo = pw.mem1d(u, extent=t, offset=halo * (t + 2) + 1)
    out = pw.fabout(send_c, extent=t)
    into = pw.fabin(recv_c, extent=t)

    @p.local_task(10)
    def exchange():
        pw.fmovs(out, d_edge, async_=True, unblock=compute)
        pw.fmovs(d_halo, into, async_=True, activate=compute)

    @p.local_task(11)
    def compute():
        pw.block(compute)
        for x in range(1, t + 1):
            for y in range(1, t + 1):
                v[x - 1, y - 1] = 0.25 * (u[x - 1, y] + u[x + 1, y] + u[x, y - 1] + u[x, y + 1])
        for x in range(1, t + 1):
            for y in range(1, t + 1):
                u[x, y] = v[x - 1, y - 1]
        done[0] += 1
        if done[0] < iters:
            pw.activate(exchange)

    p.block(compute)
    p.on_start(exchange)


def jacobi_run(t: int, iters: int, jit) -> tuple[int, np.ndarray]:
    east_c, west_c = pw.Color(3), pw.Color(4)

    def routes(x, y):      # x 0 sends east on 3 and hears 4 from the east; x 1 the mirror
        return {east_c: dict(rx=[pw.RAMP], tx=[pw.EAST]) if x == 0 else
                dict(rx=[pw.WEST], tx=[pw.RAMP]),
                west_c: dict(rx=[pw.EAST], tx=[pw.RAMP]) if x == 0 else
                dict(rx=[pw.RAMP], tx=[pw.WEST])}

    h = Harness(jacobi, width=2, t=t, iters=iters, routes=routes, jit=jit,
                pe_params=lambda x, y: dict(west=x == 0, send_c=east_c if x == 0 else west_c,
                                            recv_c=west_c if x == 0 else east_c))
    grid = np.zeros((2 * t + 2, t + 2), np.float32)      # [x, y] with the boundary around
    grid[0, :] = 1.0                                     # a hot west wall
    for pe in (0, 1):
        h.poke("u", grid[pe * t:pe * t + t + 2], pe=(pe, 0))
    h.run_until_idle(max_cycles=10_000_000)
    assert all(h.peek("done", pe=(pe, 0))[0] == iters for pe in (0, 1))
    tiles = [h.peek("u", pe=(pe, 0)).reshape(t + 2, t + 2) for pe in (0, 1)]
    got = np.concatenate([tiles[0][1:t + 1, 1:t + 1], tiles[1][1:t + 1, 1:t + 1]])
    for _ in range(iters):                               # numpy's sweep, for the values
        grid[1:-1, 1:-1] = np.float32(0.25) * (grid[:-2, 1:-1] + grid[2:, 1:-1]
                                               + grid[1:-1, :-2] + grid[1:-1, 2:])
    np.testing.assert_allclose(got, grid[1:-1, 1:-1], rtol=1e-6)
    return h.cycles, got


def test_a_stencil_costs_its_tile_size_in_both_modes():
    per_iter = {}
    for t in (4, 8):
        runs = {(jit, n): jacobi_run(t, n, jit) for jit in (True, False) for n in (2, 4)}
        for n in (2, 4):                # both modes: the same cycles, the same values
            assert runs[True, n][0] == runs[False, n][0]
            np.testing.assert_array_equal(runs[True, n][1], runs[False, n][1])
        per_iter[t] = (runs[True, 4][0] - runs[True, 2][0]) / 2
    # 4x the points: at least 3x the cycles per iteration (the first "done" item)
    assert per_iter[8] >= 3 * per_iter[4], per_iter


@pw.program
def strided(p, *, stride: int):
    """One fadds over 16 elements whose operands step `stride` elements apart."""
    a = p.var("a", pw.f32, 16 * 8)
    d = pw.mem1d(a, extent=16, stride=stride)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.fadds(d, d, d)


@pytest.mark.parametrize("stride, width", [(1, 4), (2, 4), (3, 4), (4, 2), (7, 2), (8, 1)])
def test_a_strided_operand_narrows_the_simd_width_as_the_sdk_says(stride, width, jit):
    h = Harness(strided, stride=stride, jit=jit)      # wse3: fadds does 4 elements a cycle
    h.run_until_idle()
    c = pw.Costs()
    assert h.cycles == c.task_switch + 16 // width + c.dsd_start
