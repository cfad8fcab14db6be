"""The error hierarchy: every user mistake is a `PywseError` naming where and how to fix it.

An error about a line of the user's code points at it: `err.at(site)` sets `err.file` and
`err.line` and quotes the line with carets under it, as Python's tracebacks do. A `Site` is
taken from a live frame (`caller_site`: the first frame above pywse's own, the call that
configured something), from a traceback (`site_of_tb`: the deepest frame of the user's code,
a task body's failing line) or from a function (`def_site`: its `def` line).

Where a `PywseError` leaves pywse for the user's code (`user_boundary`, `surface`), the
error is pointed at the user's line if nothing pointed it yet, and pywse's and numba's frames
are dropped from its traceback and from those of its `__cause__` / `__context__` chain;
`PYWSE_FULL_TRACEBACK=1` keeps every frame. This module imports nothing of pywse (every
layer imports it).
"""
from __future__ import annotations

import ast
import functools
import inspect
import itertools
import linecache
import os
import re
import sys
import sysconfig
import types as pytypes


class PywseError(Exception):
    """Base class of every error pywse raises for a user mistake.

    `file` and `line` name the line of the user's code the error is about (None if none is);
    the message then ends with that line, quoted."""

    file: str | None = None
    line: int | None = None

    def at(self, site: "Site | None", label: str = "", hint: str = "") -> "PywseError":
        """Point this error at `site` unless it already points somewhere: set `file` and
        `line`, append the quoted line (after `label`, if given) and then `hint`."""
        if site is None or self.file is not None:
            return self
        self.file, self.line = site.file, site.line
        text = str(self.args[0]) if self.args else ""
        text += "\n" + site.quote(label) + (f"\n{hint}" if hint else "")
        self.args = (text,) + tuple(self.args[1:])
        return self

    def also(self, site: "Site | None", label: str) -> "PywseError":
        """Quote a second line that bears on the error (after `label`); `file` and `line`
        stay the first line's."""
        if site is not None:
            text = str(self.args[0]) if self.args else ""
            self.args = (f"{text}\n{site.quote(label)}",) + tuple(self.args[1:])
        return self


class ProgramError(PywseError):
    """A PE program (comptime code, vars, DSDs, task declarations) is malformed."""


class TaskError(PywseError):
    """A task body cannot be compiled, or failed while running on a PE."""


class LayoutError(PywseError):
    """The layout or a compile option breaks one of cslc's rules."""


class RoutingError(LayoutError):
    """The routing graph is wrong (colors, routes, memcpy-reserved resources)."""


class RoutingWarning(UserWarning):
    """Routes cslc accepts that lose or starve wavelets (layout/lints.py); an error under
    `pw.compile(..., strict=True)`."""


class UnreachableTaskWarning(UserWarning):
    """A local task that nothing can ever activate (or that starts blocked and nothing
    unblocks): `pw.compile` warns at its `def` (dsl/reach.py)."""


class JitWarning(UserWarning):
    """Under the tiered mode (jit "auto", the default), a task body could not be compiled
    in the background, or its compiled code could not be read back from numba's cache: the
    run went on, as plain Python, with the same results."""


class MemcpyError(PywseError):
    """A host command (memcpy, launch, read_symbol) got bad arguments."""


class MemcpyWarning(UserWarning):
    """A host command that runs but loses data: 16-bit copy-mode values with bits above the
    low 16, which memcpy drops."""


class DeadlockError(PywseError):
    """The simulation can make no more progress while work is still pending."""


class CycleLimitError(PywseError):
    """A run went past its cycle budget (`max_cycles`, `PYWSE_MAX_CYCLES`) with work left."""


class LivelockError(CycleLimitError):
    """A host command waited past its budget while the fabric kept moving: something runs
    forever (a task that re-triggers itself, wavelets circling). The report names what."""


class ResourceError(PywseError):
    """A layout or program needs more than this machine (or a bound) allows: memory for the
    simulator's state, time for a program's comptime."""


class CostError(PywseError):
    """A platform cost table (`pw.Costs`, `costs=`) names a constant it does not have or
    gives one a value it cannot take."""


class ScriptError(PywseError):
    """`pywse run` cannot start the host script it was given (missing file, a directory)."""


class PictureError(PywseError):
    """A picture (`layout.draw`, `runner.heatmap`, `pywse show`) cannot be made: an image
    suffix other than .png or .svg, matplotlib not installed, a heatmap before anything
    ran or of a metric that does not exist, a file that defines no layout."""


class StatsError(PywseError):
    """The cycle account (`runner.stats()`, `h.stats()`) was asked for what it cannot give:
    an account before anything ran, a metric it does not have, a DataFrame without pandas."""


class TraceError(PywseError):
    """A trace request (`trace=`, `trace_pes=`, `trace_colors=`, `pywse run --trace`) that
    cannot be met: a folder that does not exist, PEs outside the kernel, a color that is no
    color id, a second trace of a running runtime, the perfetto package missing."""


class TraceWarning(UserWarning):
    """A trace file lacks events: its event budget or its buffer filled (the file says so,
    on its `pywse` track, and from which cycle)."""


def pe_name(x: int, y: int) -> str:
    return f"PE ({x}, {y})"


# -- where in the user's code -------------------------------------------------------------------

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_PATHS = sysconfig.get_paths()
_STDLIB = os.path.abspath(_PATHS["stdlib"]) + os.sep
_SITE = tuple(os.path.abspath(_PATHS[k]) + os.sep for k in ("purelib", "platlib"))
_DEF = re.compile(r"\s*((?:async\s+)?def\s+\w+)")
_POINTED = (ProgramError, TaskError, LayoutError)   # errors about a line of the user's code
_CALLER_POINTED = (ProgramError, LayoutError)       # ... and also when raised by the call itself


_INTERNAL = [PACKAGE_DIR]     # numba's folder joins once numba is imported


def internal(filename: str) -> bool:
    """Is this file pywse's own or numba's (frames dropped from the user's traceback), or
    a dispatch module pywse generated?"""
    if len(_INTERNAL) == 1 and "numba" in sys.modules:
        top = getattr(sys.modules["numba"], "__file__", None)
        if top:
            _INTERNAL.append(os.path.dirname(os.path.abspath(top)) + os.sep)
    return filename.startswith(tuple(_INTERNAL)) or \
        os.path.basename(filename).startswith("pywse_dispatch_")


def warn_at_user(warning: Warning, site: "Site | None" = None) -> None:
    """Issue `warning` pointing at the first frame outside pywse (the user's call), or at
    `site` (a call taken earlier, e.g. of a command that runs later)."""
    import warnings
    if site is not None:
        warnings.warn_explicit(warning, type(warning), site.file, site.line)
        return
    frame, level = sys._getframe(1), 2      # stacklevel 2: warn_at_user's caller
    while frame is not None and (internal(frame.f_code.co_filename)
                                 or frame.f_code.co_filename.startswith("<")):
        frame, level = frame.f_back, level + 1
    warnings.warn(warning, stacklevel=level)


def _users(filename: str) -> bool:
    """Could a frame of this file be the user's line an error points at?"""
    if internal(filename) or filename.startswith("<"):
        return False
    return not filename.startswith(_STDLIB) or filename.startswith(_SITE)


class Site:
    """A line of the user's code: file, line, function and (when known) the columns, in
    UTF-8 bytes as `co_positions` gives them. Pickles as plain values (without columns not
    yet worked out: its quote then underlines the statement on the line)."""

    __slots__ = ("file", "line", "name", "_code", "_lasti", "_cols")

    def __init__(self, file: str, line: int, name: str = "?", code=None, lasti: int = -1,
                 cols: tuple[int, int] | None = None):
        self.file, self.line, self.name = file, int(line), name
        self._code, self._lasti, self._cols = code, lasti, cols

    def __reduce__(self):        # columns only if known: working them out costs ~0.1 ms
        return (Site, (self.file, self.line, self.name, None, -1, self._cols))

    def __repr__(self) -> str:
        return f"<Site {self.file}:{self.line}>"

    @classmethod
    def of_frame(cls, frame, lasti: int | None = None, line: int | None = None) -> "Site":
        """The line `frame` is at (columns worked out only when quoted: cheap to take)."""
        return cls(frame.f_code.co_filename, frame.f_lineno if line is None else line,
                   frame.f_code.co_name, frame.f_code,
                   frame.f_lasti if lasti is None else lasti)

    def cols(self) -> tuple[int, int] | None:
        """(start, end) columns on the line, if the expression starts and ends on it."""
        if self._cols is None and self._code is not None and self._lasti >= 0:
            pos = next(itertools.islice(self._code.co_positions(), self._lasti // 2, None),
                       (None,) * 4)
            if pos[0] == pos[1] == self.line and None not in pos[2:]:
                self._cols = (pos[2], pos[3])
            self._code = None
        return self._cols

    def quote(self, label: str = "") -> str:
        """The line as a traceback shows it: file, line, function, source, carets."""
        head = (f"  {label}\n" if label else "") + f'  File "{self.file}", line {self.line}' \
            + (f", in {self.name}" if self.name not in ("?", "", None) else "")
        text = linecache.getline(self.file, self.line).rstrip()
        if not text.strip():
            return head
        body = text.lstrip()
        indent = len(text) - len(body)
        start, end = indent, len(text)
        cols = self.cols()
        if cols is None:                      # the statement on the line, without a comment
            try:
                stmts = ast.parse(body).body
                cols = (indent, indent + len(body.encode()[:stmts[-1].end_col_offset]))
            except (SyntaxError, IndexError, TypeError):
                pass
        if cols is not None:
            raw = text.encode()
            a = len(raw[:cols[0]].decode(errors="replace"))
            b = len(raw[:cols[1]].decode(errors="replace"))
            if indent <= a < b <= len(text):
                start, end = a, b
        return f"{head}\n    {body}\n    {' ' * (start - indent)}{'^' * (end - start)}"


def caller_site(frame=None) -> Site | None:
    """The first frame at or above `frame` (default: the caller's caller) that is not
    pywse's: where the user called in. Cheap (a frame walk), so calls that configure
    something can afford it when they file something new."""
    frame = frame if frame is not None else sys._getframe(2)
    while frame is not None and internal(frame.f_code.co_filename):
        frame = frame.f_back
    return Site.of_frame(frame) if frame is not None else None


def site_of_tb(tb) -> Site | None:
    """The deepest frame of the user's code in a traceback (a task body's failing line)."""
    found = None
    while tb is not None:
        if _users(tb.tb_frame.f_code.co_filename):
            found = tb
        tb = tb.tb_next
    return Site.of_frame(found.tb_frame, found.tb_lasti, found.tb_lineno) if found else None


def def_site(fn) -> Site | None:
    """The `def` line of a function (below its decorators)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    file, first = code.co_filename, code.co_firstlineno
    for line in range(first, first + 40):
        text = linecache.getline(file, line)
        if not text:
            break
        found = _DEF.match(text)
        if found:          # underline `def name`
            return Site(file, line, code.co_name, cols=(len(text[:found.start(1)].encode()),
                                                        len(text[:found.end(1)].encode())))
    return Site(file, first, code.co_name)


COMPILED_NO_LINE = "(compiled code reports no line; the task is defined here)"
EXACT_LINE_HINT = "Run with jit=False (PYWSE_JIT=0) for the exact line."


def at_failure(err: PywseError, exc: BaseException, fn) -> PywseError:
    """Point `err` (a task failed with `exc`) at the user's line that raised: the deepest
    user frame of `exc`'s traceback (plain Python), else, as compiled code keeps no line,
    at the `def` of `fn` with a hint to run it as plain Python."""
    site = site_of_tb(exc.__traceback__)
    if site is not None:
        return err.at(site)
    return err.at(def_site(fn), COMPILED_NO_LINE, EXACT_LINE_HINT)


# -- what the user's traceback shows -------------------------------------------------------

def full_traceback() -> bool:
    """`PYWSE_FULL_TRACEBACK=1`: keep pywse's and numba's frames in tracebacks."""
    return os.environ.get("PYWSE_FULL_TRACEBACK", "").strip().lower() in ("1", "true", "yes", "on")


def trim(exc: BaseException) -> None:
    """Drop pywse's and numba's frames from the traceback of `exc` and of every exception
    in its `__cause__` / `__context__` chain (rebuilt with types.TracebackType)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        kept = []
        tb = e.__traceback__
        while tb is not None:
            if not internal(tb.tb_frame.f_code.co_filename):
                kept.append(tb)
            tb = tb.tb_next
        new = None
        for t in reversed(kept):
            new = pytypes.TracebackType(new, t.tb_frame, t.tb_lasti, t.tb_lineno)
        e.__traceback__ = new
        todo += [e.__cause__, e.__context__]


def surface(exc: PywseError, frame) -> None:
    """`exc` is about to leave pywse at `frame` (a public function's frame): point it at the
    user's code if nothing did (the deepest user frame below `frame`, else, for errors of a
    call's own arguments, the user's call), then trim its traceback. The caller re-raises
    with a bare `raise`, which adds no frame of its own."""
    if isinstance(exc, _POINTED) and exc.file is None:
        site = site_of_tb(exc.__traceback__)
        if site is None and isinstance(exc, _CALLER_POINTED):
            site = caller_site(frame.f_back)
        exc.at(site)
    if not full_traceback():
        trim(exc)


def user_boundary(fn):
    """Decorator for a public function or method: a `PywseError` escaping it points at the
    user's line and carries a traceback of the user's frames only (`surface`)."""
    @functools.wraps(fn)
    def boundary(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PywseError as e:
            surface(e, sys._getframe())
            raise
    return boundary


def user_boundaries(cls: type) -> type:
    """Class decorator: `user_boundary` on `__init__` and every public method."""
    for name, attr in list(vars(cls).items()):
        if inspect.isfunction(attr) and (name == "__init__" or not name.startswith("_")):
            setattr(cls, name, user_boundary(attr))
    return cls
