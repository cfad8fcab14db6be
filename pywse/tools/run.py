"""`pywse run`: run a Cerebras host script (`cs_python run.py`) unchanged.

For the duration of the run, and in this process only, the SDK's module names point at
pywse's drop-in faces through `sys.modules` (nothing named `cerebras` is installed on disk):

    cerebras.sdk.runtime.sdkruntimepybind  ->  pywse.sdkruntime
    cerebras.sdk.sdk_utils                 ->  pywse.sdk_utils
    cerebras.geometry.geometry             ->  pywse.geometry
    cerebras.sdk.debug.debug_util          ->  pywse.lib.debug_util   (read_trace)

The parent packages (`cerebras`, `cerebras.sdk`, ...) are empty stand-ins. The faces are
looked up by module name when the run starts: this layer never imports them statically, as
the layer rule asks. Any other `cerebras.*` import fails with a message naming the modules
pywse provides.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import runpy
import sys
import types
from pathlib import Path

from ..errors import ScriptError

ALIASES = {
    "cerebras.sdk.runtime.sdkruntimepybind": "pywse.sdkruntime",
    "cerebras.sdk.sdk_utils": "pywse.sdk_utils",
    "cerebras.geometry.geometry": "pywse.geometry",
    "cerebras.sdk.debug.debug_util": "pywse.lib.debug_util",
}
ROOT = "cerebras"


def _parents(name: str) -> list[str]:
    """'a.b.c' -> ['a', 'a.b']."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


STAND_INS = sorted({p for alias in ALIASES for p in _parents(alias)})


class _NoTwinFinder(importlib.abc.MetaPathFinder):
    """Turns an import of an SDK module pywse has no twin for into a clear error."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == ROOT or fullname.startswith(ROOT + "."):
            raise ModuleNotFoundError(
                f"pywse run: {fullname} has no pywse twin; pywse provides "
                f"{', '.join(ALIASES)} (as {', '.join(ALIASES.values())})", name=fullname)
        return None


@contextlib.contextmanager
def sdk_aliases():
    """Make the SDK's module names import pywse's faces, inside the `with` block only."""
    names = STAND_INS + list(ALIASES)
    saved = {n: sys.modules[n] for n in names if n in sys.modules}
    finder = _NoTwinFinder()
    try:
        for name in STAND_INS:
            stand_in = types.ModuleType(name, f"pywse run: stand-in for the SDK's {name}")
            stand_in.__path__ = []     # a package, so `import cerebras.sdk.x` looks in it
            sys.modules[name] = stand_in
        for alias, target in ALIASES.items():
            sys.modules[alias] = importlib.import_module(target)
        for name in names:             # `import cerebras.sdk.sdk_utils` binds attributes too
            parent, _, child = name.rpartition(".")
            if parent:
                setattr(sys.modules[parent], child, sys.modules[name])
        sys.meta_path.insert(0, finder)
        yield
    finally:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def find_script(script) -> Path:
    """The absolute path of the host script `script`, or a `pw.ScriptError` saying what is wrong."""
    path = Path(script)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ScriptError(f"host script {str(script)!r} {what}; give the path of the Python "
                          "host script to run, e.g. `pywse run run.py --name out`")
    return path.resolve()


def run_script(script, args=()) -> int:
    """Run `script` as `python script *args` would, with the SDK names aliased to pywse.

    The script runs as `__main__` (its `__file__` absolute) with `sys.argv = [script, *args]`
    and its folder first on `sys.path`. Returns its exit code (0, or what it passed to
    `sys.exit`); an exception it raises propagates. A missing script raises `pw.ScriptError`.
    """
    path = find_script(script)
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [str(script), *args]
    sys.path.insert(0, str(path.parent))
    try:
        with sdk_aliases():
            runpy.run_path(str(path), run_name="__main__")
    except SystemExit as e:
        return _exit_code(e.code)
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
    return 0


def _exit_code(code) -> int:
    """What the interpreter makes of `sys.exit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
