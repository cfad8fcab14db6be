"""Task bodies -> callables: free-variable lifting, CSL typing, builtin calls, numba.

The body was checked when the program was compiled (dsl/taskcheck.py); this module only
lowers it. A task body is a closure over comptime objects (vars, DSDs, tasks, params). numba
freezes captured arrays as read-only constants and would recompile for every distinct param
value, so we rewrite the body's source instead (the same way for both modes):

* free variables become leading parameters: `def recv(w)` over (total, d_out) becomes
  `def recv(__st, __pe, total, d_out, w)`; the engine passes each PE's own views;
* `pw.fmovs(a, b, async_=True, activate=t)` becomes `<impl>(__st, __pe, a, b, True, t, -1)`
  (keywords normalised, `None` targets -> -1, static dtype args folded to item sizes; the
  implementation is the builtin's `Lowering` in builtins.py);
* `sys.unblock_cmd_stream()` on the memcpy module becomes its builtin; `sys.MEMCPYD2H_1`
  becomes a lifted int;
* every arithmetic operator becomes a `cslops` call so f32 stays f32 and i16 wraps (CSL
  typing) identically in numba and in plain Python; `x: pw.f32 = v` converts `v`;
* before each statement with scalar work, one charge adds what the checker counted for it
  (dsl/opclasses.py: so many f32 multiplies, loads, ...) at the platform's costs, read from
  `st.cost` at run time (costs.py), and a loop charges each iteration at the top of its body,
  so both modes count the same and an override of the costs recompiles nothing;
* every index into an array is checked (faults.check_index: below 0 or past the end is an
  error, never Python's wrap-around), and every statement that may fail first stores its
  site in `st.fault`, so compiled code names the line that failed (faults.py).

The rewritten function keeps the user's file name, line numbers and columns (pdb, coverage,
tracebacks and pywse's errors point at the user's code). Compiled, it is
`numba.njit(boundscheck=True)` with a disk cache of its own (taskcache.py), once per task
code object: every PE, and every param value, shares that one compilation.
"""
from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from numba.extending import register_jitable

from ..dsl.checkbase import comptime_is_value
from ..dsl.dsd import DsdVar
from ..dsl.image import MemcpyModule, Task
from ..dsl.modules import ModuleInstance
from ..dsl.signatures import POSITIONAL_OPTIONS, TABLE, Builtin
from ..dsl.symbols import Var
from ..dsl.taskcheck import ARRAY_SUBSCRIPTS
from ..dsl.tasksource import is_user_function, node_site, parse_function, returns_value
from ..dsl.typedops import TypedBuiltin
from ..types import dtype_of
from . import builtins as bi
from . import cslops, faults, fpexcept, mapops, taskcache
from .captures import captured, is_data, kinds_of, resolve_path
from .charges import counts_of, with_charges
from .dsdval import dsd_load, dsd_store
from .lines import line_end, line_mark, line_start

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv",
           ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.LShift: "lshift",
           ast.RShift: "rshift", ast.BitAnd: "and_", ast.BitOr: "or_", ast.BitXor: "xor"}
_UNARY = {ast.USub: "neg", ast.Invert: "invert"}
_QUIET = (ast.Pass, ast.Break, ast.Continue, ast.Nonlocal, ast.Global)


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
    chunk: int = 0                # > 0: the lifted values come as tuples of this many
    bits: frozenset = frozenset()  # f16 arrays it only hands to DSD builtins (as bit patterns)
    uses_mask: bool = False       # it (or a helper) calls set_exception_mask (sim/fpexcept.py)
    _jitted: Any = None

    def pack(self, items: list) -> list:
        """The lifted values (or argument nodes) as this function takes them: one by one,
        or in tuples of `chunk` (see PACK_ABOVE)."""
        if not self.chunk:
            return list(items)
        return [items[i:i + self.chunk] for i in range(0, len(items), self.chunk)]

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
LIFT_CHUNK = 16
PACK_ABOVE = 24
"""CPython compiles a call of more than 30 positional arguments through `*args`, which numba
cannot inline (the dispatch loop inlines every task): a task or helper that would take more
than PACK_ABOVE lifted values and arguments takes its lifted values as tuples of LIFT_CHUNK."""


def lift(task: Task, lines: bool = False) -> tuple[CompiledTask, list[tuple[str, Any]]]:
    """Rewrite `task`'s body (cached per code object) and return it with its lifted values;
    `lines`: with the marks that count cycles per line (lines.py)."""
    compiled = _lower(task.fn, task.name, task, lines=lines)
    values = [("__".join(p).replace(".", ""), resolve_path(task.fn, p)) for p in compiled.lifted]
    if compiled.chunk:
        values = [(f"__lifted{k}", tuple(v for _, v in group))
                  for k, group in enumerate(compiled.pack(values))]
    return compiled, values


def _lower(fn, name: str, task: Task, helper: bool = False, lines: bool = False) -> CompiledTask:
    # code objects compare equal across files: the file and module keep two copies apart
    key = (fn.__code__, fn.__code__.co_filename, fn.__module__, kinds_of(fn, task), counts_of(fn),
           task.fp_checked, lines)
    compiled = _CACHE.get(key)
    if compiled is None:
        compiled = _CACHE[key] = _rewrite(fn, name, task, captured(fn, task), helper, lines)
    return compiled


class _Rewriter(ast.NodeTransformer):
    def __init__(self, task: Task, fn, free: dict, filename: str, lines: bool = False):
        self.task, self.fn, self.free = task, fn, free
        self.lines = lines                             # mark statements for lines.py
        self.globals = fn.__globals__
        self.filename = filename
        self.extra_lifted: list[tuple[str, ...]] = []   # paths beyond the plain free names
        self.inject: dict[str, Any] = {}
        self.mutable: set[str] = set()                 # p.dsd_var names the body reassigns
        self.arrays = ARRAY_SUBSCRIPTS.get((fn.__code__, filename)) or {}
        self.fid = faults.function_id(filename, fn)
        self.n_sites = 0
        self.n_maps = 0                                # pw.map calls lowered so far
        self.local_names: set[str] = set()             # the function's own names
        self.uses_mask = False                         # calls set_exception_mask (or a helper)

    def visit(self, node):
        if getattr(node, "pywse_charge", False):    # a charge (charges.py) is final as it is
            return node
        return super().visit(node)

    def lift_path(self, path: tuple[str, ...]) -> ast.Name:
        if path not in self.extra_lifted:
            self.extra_lifted.append(path)
        return ast.Name("__".join(path).replace(".", ""), ast.Load())

    def site(self, node, array: str = "") -> int:
        """A new site number for `node` (a statement, or an index into `array`)."""
        self.n_sites += 1
        return faults.new_site(self.fid, self.n_sites,
                               node_site(node, self.filename, self.fn.__name__), array)

    def resolve(self, node):
        """The comptime value an expression names (Name / Attribute chains), else None."""
        if isinstance(node, ast.Name):
            if node.id in self.free:
                return self.free[node.id]
            return self.globals.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is not None and (isinstance(base, (MemcpyModule, ModuleInstance)) or
                                     type(base).__name__ == "module"):
                return getattr(base, node.attr, None)
        return None

    def static_value(self, node):
        """A comptime argument's value: what a name or attribute chain resolves to, or a
        tuple/list of such (a direction tuple)."""
        if isinstance(node, (ast.Tuple, ast.List)):
            return tuple(self.resolve(e) for e in node.elts)
        return self.resolve(node)

    def name(self, label: str, obj) -> ast.Name:
        """A global name for `obj` in the rewritten function's namespace."""
        key = f"__{label}"
        if self.inject.get(key, obj) is not obj:
            key = f"{key}_{len(self.inject)}"
        self.inject[key] = obj
        return ast.Name(key, ast.Load())

    def call(self, label: str, obj, args) -> ast.Call:
        return ast.Call(self.name(label, obj), list(args), [])

    # -- builtin and helper calls ---------------------------------------------------------------
    def visit_Call(self, node):
        target = self.resolve(node.func)
        if isinstance(node.func, ast.Attribute) and \
                isinstance(self.resolve(node.func.value), MemcpyModule):
            target = TABLE["unblock_cmd_stream"]
        if isinstance(target, Builtin):
            return self.builtin_call(node, target)
        if isinstance(target, TypedBuiltin):    # <dsd_ops>: exactly one builtin's call
            n = target.n_types
            b = target.resolve([self.resolve(a) for a in node.args[:n]])
            return self.builtin_call(ast.copy_location(
                ast.Call(node.func, node.args[n:], node.keywords), node), b)
        if _path(node.func) is not None and is_user_function(target):
            return self.helper_call(node, target)
        if isinstance(node.func, ast.Name) and node.func.id == "int" and target is None:
            node = self.generic_visit(node)
            return ast.copy_location(self.call("csl_to_int", cslops.to_int, node.args), node)
        return self.generic_visit(node)

    def helper_call(self, node, fn):
        """`helper(a)` -> `<lowered helper>(__st, __pe, <its lifted values>, a)`."""
        self.generic_visit(node)
        helper = _lower(fn, fn.__name__, self.task, helper=True, lines=self.lines)
        self.uses_mask |= helper.uses_mask
        lifted = [self.lift_path(_path(node.func) + p) for p in helper.lifted]
        if helper.chunk:
            lifted = [ast.Tuple(group, ast.Load()) for group in helper.pack(lifted)]
        call = ast.Call(self.name(f"fn_{fn.__name__}", helper.py_fn),
                        [ast.Name("__st", ast.Load()), ast.Name("__pe", ast.Load()), *lifted,
                         *node.args], node.keywords)
        return ast.copy_location(call, node)

    def builtin_call(self, node, b: Builtin):
        low = bi.LOWERINGS[b.name]
        self.uses_mask |= b.name == "tc_set_exception_mask"
        args = [self.visit(a) for a in node.args]
        given = {kw.arg: self.visit(kw.value) for kw in node.keywords}
        if b.name in POSITIONAL_OPTIONS:        # pw.mem1d(A, M, j, N): options by position
            given.update(zip((o for o, _ in b.options), args[b.nargs:]))
            args = args[:b.nargs]
        for pos, conv in low.static.items():
            if isinstance(pos, int):
                args[pos] = ast.Constant(conv(self.static_value(node.args[pos])))
        for opt, default in b.options:
            value = given.get(opt, ast.Constant(low.defaults.get(opt, default)))
            if opt in low.static:      # a comptime option folded (<tile_config>'s routes)
                kw = next((k.value for k in node.keywords if k.arg == opt), None)
                value = ast.Constant(low.static[opt](self.static_value(kw) if kw else None))
            if opt in ("activate", "unblock", "ut_id") and isinstance(value, ast.Constant) \
                    and value.value is None:
                value = ast.Constant(bi.NO_TASK)
            args.append(value)
        n_user = b.nargs
        args[n_user:n_user] = [ast.Constant(None)] * max(0, low.pad - n_user)
        prefix = [self.call("int64", np.int64, [ast.Constant(v)]) for v in low.prefix]
        call = ast.Call(self.name(f"pw_{low.impl.__name__}", low.impl),
                        [ast.Name("__st", ast.Load()), ast.Name("__pe", ast.Load()), *prefix,
                         *args], [])
        return ast.copy_location(call, node)

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Call) and self.resolve(node.value.func) is TABLE["map"]:
            return self.map_call(node.value)
        return self.generic_visit(node)

    def map_call(self, node) -> list:
        """`pw.map(cb, a, 2.0, s, out)` -> its loop (CSL `@map`), each operand evaluated once:
        `n = <shortest DSD>`; bounds checked; cost charged; then for each i
        `map_put(out, i, cb(map_get(a, i), 2.0, s))`. The callback is lowered as a helper
        (a numpy/math function is called as it is). Every statement quotes the map's line."""
        self.n_maps += 1
        tag = f"__map{self.n_maps}"
        cb_node, operands = node.args[0], node.args[1:]
        fn = self.resolve(cb_node)
        gives = returns_value(fn) if is_user_function(fn) else True
        names = [f"{tag}_{k}" for k in range(len(operands))]
        st_pe = [ast.Name("__st", ast.Load()), ast.Name("__pe", ast.Load())]
        out = [ast.Assign([ast.Name(n, ast.Store())], self.visit(a))
               for n, a in zip(names, operands)]
        n_name = f"{tag}_n"
        out.append(ast.Assign([ast.Name(n_name, ast.Store())], ast.Constant(-1)))
        for n in names:
            out.append(ast.Assign([ast.Name(n_name, ast.Store())], self.call(
                "map_len", mapops.map_len, [ast.Name(n_name, ast.Load()), ast.Name(n, ast.Load())])))
        inputs = names[:-1] if gives else names
        for k, n in enumerate(names):           # operand numbers: 0 the output, inputs from 1
            number = 0 if gives and n == names[-1] else k + 1
            out.append(ast.Expr(self.call("map_check", mapops.map_check, [
                st_pe[0], ast.Name(n, ast.Load()), ast.Constant(number)])))
        low = bi.LOWERINGS["map"]
        out.append(ast.Expr(self.call(f"pw_{low.impl.__name__}", low.impl,
                                      [*st_pe, ast.Name(n_name, ast.Load())])))
        i = ast.Name(f"{tag}_i", ast.Load())
        args = [self.call("map_get", mapops.map_get, [ast.Name(n, ast.Load()), i]) for n in inputs]
        call = ast.copy_location(ast.Call(cb_node, args, []), node)
        if is_user_function(fn):
            call = self.helper_call(call, fn)
        body = [ast.Expr(call)] if not gives else [ast.Expr(self.call(
            "map_put", mapops.map_put, [ast.Name(names[-1], ast.Load()), i, call]))]
        out.append(ast.For(ast.Name(f"{tag}_i", ast.Store()), ast.Call(
            ast.Name("range", ast.Load()), [ast.Name(n_name, ast.Load())], []), body, []))
        for stmt in out:
            ast.copy_location(stmt, node)
            ast.fix_missing_locations(stmt)
        return out

    # -- comptime `if x is None` (the checker folds the same tests: taskcheck.comptime_is_value) --
    def visit_Compare(self, node):
        value = comptime_is_value(node, self.free, self.globals, self.local_names)
        if value is not None:
            return ast.copy_location(ast.Constant(value), node)
        return self.generic_visit(node)

    def visit_If(self, node):
        """An `if` whose test is known at comptime keeps only the branch it takes, so the
        other (which may use the captured None) is never compiled."""
        test = self.visit(node.test)
        if not isinstance(test, ast.Constant):
            node.test = test
            return self.generic_visit_body(node)
        out = []
        for stmt in node.body if test.value else node.orelse:
            new = self.visit(stmt)
            out.extend(new if isinstance(new, list) else [new] if new is not None else [])
        return out or ast.copy_location(ast.Pass(), node)

    def generic_visit_body(self, node):
        for field in ("body", "orelse"):
            stmts = []
            for stmt in getattr(node, field):
                new = self.visit(stmt)
                stmts.extend(new if isinstance(new, list) else [new] if new is not None else [])
            setattr(node, field, stmts or ([ast.Pass()] if field == "body" else []))
        return node

    # -- memcpy module attributes, arithmetic, indices -------------------------------------------
    def visit_Attribute(self, node):
        path = _path(node)
        base = self.resolve(node.value) if path is not None else None
        if isinstance(node.ctx, ast.Load) and (
                isinstance(base, MemcpyModule) or
                (isinstance(base, ModuleInstance) and is_data(getattr(base, node.attr, None)))):
            return ast.copy_location(self.lift_path(path), node)
        return self.generic_visit(node)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = _BINOPS[type(node.op)]
        if self.task.fp_checked and op in fpexcept.CHECKED:     # its program unmasks
            return ast.copy_location(self.call(f"fpx_{op}", fpexcept.CHECKED[op], [
                ast.Name("__st", ast.Load()), ast.Name("__pe", ast.Load()), node.left,
                node.right]), node)
        return ast.copy_location(self.call(f"csl_{op}", getattr(cslops, op),
                                           [node.left, node.right]), node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        op = _UNARY.get(type(node.op))
        if op is None:
            return node
        return ast.copy_location(self.call(f"csl_{op}", getattr(cslops, op), [node.operand]),
                                 node)

    def visit_Subscript(self, node):
        array = self.arrays.get((node.lineno, node.col_offset, node.end_lineno,
                                 node.end_col_offset))
        self.generic_visit(node)
        if array is None:
            return node
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        where = self.site(node, array)
        checked = []
        for axis, part in enumerate(parts):
            size = ast.Subscript(ast.Attribute(_load(node.value), "shape", ast.Load()),
                                 ast.Constant(axis), ast.Load())
            checked.append(self.call("check_index", faults.check_index,
                                     [ast.Name("__st", ast.Load()), part, size,
                                      ast.Constant(where)]))
        node.slice = ast.Tuple(checked, ast.Load()) if len(checked) > 1 else checked[0]
        return ast.fix_missing_locations(ast.copy_location(node, node))

    def visit_AugAssign(self, node):
        target = node.target
        binop = ast.copy_location(ast.BinOp(_load(target), node.op, node.value), node)
        assign = ast.copy_location(ast.Assign([target], binop), node)
        return self.visit(ast.fix_missing_locations(assign))

    def visit_AnnAssign(self, node):
        """`x: pw.f32 = v` converts v to f32, as CSL's `var x: f32 = v` does."""
        dtype = dtype_of(self.resolve(node.annotation))
        cast = self.call(f"type_{dtype.name}", dtype.type, [node.value])
        assign = ast.copy_location(ast.Assign([node.target], ast.copy_location(cast, node)), node)
        return self.visit(ast.fix_missing_locations(assign))

    def visit_Assign(self, node):
        node = self.generic_visit(node)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            # arr[i] = v stores with the element type's wrap-around in both modes
            node.value = ast.copy_location(self.call(
                "csl_store_cast", cslops.store_cast, [_load(node.targets[0].value),
                                                      node.value]), node.value)
            ast.fix_missing_locations(node)
        stores = []
        for t in node.targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and \
                        n.id in self.mutable:
                    stores.append(ast.copy_location(ast.Expr(self.call(
                        "dsd_store", dsd_store,
                        [ast.Name("__st", ast.Load()), ast.Name("__pe", ast.Load()),
                         ast.Subscript(ast.Name(f"__dv_{n.id}", ast.Load()), ast.Constant(0),
                                       ast.Load()),
                         ast.Name(n.id, ast.Load())])), node))
        return [node, *stores] if stores else node

    def visit_Nonlocal(self, node):
        self.mutable.update(node.names)
        return None

    # -- statement sites -------------------------------------------------------------------------
    def instrument(self, stmts: list, helper: bool) -> list:
        """Before each statement that may fail, store its site in `st.fault` (a helper puts
        its caller's site back when it returns, so a failure after the call names the
        caller's line)."""
        out = []
        for s in stmts:
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    setattr(s, field, self.instrument(inner, helper) or [ast.Pass()])
            if helper and isinstance(s, ast.Return):
                out.extend(self._return(s))
                continue
            if getattr(s, "pywse_charge", False):
                if self.lines:                  # its cycles are its statement's line's
                    out.append(_call("__line_mark", s, self.site(s)))
                out.append(s)
                continue
            if not isinstance(s, _QUIET) and not _docstring(s):
                where = self.site(s)
                if self.lines:
                    out.append(_call("__line_mark", s, where))
                out.append(_mark(s, where))
            if self.lines and not helper and isinstance(s, ast.Return):
                out.append(_call("__line_end", s))
            out.append(s)
        return out

    def _return(self, s) -> list:
        value = s.value if s.value is not None else ast.Constant(None)
        keep = ast.copy_location(ast.Assign([ast.Name("__ret", ast.Store())], value), s)
        back = _restore(s)
        ret = ast.copy_location(ast.Return(ast.Name("__ret", ast.Load())), s)
        return [_mark(s, self.site(s)), keep, back, ret]


def _path(node) -> tuple[str, ...] | None:
    """`a` -> ("a",), `a.b.c` -> ("a", ".b", ".c") (what `_resolve` follows); else None."""
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Attribute):
        base = _path(node.value)
        return base + ("." + node.attr,) if base is not None else None
    return None


def _mark(s, where: int) -> ast.stmt:
    target = ast.Subscript(ast.Attribute(ast.Name("__st", ast.Load()), "fault", ast.Load()),
                           ast.Constant(faults.WHERE), ast.Store())
    return ast.fix_missing_locations(ast.copy_location(
        ast.Assign([target], ast.Constant(where)), s))


def _call(name: str, s, *args: int) -> ast.stmt:
    """`name(__st, __pe, *args)` at `s`'s line (the line marks of lines.py)."""
    call = ast.parse(f"{name}(__st, __pe{''.join(f', {a}' for a in args)})").body[0]
    return ast.fix_missing_locations(ast.copy_location(call, s))


def _restore(s) -> ast.stmt:
    target = ast.Subscript(ast.Attribute(ast.Name("__st", ast.Load()), "fault", ast.Load()),
                           ast.Constant(faults.WHERE), ast.Store())
    return ast.fix_missing_locations(ast.copy_location(
        ast.Assign([target], ast.Name("__caller_site", ast.Load())), s))


def _docstring(s) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and \
        isinstance(s.value.value, str)


def _load(target):
    load = ast.parse(ast.unparse(target), mode="eval").body
    ast.copy_location(load, target)
    return ast.fix_missing_locations(load)


def _rewrite(fn, name: str, task: Task, free: dict, helper: bool, lines: bool) -> CompiledTask:
    fdef, filename = parse_function(fn, task.name)
    fdef.body = with_charges(fdef.body, dict(counts_of(fn)))
    rw = _Rewriter(task, fn, free, filename, lines)
    rw.local_names = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name) and
                      isinstance(n.ctx, ast.Store)} | {a.arg for a in fdef.args.args}
    bits = _dsd_only_f16(fdef, rw, free)
    fdef.decorator_list = []
    body = []
    for stmt in fdef.body:
        out = rw.visit(stmt)
        body.extend(out if isinstance(out, list) else [out] if out is not None else [])
    body = rw.instrument(body, helper)
    if lines:
        rw.inject.update(__line_mark=line_mark, __line_start=line_start, __line_end=line_end)
        if not helper:
            body = [_call("__line_start", fdef)] + body + [_call("__line_end", fdef)]
    if helper:
        save = ast.parse(f"__caller_site = __st.fault[{faults.WHERE}]").body[0]
        body = [ast.copy_location(save, fdef)] + body + [_restore(fdef)]
    used = {n.id for n in ast.walk(ast.Module(body, [])) if isinstance(n, ast.Name)}
    loads = [ast.parse(f"{n} = __dsd_load(__st, __pe, __dv_{n}[0], __dv_{n}[1])").body[0]
             for n, v in free.items() if isinstance(v, DsdVar) and n in used]
    for stmt in loads:
        ast.copy_location(stmt, fdef.body[0])
    fdef.body = loads + body or [ast.Pass()]
    ast.fix_missing_locations(fdef)
    rw.inject["__dsd_load"] = dsd_load
    lifted = tuple((n,) for n, v in free.items() if is_data(v) and n in used) \
        + tuple(rw.extra_lifted)
    names = ["__dv_" + p[0] if len(p) == 1 and isinstance(free.get(p[0]), DsdVar)
             else "__".join(p).replace(".", "") for p in lifted]
    user_args = fdef.args.args
    chunk = LIFT_CHUNK if len(names) + len(user_args) > PACK_ABOVE else 0
    if chunk:            # the lifted values come in tuples: unpack them first
        params = [f"__lifted{k}" for k in range(-(-len(names) // chunk))]
        unpack = [ast.parse(f"{', '.join(group)}, = __lifted{k}").body[0]
                  for k, group in enumerate(names[i:i + chunk]
                                            for i in range(0, len(names), chunk))]
        for stmt in unpack:
            ast.copy_location(stmt, fdef.body[0])
        fdef.body = unpack + fdef.body
    else:
        params = names
    fdef.args = ast.arguments(posonlyargs=[], args=[ast.arg("__st"), ast.arg("__pe")]
                              + [ast.arg(n) for n in params] + user_args,
                              kwonlyargs=[], kw_defaults=[], defaults=[])
    fdef.returns = None
    for a in fdef.args.args:
        a.annotation = None
    ast.fix_missing_locations(fdef)
    body_src = ast.unparse(fdef)
    # numba's cache is keyed by the file's name, size and mtime and the function's name: make
    # the name depend on what the code means (rewritten source, pywse's own code, the module
    # whose globals it uses) and on where the file is, since compiled code keeps the path it
    # was built from for tracebacks (a moved or bind-mounted checkout would cite the old one)
    key = body_src + PYWSE_HASH + str(fn.__module__) + os.path.abspath(filename)
    salt = hashlib.sha1(key.encode()).hexdigest()[:10]
    fdef.name = f"{fn.__name__}__task_{salt}"
    namespace = dict(fn.__globals__)
    namespace.update({n: v for n, v in free.items() if not is_data(v)})
    namespace.update(rw.inject)
    code = compile(ast.Module([fdef], []), filename, "exec")
    exec(code, namespace)
    py_fn = namespace[fdef.name]
    py_fn.__qualname__ = fdef.name            # numba's cache key: the salted name
    py_fn.__code__ = py_fn.__code__.replace(co_name=fn.__name__)   # tracebacks say `in step`
    if helper:
        py_fn = register_jitable(py_fn)
    return CompiledTask(name, lifted, py_fn, body_src, chunk, bits, rw.uses_mask)


def _dsd_only_f16(fdef, rw: _Rewriter, free: dict) -> frozenset:
    """The captured f16 arrays the body names only as arguments of DSD builtins
    (`pw.mem1d(h, n, j)`, `pw.fmovh(h_ptr, d)`): compiled code may see those as bit patterns,
    as the DSD ops do (an f16 array used any other way needs float16 arithmetic)."""
    as_operand = set()
    for node in ast.walk(fdef):
        if isinstance(node, ast.Call) and (isinstance(rw.resolve(node.func), TypedBuiltin) or (
                isinstance(rw.resolve(node.func), Builtin) and
                rw.resolve(node.func).kind in ("op", "dsd", "dsr"))):
            as_operand.update(id(a) for a in node.args if isinstance(a, ast.Name))
    f16 = {n for n, v in free.items() if isinstance(v, Var) and v.dtype == np.float16}
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and node.id in f16 and id(node) not in as_operand:
            f16.discard(node.id)
    return frozenset(f16)
