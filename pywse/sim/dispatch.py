"""Compiled dispatch: a generated numba module runs the scheduler and the task bodies
together, so a run never returns to Python between tasks.

A task body's lifted arguments differ per PE (array views at the PE's memory offset, param
values) but their *types* are shared: the generated code rebuilds them from two tables, one
row per (program image, task): `I` (array offsets and sizes, integers) and `F` (floats).
Rows whose arguments have the same types form a group, and each group gets a small
trampoline that builds the arguments and calls the compiled task. The module's text (and so
numba's disk cache) depends only on the groups, never on PE counts or param values.

A task whose arguments cannot be rebuilt this way (group -1) still runs, from Python.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
from numba.core import types
from numba.core.errors import NumbaError
from numba.extending import intrinsic

from ..errors import TaskError
from .jit import numba_site, numba_summary

CACHE_DIR = Path(os.environ.get("PYWSE_CACHE_DIR", Path.home() / ".cache" / "pywse"))


class _Unsupported(Exception):
    pass


class _Flattener:
    """Turns one task's lifted values into an expression over `I`/`F` plus their columns."""

    def __init__(self, arena: np.ndarray, base: int):
        self.arena, self.base = arena, base
        self.ints: list[int] = []
        self.floats: list[float] = []
        self.imports: dict[str, str] = {}

    def _int(self, v) -> str:
        self.ints.append(int(v))
        return f"I[row, {len(self.ints) - 1}]"

    def expr(self, v) -> str:
        if isinstance(v, np.ndarray):
            return self._array(v)
        if isinstance(v, tuple):
            parts = [self.expr(x) for x in v]
            if hasattr(type(v), "_fields"):
                cls = type(v)
                self.imports[cls.__name__] = cls.__module__
                return f"{cls.__name__}({', '.join(parts)})"
            return "(" + "".join(p + ", " for p in parts) + ")"
        if isinstance(v, (bool, np.bool_)):
            return f"({self._int(v)} != 0)"
        if isinstance(v, int):
            return self._int(v)
        if isinstance(v, np.integer):
            return f"np.{v.dtype.name}({self._int(v)})"
        if isinstance(v, (float, np.floating)):
            self.floats.append(float(v))
            col = f"F[row, {len(self.floats) - 1}]"
            return col if isinstance(v, float) else f"np.{v.dtype.name}({col})"
        raise _Unsupported(type(v).__name__)

    def _array(self, a: np.ndarray) -> str:
        start = a.__array_interface__["data"][0] - self.arena.__array_interface__["data"][0]
        if not a.flags.c_contiguous or not 0 <= start <= self.arena.nbytes - a.nbytes:
            raise _Unsupported("an array outside PE memory")
        off = self._int(start - self.base)
        shape = ", ".join(self._int(d) for d in a.shape)
        return f"numba.carray(arena_at(st.arena, b + {off}), ({shape},), np.{a.dtype.name})"


@intrinsic
def arena_at(typingctx, arena, offset):
    """A raw pointer to byte `offset` of the arena. Task arguments are built on it with
    numba.carray: arrays without a reference count (the engine keeps the arena alive), so a
    task call costs no atomic increments and decrements."""
    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        return builder.gep(data, [args[1]])
    return types.voidptr(arena, types.intp), codegen


def wavelet_exprs(kind: str, arg_types: tuple) -> list[str]:
    """Expressions decoding a task's arguments from its wavelet `w` or the launch
    arguments (as engine.task_args does)."""
    if kind == "control":
        return ["np.uint16(w & 0xFFFF)"] if arg_types else []
    if kind not in ("data", "export"):
        return []
    out = []
    for k, t in enumerate(arg_types):
        if kind == "export":       # a launch argument: one 32-bit word each
            word = f"st.rpc_bits[st.pe_img[pe], {k}]"
            out.append(_decode(t, word, word))
        else:
            out.append(_decode(t, "w", "(w & 0xFFFF)" if k == 0 else "(w >> 16)"))
    return out


def _decode(t, word: str, half: str) -> str:
    """A typed value from a 32-bit `word` (4-byte types) or a 16-bit `half` (2-byte ones)."""
    if t.itemsize == 4:
        return f"_f32_from_bits({word})" if t == np.float32 else f"np.{t.name}({word})"
    if t == np.float16:
        return f"f16_bits_to_f32({half})"
    return f"np.{t.name}(np.uint16({half}))"


def flatten(arena, base, values) -> tuple[str, list[int], list[float], dict] | None:
    """(argument expression, int columns, float columns, imports), or None if unsupported."""
    fl = _Flattener(arena, base)
    try:
        args = [fl.expr(v) for v in values]
    except _Unsupported:
        return None
    return ", ".join(args), fl.ints, fl.floats, fl.imports


_HEADER = '''"""Generated by pywse.sim.dispatch ({key}); do not edit."""
import numba
import numpy as np
from pywse.sim import sched
from pywse.sim.cslops import _f32_from_bits, f16_bits_to_f32
from pywse.sim.dispatch import arena_at
{imports}
'''

_LOOP = '''

@numba.njit(cache=True)
def run(st, I, F, group, t_limit, single, events):
    ran = 0
    while True:
        code, pe, row, w = sched.next_task(st, t_limit, single, events)
        if code != sched.RUN or row < 0 or group[row] < 0:
            return code, pe, row, w, ran
        g = group[row]
{branches}
        sched.finish_task(st, pe)
        ran += 1
        if single:
            return sched.STEPPED, pe, row, w, ran
'''


def generate(groups: list[tuple[str, str, str]], imports: dict[str, str], salt: str) -> str:
    """Module text for `groups` = [(task function name, argument expr, wavelet args)]."""
    body = [_HEADER.format(key=salt, imports="\n".join(
        f"from {mod} import {name}" for name, mod in sorted(imports.items())))]
    for g, (fname, args, wargs) in enumerate(groups):
        call = ", ".join(x for x in ("st, pe", args, wargs) if x)
        body.append(f"\nT{g} = None   # {fname}, bound by the engine before the first call\n\n\n"
                    f"@numba.njit(cache=True)\ndef _g{g}(st, pe, row, w, I, F):\n"
                    f"    b = st.mem_base[pe]\n    T{g}({call})\n")
    branches = "\n".join(f"        {'if' if g == 0 else 'elif'} g == {g}:\n"
                         f"            _g{g}(st, pe, row, w, I, F)" for g in range(len(groups)))
    body.append(_LOOP.format(branches=branches or "        pass"))
    return "".join(body)


def load_module(text: str):
    """Write `text` to the cache directory (once) and import it."""
    digest = hashlib.sha1(text.encode()).hexdigest()[:16]
    path = CACHE_DIR / f"pywse_dispatch_{digest}.py"
    if not path.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    if path.stem in sys.modules:
        return sys.modules[path.stem]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module     # numba's disk cache re-imports it by name
    spec.loader.exec_module(module)
    return module


def precompile(task, fn, example_args: tuple) -> None:
    """Compile a task for its argument types now, so a numba error names the task."""
    import numba
    try:
        fn.compile(tuple(numba.typeof(a) for a in example_args))
    except NumbaError as e:
        raise TaskError(f"task '{task.name}' cannot be compiled by numba: {numba_summary(e)}").at(
            numba_site(e, task.fn), hint="Run with jit=False (or PYWSE_JIT=0) to run it as "
            "plain Python and debug it.") from None
