"""`pw.UnreachableTaskWarning`: a local task nothing can ever activate (or that starts blocked
and nothing unblocks) is reported when the program is compiled, at its `def`; every way CSL
has to start a task counts, so no official example trips it."""
import importlib.util
import sys
import warnings
from pathlib import Path

import pytest

import pywse as pw
from pywse.host.runtime import SdkRuntime

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py")) + sorted(
    (Path(__file__).parent.parent / "examples" / "sdklayout").glob("*.py"))


def warned(program) -> list:
    """Compile `program` on one PE: the UnreachableTaskWarnings issued."""
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, program)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pw.compile(layout, arch="wse3", memcpy=False)
    return [w for w in caught if w.category is pw.UnreachableTaskWarning]


def compiled(program) -> list[str]:
    """Compile `program` on one PE: the UnreachableTaskWarning messages."""
    return [str(w.message) for w in warned(program)]


# -- what it reports --------------------------------------------------------------------------

@pw.program
def orphan_prog(p):
    @p.on_start
    @p.local_task(10)
    def main():
        pass

    @p.local_task(11)
    def orphan():
        pass


def test_a_task_nothing_activates():
    got = warned(orphan_prog)
    assert len(got) == 1
    warning = got[0]
    assert str(warning.message).startswith(
        "program 'orphan_prog': local task 'orphan' (id 11, line "
        f"{warning.lineno}): nothing can ever activate it")
    assert warning.filename == __file__
    assert "def orphan" in Path(__file__).read_text().splitlines()[warning.lineno - 1]


@pw.program
def chain_prog(p):
    @p.local_task(10)
    def first():
        pw.activate(second)

    @p.local_task(11)
    def second():
        pw.activate(second)        # itself: not a way in

    @p.local_task(12)
    def blocked():
        pass

    p.block(blocked)

    @p.export
    def go():
        pw.activate(blocked)


def test_a_chain_nothing_starts_and_a_task_blocked_for_good():
    found = compiled(chain_prog)
    assert len(found) == 3, found
    first, second, blocked = found
    assert first.startswith("program 'chain_prog': local task 'first' (id 10, line ")
    assert "no task body or helper activates it" in first
    assert second.startswith("program 'chain_prog': local task 'second' (id 11, line ")
    assert "only 'first' activates it, and it can never run either" in second
    assert blocked.startswith("program 'chain_prog': local task 'blocked' (id 12, line ")
    assert "it starts blocked (p.block) and nothing unblocks it" in blocked


# -- every way in counts ----------------------------------------------------------------------

def activate_param(t):
    pw.activate(t)


@pw.module
def with_callback(p, *, callback):
    @p.on_start
    @p.local_task(20)
    def later():
        pw.activate(callback)

    return {}


@pw.program
def ways_in(p):
    data = p.var("data", pw.u32, 4)
    out = pw.fabout(pw.Color(2), 4, queue=p.output_queue(2, pw.Color(2)))

    @p.local_task(10)
    def by_activate():
        pass

    @p.local_task(11)
    def by_option():
        pass

    @p.local_task(12)
    def by_helper():
        pass

    @p.local_task(13)
    def by_module():
        pass

    @p.local_task(14)
    def by_number():
        pass

    @p.local_task(15)
    def unblocked_later():
        pw.unblock(unblocked_later)

    p.block(unblocked_later)

    @p.on_start
    @p.local_task(16)
    def main():
        pw.activate(by_activate)
        pw.mov32(out, pw.mem1d(data), async_=True, activate=by_option)
        activate_param(by_helper)
        pw.activate(14)

    @p.data_task(pw.Color(3))
    def on_data(w: pw.u32):
        pw.activate(unblocked_later)

    @p.control_task(40)
    def on_control():
        pass

    p.import_module(with_callback, callback=by_module)


def test_every_way_a_task_starts_counts():
    assert compiled(ways_in) == []


@pw.program
def handlers(p):
    q = p.input_queue(3, pw.Color(3))

    def torn_down():
        pass

    def emptied():
        pass

    p.set_local_color_config(pw.Color(4), rx=[pw.WEST], tx=[pw.RAMP])
    p.set_teardown_handler(torn_down, pw.Color(4))
    p.set_empty_queue_handler(emptied, q)


def test_teardown_and_empty_queue_handlers_are_started_by_the_fabric():
    assert compiled(handlers) == []


@pw.program
def computed(p):
    pick = p.var("pick", pw.u16, 1)

    @p.local_task(10)
    def a():
        pass

    @p.local_task(11)
    def b():
        pass

    @p.on_start
    @p.local_task(12)
    def main():
        t = a if pick[0] == 0 else b
        pw.activate(t)


def test_a_task_computed_at_run_time_may_be_any():
    assert compiled(computed) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_no_example_has_an_unreachable_task(path, monkeypatch, tmp_path):
    """Every example compiles (it stops where its runtime would start) without the warning."""
    class Compiled(Exception):
        pass

    def stop(self, *args, **kwargs):
        raise Compiled

    monkeypatch.setattr(SdkRuntime, "__init__", stop)
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(f"reach_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    argv = ["--no-jit"] + (["--out", str(tmp_path / "out")]
                           if path.parent.name == "sdklayout" else [])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(Compiled):
            module.main(argv)
    found = [str(w.message) for w in caught if w.category is pw.UnreachableTaskWarning]
    assert found == []


def test_loading_a_compile_output_does_not_warn_again(tmp_path):
    """`SdkRuntime(out_dir)` compiles what out_dir records once more: what the first compile
    said is not said twice."""
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, orphan_prog)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pw.compile(layout, arch="wse3", memcpy=False, out_dir=str(tmp_path))
        first = len([w for w in caught if w.category is pw.UnreachableTaskWarning])
        SdkRuntime(str(tmp_path), jit=False, memcpy_required=False)
    assert first == 1
    assert len([w for w in caught if w.category is pw.UnreachableTaskWarning]) == 1


@pw.program
def tallied(p, *, tally_params):
    @p.local_task(15)
    def done():        # the tally's callback: activated on its root PE only
        pass

    t = p.import_module("<kernels/tally/pe>", tally_params, input_queues=[6, 7],
                        output_queues=[4, 5], callback=15)

    @p.on_start
    @p.local_task(10)
    def work():
        t.signal_completion()


def test_a_task_that_runs_on_some_pes_only_does_not_warn():
    """The tally activates its callback on its root PE only (an image of the program among
    several): a task is reported only when no PE of its program can run it."""
    layout = pw.Layout(3, 2)
    t = layout.import_module("<kernels/tally/layout>", kernel_width=3, kernel_height=2,
                             phase2_tally=0, colors=[pw.Color(1), pw.Color(2), pw.Color(3)],
                             output_color=pw.Color(4))
    for x in range(3):
        for y in range(2):
            layout.set_tile_code(x, y, tallied, tally_params=t.get_params(x, y))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pw.compile(layout, arch="wse3", memcpy=False)
    assert [str(w.message) for w in caught if w.category is pw.UnreachableTaskWarning] == []
