"""A harness for unit-testing task logic from pytest: one program on a small grid.

    h = Harness(my_program, size=4)          # params of the program as keywords
    h.poke("data", np.arange(4, dtype=np.float32))
    h.activate("compute")                    # or h.launch("exported_fn", *args)
    h.run_until_idle(max_cycles=10_000)      # still busy then: pw.CycleLimitError
    assert h.peek("data").tolist() == [...]

`memcpy_params` is supplied automatically when the program takes it.
"""
from __future__ import annotations

import numpy as np

from ..dsl.program import Program
from ..errors import CycleLimitError, MemcpyError
from ..host.runtime import SdkRuntime, cycle_budget
from ..layout.classic import Layout
from ..layout.compile import compile as compile_layout
from ..sim import sched
from ..sim.builtins import ACTIVE


class Harness:
    def __init__(self, program: Program, *, width: int = 1, height: int = 1, arch: str = "wse3",
                 jit: bool | None = None, **params):
        layout = Layout(width, height)
        memcpy = layout.memcpy()
        for y in range(height):
            for x in range(width):
                pe_params = dict(params)
                if "memcpy_params" in program.param_names:
                    pe_params["memcpy_params"] = memcpy.get_params(x)
                layout.set_tile_code(x, y, program, **pe_params)
        self.artifacts = compile_layout(layout, arch=arch)
        self.runtime = SdkRuntime(self.artifacts, jit=jit)
        self.runtime.load()
        self.runtime.run()
        self.engine = self.runtime.engine

    def _var(self, name: str, x: int, y: int):
        pe = self.engine.pe_index(x, y)
        var = self.engine.image(pe).symbol(name)
        if var is None:
            raise MemcpyError(f"PE ({x}, {y}) has no symbol '{name}'")
        return pe, var

    def poke(self, name: str, values, x: int = 0, y: int = 0) -> None:
        """Write `values` into symbol `name` on PE (x, y)."""
        pe, var = self._var(name, x, y)
        start = self.engine.mem_base[pe] + var.offset
        data = np.broadcast_to(np.asarray(values, var.dtype), var.shape)
        self.engine.st.arena[start:start + var.nbytes] = np.ascontiguousarray(data).view(np.uint8).ravel()

    def peek(self, name: str, x: int = 0, y: int = 0) -> np.ndarray:
        """A copy of symbol `name` on PE (x, y), in its declared type and shape."""
        pe, var = self._var(name, x, y)
        start = self.engine.mem_base[pe] + var.offset
        return self.engine.st.arena[start:start + var.nbytes].view(var.dtype).reshape(var.shape).copy()

    def activate(self, task: str, x: int = 0, y: int = 0) -> None:
        """Activate local task `task` on PE (x, y), as `pw.activate` would."""
        pe = self.engine.pe_index(x, y)
        ids = [t.id for t in self.engine.image(pe).tasks if t.name == task and t.kind == "local"]
        if not ids:
            raise MemcpyError(f"PE ({x}, {y}) has no local task '{task}'")
        self.engine.st.task_state[pe, ids[0]] |= ACTIVE
        self.engine.wake(pe)

    def launch(self, name: str, *args) -> None:
        """Launch exported function `name` on every PE and wait for unblock_cmd_stream."""
        self.runtime.launch(name, *args)

    def run_until_idle(self, max_cycles: int | None = None) -> None:
        """Run until nothing is left to do. With `max_cycles`, a run that still has work
        that many cycles from now stops with a `pw.CycleLimitError` saying what is left."""
        if max_cycles is None:
            self._run(None)
            return
        end = self.cycles + cycle_budget(max_cycles)
        self._run(end)
        if self.engine.has_work():
            raise CycleLimitError(self.runtime._limit_report(
                f"{max_cycles} cycles (run_until_idle(max_cycles=...))"))

    def run(self, cycles: int) -> None:
        """Run `cycles` cycles (less if everything finishes sooner); no error for work left."""
        self._run(self.cycles + cycle_budget(cycles))

    def _run(self, end: int | None) -> None:
        with self.runtime.numeric_context():
            while (end is None or self.engine.now < end) and \
                    self.engine.run(sched.FOREVER if end is None else end):
                pass

    @property
    def cycles(self) -> int:
        return self.runtime.cycles
