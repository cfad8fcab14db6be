"""numba's disk cache, keyed per task body rather than per file; loading without compiling.

numba keys a cached function on a hash of its whole source file: an edit anywhere in a
program's file made every task of that file compile again. A task body's compiled code
depends on less: its own lines (where they are too, since compiled code cites them in the
exceptions it raises), the values of the names it reads (numba freezes globals as
constants), the helpers it calls (the same, recursively) and pywse's own code (already in
the task's salted name, jit.py). The freshness stamp here hashes exactly those, so an edit
to one task recompiles that task only (and the tasks below it in the same file when the
edit moved their lines).

The stamp also names a task in the text of its dispatch wrappers (dispatch.py), whose own
cache keys on that text. `load` asks a cache for one signature without ever compiling: the
tiered mode's cheap "is everything compiled already?" and its way to take over what the
background compiler wrote. `address` is the native entry point the dispatch loop calls.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import types as pytypes

import numba
import numpy as np
from numba.core import caching
from numba.core.compiler_lock import global_compiler_lock
from numba.core.dispatcher import Dispatcher

from ..dsl.tasksource import in_sdk_library

_LIBRARIES = ("pywse", "numpy", "numba", "math", "builtins", "cmath", "operator")


def stamp(fn) -> str:
    """What `fn`'s compiled code depends on, hashed: its file, position and lines, and the
    values of every global name it (or a helper it calls) reads."""
    h = hashlib.sha1()
    _function(h, fn, set())
    return h.hexdigest()


def _function(h, fn, seen: set) -> None:
    code = fn.__code__
    if code in seen:
        return
    seen.add(code)
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        lines, first = [], code.co_firstlineno
    h.update(f"{os.path.abspath(code.co_filename)}:{first}\n{''.join(lines)}".encode())
    namespace = getattr(fn, "__globals__", {})
    for name in sorted(_names(code)):
        if name in namespace:
            h.update(f"\n{name}=".encode())
            _value(h, namespace[name], seen)


def _names(code) -> set[str]:
    """Global and attribute names a code object (and the code nested in it) reads."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, pytypes.CodeType):
            names |= _names(const)
    return names


def _library(obj) -> bool:
    """Code whose compiled form only pywse's own hash (jit.PYWSE_HASH) or a package version
    decides. The SDK libraries under pywse/lib are not: like the user's helpers, their
    compiled code freezes what each instance captured (dsl/tasksource.is_user_function)."""
    if in_sdk_library(obj):
        return False
    module = getattr(obj, "__module__", None) or getattr(obj, "__name__", "") or ""
    return module.split(".")[0] in _LIBRARIES


def _value(h, v, seen: set) -> None:
    """Feed a deterministic fingerprint of a value compiled code may freeze."""
    if v is None or isinstance(v, (bool, int, float, complex, str, bytes, np.generic, np.dtype)):
        h.update(f"{type(v).__name__}:{v!r}".encode())
    elif isinstance(v, np.ndarray):
        h.update(f"array:{v.dtype}:{v.shape}:".encode())
        h.update(hashlib.sha1(np.ascontiguousarray(v).tobytes()).digest())
    elif isinstance(v, (tuple, list, frozenset)):
        h.update(f"{type(v).__name__}(".encode())
        for x in (sorted(v, key=repr) if isinstance(v, frozenset) else v):
            _value(h, x, seen)
        h.update(b")")
    elif isinstance(v, Dispatcher):
        h.update(f"njit:{v.py_func.__module__}.{v.py_func.__qualname__}".encode())
        if not _library(v.py_func):
            _function(h, v.py_func, seen)
    elif isinstance(v, pytypes.FunctionType):
        h.update(f"fn:{v.__module__}.{v.__qualname__}".encode())
        if not _library(v):
            _function(h, v, seen)
    elif isinstance(v, pytypes.ModuleType):
        h.update(f"module:{v.__name__}".encode())
        path = getattr(v, "__file__", None)
        if path and not _library(v):          # a user module: what it holds may be read
            with open(path, "rb") as f:
                h.update(hashlib.sha1(f.read()).digest())
    elif isinstance(v, type):
        h.update(f"type:{v.__module__}.{v.__qualname__}".encode())
    else:                                     # reprs with an address would never match
        text = repr(v)
        h.update(f"{type(v).__module__}.{type(v).__qualname__}".encode())
        if " at 0x" not in text:
            h.update(text.encode())


class _Stamped:
    """A numba cache locator (where the cache lives: numba's own choice) whose freshness
    stamp is the task's (`stamp`) instead of its file's."""

    @classmethod
    def from_function(cls, py_func, py_file):
        self = super().from_function(py_func, py_file)
        if self is not None:
            self._stamp = py_func.pywse_stamp
        return self

    def get_source_stamp(self):
        return self._stamp


class _UserProvided(_Stamped, caching.UserProvidedCacheLocator):
    pass


class _InTree(_Stamped, caching.InTreeCacheLocator):
    pass


class _UserWide(_Stamped, caching.UserWideCacheLocator):
    pass


class _TaskCacheImpl(caching.CompileResultCacheImpl):
    _locator_classes = [_UserProvided, _InTree, _UserWide]


class TaskCache(caching.FunctionCache):
    """numba's per-function cache with the task's own stamp."""

    _impl_class = _TaskCacheImpl


def jitted(py_fn) -> Dispatcher:
    """`py_fn` (a rewritten task body) as a numba dispatcher cached per task, inlined where
    compiled code calls it (dispatch.py's wrappers). `pywse_stamp` on `py_fn` is what its
    compiled code depends on. Where no folder can hold the cache it compiles without one
    (as numba does in memory)."""
    py_fn.pywse_stamp = stamp(py_fn)
    disp = numba.njit(boundscheck=True, inline="always")(py_fn)
    try:
        disp._cache = TaskCache(py_fn)
    except RuntimeError:       # numba found no writable cache folder for this file
        pass
    return disp


def load(disp: Dispatcher, sig: tuple) -> bool:
    """Make `disp` hold its compiled code for `sig` if it is compiled already, in this
    process or in numba's disk cache; never compile. False if it is not there."""
    sig = tuple(sig)
    if sig in disp.overloads:
        return True
    with global_compiler_lock:          # as Dispatcher.compile loads from its cache
        cres = disp._cache.load_overload(sig, disp.targetctx)
        if cres is None:
            return False
        disp.targetctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
        disp.add_overload(cres)
    return True


def address(disp: Dispatcher, sig: tuple) -> int:
    """The native entry point of `disp`'s code for `sig` (numba's calling convention:
    status, return slot, exception info, then the arguments), loaded or compiled."""
    cres = disp.overloads[tuple(sig)]
    return cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
