"""Compiled dispatch: one numba loop runs the scheduler and the compiled task bodies, so a
run never returns to Python between tasks.

A task body's lifted arguments differ per PE (array views at the PE's memory offset, param
values) but their *types* are shared: a small generated *trampoline* rebuilds them from two
tables, one row per (program image, task): `I` (array offsets and sizes, integers) and `F`
(floats). Rows whose arguments have the same types and shapes of expression form a group.

Nothing compiled here names a task. The loop (`run`) is pywse's own code, compiled once and
cached with the engine; it calls each group's trampoline through its native address, and
the trampoline calls the task body the same way (`call_at`). A trampoline's text depends
only on how it rebuilds the arguments, so it is shared by every task and program with the
same argument layout. A new or edited task therefore costs the compile of its own body:
before, the loop was one generated module naming every task (and linking the scheduler and
every task into it), compiled again after any edit (docs/performance.md, "edit_loop").

A task whose arguments cannot be rebuilt this way (group -1), or that returns a value,
still runs, from Python.
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
from . import sched, taskcache
from .jit import PYWSE_HASH, numba_site, numba_summary

CACHE_DIR = Path(os.environ.get("PYWSE_CACHE_DIR", Path.home() / ".cache" / "pywse"))


class _Unsupported(Exception):
    pass


class _Flattener:
    """Turns one task's lifted values into an expression over `I`/`F`, the numba type that
    expression has, and the table columns it reads."""

    def __init__(self, arena: np.ndarray, base: int):
        self.arena, self.base = arena, base
        self.ints: list[int] = []
        self.floats: list[float] = []
        self.imports: dict[str, str] = {}

    def _int(self, v) -> str:
        self.ints.append(int(v))
        return f"I[row, {len(self.ints) - 1}]"

    def expr(self, v) -> tuple[str, types.Type]:
        if isinstance(v, np.ndarray):
            return self._array(v)
        if isinstance(v, tuple):
            parts = [self.expr(x) for x in v]
            texts, tys = [p[0] for p in parts], [p[1] for p in parts]
            if hasattr(type(v), "_fields"):
                cls = type(v)
                self.imports[cls.__name__] = cls.__module__
                return f"{cls.__name__}({', '.join(texts)})", types.BaseTuple.from_types(tys, cls)
            return "(" + "".join(t + ", " for t in texts) + ")", types.BaseTuple.from_types(tys)
        if isinstance(v, (bool, np.bool_)):
            return f"({self._int(v)} != 0)", types.boolean
        if isinstance(v, int):
            return self._int(v), types.int64
        if isinstance(v, np.integer):
            return f"np.{v.dtype.name}({self._int(v)})", numba.from_dtype(v.dtype)
        if isinstance(v, (float, np.floating)):
            self.floats.append(float(v))
            col = f"F[row, {len(self.floats) - 1}]"
            if isinstance(v, float):
                return col, types.float64
            return f"np.{v.dtype.name}({col})", numba.from_dtype(v.dtype)
        raise _Unsupported(type(v).__name__)

    def _array(self, a: np.ndarray) -> tuple[str, types.Type]:
        start = a.__array_interface__["data"][0] - self.arena.__array_interface__["data"][0]
        if not a.flags.c_contiguous or not 0 <= start <= self.arena.nbytes - a.nbytes:
            raise _Unsupported("an array outside PE memory")
        off = self._int(start - self.base)
        shape = ", ".join(self._int(d) for d in a.shape)
        return (f"numba.carray(arena_at(st.arena, b + {off}), ({shape},), np.{a.dtype.name})",
                types.Array(numba.from_dtype(a.dtype), a.ndim, "C"))


@intrinsic
def arena_at(typingctx, arena, offset):
    """A raw pointer to byte `offset` of the arena. Task arguments are built on it with
    numba.carray: arrays without a reference count (the engine keeps the arena alive), so a
    task call costs no atomic increments and decrements."""
    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        return builder.gep(data, [args[1]])
    return types.voidptr(arena, types.intp), codegen


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
    (code, pe, row, wavelet, tasks run). Group g's trampoline is at addrs[g, 0], its task
    body at addrs[g, 1]."""
    ran = 0
    while True:
        code, pe, row, w = sched.next_task(st, t_limit, single, events)
        if code != sched.RUN or row < 0 or group[row] < 0:
            return code, pe, row, w, ran
        g = group[row]
        call_at(addrs[g, 0], (st, np.int64(pe), np.int64(row), np.uint32(w), I, F, addrs[g, 1]))
        sched.finish_task(st, pe)
        ran += 1
        if single:
            return sched.STEPPED, pe, row, w, ran


def wavelet_args(kind: str, arg_types: tuple) -> list[tuple[str, types.Type]]:
    """(expression, numba type) of each task argument decoded from its wavelet `w` or the
    launch arguments (as engine.task_args does)."""
    if kind == "control":
        return [("np.uint16(w & 0xFFFF)", types.uint16)] if arg_types else []
    if kind not in ("data", "export"):
        return []
    out = []
    for k, t in enumerate(arg_types):
        ty = types.float32 if t == np.float16 else numba.from_dtype(t)
        if kind == "export":       # a launch argument: one 32-bit word each
            word = f"st.rpc_bits[st.pe_img[pe], {k}]"
            out.append((_decode(t, word, word), ty))
        else:
            out.append((_decode(t, "w", "(w & 0xFFFF)" if k == 0 else "(w >> 16)"), ty))
    return out


def _decode(t, word: str, half: str) -> str:
    """A typed value from a 32-bit `word` (4-byte types) or a 16-bit `half` (2-byte ones)."""
    if t.itemsize == 4:
        return f"_f32_from_bits({word})" if t == np.float32 else f"np.{t.name}({word})"
    if t == np.float16:
        return f"f16_bits_to_f32({half})"
    return f"np.{t.name}(np.uint16({half}))"


_TRAMPOLINE = '''"""Generated by pywse.sim.dispatch ({salt}); do not edit."""
import numba
import numpy as np
from pywse.sim.cslops import _f32_from_bits, f16_bits_to_f32
from pywse.sim.dispatch import arena_at, call_at
{imports}


@numba.njit(cache=True)
def trampoline(st, pe, row, w, I, F, task):
    b = st.mem_base[pe]
    call_at(task, ({call},))
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


def compile_error(task, e: NumbaError) -> TaskError:
    """A numba failure on a task body, in words, at the user's line."""
    return TaskError(f"task '{task.name}' cannot be compiled by numba: {numba_summary(e)}").at(
        numba_site(e, task.fn), hint="Run with jit=False (or PYWSE_JIT=0) to run it as "
        "plain Python and debug it.")


_TABLE_I, _TABLE_F = types.int64[:, ::1], types.float64[:, ::1]   # I, F, addrs, group
_GROUP = types.int64[::1]


class Group:
    """Rows whose task body and argument layout are the same: one compiled task, called
    through one trampoline."""

    def __init__(self, task, fn, sig: tuple, trampoline, tramp_sig: tuple):
        self.task, self.fn, self.sig = task, fn, sig
        self.trampoline, self.tramp_sig = trampoline, tramp_sig


class Plan:
    """What the compiled loop needs for one engine: the groups, the row -> group table,
    the argument tables and, once compiled or loaded, the native addresses."""

    def __init__(self, stj, n_rows: int, rows):
        """`rows`: (row, task, compiled task dispatcher, arena, PE base, lifted values)
        for every row that may run compiled."""
        self.groups: list[Group] = []
        self.group = np.full(max(n_rows, 1), -1, np.int64)
        st_t = numba.typeof(stj)
        tramp_sig = (st_t, types.int64, types.int64, types.uint32, _TABLE_I, _TABLE_F,
                     types.int64)
        self.loop_sig = (st_t, _TABLE_I, _TABLE_F, _GROUP, _TABLE_I, types.int64,
                         types.boolean, types.int64)
        keys: dict[tuple, int] = {}
        cols = []
        for row, task, fn, arena, base, lifted in rows:
            fl = _Flattener(arena, base)
            try:
                parts = [fl.expr(v) for v in lifted]
            except _Unsupported:
                continue
            parts += wavelet_args(task.kind, task.arg_types)
            call = ", ".join(["st", "pe"] + [p[0] for p in parts])
            key = (id(fn), call)
            if key not in keys:
                text = _TRAMPOLINE.format(salt=PYWSE_HASH[:16], call=call, imports="\n".join(
                    f"from {mod} import {name}" for name, mod in sorted(fl.imports.items())))
                keys[key] = len(self.groups)
                self.groups.append(Group(task, fn, (st_t, types.int64, *[p[1] for p in parts]),
                                         load_module(text).trampoline, tramp_sig))
            self.group[row] = keys[key]
            cols.append((row, fl.ints, fl.floats))
        ni = max([len(i) for _, i, _ in cols] + [1])
        nf = max([len(f) for _, _, f in cols] + [1])
        self.lift_i = np.zeros((len(self.group), ni), np.int64)
        self.lift_f = np.zeros((len(self.group), nf), np.float64)
        for row, ints, floats in cols:
            self.lift_i[row, :len(ints)] = ints
            self.lift_f[row, :len(floats)] = floats
        self.addrs = np.zeros((max(len(self.groups), 1), 2), np.int64)

    def compile(self, keep_going: bool = False) -> list[tuple[int, TaskError]]:
        """Compile (or load from the cache) everything; a task numba refuses raises its
        TaskError, or with `keep_going` is returned as (group, error) and the rest goes on."""
        failed = []
        for k, g in enumerate(self.groups):
            try:
                g.fn.compile(g.sig)
            except NumbaError as e:
                if not keep_going:
                    raise compile_error(g.task, e) from None
                failed.append((k, compile_error(g.task, e)))
                continue
            g.trampoline.compile(g.tramp_sig)
            _check_passed(g)
        run.compile(self.loop_sig)
        return failed

    def load(self, groups=None) -> bool:
        """Load the compiled code of `groups` (default: all) and the loop from numba's disk
        cache, never compiling: False if something is missing."""
        chosen = self.groups if groups is None else [self.groups[k] for k in groups]
        return (all(taskcache.load(g.fn, g.sig) and taskcache.load(g.trampoline, g.tramp_sig)
                    for g in chosen) and taskcache.load(run, self.loop_sig))

    def drop(self, k: int) -> None:
        """Group `k` runs from Python from now on."""
        self.group[self.group == k] = -1

    def link(self) -> None:
        """Fill the address table from the compiled code; a task returning a value cannot be
        called without one, so its rows run from Python."""
        for k, g in enumerate(self.groups):
            if not (self.group == k).any():
                continue
            if taskcache.return_type(g.fn, g.sig) != types.none:
                self.drop(k)
                continue
            self.addrs[k] = (taskcache.address(g.trampoline, g.tramp_sig),
                             taskcache.address(g.fn, g.sig))

    def call(self, stj, t_limit: int, single: bool, events: int):
        return run(stj, self.lift_i, self.lift_f, self.group, self.addrs, t_limit, single,
                   events)


def _check_passed(g: Group) -> None:
    """A trampoline just compiled passes its task what numba typed, which must be exactly
    the signature the task was compiled for: a native call has no conversions."""
    ann = g.trampoline.overloads[g.tramp_sig].type_annotation
    if not hasattr(ann, "calltypes"):   # loaded from the cache: checked when it was compiled
        return
    passed = [s.args[1] for s in ann.calltypes.values() if s is not None and len(s.args) == 2
              and s.return_type == types.none and isinstance(s.args[1], types.BaseTuple)]
    if [tuple(t.types) for t in passed] != [tuple(g.sig)]:
        raise TaskError(f"task '{g.task.name}': pywse builds its arguments as {passed}, but it "
                        f"was compiled for {g.sig} (a pywse bug; jit=False runs it)")
