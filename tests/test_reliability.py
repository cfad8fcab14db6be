"""No silent wrong answer, no endless run: the self-feeding scan of issue 14 warns before it
runs and ends in a LivelockError; wavelets lost off the kernel are reported; runs are
deterministic, and perturbation catches a race while correct examples stay stable."""
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import pywse as pw
from progs import edge_sender
from pywse.host import runcheck
from pywse.tools.cli import main as cli
from pywse.tools.perturb import racy_seeds
from test_example_tasks import load

U32 = dict(streaming=False, order=pw.MemcpyOrder.ROW_MAJOR,
           data_type=pw.MemcpyDataType.MEMCPY_32BIT, nonblock=False)


@pw.program
def scan(p, *, memcpy_params, c):
    sys_mod = p.memcpy(memcpy_params)
    iq = p.input_queue(2, c)
    oq = p.output_queue(3, c)
    acc = p.var("acc", pw.u32, 1, export=True)
    out = pw.fabout(c, extent=1, queue=oq)

    @p.data_task(iq)
    def got(v: pw.u32):
        acc[0] += v
        pw.mov32(out, acc[0])

    @p.export
    def go():
        pw.mov32(out, acc[0])
        sys_mod.unblock_cmd_stream()


def self_feeding_scan():
    """One color for the whole scan, rx=[WEST, RAMP], tx=[EAST, RAMP] on every PE."""
    lay = pw.Layout(4, 1)
    memcpy = lay.memcpy()
    for x in range(4):
        lay.set_tile_code(x, 0, scan, memcpy_params=memcpy.get_params(x), c=pw.Color(1))
        lay.set_color_config(x, 0, 1, rx=[pw.WEST, pw.RAMP], tx=[pw.EAST, pw.RAMP])
    return lay


def run_scan(jit, hop=1, **runtime):
    """The scan keeps the fabric moving forever with the 1-cycle hop it was found with; with
    2-cycle hops the links' extra slots let every queue on its way fill, and it deadlocks
    instead (test_with_two_cycle_hops_the_scan_deadlocks_and_says_so)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pw.RoutingWarning)
        art = pw.compile(self_feeding_scan(), arch="wse3")
    rt = pw.SdkRuntime(art, jit=jit, costs={"hop": hop}, **runtime)
    rt.load(); rt.run()
    rt.memcpy_h2d(rt.get_id("acc"), np.arange(1, 5, dtype=np.uint32), 0, 0, 4, 1, 1, **U32)
    rt.launch("go", nonblock=False)
    rt.stop()


def test_the_self_feeding_scan_warns_before_running():
    with pytest.warns(pw.RoutingWarning) as caught:
        pw.compile(self_feeding_scan(), arch="wse3")
    text = "\n".join(str(w.message) for w in caught)
    assert "PE (3, 0) color 1: tx EAST leaves the kernel" in text
    assert "its own sends come back to its input queue" in text
    with pytest.raises(pw.RoutingError, match="strict=True"):
        pw.compile(self_feeding_scan(), arch="wse3", strict=True)


def test_run_anyway_it_ends_in_a_livelock_error_naming_what_kept_running(jit, monkeypatch):
    monkeypatch.setattr(runcheck, "LIVELOCK_CYCLES", 100_000)
    with pytest.raises(pw.LivelockError) as info:
        run_scan(jit)
    text = str(info.value)
    assert isinstance(info.value, pw.CycleLimitError)
    # the cap is checked between device steps: the clock may pass it by a task's cycles
    assert re.search(r"has waited 100,0\d\d cycles while the fabric keeps moving \(the livelock "
                     r"cap of 100,000 cycles per host wait; set max_cycles= or PYWSE_MAX_CYCLES",
                     text)
    assert "tasks: 'got' ran" in text and "busiest colors: color 1 (" in text
    assert "re-triggers itself: its route on color 1 takes its own sends (rx RAMP) back to " \
           "its CE (tx RAMP)" in text
    assert "wavelet(s) left the kernel where nothing receives them and are lost (PE (3, 0) " \
           "toward EAST on color 1:" in text


def test_the_default_cap_ends_the_scan_compiled():
    """The documented default (runcheck.LIVELOCK_CYCLES, 10M cycles per host wait) ends it
    in seconds compiled; plain Python would take minutes, hence the monkeypatched test."""
    with pytest.raises(pw.LivelockError, match="the livelock cap of 10,000,000 cycles"):
        run_scan(True)


def test_an_explicit_budget_names_the_wait_too(jit):
    with pytest.raises(pw.LivelockError) as info:
        run_scan(jit, max_cycles=50_000)
    text = str(info.value)
    assert "the run reached its budget of 50000 cycles (max_cycles / PYWSE_MAX_CYCLES)" in text
    assert "the host was waiting for" in text and "tasks: 'got' ran" in text


def test_with_two_cycle_hops_the_scan_deadlocks_and_says_so(jit):
    with pytest.raises(pw.DeadlockError) as info:
        run_scan(jit, hop=2)
    text = str(info.value)
    assert "a blocking (sync) fabric op in task 'got' waits forever" in text
    assert "make the op async (async_=True)" in text


def test_wavelets_sent_off_the_kernel_are_counted_and_reported(jit):
    lay = pw.Layout(1, 1)
    lay.set_tile_code(0, 0, edge_sender, memcpy_params=lay.memcpy().get_params(0))
    lay.set_color_config(0, 0, 3, rx=[pw.RAMP], tx=[pw.EAST])
    with pytest.warns(pw.RoutingWarning, match="tx EAST leaves the kernel"):
        art = pw.compile(lay, arch="wse3")
    rt = pw.SdkRuntime(art, jit=jit)
    rt.load(); rt.run()
    rt.launch("go", nonblock=False)
    with pytest.warns(pw.RoutingWarning, match=r"3 wavelet\(s\) left the kernel where nothing "
                                               r"receives them and are lost \(PE \(0, 0\) toward "
                                               r"EAST on color 3: 3\)"):
        rt.stop()


# -- determinism and perturbation ----------------------------------------------------------------

@pw.program
def sender(p, *, memcpy_params, c, value):
    sys_mod = p.memcpy(memcpy_params)
    out = pw.fabout(c, extent=1, queue=p.output_queue(2, c))

    @p.export
    def go():
        pw.mov32(out, value)
        sys_mod.unblock_cmd_stream()


@pw.program
def last_writer(p, *, memcpy_params, a, b):
    """Two data tasks write one variable: whichever wavelet comes last wins (a race)."""
    sys_mod = p.memcpy(memcpy_params)
    last = p.var("last", pw.u32, 1, export=True)

    @p.data_task(p.input_queue(2, a))
    def from_west(v: pw.u32):
        last[0] = v

    @p.data_task(p.input_queue(3, b))
    def from_east(v: pw.u32):
        last[0] = v

    @p.export
    def go():
        sys_mod.unblock_cmd_stream()


def racy_layout():
    lay = pw.Layout(3, 1)
    m = lay.memcpy()
    a, b = pw.Color(1), pw.Color(2)
    lay.set_tile_code(0, 0, sender, memcpy_params=m.get_params(0), c=a, value=111)
    lay.set_tile_code(1, 0, last_writer, memcpy_params=m.get_params(1), a=a, b=b)
    lay.set_tile_code(2, 0, sender, memcpy_params=m.get_params(2), c=b, value=222)
    lay.set_color_config(0, 0, a, rx=[pw.RAMP], tx=[pw.EAST])
    lay.set_color_config(1, 0, a, rx=[pw.WEST], tx=[pw.RAMP])
    lay.set_color_config(2, 0, b, rx=[pw.RAMP], tx=[pw.WEST])
    lay.set_color_config(1, 0, b, rx=[pw.EAST], tx=[pw.RAMP])
    return lay


def run_racy(jit, perturb=None):
    rt = pw.SdkRuntime(pw.compile(racy_layout(), arch="wse3"), jit=jit, perturb=perturb)
    rt.load(); rt.run()
    rt.launch("go", nonblock=False)
    out = np.zeros(1, np.uint32)
    rt.memcpy_d2h(out, rt.get_id("last"), 1, 0, 1, 1, 1, **U32)
    rt.stop()
    return int(out[0]), rt.cycles


def test_perturbation_catches_a_race_deterministically(jit):
    assert run_racy(jit) == run_racy(jit)                    # unperturbed: the same every time
    results = [run_racy(jit, seed) for seed in range(20)]
    assert {value for value, _ in results} == {111, 222}     # some seeds flip the winner
    assert [run_racy(jit, seed) for seed in (3, 4)] == results[3:5]   # a seed replays exactly
    found = racy_seeds(lambda: run_racy(jit), 20)
    assert found and all("differs first at element 0" in diff for _, diff in found)


def test_perturbation_is_the_same_compiled_and_plain():
    assert [run_racy(True, s) for s in range(6)] == [run_racy(False, s) for s in range(6)]


@pytest.mark.parametrize("name, layout_params, run_kwargs", [
    ("game_of_life", dict(x_dim=5, y_dim=5), dict(iters=6)),
    ("gemv_08_routes_3", dict(kernel_x_dim=2, kernel_y_dim=2, M=4, N=4), {}),
])
def test_correct_examples_are_stable_under_20_seeds(name, layout_params, run_kwargs, tmp_path):
    module = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pw.RoutingWarning)
        w, h = layout_params.get("x_dim", layout_params.get("kernel_x_dim")), \
            layout_params.get("y_dim", layout_params.get("kernel_y_dim"))
        pw.compile(module.layout(**layout_params), arch="wse3", memcpy=True,
                   fabric_dims=(w + 7, h + 2), params=layout_params, out_dir=tmp_path / "out")
    outputs = []
    assert racy_seeds(lambda: module.run(str(tmp_path / "out"), True, **run_kwargs), 20,
                      outputs) == []
    assert outputs     # it did compare something


def test_pywse_run_perturb_reports_racy_seeds(tmp_path, capsys):
    script = tmp_path / "run_racy.py"
    script.write_text(f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                      "from test_reliability import run_racy\n"
                      "print('last =', run_racy(True)[0])\n")
    assert cli(["run", "--perturb", "20", str(script)]) == 1
    out = capsys.readouterr().out
    assert "last = 222" in out
    assert "seeds change the results: the program has a race" in out
    assert "output 1 (memcpy_d2h(last)) differs first at element 0: 111 instead of 222" in out


def test_every_run_is_deterministic(jit):
    """The same program and inputs: bit-identical outputs and cycle counts, run after run."""
    assert run_racy(jit) == run_racy(jit)
    a, b = [], []
    for record in (a, b):
        runcheck.RECORDER = record
        try:
            with pytest.raises(pw.LivelockError) as info:
                run_scan(jit, max_cycles=20_000)
        finally:
            runcheck.RECORDER = None
        record.append(("report", np.frombuffer(str(info.value).encode(), np.uint8)))
    assert [(k, v.tobytes()) for k, v in a] == [(k, v.tobytes()) for k, v in b]


# -- resource limits ---------------------------------------------------------------------------

@pw.program
def small(p):
    p.var("x", pw.u32, 16)


def test_a_kernel_too_big_for_this_machine_is_refused_before_allocation(monkeypatch):
    from pywse.sim import state
    lay = pw.Layout(300, 200)
    for y in range(200):
        for x in range(300):
            lay.set_tile_code(x, y, small)
    art = pw.compile(lay, arch="wse3", memcpy=False, fabric_offsets=(0, 0))
    monkeypatch.setattr(state, "available_bytes", lambda: 64 << 20)
    with pytest.raises(pw.ResourceError, match=r"the 300x200 kernel needs about 0\.\d GiB to "
                                               r"simulate .*; this machine has 0\.1 GiB available"):
        pw.SdkRuntime(art, memcpy_required=False).load()


@pw.program
def spins_at_comptime(p):
    n = 0
    while True:
        n += 1


def test_a_comptime_that_never_ends_is_stopped(monkeypatch):
    monkeypatch.setenv("PYWSE_COMPTIME_SECONDS", "0.3")
    lay = pw.Layout(2, 1)
    lay.set_tile_code(0, 0, small)
    lay.set_tile_code(1, 0, spins_at_comptime)
    with pytest.raises(pw.ProgramError, match=r"program 'spins_at_comptime' on PE \(1, 0\): "
                                              r"comptime ran longer than 0\.3 s "
                                              r"\(PYWSE_COMPTIME_SECONDS\)") as info:
        pw.compile(lay, arch="wse3", memcpy=False, fabric_offsets=(0, 0))
    assert "    while True:" in str(info.value)        # it quotes where the loop was
