"""Tiered execution, the default (`jit=None` / `PYWSE_JIT=auto`): task bodies start as plain
Python and compiled code takes over at a task boundary once it is ready.

Why: compiling a new or edited program's task bodies takes numba seconds to minutes, while
most runs of a program under development are short; plain Python answers in about the time
of a cached compiled run. So the engine

1. at its first run, loads the compiled code from numba's disk cache if all of it is there
   (dispatch.Plan.load: never compiles) and runs compiled from the first task;
2. else runs plain, and once the plain tier has taken `AUTO_AFTER_S` of wall time (a run
   long enough to be worth compiling for), forks one background compiler process: it
   inherits the lifted tasks and their argument types, compiles them (each into its
   dispatch wrapper) into numba's disk cache, reports through a pipe and exits;
3. looks for the result every `POLL_S` at task boundaries (a clock read, then a
   non-blocking read of the pipe), loads the compiled code from the cache and switches.

Both tiers work on the same state arrays and the scheduler is the same compiled code, so a
switch at any task boundary keeps memory, outputs and cycle counts identical. A task numba
cannot compile, one using an f16 array directly, or compiled code the cache cannot give back
leave the run plain (for that task, or all of it) with one `JitWarning`; nothing is raised.
The compiler never outlives its user: it is killed by `SdkRuntime.stop()`, the engine's
`close()`, at interpreter exit, and (Linux) by the kernel when its parent dies; there is at
most one per process. Without `os.fork` (Windows) the tiered mode stays plain unless the
cache has everything.
"""
from __future__ import annotations

import atexit
import ctypes
import json
import os
import signal
import sys
import time
import warnings

from ..errors import JitWarning, PywseError, warn_at_user

AUTO_AFTER_S = 0.3   # plain-tier wall time in the engine before a compiler is forked
POLL_S = 0.05        # how often the plain tier looks for the compiler's result
NICE = 10            # the compiler yields the CPU to the run it compiles for

_ON = ("1", "true", "yes", "on")
_OFF = ("0", "false", "no", "off")


def jit_mode(jit: bool | str | None) -> bool | str:
    """Resolve a jit choice: True (compiled from the first task), False (plain Python) or
    "auto" (tiered). An explicit True/False/"auto" wins; None defers to `PYWSE_JIT`
    (1/0/auto), which defaults to "auto"."""
    if jit is None:
        value = os.environ.get("PYWSE_JIT", "auto").strip().lower()
        if value in _ON:
            return True
        if value in _OFF:
            return False
        if value in ("auto", ""):
            return "auto"
        raise PywseError(f"PYWSE_JIT={value!r}: use 1 (compiled), 0 (plain Python) or auto "
                         "(plain first, compiled once ready; the default)")
    if jit is True or jit is False or jit == "auto":
        return jit
    raise PywseError(f"jit={jit!r}: use True (compiled), False (plain Python), \"auto\" or None "
                     "(PYWSE_JIT, else auto)")


NEW, PLAIN, COMPILED, STAY = "new", "plain", "compiled", "plain for good"


class Tiers:
    """The tier of one engine in the tiered mode, and its way to the compiled one."""

    def __init__(self, engine):
        self.engine = engine
        self.state = NEW
        self.plan = None
        self.compiler: Compiler | None = None
        self.plain_s = 0.0           # wall time the engine spent in the plain tier so far
        self._since = 0.0            # when the outermost engine.run() being timed started
        self._next = 0.0             # the clock before which a boundary looks at nothing
        self._schedule: list[tuple[int, bool]] = []

    # -- timing (the engine brackets each outermost run) -------------------------------------
    def enter(self) -> None:
        self._since = time.perf_counter()

    def leave(self) -> None:
        if not self.engine.compiled:
            self.plain_s += time.perf_counter() - self._since

    # -- at every task boundary ---------------------------------------------------------------
    def boundary(self) -> None:
        if self._schedule:
            self._scheduled()
            return
        if self.state is COMPILED or self.state is STAY:
            return
        now = time.perf_counter()
        if now < self._next:
            return
        self._next = now + POLL_S
        if self.state is NEW:
            self._first()
        elif self.compiler is None:
            if self.plain_s + now - self._since >= AUTO_AFTER_S:
                self._fork()
        else:
            result = self.compiler.poll()
            if result is not None:
                self.compiler = None
                self._take(result)

    def _first(self) -> None:
        """Compiled at once if numba's cache holds everything, else plain for now."""
        try:
            self.plan = self.engine.plan()
        except (OSError, RuntimeError) as e:   # no folder for the generated code or its cache
            warn_at_user(JitWarning(f"task bodies cannot be cached ({e}): they run as plain "
                                    "Python; set PYWSE_CACHE_DIR or NUMBA_CACHE_DIR to a "
                                    "writable folder"))
            self.state = STAY
            return
        self.state = PLAIN
        if self.plan.load():
            self._switch()

    def _fork(self) -> None:
        if not hasattr(os, "fork"):
            self.state = STAY
            return
        self.compiler = Compiler.start(self.plan)   # None while another engine's runs

    def _take(self, result: dict) -> None:
        """The compiler is done: warn about what it could not do, load the rest, switch."""
        if "error" in result:
            warn_at_user(JitWarning(f"compiling task bodies in the background failed "
                                    f"({result['error']}); they go on as plain Python"))
            self.state = STAY
            return
        for k, message in result["failed"]:
            warn_at_user(JitWarning(f"{message}\nIt goes on running as plain Python."))
            self.plan.drop(k)
        left = [k for k in range(len(self.plan.groups)) if (self.plan.group == k).any()]
        if not left:
            self.state = STAY
            return
        if not self.plan.load(left):
            warn_at_user(JitWarning("the task bodies compiled in the background could not be "
                                    "read back from numba's cache (is its folder writable? "
                                    "see NUMBA_CACHE_DIR); they go on as plain Python"))
            self.state = STAY
            return
        self._switch()

    def _switch(self) -> None:
        self.plan.link()
        self.engine.use_plan(self.plan)
        self.state = COMPILED

    # -- the test hook ------------------------------------------------------------------------
    def schedule(self, switches: list[tuple[int, bool]]) -> None:
        """Test hook: switch to the compiled tier (True, compiling in this process first)
        or to the plain one (False) once the engine has run that many tasks, instead of
        the automatic choice."""
        self._schedule = sorted(switches)
        self.state = STAY
        if self.plan is None:
            self.plan = self.engine.plan()

    @property
    def stepping(self) -> bool:
        """Does a scheduled switch need the compiled loop to stop after every task?"""
        return bool(self._schedule)

    def _scheduled(self) -> None:
        while self._schedule and self._schedule[0][0] <= self.engine.tasks_run:
            _, compiled = self._schedule.pop(0)
            if compiled and not self.engine.compiled:
                self.plan.compile()
                self.plan.link()
                self.engine.use_plan(self.plan)
            elif not compiled:
                self.engine.compiled = False

    def close(self) -> None:
        if self.compiler is not None:
            self.compiler.kill()
            self.compiler = None


class Compiler:
    """The background compiler process: a fork of this one, reporting through a pipe."""

    running: "Compiler | None" = None      # at most one per process

    def __init__(self, pid: int, fd: int):
        self.pid, self.fd = pid, fd
        self.data = b""

    @classmethod
    def start(cls, plan) -> "Compiler | None":
        """Fork a compiler for `plan`, unless one is running already."""
        if cls.running is not None:
            return None
        parent = os.getpid()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(plan, w, parent)
        os.close(w)
        os.set_blocking(r, False)
        cls.running = cls(pid, r)
        return cls.running

    def poll(self) -> dict | None:
        """The compiler's report once it has finished, else None (never waits)."""
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return None
            if not chunk:
                break
            self.data += chunk
        self._end()
        try:
            return json.loads(self.data)
        except ValueError:
            return {"error": "the compiler process ended without a report"}

    def kill(self) -> None:
        if Compiler.running is self:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._end()

    def _end(self) -> None:
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        os.close(self.fd)
        Compiler.running = None


def _kill_running() -> None:
    if Compiler.running is not None:
        Compiler.running.kill()


atexit.register(_kill_running)


def _child(plan, fd: int, parent: int) -> None:
    """The compiler process: compile `plan` into numba's disk cache, report, exit. It never
    returns, runs no atexit handler and flushes nothing of its parent's (os._exit)."""
    code, report = 1, {"error": "interrupted"}
    try:
        if sys.platform.startswith("linux"):      # die with the parent, even if it is killed
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)          # PR_SET_PDEATHSIG
        if os.getppid() != parent:
            os._exit(1)
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):                     # numba's and LLVM's words are not the user's
            os.dup2(null, std)
        os.nice(NICE)
        warnings.simplefilter("ignore")
        failed = plan.compile(keep_going=True, wanted=lambda: os.getppid() == parent)
        code, report = 0, {"failed": [(k, str(err)) for k, err in failed]}
    except BaseException as e:     # a pywse bug: the parent warns and stays plain
        report = {"error": f"{type(e).__name__}: {e}"}
    finally:
        try:
            data = json.dumps(report).encode()
            os.set_blocking(fd, True)
            while data:
                data = data[os.write(fd, data):]
        finally:
            os._exit(code)
