"""What each task of a program can do to the other tasks and to the fabric, read from its body:
the tasks it activates, unblocks or names otherwise, whether it calls
`sys.unblock_cmd_stream()`, and the colors its fabric DSDs send or read.

Two readers need these facts and neither can run the program to learn them: the compile-time
warning for a task nothing can ever activate (reach.py), and a stuck run's report, which
walks back from what waits to what never happened (sim/waitfor.py: "task 'exit_task' never
ran: only an op in 'compute' activates it, and that op is done").

A body is read as written (both branches of every `if`: a comptime condition may differ
from PE to PE), with the helpers it calls followed with the values they are given, so a
helper that activates its parameter activates the task passed in. Names resolve to what the
body captured, its module's globals, or a module instance's members. A task passed to a
helper or a library function (a callback: `c2d.broadcast(..., done)`, `mp.on_activate(t)`)
counts as a possible activation; so does any other mention, except as what `pw.block` /
`pw.unblock` / `unblock=` act on. An activation whose task is computed at run time
(`pw.activate(ids[i])`) in the user's code may be any task (`any_activate`); in an SDK
library (pywse/lib) it activates what the library was handed, which the caller named.

The AST part is read once per code object; resolving names is per program image.
"""
from __future__ import annotations

import ast
import weakref

import attrs

from ..errors import TaskError
from .dsd import FABOUT, DsdVar, FabDesc
from .image import Task
from .signatures import Builtin
from .tasksource import closure, in_sdk_library, is_user_function, parse_function

MAX_DEPTH = 8        # helpers calling helpers (the checker's limit too)
_SCAN_DEPTH = 3      # lists of lists of DSDs a body indexes (collectives' tables)


@attrs.define
class Effects:
    """What one task (its body and the helpers it calls) can do."""

    activates: dict = attrs.Factory(dict)   # task name -> line of its first activation
    refers: dict = attrs.Factory(dict)      # task name -> line: named otherwise (a callback)
    unblocks: set = attrs.Factory(set)      # task names it unblocks (pw.unblock, unblock=)
    ids: set = attrs.Factory(set)           # task ids it activates by number
    any_activate: bool = False              # activates a task computed at run time
    any_unblock: bool = False               # unblocks a task computed at run time
    callbacks: bool = False                 # a library's: activates ids it was handed
    cmd_stream: bool = False                # calls sys.unblock_cmd_stream()
    sends: set = attrs.Factory(set)         # colors of the fabout DSDs it uses
    reads: set = attrs.Factory(set)         # colors of the fabin DSDs it uses (and its binding)


# -- the AST, once per code object ------------------------------------------------------------

@attrs.frozen
class _Call:
    func: tuple | None           # the called name path ("pw", "activate"), or None
    args: tuple                  # per argument: a name path, an int literal, or None
    keywords: tuple              # (name, path / int / None)
    line: int


@attrs.frozen
class _Shape:
    """The names a function mentions and the calls it makes, unresolved."""

    params: tuple
    locals: frozenset
    calls: tuple
    refs: tuple                  # (path, line) of every other name mentioned


_SHAPES: dict = {}


_NONE = "None"          # the literal None (`activate=None`: nothing)


def _path(node):
    """`a.b.c` -> ("a", "b", "c"); an int literal -> the int; `None` -> _NONE; anything
    else -> None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Constant) and node.value is None:
        return _NONE
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return (node.id, *reversed(parts))
    return None


def _shape(fn) -> _Shape | None:
    code = fn.__code__
    if code in _SHAPES:
        return _SHAPES[code]
    try:
        fdef, _ = parse_function(fn, fn.__name__)
    except TaskError:
        _SHAPES[code] = None
        return None
    args = fdef.args
    params = tuple(a.arg for a in args.posonlyargs + args.args)
    stored = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Store)}
    declared = {name for n in ast.walk(fdef) if isinstance(n, (ast.Nonlocal, ast.Global))
                for name in n.names}
    calls, refs, used = [], [], set()
    for node in ast.walk(fdef):
        if isinstance(node, ast.Call):
            func = _path(node.func)
            items = [_path(a) for a in node.args]
            kws = tuple((kw.arg, _path(kw.value)) for kw in node.keywords if kw.arg)
            calls.append(_Call(func if isinstance(func, tuple) else None, tuple(items), kws,
                               node.lineno))
            for part in (node.func, *node.args, *(kw.value for kw in node.keywords)):
                if _path(part) is not None:       # read as the call's: not a mention too
                    used.update(id(n) for n in ast.walk(part))
    for node in ast.walk(fdef):
        if id(node) in used or not isinstance(node, (ast.Name, ast.Attribute)):
            continue
        path = _path(node)
        if isinstance(path, tuple) and isinstance(getattr(node, "ctx", None), ast.Load):
            refs.append((path, node.lineno))
            used.update(id(n) for n in ast.walk(node))
    shape = _Shape(params, frozenset((stored - declared) | set(params)), tuple(calls),
                   tuple(refs))
    _SHAPES[code] = shape
    return shape


# -- names resolved, per program image ----------------------------------------------------------

_UNKNOWN = object()


class _Reader:
    """Collects one task's Effects, following the helpers it calls."""

    def __init__(self, effects: Effects):
        self.fx = effects
        self.seen: set = set()

    def function(self, fn, bound: dict, depth: int = 0) -> None:
        shape = _shape(fn)
        if shape is None or depth > MAX_DEPTH:
            self.fx.any_activate = self.fx.any_activate or not in_sdk_library(fn)
            return
        key = (fn.__code__, tuple(sorted((k, id(v)) for k, v in bound.items())))
        if key in self.seen:
            return
        self.seen.add(key)
        free, glob = closure(fn), fn.__globals__
        library = in_sdk_library(fn)

        def value(path):
            if path is None:
                return _UNKNOWN
            if isinstance(path, int) or path is _NONE:
                return None if path is _NONE else path
            head, rest = path[0], path[1:]
            if head in bound:
                v = bound[head]
            elif head in shape.locals:
                return _UNKNOWN
            elif head in free:
                v = free[head]
            elif head in glob:
                v = glob[head]
            else:
                return _UNKNOWN
            for attr in rest:
                try:
                    v = getattr(v, attr)
                except Exception:      # a module instance's missing member: the checker says
                    return _UNKNOWN
            return v

        for path, line in shape.refs:
            self.mention(value(path), line)
        for call in shape.calls:
            f = value(call.func)
            args = [value(a) for a in call.args]
            role = f.name if isinstance(f, Builtin) else None
            for k, v in enumerate(args):
                if k == 0 and role in ("activate", "block", "unblock"):
                    self.act(role, v, call.line, library)
                else:
                    self.mention(v, call.line)
            for name, path in call.keywords:
                v = value(path)
                if name in ("activate", "unblock"):
                    self.act(name, v, call.line, library)
                else:
                    self.mention(v, call.line)
            if role == "unblock_cmd_stream":
                self.fx.cmd_stream = True
            elif is_user_function(f):
                params = _shape(f).params if _shape(f) is not None else ()
                self.function(f, dict(zip(params, args)), depth + 1)

    def act(self, role: str, v, line: int, library: bool) -> None:
        """`pw.activate(v)` / `activate=v` (role "activate"), `pw.unblock(v)` / `unblock=v`,
        `pw.block(v)`."""
        if isinstance(v, Task):
            if role == "activate" and library:     # a library's, for its caller: a callback
                self.fx.refers.setdefault(v.name, line)
            elif role == "activate":
                self.fx.activates.setdefault(v.name, line)
            elif role == "unblock":
                self.fx.unblocks.add(v.name)
        elif isinstance(v, int) and not isinstance(v, bool):
            if role == "activate" and v >= 0:
                self.fx.ids.add(v)
        elif v is not None and role != "block":
            if library:
                self.fx.callbacks = True
            elif role == "activate":
                self.fx.any_activate = True
            else:
                self.fx.any_unblock = True

    def mention(self, v, line: int, depth: int = 0) -> None:
        """Any other use of a value: a task named is a possible activation (a callback), a
        fabric DSD a color sent or read, a helper passed along is read too."""
        if isinstance(v, Task):
            self.fx.refers.setdefault(v.name, line)
        elif isinstance(v, FabDesc):
            (self.fx.sends if v.kind == FABOUT else self.fx.reads).add(v.color)
        elif isinstance(v, DsdVar) and v.fabric:
            self.mention(v.initial, line, depth)
        elif isinstance(v, (list, tuple)) and depth < _SCAN_DEPTH:
            for item in v:
                self.mention(item, line, depth + 1)
        elif isinstance(v, dict) and depth < _SCAN_DEPTH:
            for item in v.values():
                self.mention(item, line, depth + 1)
        elif is_user_function(v) and depth == 0:
            self.function(v, {}, 1)


_CACHE: dict = {}     # id(image) -> (weakref to the image, its effects)


def effects(image) -> dict[str, Effects]:
    """Task name -> what that task can do, for every task of `image` (cached per image)."""
    hit = _CACHE.get(id(image))
    if hit is not None and hit[0]() is image:
        return hit[1]
    out = {}
    for task in image.tasks:
        fx = Effects()
        _Reader(fx).function(task.fn, {})
        if task.kind == "data" and task.color is not None:
            fx.reads.add(task.color)
        out[task.name] = fx
    try:
        _CACHE[id(image)] = (weakref.ref(image), out)
    except TypeError:            # not weakly referable: not cached
        pass
    return out


def activators(image, name: str) -> dict[str, int]:
    """The tasks of `image` that may activate task `name`: task name -> the line of its
    own activation (0: one a library does for it, by the id it was handed, or one computed
    at run time)."""
    table = effects(image)
    task = next((t for t in image.tasks if t.name == name), None)
    handed = any(name in fx.refers for fx in table.values()) or (
        task is not None and in_sdk_library(task.fn))     # a library's task: its own ids
    found = {}
    for other, fx in table.items():
        if name in fx.activates or name in fx.refers:
            found[other] = fx.activates.get(name, 0)     # a callback's: when it is done
        elif fx.any_activate or (handed and fx.callbacks) or (
                task is not None and task.kind == "local" and task.id in fx.ids):
            found[other] = 0
    return found
