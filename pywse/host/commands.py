"""The host's commands as the runtime queues them: `MemcpyTask`, the handle a nonblocking
call returns, and `Launch`, memcpy's RPC of an exported function on every PE (its arguments
checked against the function's signature when it is issued, not when it runs)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import MemcpyError, user_boundaries
from ..sim.engine import Engine
from ..types import type_name

if TYPE_CHECKING:
    from .runtime import SdkRuntime


@user_boundaries
class MemcpyTask:
    """Handle of a host command issued with `nonblock=True` (`wait()`, `done()`)."""

    def __init__(self, runtime: "SdkRuntime", command, label: str):
        self._runtime = runtime
        self.command = command
        self.label = label
        self.started = False
        self.ready_at: int | None = None
        self.finished = False
        self.merged = False     # nonblocking behind a pending command: it comes with that one
        self.blocking = False   # its call waits for it (pending only if that wait failed)

    def done(self) -> bool:
        """Has the command finished? (does not run the device)"""
        return self.finished

    def wait(self) -> None:
        """Run the device until the command has finished."""
        self._runtime._drive(lambda: self.finished)

    def __repr__(self) -> str:
        return f"<{self.label}: {'done' if self.finished else 'pending'}>"


class Launch:
    """`launch(name, *args)`: run the exported function on every PE, wait for unblock."""

    def __init__(self, engine: Engine, name: str, args: tuple, what: str):
        self.engine, self.name = engine, name
        self.args_of_image = []
        for k, image in enumerate(engine.images):
            task = image.exports.get(name)
            if task is None:
                x, y = engine.pe_xy(int(np.flatnonzero(engine.pe_image == k)[0]))
                kind = next((t.kind for t in image.tasks if t.name == name), None)
                why = (f": '{name}' is a {kind} task, not an exported function; decorate it "
                       "with @p.export instead" if kind else f" exports no function '{name}'")
                raise MemcpyError(f"{what}: PE ({x}, {y}) [program {image.program.name}]{why} "
                                  f"(exports: {', '.join(image.exports) or 'none'}); every PE "
                                  "must export it — give idle PEs a stub that calls "
                                  "sys.unblock_cmd_stream()")
            self.args_of_image.append(_launch_args(task, args, what))

    def start(self) -> None:
        self.engine.launch(self.name, self.args_of_image)

    def done(self) -> bool:
        st = self.engine.st
        return st.n_unblocked[0] == len(st.cmd_unblocked) and not self.engine.launch_pending

    def progress(self) -> str:
        st = self.engine.st
        text = (f"{st.n_unblocked[0]} of {len(st.cmd_unblocked)} PE(s) called "
                "sys.unblock_cmd_stream()")
        if self.engine.launch_pending:
            text += f"; {self.engine.launch_pending} PE(s) have not started '{self.name}' yet"
        return text


def _launch_args(task, args, what) -> tuple:
    if len(args) != len(task.arg_types):
        sig = ", ".join(type_name(t) for t in task.arg_types)
        raise MemcpyError(f"{what}: '{task.name}({sig})' takes {len(task.arg_types)} argument(s), "
                          f"got {len(args)}")
    out = []
    for i, (value, dt) in enumerate(zip(args, task.arg_types)):
        arr = np.asarray(value)
        bad = arr.ndim != 0 or arr.dtype.kind not in "biuf"
        if not bad and dt.kind in "iu":
            bad = arr.dtype.kind == "f" or not (np.iinfo(dt).min <= int(arr) <= np.iinfo(dt).max)
        if bad:
            raise MemcpyError(f"{what}: argument {i + 1} of '{task.name}' must be a scalar that "
                              f"fits {type_name(dt)}, got {value!r}")
        out.append(dt.type(arr.item()))
    return tuple(out)
