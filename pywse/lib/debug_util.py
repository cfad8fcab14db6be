"""`debug_util`: the host's reader of `<debug>` traces (`cerebras.sdk.debug.debug_util`'s twin).

    runner.stop()
    d = debug_util(out_dir)                  # the compile output directory the run loaded
    d.read_trace(4 + x, 1 + y, "trace")      # fabric coordinates, as the SDK takes them

When a run stops (`SdkRuntime.stop()`), every `<debug>` trace of every PE is decoded and kept
with the compile output: in `<out_dir>/pywse_debug_traces.json` when the program was loaded
from a directory (so a later process can read it, as the SDK reads the simulator's dump), and
in memory for artifacts compiled in the same process (`debug_util(artifacts)`). A runtime or
a harness that has not stopped can be read live: `debug_util(runner)`, `debug_util(h)`.
Under `pywse run`, `from cerebras.sdk.debug.debug_util import debug_util` imports this.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import MemcpyError
from ..host import runtime as _runtime
from ..layout.compile import Artifacts
from .debug import traces_of

FILE = "pywse_debug_traces.json"
_IN_MEMORY: dict[int, tuple[Artifacts, dict]] = {}   # id(artifacts) -> (artifacts, traces)


def _save(runner) -> None:
    """STOP_HOOKS: keep the run's traces with its compile output."""
    art = runner.artifacts
    traces = traces_of(runner.engine)
    ox, oy = art.fabric_offsets
    table = {f"{x + ox},{y + oy}": keys for (x, y), keys in traces.items()}
    _IN_MEMORY[id(art)] = (art, table)
    if art.out_dir is not None:
        (Path(art.out_dir) / FILE).write_text(json.dumps(table, indent=1) + "\n")


_runtime.STOP_HOOKS.append(_save)


class debug_util:  # noqa: N801  (the SDK's name)
    """Reads `<debug>` traces by fabric coordinates and key (`read_trace(x, y, key)`)."""

    def __init__(self, out_dir: Any, cmaddr: str | None = None):
        del cmaddr                      # the SDK's address of a CS system: pywse simulates
        self._source = out_dir
        self._saved: tuple[dict, tuple[int, int]] | None = None   # a finished run's traces

    def _table(self) -> tuple[dict, tuple[int, int]]:
        """{"x,y" (fabric): {key: records}} and the kernel's fabric offsets."""
        src = getattr(self._source, "runtime", self._source)       # a Harness -> its runtime
        engine = getattr(src, "engine", None)
        if engine is not None:
            ox, oy = src.artifacts.fabric_offsets
            return ({f"{x + ox},{y + oy}": keys for (x, y), keys in traces_of(engine).items()},
                    (ox, oy))
        if self._saved is None:
            self._saved = self._finished(src)
        return self._saved

    @staticmethod
    def _finished(src) -> tuple[dict, tuple[int, int]]:
        """The traces a stopped run kept with artifacts `src` or in directory `src`."""
        if isinstance(src, Artifacts):
            saved = _IN_MEMORY.get(id(src))
            if saved is None or saved[0] is not src:
                raise MemcpyError("debug_util: these artifacts have no traces yet; run the "
                                  "program and call runner.stop() first")
            return saved[1], src.fabric_offsets
        path = Path(src) / FILE
        if not path.is_file():
            raise MemcpyError(f"debug_util: {path} does not exist; run the program compiled "
                              f"into {src} and call runner.stop() first (stop() writes the "
                              "traces there)")
        offsets = json.loads((Path(src) / "out.json").read_text())
        ox, oy = offsets.get("pywse", {}).get("fabric_offsets", (0, 0))
        return json.loads(path.read_text()), (ox, oy)

    def read_trace(self, x: int, y: int, key: str) -> list:
        """The records `<debug>` instance `key` made on the PE at fabric coordinates (x, y),
        in order."""
        table, (ox, oy) = self._table()
        keys = table.get(f"{x},{y}")
        if keys is None:
            have = sorted(table, key=lambda s: tuple(int(v) for v in s.split(",")[::-1]))
            shown = ", ".join(f"({p})" for p in have[:6]) + (", ..." if len(have) > 6 else "")
            raise MemcpyError(f"read_trace({x}, {y}, {key!r}): PE ({x}, {y}) has no <debug> "
                              f"trace; read_trace takes fabric coordinates (the kernel starts at "
                              f"({ox}, {oy})); PEs with traces: {shown or 'none'}")
        if key not in keys:
            raise MemcpyError(f"read_trace({x}, {y}, {key!r}): PE ({x}, {y}) has no <debug> "
                              f"trace '{key}'; its keys: {', '.join(sorted(keys))}")
        return list(keys[key])
