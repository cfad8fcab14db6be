"""Compiled dispatch: one numba loop runs the scheduler and the compiled task bodies, so a
run never returns to Python between tasks.

A task body's lifted arguments differ per PE (array views at the PE's memory offset, param
values) but their *types* are shared: a small generated *wrapper* rebuilds them from two
tables, one row per (program image, task): `I` (array offsets and sizes, integers) and `F`
(floats). Rows of the same task whose arguments have the same shape of expression form a
group, with one wrapper; the task body is inlined into it (numba's `inline="always"`), so
the wrapper is the task's one compilation and its argument arrays are never materialized.

The loop (`run`) is pywse's own code, compiled once and cached with the engine, and names no
task: it calls each group's wrapper through its native address with five scalars (the state,
the PE, the wavelet and the group's table rows; `call_at`). A wrapper's generated text names
only its own task (and what the task's code depends on, taskcache.stamp), so a new or edited
task compiles its wrappers and nothing else. Before, the loop was one generated module
naming every task, linking the scheduler and every task into it, compiled again after any
edit (docs/performance.md, "edit_loop").

A task whose arguments cannot be rebuilt this way (group -1) still runs, from Python.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path

import numba
import numpy as np
from numba.core import cgutils, types
from numba.core.errors import NumbaError
from numba.extending import intrinsic

from ..errors import TaskError
from . import numba_errors, sched, taskcache
from .jit import PYWSE_HASH

CACHE_DIR = Path(os.environ.get("PYWSE_CACHE_DIR", Path.home() / ".cache" / "pywse"))


class _Unsupported(Exception):
    pass


class _Flattener:
    """Turns one task's lifted values into an expression over its table rows (`peek_i(I,
    k)`, `peek_f(F, k)`) plus the columns it reads."""

    def __init__(self, arena: np.ndarray, base: int):
        self.arena, self.base = arena, base
        self.ints: list[int] = []
        self.floats: list[float] = []
        self.imports: dict[str, str] = {}

    def _int(self, v) -> str:
        self.ints.append(int(v))
        return f"peek_i(I, {len(self.ints) - 1})"

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
            col = f"peek_f(F, {len(self.floats) - 1})"
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


def _peek(ty):
    @intrinsic
    def peek(typingctx, address, k):
        """Item `k` of the table row at native `address` (a wrapper's I or F row)."""
        def codegen(context, builder, sig, args):
            ptr = builder.inttoptr(args[0], context.get_value_type(ty).as_pointer())
            return builder.load(builder.gep(ptr, [args[1]]))
        return ty(address, k), codegen
    return peek


peek_i, peek_f = _peek(types.int64), _peek(types.float64)


@intrinsic
def call_at(typingctx, address, args):
    """Call the compiled function at native `address` with the tuple `args` (numba's own
    calling convention, no return value); an exception it raises propagates as from a
    direct call. Compiled code calling through an address never links the callee's code
    into its own, so the caller need not be compiled again when the callee changes."""
    argtys = tuple(args.types)

    def codegen(context, builder, sig, llargs):
        fnty = context.call_conv.get_function_type(types.none, argtys)
        fn = builder.inttoptr(llargs[0], fnty.as_pointer())
        values = [builder.extract_value(llargs[1], k) for k in range(len(argtys))]
        status, _ = context.call_conv.call_function(builder, fn, types.none, argtys, values)
        with cgutils.if_unlikely(builder, status.is_error):
            context.call_conv.return_status_propagate(builder, status)
        return context.get_dummy_value()
    return types.none(address, args), codegen


@numba.njit(cache=True)
def run(st, I, F, group, addrs, t_limit, single, events):
    """Run tasks until one cannot run compiled, a host-visible event, or nothing moves:
    (code, pe, row, wavelet, tasks run). Group g's wrapper is at native address addrs[g]."""
    ran = 0
    i_row, f_row = I.shape[1] * 8, F.shape[1] * 8
    i_at, f_at = I.ctypes.data, F.ctypes.data
    while True:
        code, pe, row, w = sched.next_task(st, t_limit, single, events)
        if code != sched.RUN or row < 0 or group[row] < 0:
            return code, pe, row, w, ran
        call_at(addrs[group[row]], (st, np.int64(pe), np.uint32(w),
                                    np.int64(i_at + row * i_row), np.int64(f_at + row * f_row)))
        sched.finish_task(st, pe)
        ran += 1
        if single:
            return sched.STEPPED, pe, row, w, ran


def wavelet_args(kind: str, arg_types: tuple) -> list[str]:
    """Expressions decoding a task's arguments from its wavelet `w` or the launch arguments
    (as engine.task_args does)."""
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


_WRAPPER = '''"""Generated by pywse.sim.dispatch ({salt}); do not edit.
Calls task {task} (code stamp {stamp}), inlined."""
import numba
import numpy as np
from pywse.sim.cslops import _f32_from_bits, f16_bits_to_f32
from pywse.sim.dispatch import arena_at, peek_f, peek_i
{imports}

T = None   # the task's dispatcher, bound before compiling


@numba.njit(cache=True, boundscheck=True)
def wrapper(st, pe, w, I, F):
    b = st.mem_base[pe]
    T({call})
'''


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


class Group:
    """Rows whose task body and argument expression are the same: one wrapper."""

    def __init__(self, task, wrapper, sig: tuple):
        self.task, self.wrapper, self.sig = task, wrapper, sig


class Plan:
    """What the compiled loop needs for one engine: the groups, the row -> group table,
    the argument tables and, once compiled or loaded, the wrappers' native addresses."""

    def __init__(self, stj, n_rows: int, rows):
        """`rows`: (row, task, task dispatcher, arena, PE base, lifted values) for every
        row that may run compiled."""
        self.groups: list[Group] = []
        self.group = np.full(max(n_rows, 1), -1, np.int64)
        sig = (numba.typeof(stj), types.int64, types.uint32, types.int64, types.int64)
        self.loop_sig = (sig[0], types.int64[:, ::1], types.float64[:, ::1], types.int64[::1],
                         types.int64[::1], types.int64, types.boolean, types.int64)
        keys: dict[tuple, int] = {}
        cols = []
        for row, task, fn, arena, base, lifted in rows:
            fl = _Flattener(arena, base)
            try:
                args = [fl.expr(v) for v in lifted]
            except _Unsupported:
                continue
            call = ", ".join(["st", "pe", *args, *wavelet_args(task.kind, task.arg_types)])
            key = (id(fn), call)
            if key not in keys:
                py_fn = fn.py_func
                text = _WRAPPER.format(
                    salt=PYWSE_HASH[:16], task=py_fn.__qualname__, stamp=py_fn.pywse_stamp,
                    call=call, imports="\n".join(f"from {mod} import {name}"
                                      for name, mod in sorted(fl.imports.items())))
                module = load_module(text)
                module.T = fn
                keys[key] = len(self.groups)
                self.groups.append(Group(task, module.wrapper, sig))
            self.group[row] = keys[key]
            cols.append((row, fl.ints, fl.floats))
        ni = max([len(i) for _, i, _ in cols] + [1])
        nf = max([len(f) for _, _, f in cols] + [1])
        self.lift_i = np.zeros((len(self.group), ni), np.int64)
        self.lift_f = np.zeros((len(self.group), nf), np.float64)
        for row, ints, floats in cols:
            self.lift_i[row, :len(ints)] = ints
            self.lift_f[row, :len(floats)] = floats
        self.addrs = np.zeros(max(len(self.groups), 1), np.int64)

    def compile(self, keep_going: bool = False, wanted=lambda: True) -> list[tuple[int, TaskError]]:
        """Compile (or load from the cache) everything; a task numba refuses raises its
        TaskError, or with `keep_going` is returned as (group, error) and the rest goes on.
        Stops early once `wanted()` is false (a background compiler whose parent died)."""
        failed = []
        for k, g in enumerate(self.groups):
            if not wanted():
                break
            try:
                g.wrapper.compile(g.sig)
            except NumbaError as e:
                if not keep_going:
                    raise numba_errors.compile_error(g.task, e) from None
                failed.append((k, numba_errors.compile_error(g.task, e)))
        run.compile(self.loop_sig)
        return failed

    def load(self, groups=None) -> bool:
        """Load the compiled code of `groups` (default: all) and the loop from numba's disk
        cache, never compiling: False if something is missing."""
        chosen = self.groups if groups is None else [self.groups[k] for k in groups]
        return (all(taskcache.load(g.wrapper, g.sig) for g in chosen)
                and taskcache.load(run, self.loop_sig))

    def drop(self, k: int) -> None:
        """Group `k` runs from Python from now on."""
        self.group[self.group == k] = -1

    def link(self) -> None:
        """Fill the address table from the compiled code."""
        for k, g in enumerate(self.groups):
            if (self.group == k).any():
                self.addrs[k] = taskcache.address(g.wrapper, g.sig)

    def compiled(self) -> list[tuple[str, list]]:
        """(task name, [argument types]) of every group compiled or loaded."""
        return [(g.task.name, [g.sig]) for g in self.groups if tuple(g.sig) in g.wrapper.overloads]

    def call(self, stj, t_limit: int, single: bool, events: int):
        return run(stj, self.lift_i, self.lift_f, self.group, self.addrs, t_limit, single,
                   events)
