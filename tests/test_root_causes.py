"""A stuck run's report leads with its cause, on a generated family of mistakes: across the
examples, drop one activation (`pw.activate(t)`, an op's `activate=t`, `@p.on_start`),
shorten one host stream by a row, or unbind one data task (tests/mutants.py). When the
mistake stalls the run, the report's first lines (the headline and its root causes) must name
what was removed: the task, the stream, the color. The fast tier runs a few of each kind; the
slow tier every mutant of the family (a mistake that does not stall its example is skipped;
the few whose report leads with another cause are expected failures, `MISSED`, with why)."""
import warnings
from pathlib import Path

import pytest

import pywse as pw
from conftest import arch_legs
from mutants import Activation, ShortStream, Unbound, activations, data_tasks, load, without

EXAMPLES = Path(__file__).parent.parent / "examples"
FAMILY = ["gemv_06_routes_1", "gemv_07_routes_2", "gemv_08_routes_3", "gemv_09_streaming",
          "pipeline_01_basic", "pipeline_02_fifo", "pipeline_03_multiple",
          "topic_03_streaming_wavelet_data", "topic_05_sentinels", "topic_11_collectives",
          "game_of_life", "residual", "histogram_torus", "bandwidth_test",
          "sdklayout/allreduce", "sdklayout/sdklayout_05_gemv", "sdklayout/pipeline_regions"]
STUCK = (pw.DeadlockError, pw.CycleLimitError, pw.LivelockError)


def _path(name: str) -> Path:
    return EXAMPLES / f"{name}.py"


def _streams(path: Path) -> int:
    text = path.read_text()
    return text.count("streaming=True") + text.count(".send(")


def _mutants():
    for name in FAMILY:
        path = _path(name)
        for act in activations(path):
            yield name, ("drop", act)
        for k in range(_streams(path)):
            yield name, ("short", k)
        for task in data_tasks(path):
            yield name, ("unbind", task)


def _id(name, mutant) -> str:
    """`example-drop-task#k` (the k-th activation of that task in the source, so an edit
    elsewhere in the example keeps the id), `example-short-k`, `example-unbind-task`."""
    kind, what = mutant
    if isinstance(what, Activation):
        same = sorted(a.span for a in activations(_path(name)) if a.task == what.task)
        what = f"{what.task}#{same.index(what.span) + 1}"
    return f"{name.split('/')[-1]}-{kind}-{what}"


def head(text: str) -> str:
    """The report's first lines: the headline and the root causes under it."""
    lines = text.splitlines()
    keep = [lines[0]]
    for line in lines[1:]:
        if not (line.startswith("root cause:") or line.startswith("  then ")
                or line.startswith("  ... and")):
            break
        keep.append(line)
    return "\n".join(keep)


def run_mutant(name: str, mutant, tmp_path: Path, monkeypatch):
    """Run example `name` with `mutant`: (the report's head or None if the run did not stall,
    what the head must name)."""
    monkeypatch.setenv("PYWSE_MAX_CYCLES", "300000")
    path = _path(name)
    kind, what = mutant
    module_name = f"mutant_{_id(name, mutant)}".replace("-", "_").replace("@", "_")
    if kind == "drop":
        module = load(without(path, what, tmp_path), module_name, home=path.parent)
    else:
        change = ShortStream(what) if kind == "short" else Unbound(what)
        change.install(monkeypatch)
        module = load(path, module_name)
    argv = ["--arch", arch_legs(path)[0].values[0], "--no-jit"]
    if path.parent.name == "sdklayout":
        argv += ["--out", str(tmp_path / "out")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            module.main(argv)
        except STUCK as err:
            text = head(str(err))
        except (pw.PywseError, AssertionError, ValueError):
            return None, None           # the mistake breaks the example another way
        else:
            return None, None
    if kind == "drop":
        return text, [f"{what.task}'"]
    if kind == "unbind":
        return text, [f"color {c}" for c in sorted(change.colors)]
    if change.color is not None:
        return text, [f"memcpy_h2d(color {change.color}, streaming)"]
    return text, [f"input stream {change.left_out[0][1]}"]


def check(name, mutant, tmp_path, monkeypatch) -> bool:
    text, names = run_mutant(name, mutant, tmp_path, monkeypatch)
    if text is None:
        return False
    assert any(n in text for n in names), f"{_id(name, mutant)}: expected {names} in:\n{text}"
    return True


FAST = [("gemv_06_routes_1", ("drop", 0)), ("residual", ("drop", 0)),
        ("game_of_life", ("drop", 2)), ("gemv_09_streaming", ("short", 0)),
        ("pipeline_03_multiple", ("short", 0)), ("gemv_08_routes_3", ("unbind", "recv_x")),
        ("sdklayout/allreduce", ("short", 0))]


@pytest.mark.parametrize("name, mutant", FAST, ids=[_id(n, m) for n, m in FAST])
def test_a_generated_mistake_leads_its_report(name, mutant, tmp_path, monkeypatch):
    kind, what = mutant
    if kind == "drop":
        mutant = (kind, activations(_path(name))[what])
    assert check(name, mutant, tmp_path, monkeypatch), f"{_id(name, mutant)} did not stall"


POLLING = ("a task that polls by re-activating itself while blocked looks, once it stops, "
           "like one that finished")
GENERATIONS = ("the engine counts runs per program image, not when: a task that ran in the "
               "first generation and was skipped in the second looks done")
MISSED = {"histogram_torus-drop-sender_ns#1": POLLING,
          "histogram_torus-drop-sender_ns#2": POLLING,
          "histogram_torus-drop-sender_we#1": POLLING,
          "histogram_torus-drop-sender_we#2": POLLING,
          "histogram_torus-drop-process_inputs#1": POLLING,
          "game_of_life-drop-fwd_east_west#2": GENERATIONS,
          "game_of_life-drop-send#1": GENERATIONS}
"""Mutants whose report leads with another (true) cause than the one removed, and why."""


def _marks(name, mutant) -> list:
    why = MISSED.get(_id(name, mutant))
    return [pytest.mark.xfail(reason=why, strict=True)] if why else []


@pytest.mark.slow
@pytest.mark.parametrize("name, mutant", [
    pytest.param(n, m, id=_id(n, m), marks=_marks(n, m)) for n, m in _mutants()])
def test_every_generated_mistake_leads_its_report(name, mutant, tmp_path, monkeypatch):
    if not check(name, mutant, tmp_path, monkeypatch):
        pytest.skip("this mistake does not stall the run")
