"""The engine's numba cache is dropped when the engine's sources change (numba itself only
watches each function's own file, so a cached caller would keep a stale callee)."""
from pywse.sim import _cacheguard as guard


def test_stale_engine_cache_files_are_dropped_once(tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "_cache_dirs", lambda: [tmp_path])
    (tmp_path / "sched.next_task-1.py311.nbi").write_text("old")
    (tmp_path / "sched.next_task-1.py311.1.nbc").write_text("old")
    (tmp_path / guard.MARKER).write_text("a hash of other sources")
    guard.drop_stale_engine_cache()
    assert not list(tmp_path.glob("*.nb*"))
    assert (tmp_path / guard.MARKER).read_text() == guard._sources_hash()
    (tmp_path / "fabric.advance-1.py311.nbi").write_text("fresh")
    guard.drop_stale_engine_cache()                 # same sources: the cache stays
    assert (tmp_path / "fabric.advance-1.py311.nbi").exists()
