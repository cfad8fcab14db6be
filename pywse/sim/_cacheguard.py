"""numba's disk cache keys a compiled function on its own file only: `sched.next_task`,
cached, keeps the `fabric.advance` it was compiled with after fabric.py changes. So, before
any engine function loads from the cache, the engine's cache files are dropped whenever the
engine's sources (sim/ and dsl/, where the njit overloads live) differ from the ones they were
compiled from. Task bodies have their own guard (jit.PYWSE_HASH)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

HERE = Path(__file__).parent
MARKER = "pywse-engine-sources.sha1"


def _sources_hash() -> str:
    h = hashlib.sha1()
    for folder in (HERE, HERE.parent / "dsl"):
        for path in sorted(folder.glob("*.py")):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _cache_dirs() -> list[Path]:
    """Where numba keeps the cache of this folder's modules: next to them, or under
    NUMBA_CACHE_DIR (numba's own naming: folder name + sha1 of its path)."""
    dirs = [HERE / "__pycache__", HERE.parent / "dsl" / "__pycache__"]
    user = os.environ.get("NUMBA_CACHE_DIR")
    if user:
        for folder in (HERE, HERE.parent / "dsl"):
            path = str(folder.resolve())
            dirs.append(Path(user) / f"{folder.name}_{hashlib.sha1(path.encode()).hexdigest()}")
    return dirs


def drop_stale_engine_cache() -> None:
    digest = _sources_hash()
    for cache in _cache_dirs():
        marker = cache / MARKER
        try:
            if marker.read_text() == digest:
                continue
        except OSError:
            pass
        if not cache.is_dir():
            continue
        for stale in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
            try:
                stale.unlink()
            except OSError:         # another process got there first
                pass
        try:
            tmp = marker.with_suffix(f".{os.getpid()}")
            tmp.write_text(digest)
            tmp.replace(marker)
        except OSError:
            pass
