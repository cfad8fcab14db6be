"""The progress bar appears only on a terminal without CI, after a couple of seconds."""
import pywse.host.progress as rt


def test_progress_bar_only_for_long_waits_on_a_terminal(monkeypatch, capsys):
    clock = iter([0.0, 1.0, 3.0, 4.0])
    monkeypatch.setattr(rt.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(rt.Progress, "enabled", staticmethod(lambda: True))
    bar = rt.Progress()
    bar.update(10)
    bar.update(20)
    assert bar._bar is None                 # under AFTER_SECONDS: nothing shown
    bar.update(5000)
    bar.update(9000)
    assert bar._bar is not None and bar._bar.n == 9000
    bar.close()
    assert bar._bar is None


def test_progress_is_silent_under_ci_or_without_a_terminal(monkeypatch):
    monkeypatch.setenv("CI", "1")
    assert not rt.Progress.enabled()
    monkeypatch.delenv("CI")
    monkeypatch.setattr(rt.sys.stderr, "isatty", lambda: False, raising=False)
    assert not rt.Progress.enabled()
