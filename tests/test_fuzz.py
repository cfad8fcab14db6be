"""Fuzzing with hypothesis (issue 14 part 4): properties of pywse over drawn inputs.

The grammar (tests/fuzz_grammar.py) draws small layouts of the program templates in
tests/fuzz_progs.py: flows of wavelets that start at a source PE, at the grid's edge or in
an input queue, pass stages that forward, add, sum, swap halves or relay through FIFOs, hop
through PEs that only route, and leave at the edge (tapped on the way) or end in a sink. It
also draws route sets with no regard for sense (switches, filters, control wavelets),
memcpy calls (every data type and element type x order x copy or streaming x sub-rectangle x
elements per PE) and wavelet values of every type.

Properties: nothing but pywse's own errors and warnings ever comes out; every run has a
cycle budget and either finishes or ends in a DeadlockError / CycleLimitError; a drawn
design delivers exactly the wavelets its model says, once each, in order per color, also cut
in pieces or perturbed; memcpy copy mode round-trips (16-bit: the low halves) and writes
nothing outside its region, and streaming delivers every wavelet once, in order; compiled
and plain-Python runs agree on memory, outputs and cycles.

The default hypothesis profile ("fast", tests/conftest.py) is deterministic and small;
`--hypothesis-profile=long` draws many more examples (docs/testing.md, "Fuzzing"). What the
fuzzer found is kept as plain regression tests at the end.
"""
from __future__ import annotations

import hashlib
import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import fuzz_progs as fp
import pywse as pw
from fuzz_grammar import (
    ARCHES,
    BODY_PROGRAM,
    MASK32,
    SIDES,
    SPECIAL_BITS,
    SYMBOL_N,
    Design,
    copy_cases,
    designs,
    flat,
    route_sets,
    stream_cases,
    stream_model,
    task_bodies,
    tensor,
    typed_values,
    valid,
)
from pywse import MemcpyDataType as DT
from pywse.testing import Harness

EXAMPLES = settings.default.max_examples        # the profile's (tests/conftest.py)


def fewer(divisor: int) -> int:
    """A share of the profile's examples, for the costly properties (jit vs not)."""
    return max(2, EXAMPLES // divisor)


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


# -- layouts from the grammar ------------------------------------------------------------------

def run_design(d: Design, jit: bool) -> Harness:
    """Build the design's harness, feed it, and run it to the end (within its budget)."""
    h = d.feed(Harness(d.layout(), arch=d.arch, jit=jit))
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


@given(designs())
def test_drawn_designs_deliver_what_the_model_says(d):
    note(d.describe())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_design(d, run_design(d, jit=False))
    pywse_warnings_only(caught)


@settings(max_examples=fewer(3))
@given(designs(max_flows=2))
def test_compiled_and_plain_python_runs_agree(d):
    note(d.describe())
    compiled, plain = run_design(d, jit=True), run_design(d, jit=False)
    check_design(d, compiled)
    assert compiled.cycles == plain.cycles
    np.testing.assert_array_equal(compiled.engine.captured(), plain.engine.captured())
    assert compiled.engine.st.arena.tobytes() == plain.engine.st.arena.tobytes()


@given(designs(max_flows=2), st.lists(st.integers(1, 400), min_size=1, max_size=6))
def test_a_run_cut_in_pieces_is_the_same_run(d, pieces):
    """Harness.run(n) a few times, then run_until_idle: the same memory, wavelets out and
    cycles as one run_until_idle."""
    note(d.describe())
    whole = run_design(d, jit=False)
    cut = d.feed(Harness(d.layout(), arch=d.arch, jit=False))
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
    note(d.describe())
    h = Harness(d.layout(), arch=d.arch, jit=False)
    h.engine.perturb(seed)
    d.feed(h).run_until_idle(max_cycles=d.budget)
    check_design(d, h)


# -- route sets drawn at random ----------------------------------------------------------------

def run_route_set(d: Design, jit: bool) -> tuple[str, Harness | None]:
    """(how the run ended, the harness if one was built)."""
    made = []

    def run():
        made.append(Harness(d.layout(), jit=jit))
        d.feed(made[0]).run_until_idle(max_cycles=d.budget)
        assert not made[0].engine.has_work()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = outcome(run)
    pywse_warnings_only(caught)
    return result, (made[0] if made else None)


@given(route_sets())
def test_drawn_route_sets_finish_or_fail_with_pywse_errors(d):
    note(d.describe())
    result, _ = run_route_set(d, jit=False)
    note(result)
    event(result if not result.startswith("refused") else result.split(":")[0]
          + result.split(":")[1])


@settings(max_examples=fewer(3))
@given(route_sets())
def test_route_sets_compiled_and_plain_python_agree_even_when_stuck(d):
    """The same ending (finished, deadlock, budget), at the same cycle, with the same
    memory and the same wavelets out, compiled or not."""
    note(d.describe())
    (a, compiled), (b, plain) = run_route_set(d, jit=True), run_route_set(d, jit=False)
    assert a.split(":")[:2] == b.split(":")[:2]
    if compiled is not None and plain is not None:
        assert compiled.cycles == plain.cycles
        np.testing.assert_array_equal(compiled.engine.captured(), plain.engine.captured())
        assert compiled.engine.st.arena.tobytes() == plain.engine.st.arena.tobytes()


# -- wavelet values of every type, through the harness's free routes ---------------------------

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


# -- CSL arithmetic, compiled and as plain Python ----------------------------------------------

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

        def run(made=made, jit=jit):
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
    returns +NaN, and LLVM rewrites `-a + b` as `b - a`, which for a NaN `a` differ in sign."""
    return np.where(np.isnan(a), a.dtype.type(np.nan), a) if a.dtype.kind == "f" else a


# -- task bodies: checked at compile, then the same compiled and as plain Python -----------------

BODIES = Path(__file__).resolve().parents[1] / ".pytest_cache" / "pywse-fuzz-bodies"


def body_module(statements: str):
    """The drawn body's program, from a file named by its text (kept: numba's cache of a
    body drawn again loads instead of compiling)."""
    text = BODY_PROGRAM.replace("{statements}", statements)
    name = "fuzz_body_" + hashlib.sha1(text.encode()).hexdigest()[:12]
    BODIES.mkdir(parents=True, exist_ok=True)
    path = BODIES / f"{name}.py"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, path


def body_run(prog, jit: bool, at: int) -> tuple:
    """(how the run ended: 'finished' or the error's first line and its line; memory)."""
    h = Harness(prog, jit=jit, at=at)
    try:
        h.run_until_idle(max_cycles=20_000)
        end = ("finished",)
    except pw.TaskError as e:
        end = (str(e).splitlines()[0], e.line)
    return end, tuple(h.peek(v).tobytes() for v in ("f", "h", "u"))


@settings(max_examples=fewer(6))
@given(task_bodies())
def test_task_bodies_are_checked_at_their_line_and_run_alike_compiled_and_not(body):
    """A body with a mistake is refused by pw.compile at the mistake's line (and one without
    is accepted); an accepted body compiles and runs as it does as plain Python."""
    statements, mistake, where, at = body
    note(statements)
    module, path = body_module(statements)
    try:
        Harness(module.prog, jit=False, at=at)
    except pw.TaskError as e:
        assert mistake is not None, f"a correct body was refused: {e}"
        assert (e.file, e.line) == (str(path), where), f"{mistake}: {e}"
        event(f"refused: {mistake}")
        return
    assert mistake is None, f"a body with {mistake} was accepted"
    plain, compiled = (body_run(module.prog, jit, at) for jit in (False, True))
    event(f"ran: {plain[0][0].split(':')[0]}")
    assert plain == compiled


# -- memcpy round trips ------------------------------------------------------------------------

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


def device_symbol(runner, name: str, bits, width: int, height: int) -> np.ndarray:
    """Symbol `name` of every PE as (height, width, n) raw words (`bits`: np.uint16 or
    np.uint32; 16-bit ones zero-extended)."""
    ox, oy = runner.artifacts.fabric_offsets
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
        bits = np.uint16 if np.dtype(fp.MEM_TYPES[name]).itemsize == 2 else np.uint32
        np.testing.assert_array_equal(device_symbol(runner, name, bits, width, height), want,
                                      err_msg=f"symbol {name}")
    assert all(handle is None or handle.done() for handle in handles)
    runner.stop()


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
    count = device_symbol(runner, "count", np.uint32, width, height)[:, :, 0]
    expected_count = np.zeros((height, width), np.uint32)
    expected_count[py:py + h, px:px + w] = l           # exactly l each, none elsewhere
    np.testing.assert_array_equal(count, expected_count)
    bits = np.uint16 if np.dtype(fp.MEM_TYPES[case["dtype"]]).itemsize == 2 else np.uint32
    got = device_symbol(runner, "got", bits, width, height)
    np.testing.assert_array_equal(got[py:py + h, px:px + w], want, err_msg="in PE memory")
    np.testing.assert_array_equal(back, flat(want, case["order"]), err_msg="streamed back")


@settings(max_examples=fewer(3))
@given(stream_cases(compiled=True))
def test_streaming_compiled_and_plain_python_agree(case):
    note(repr(case))
    compiled, words, back_c = run_stream(case, jit=True)
    plain, _, back_p = run_stream(case, jit=False)
    np.testing.assert_array_equal(back_c, back_p)
    assert compiled.cycles == plain.cycles
    assert compiled.engine.st.arena.tobytes() == plain.engine.st.arena.tobytes()


# -- regressions: what the fuzzer found --------------------------------------------------------

def test_a_quiet_fabric_cycle_is_not_counted_so_a_cut_run_is_the_same_run():
    """Found by test_a_run_cut_in_pieces_is_the_same_run: one wavelet fed at cycle 1 through
    two PEs ends in cycle 3 (with `hop` 1 then; 2 + hop: a cycle in the first router, `hop` to
    the next); one run_until_idle ended at cycle 5 (fabric.advance counted the cycle in which
    nothing moved), but run(4) then run_until_idle at cycle 4."""
    hop = pw.Costs().hop
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
    cut.run(3 + hop)                   # the cycle after the last move
    cut.run_until_idle(max_cycles=1_000)
    last = max(int(whole.sent(20, pe=pe, direction=side).cycles[-1])   # the last one left
               for pe, side in [((0, 0), pw.EAST), ((0, 1), pw.EAST), ((0, 1), pw.SOUTH)])
    assert last == 2 + hop and whole.cycles == cut.cycles == last + 1


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
