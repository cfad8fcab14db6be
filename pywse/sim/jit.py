"""Task bodies -> callables: free-variable lifting, CSL typing, builtin calls, numba.

A task body is a closure over comptime objects (vars, DSDs, tasks, params). numba freezes
captured arrays as read-only constants and would recompile for every distinct param value,
so we rewrite the body's source instead (the same way for both modes):

* free variables become leading parameters: `def recv(w)` over (total, d_out) becomes
  `def recv(__st, __pe, total, d_out, w)`; the engine passes each PE's own views;
* `pw.fmovs(a, b, async_=True, activate=t)` becomes `<impl>(__st, __pe, a, b, True, t, -1)`
  (keywords normalised, `None` targets -> -1, static dtype args folded to item sizes);
* `sys.unblock_cmd_stream()` on the memcpy module becomes its builtin; `sys.MEMCPYD2H_1`
  becomes a lifted int;
* every arithmetic operator becomes a `cslops` call so f32 stays f32 and i16 wraps (CSL
  typing) identically in numba and in plain Python.

The rewritten function keeps the user's file name, line numbers and columns (pdb, coverage,
tracebacks and pywse's errors point at the user's code). Compiled, it is
`numba.njit(boundscheck=True)` with a disk cache of its own (taskcache.py), once per task
code object: every PE, and every param value, shares that one compilation.
"""
from __future__ import annotations

import ast
import hashlib
import inspect
import os
import re
import textwrap
from pathlib import Path
import types as pytypes
from typing import Any

import attrs
import numba
from numba.extending import register_jitable
import numpy as np

from . import builtins as bi
from . import cslops, taskcache
from ..dsl.dsd import DsdVar, FabDesc, Fifo, MemDesc, fabin, fabout, mem1d, mem4d
from .dsdval import dsd_load, dsd_store
from ..errors import Site, TaskError, def_site, internal
from ..dsl.program import MemcpyModule, Task
from ..dsl.symbols import Var
from ..types import Color

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv",
           ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.LShift: "lshift",
           ast.RShift: "rshift", ast.BitAnd: "and_", ast.BitOr: "or_", ast.BitXor: "xor"}
_UNARY = {ast.USub: "neg", ast.Invert: "invert"}
def _source_hash() -> str:
    """A hash of pywse's own code. numba's disk cache only watches the task's file, so the
    rewritten task's name carries this: any change to builtins or the engine recompiles."""
    h = hashlib.sha1()
    for path in sorted(Path(__file__).parents[1].rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


PYWSE_HASH = _source_hash()


@attrs.define(eq=False)
class CompiledTask:
    """One task body rewritten (and, lazily, compiled); shared by every PE running it."""

    name: str
    lifted: tuple[tuple[str, ...], ...]  # paths of the parameters after (__st, __pe)
    py_fn: Any                    # the rewritten function, plain Python
    source: str                   # its source, for error messages and docs
    _jitted: Any = None

    def callable(self, jit: bool):
        if not jit:
            return self.py_fn
        if self._jitted is None:
            self._jitted = taskcache.jitted(self.py_fn)
        return self._jitted

    @property
    def compiled_signatures(self) -> list:
        """numba signatures compiled so far: proof that the compiled path ran."""
        return list(self._jitted.signatures) if self._jitted is not None else []


_CACHE: dict = {}


def lift(task: Task) -> tuple[CompiledTask, list[tuple[str, Any]]]:
    """Rewrite `task`'s body (cached per code object) and return it with its lifted values."""
    compiled = _lower(task.fn, task.name, task)
    values = [("__".join(p).replace(".", ""), _resolve(task.fn, p)) for p in compiled.lifted]
    return compiled, values


def _lower(fn, name: str, task: Task, helper: bool = False) -> CompiledTask:
    # code objects compare equal across files: the file and module keep two copies apart
    key = (fn.__code__, fn.__code__.co_filename, fn.__module__, _kinds(fn, task))
    compiled = _CACHE.get(key)
    if compiled is None:
        compiled = _CACHE[key] = _rewrite(fn, name, task, _closure(fn, task), helper)
    return compiled


def _kinds(fn, task, depth: int = 0) -> tuple:
    """What a function's compiled code depends on: the kinds of its free variables."""
    return tuple((n, _kind(v, task, depth)) for n, v in _closure(fn, task).items())


def _kind(v, task, depth):
    if isinstance(v, (list, tuple)) and _is_data(v):
        return ("seq", tuple(_kind(x, task, depth) for x in v))
    if _is_data(v) or isinstance(v, MemcpyModule):
        return type(v).__name__
    if _is_helper(v) and depth < 8:
        return ("fn", v.__code__, _kinds(v, task, depth + 1))
    return ("const", id(v))


def _closure(fn, task) -> dict[str, Any]:
    out = {}
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            out[name] = cell.cell_contents
        except ValueError:
            raise TaskError(f"task '{task.name}': variable '{name}' is used before it is "
                            "assigned in the program; declare it above the task"
                            ).at(def_site(fn)) from None
    return out


def _resolve(fn, path: tuple[str, ...]):
    """The value a lifted path names: closure/global names, '.attr' attribute steps."""
    value = fn
    for step in path:
        if step.startswith("."):
            value = getattr(value, step[1:])
        else:
            cells = dict(zip(value.__code__.co_freevars,
                             (c.cell_contents for c in value.__closure__ or ())))
            value = cells[step] if step in cells else value.__globals__[step]
    return value


def _is_helper(v) -> bool:
    """A user function a task calls: lowered like a task (lifted args, CSL arithmetic)."""
    if not isinstance(v, pytypes.FunctionType) or isinstance(v, numba.core.dispatcher.Dispatcher):
        return False
    module = getattr(v, "__module__", "") or ""
    return not module.split(".")[0] in ("numpy", "numba", "pywse", "math", "builtins")


class _Rewriter(ast.NodeTransformer):
    def __init__(self, task: Task, free: dict, globals_: dict, filename: str, fname: str):
        self.task = task
        self.filename, self.fname = filename, fname     # for errors: where the body is
        self.free = free
        self.globals = globals_
        self.extra_lifted: list[tuple[str, ...]] = []   # paths beyond the plain free names
        self.inject: dict[str, Any] = {}
        self.mutable: set[str] = set()                 # p.dsd_var names the body reassigns

    def lift_path(self, path: tuple[str, ...]) -> ast.Name:
        if path not in self.extra_lifted:
            self.extra_lifted.append(path)
        return ast.Name("__".join(path).replace(".", ""), ast.Load())

    # -- helpers ------------------------------------------------------------------------
    def fail(self, node, msg):
        line = getattr(node, "lineno", None)
        where = f" (line {line})" if line else ""
        raise TaskError(f"task '{self.task.name}'{where}: {msg}").at(
            node_site(node, self.filename, self.fname))

    def resolve(self, node):
        """The comptime value an expression names (Name / Attribute chains), else None."""
        if isinstance(node, ast.Name):
            if node.id in self.free:
                return self.free[node.id]
            return self.globals.get(node.id, getattr(__builtins__, node.id, None)
                                    if not isinstance(__builtins__, dict) else __builtins__.get(node.id))
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if isinstance(base, (pytypes.ModuleType, MemcpyModule)):
                return getattr(base, node.attr, None)
        return None

    def name(self, label: str, obj) -> ast.Name:
        """A global name for `obj` in the rewritten function's namespace."""
        key = f"__{label}"
        if self.inject.get(key, obj) is not obj:
            key = f"{key}_{len(self.inject)}"
        self.inject[key] = obj
        return ast.Name(key, ast.Load())

    # -- builtin calls ------------------------------------------------------------------------
    def visit_Call(self, node):
        target = self.resolve(node.func)
        if isinstance(node.func, ast.Attribute) and isinstance(self.resolve(node.func.value), MemcpyModule):
            if node.func.attr != "unblock_cmd_stream":
                self.fail(node, f"the memcpy module has no function '{node.func.attr}'")
            target = bi.REGISTRY["unblock_cmd_stream"]
        if isinstance(target, Task):
            self.fail(node, f"tasks cannot be called; use pw.activate({target.name})")
        if target in (mem1d, mem4d, fabin, fabout):
            self.fail(node, f"pw.{target.__name__} builds a DSD at compile time: declare it in the "
                            "program body, outside the task (p.dsd_var for one a task changes)")
        if isinstance(target, bi.Builtin):
            return self.builtin_call(node, target)
        if isinstance(node.func, ast.Name) and _is_helper(target):
            return self.helper_call(node, target)
        return self.generic_visit(node)

    def helper_call(self, node, fn):
        """`helper(a)` -> `<lowered helper>(__st, __pe, <its lifted values>, a)`."""
        self.generic_visit(node)
        helper = _lower(fn, fn.__name__, self.task, helper=True)
        lifted = [self.lift_path((node.func.id,) + p) for p in helper.lifted]
        call = ast.Call(self.name(f"fn_{fn.__name__}", helper.py_fn),
                        [ast.Name("__st", ast.Load()), ast.Name("__pe", ast.Load()), *lifted,
                         *node.args], node.keywords)
        return ast.copy_location(call, node)

    def builtin_call(self, node, b: bi.Builtin):
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        if any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(node, f"pw.{b.name}: *args are not supported")
        if len(node.args) != b.nargs:
            self.fail(node, f"pw.{b.name} takes {b.nargs} positional argument(s), got {len(node.args)}")
        args = list(node.args)
        for pos, conv in b.static.items():
            args[pos] = ast.Constant(self.static_value(args[pos], conv, b))
        opts = dict(b.options)
        given = {}
        for kw in node.keywords:
            if kw.arg not in opts:
                self.fail(node, f"pw.{b.name} has no option '{kw.arg}' (options: "
                                f"{', '.join(opts) or 'none'})")
            given[kw.arg] = kw.value
        for opt, default in b.options:
            value = given.get(opt, ast.Constant(default))
            if opt in ("activate", "unblock"):
                value = self.task_arg(value, opt, b)
            args.append(value)
        if b.name in ("activate", "block", "unblock"):
            args[0] = self.task_arg(args[0], b.name, b, required=True)
        n_user = b.nargs
        args[n_user:n_user] = [ast.Constant(None)] * max(0, b.pad - n_user)
        prefix = [ast.Call(self.name("int64", np.int64), [ast.Constant(v)], []) for v in b.prefix]
        call = ast.Call(self.name(f"pw_{b.impl.__name__}", b.impl),
                        [ast.Name("__st", ast.Load()), ast.Name("__pe", ast.Load()), *prefix,
                         *args], [])
        return ast.copy_location(call, node)

    def static_value(self, expr, conv, b):
        value = self.resolve(expr)
        try:
            return conv(value)
        except Exception:
            self.fail(expr, f"pw.{b.name}: this argument must be a type known at comptime "
                            f"(e.g. pw.f32), got {ast.unparse(expr)}")

    def task_arg(self, expr, what, b, required=False):
        if isinstance(expr, ast.Constant) and expr.value is None:
            if required:
                self.fail(expr, f"pw.{b.name} needs a task")
            return ast.Constant(bi.NO_TASK)
        value = self.resolve(expr)
        if isinstance(value, Task):
            if value.kind == "export":
                self.fail(expr, f"'{value.name}' is a host-callable function, not a task")
            if what == "activate" and value.kind != "local":
                self.fail(expr, f"only local tasks can be activated; '{value.name}' is a "
                                f"{value.kind} task")
        elif value is not None and not isinstance(value, (Color, int, np.integer)):
            self.fail(expr, f"pw.{b.name}: {what}= needs a task, got {ast.unparse(expr)}")
        return expr

    # -- memcpy module attributes, arithmetic --------------------------------------------------
    def visit_Attribute(self, node):
        base = self.resolve(node.value) if isinstance(node.value, ast.Name) else None
        if isinstance(base, MemcpyModule) and isinstance(node.ctx, ast.Load):
            if not hasattr(base, node.attr):
                self.fail(node, f"the memcpy module has no attribute '{node.attr}'")
            return ast.copy_location(self.lift_path((node.value.id, "." + node.attr)), node)
        return self.generic_visit(node)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = _BINOPS.get(type(node.op))
        if op is None:
            self.fail(node, f"operator {type(node.op).__name__} is not supported in task bodies")
        return ast.copy_location(ast.Call(self.name(f"csl_{op}", getattr(cslops, op)),
                                          [node.left, node.right], []), node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        op = _UNARY.get(type(node.op))
        if op is None:
            return node
        return ast.copy_location(ast.Call(self.name(f"csl_{op}", getattr(cslops, op)),
                                          [node.operand], []), node)

    def visit_AugAssign(self, node):
        target = node.target
        if not isinstance(target, (ast.Name, ast.Subscript)):
            self.fail(node, "augmented assignment is supported on names and subscripts only")
        load = ast.parse(ast.unparse(target), mode="eval").body
        ast.copy_location(load, node)
        ast.fix_missing_locations(load)
        binop = ast.copy_location(ast.BinOp(load, node.op, node.value), node)
        assign = ast.copy_location(ast.Assign([target], binop), node)
        return self.visit(assign)

    def visit_Assign(self, node):
        node = self.generic_visit(node)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            # arr[i] = v stores with the element type's wrap-around in both modes
            container = ast.parse(ast.unparse(node.targets[0].value), mode="eval").body
            node.value = ast.copy_location(ast.Call(self.name("csl_store_cast", cslops.store_cast),
                                                    [container, node.value], []), node.value)
            ast.fix_missing_locations(node)
        stores = []
        for t in node.targets:
            for n in ast.walk(t):
                if not (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)):
                    continue
                if n.id in self.mutable:
                    stores.append(ast.copy_location(ast.Expr(ast.Call(
                        self.name("dsd_store", dsd_store),
                        [ast.Name("__st", ast.Load()), ast.Name("__pe", ast.Load()),
                         ast.Subscript(ast.Name(f"__dv_{n.id}", ast.Load()), ast.Constant(0),
                                       ast.Load()),
                         ast.Name(n.id, ast.Load())], [])), node))
                elif n.id in self.free:
                    hint = (f"declare `nonlocal {n.id}` to reassign this p.dsd_var"
                            if isinstance(self.free[n.id], DsdVar) else "assign a local copy instead")
                    self.fail(node, f"'{n.id}' belongs to the program; {hint}")
        return [node, *stores] if stores else node

    def visit_Nonlocal(self, node):
        for name in node.names:
            if not isinstance(self.free.get(name), DsdVar):
                self.fail(node, f"'nonlocal {name}': only DSDs made with p.dsd_var(...) can be "
                                "reassigned by a task; keep other state in p.var arrays")
            self.mutable.add(name)
        return None

    def visit_Global(self, node):
        self.fail(node, "'global' is not supported in task bodies: keep state in p.var arrays")


def _rewrite(fn, name: str, task: Task, free: dict, helper: bool) -> CompiledTask:
    try:
        lines, first = inspect.getsourcelines(fn)
        filename = inspect.getsourcefile(fn) or "<task>"
    except (OSError, TypeError):
        raise TaskError(f"task '{task.name}': the source of '{name}' is not available (tasks "
                        "and helpers must be defined with `def` in a file, not in a REPL or "
                        "with lambda)") from None
    text = textwrap.dedent("".join(lines))
    tree = ast.parse(text)
    ast.increment_lineno(tree, first - 1)
    _shift_columns(tree, len(lines[0]) - len(text.splitlines(True)[0]))
    fdef = tree.body[0]
    if not isinstance(fdef, ast.FunctionDef):
        raise TaskError(f"task '{task.name}': '{name}' must be a plain `def` function"
                        ).at(Site(filename, first, name))
    for var, value in free.items():
        _check_free(task, var, value, fdef, filename)
    rw = _Rewriter(task, free, fn.__globals__, filename, fn.__name__)
    fdef.decorator_list = []
    body = []
    for stmt in fdef.body:
        out = rw.visit(stmt)
        body.extend(out if isinstance(out, list) else [out] if out is not None else [])
    used = {n.id for n in ast.walk(ast.Module(body, [])) if isinstance(n, ast.Name)}
    loads = [ast.parse(f"{n} = __dsd_load(__st, __pe, __dv_{n}[0], __dv_{n}[1])").body[0]
             for n, v in free.items() if isinstance(v, DsdVar) and n in used]
    for stmt in loads:
        ast.copy_location(stmt, fdef.body[0])
        ast.fix_missing_locations(stmt)
    fdef.body = loads + body or [ast.Pass()]
    rw.inject["__dsd_load"] = dsd_load
    lifted = tuple((n,) for n, v in free.items() if _is_data(v) and n in used) \
        + tuple(rw.extra_lifted)
    names = ["__dv_" + p[0] if len(p) == 1 and isinstance(free.get(p[0]), DsdVar)
             else "__".join(p).replace(".", "") for p in lifted]
    user_args = fdef.args.args
    fdef.args = ast.arguments(posonlyargs=[], args=[ast.arg("__st"), ast.arg("__pe")]
                              + [ast.arg(n) for n in names] + user_args,
                              kwonlyargs=[], kw_defaults=[], defaults=[])
    fdef.returns = None
    for a in fdef.args.args:
        a.annotation = None
    body_src = ast.unparse(fdef)
    # numba's cache is keyed by the file's name, size and mtime and the function's name: make
    # the name depend on what the code means (rewritten source, pywse's own code, the module
    # whose globals it uses) and on where the file is, since compiled code keeps the path it
    # was built from for tracebacks (a moved or bind-mounted checkout would cite the old one)
    key = body_src + PYWSE_HASH + str(fn.__module__) + os.path.abspath(filename)
    salt = hashlib.sha1(key.encode()).hexdigest()[:10]
    fdef.name = f"{fn.__name__}__task_{salt}"
    ast.fix_missing_locations(tree)
    namespace = dict(fn.__globals__)
    namespace.update({n: v for n, v in free.items() if not _is_data(v)})
    namespace.update(rw.inject)
    code = compile(ast.Module([fdef], []), filename, "exec")
    exec(code, namespace)
    py_fn = namespace[fdef.name]
    py_fn.__qualname__ = fdef.name            # numba's cache key: the salted name
    py_fn.__code__ = py_fn.__code__.replace(co_name=fn.__name__)   # tracebacks say `in step`
    if helper:
        py_fn = register_jitable(py_fn)
    return CompiledTask(name, lifted, py_fn, body_src)


def _is_data(value) -> bool:
    """Lifted to a parameter (per-PE data) rather than injected as a compile-time constant.
    Lists and tuples of such values are lifted as tuples."""
    if isinstance(value, (list, tuple)):
        return len(value) > 0 and all(_is_data(v) for v in value)
    return isinstance(value, (Var, MemDesc, FabDesc, Fifo, DsdVar, Task, Color, bool, int,
                              float, np.number, np.bool_))


def _check_free(task: Task, name: str, value, fdef: ast.FunctionDef, filename: str) -> None:
    ok = (MemcpyModule, bi.Builtin, pytypes.ModuleType, type)
    if isinstance(value, ok) or _is_data(value):
        return
    if _is_helper(value):
        return
    use = next((n for n in ast.walk(fdef) if isinstance(n, ast.Name) and n.id == name), fdef)
    raise TaskError(f"task '{task.name}' uses '{name}' ({type(value).__name__}), which a task "
                    "body cannot capture: use p.var/p.const for arrays, and numbers, colors, "
                    "DSDs or tasks for the rest").at(node_site(use, filename, fdef.name))


def _shift_columns(tree: ast.AST, indent: int) -> None:
    """Columns of the dedented source -> columns in the user's file (what tracebacks and
    errors underline)."""
    if indent:
        for node in ast.walk(tree):
            if hasattr(node, "col_offset") and node.col_offset is not None:
                node.col_offset += indent
                if getattr(node, "end_col_offset", None) is not None:
                    node.end_col_offset += indent


def node_site(node, filename: str, fname: str) -> Site | None:
    """The user's line of an AST node of a task body, with its columns."""
    line = getattr(node, "lineno", None)
    if line is None:
        return None
    one_line = getattr(node, "end_lineno", None) == line
    return Site(filename, line, fname,
                cols=(node.col_offset, node.end_col_offset) if one_line else None)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NUMBA_FILE = re.compile(r'File "([^"]+)", line (\d+)')


def numba_summary(e: Exception, n: int = 6) -> str:
    """What a numba error says, without its colors and its own source excerpt (pywse
    quotes the user's line itself): the lines before numba's first `File "..."`."""
    lines = []
    for ln in _ANSI.sub("", str(e)).splitlines():
        if ln.lstrip().startswith("File \""):
            break
        if ln.strip():
            lines.append(ln.strip())
    return "\n".join(lines[:n])


def numba_site(e: Exception, fn) -> Site | None:
    """The user's line a numba error is about: its location, or the first file it names
    that is the user's, else the `def` line of `fn` (the task)."""
    loc = getattr(e, "loc", None)
    found = [(loc.filename, loc.line)] if loc is not None and getattr(loc, "line", None) else []
    found += [(f, int(n)) for f, n in _NUMBA_FILE.findall(_ANSI.sub("", str(e)))]
    for file, line in found:
        path = os.path.abspath(file)
        if not internal(path) and not file.startswith("<"):
            try:
                lines, first = inspect.getsourcelines(fn)
                inside = path == os.path.abspath(inspect.getsourcefile(fn) or "")
                inside = inside and first <= line < first + len(lines)
            except (OSError, TypeError):
                inside = False
            return Site(path, line, fn.__name__ if inside else "?")
    return def_site(fn)
