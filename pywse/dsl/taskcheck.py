"""Task bodies checked when the program is compiled: every mistake at once, at the user's line.

`pw.compile` (and so `SdkLayout.compile`, the harness and `pywse check`) calls `check_images`
before anything runs. The checker walks each task body's AST, and the helpers it calls, with
the kinds of what the body captured (kinds.py), against the builtin table
(signatures.py): names and what they bind to, CSL scalar typing, each builtin's operand
forms and options, dropped results, captured values a task cannot use, constant indices,
Python that neither CSL nor numba has. It needs nothing of the engine, so a mistake is
reported the same way whether the task will run compiled or as plain Python.

A body is checked once per code object and captured *types* (never per PE). The checker
also records which subscripts index an array, so the engine can check those indices at run
time (`array_subscripts`).
"""
from __future__ import annotations

import ast
import builtins as pybuiltins

import attrs
import numpy as np

from ..errors import TaskError
from . import dsd as _dsd
from .kinds import (BOOL, NONE, UNKNOWN, WEAK_FLOAT, WEAK_INT, Kind, kind_of, literal,
                    promote)
from .signatures import LATER_OPTIONS, POSITIONAL_OPTIONS, TABLE, explain_unknown
from .tasksource import UNASSIGNED, closure, node_site, parse_function, returns_value

PY_FUNCTIONS = {"range", "len", "min", "max", "abs", "int", "float", "bool", "round", "print",
                "enumerate", "zip", "divmod"}
"""Python builtins a task body may call (numba compiles them all)."""

_REFUSED = {
    ast.Try: "`try` is not supported in task bodies: CSL has no exceptions; test the "
             "condition with `if` instead",
    ast.With: "`with` is not supported in task bodies",
    ast.FunctionDef: "a function defined inside a task body is not supported: define the "
                     "helper in the program body (or at module level) and call it",
    ast.AsyncFunctionDef: "`async def` is not supported in task bodies",
    ast.ClassDef: "a class defined inside a task body is not supported",
    ast.Import: "`import` is not supported in task bodies: import at module level",
    ast.ImportFrom: "`import` is not supported in task bodies: import at module level",
    ast.Delete: "`del` is not supported in task bodies",
    ast.Global: "'global' is not supported in task bodies: keep state in p.var arrays",
    ast.List: "a list is not a CSL value: keep data in a p.var array (or use a tuple of "
              "DSDs or numbers)",
    ast.ListComp: "a list comprehension is not a CSL value: loop over a p.var array",
    ast.SetComp: "a set is not a CSL value", ast.Set: "a set is not a CSL value",
    ast.Dict: "a dict is not a CSL value: keep data in p.var arrays",
    ast.DictComp: "a dict is not a CSL value: keep data in p.var arrays",
    ast.GeneratorExp: "a generator is not a CSL value: use a for loop",
    ast.Lambda: "`lambda` is not supported in task bodies: define a helper with `def` in "
                "the program body",
    ast.JoinedStr: "f-strings are not supported in task bodies (compiled code has no string "
                   "formatting): print(...) the values instead",
    ast.Starred: "`*args` is not supported in task bodies",
    ast.NamedExpr: "`:=` is not supported in task bodies: assign on its own line",
    ast.Yield: "`yield` is not supported in task bodies",
    ast.YieldFrom: "`yield` is not supported in task bodies",
    ast.Await: "`await` is not supported in task bodies",
}
for _name in ("AsyncFor", "AsyncWith", "Match", "TryStar"):
    if hasattr(ast, _name):
        _REFUSED[getattr(ast, _name)] = f"`{_name.lower()}` is not supported in task bodies"

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv",
           ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.LShift: "lshift",
           ast.RShift: "rshift", ast.BitAnd: "and_", ast.BitOr: "or_", ast.BitXor: "xor"}
_DSDS = ("mem", "fabin", "fabout", "fifo")
_COMPARE = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
            ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
            ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b}
_LEGEND = "D: a DSD, s: a scalar (a number or a one-element var), p: a one-element var"


def _forms_of(b) -> str:
    """The operand forms a DSD op takes, for a message about an operand it refused."""
    if not b.forms:
        return ""
    forms = " or ".join("(" + ", ".join(f) + ")" for f in b.forms)
    return f"; pw.{b.name} takes {forms} [{_LEGEND}]"

LOCAL = "local"
"""The `obj` of a function-local array's kind (`np.zeros(4, pw.f32)` in a task body)."""
_LOCAL_NOT_MEMORY = ("local array '{}' lives in the task, not in PE memory, so no DSD can "
                     "reach it: declare it with p.var in the program body")

_CACHE: dict = {}
ARRAY_SUBSCRIPTS: dict = {}
"""(code object, file) -> {(line, col, end line, end col): array name} of the subscripts
that index an array in every check of that code (the engine checks them at run time)."""


@attrs.frozen
class Context:
    """What a body is checked for: its task, the program's params, the arch."""

    task: object
    program: str
    params: tuple[str, ...]


def check_images(images) -> None:
    """Check every task body of these program images; one TaskError lists every mistake."""
    found: list[TaskError] = []
    seen: set = set()
    for image in images:
        ctx_params = tuple(sorted(image.program.param_names))
        for task in image.tasks:
            ctx = Context(task, image.program.name, ctx_params)
            for err in check_task(task.fn, ctx):
                key = (err.file, err.line, str(err))
                if key not in seen:
                    seen.add(key)
                    found.append(err)
    if found:
        raise combine(found)


def combine(found: list[TaskError]) -> TaskError:
    """One error for several mistakes (each quoting its line); the first gives file/line."""
    if len(found) == 1:
        return found[0]
    text = f"{len(found)} mistakes in task bodies:\n" + "\n".join(
        f"{k}. {err}" for k, err in enumerate(found, 1))
    err = TaskError(text)
    err.file, err.line = found[0].file, found[0].line
    err.mistakes = found
    return err


def check_task(fn, ctx: Context) -> list[TaskError]:
    """The mistakes in task `ctx.task`'s body `fn` (cached per code and captured kinds).

    Checked first with the captured values' types only (one check serves every PE). If that
    finds mistakes and the body captured numbers, it is checked again with their values, as
    CSL checks only the branch a comptime condition takes (`if narrow:` on a bool param): a
    mistake in a branch this PE never takes is not one."""
    free = closure(fn)
    key = (fn.__code__, fn.__code__.co_filename, fn.__module__, ctx.task.name, ctx.task.kind,
           tuple(ctx.task.arg_types), _free_key(free, False), ctx.params)
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = _Checker(fn, ctx, free, None, 0, False).run()
    if found and any(isinstance(v, (bool, int, float, np.number)) for v in free.values()):
        key = key[:-2] + (_free_key(free, True), ctx.params)
        valued = _CACHE.get(key)
        if valued is None:
            valued = _CACHE[key] = _Checker(fn, ctx, free, None, 0, True).run()
        return valued
    return found


def _free_key(free: dict, valued: bool) -> tuple:
    out = []
    for name, v in free.items():
        k = _captured(v, valued)
        out.append((name, k if k is not None else ("bad", type(v).__name__, id(v))))
    return tuple(out)


def _captured(value, valued: bool) -> Kind | None:
    """A captured value's kind; with `valued`, numbers keep their value (for comptime `if`)."""
    k = kind_of(value)
    if valued and k is not None and k.what == "scalar" and \
            isinstance(value, (bool, int, float, np.number)):
        return attrs.evolve(k, value=value.item() if isinstance(value, np.generic) else value)
    return k


class _Checker:
    """Walks one function (a task body, or a helper with its arguments' kinds)."""

    def __init__(self, fn, ctx: Context, free: dict, arg_kinds: tuple | None, depth: int,
                 valued: bool):
        self.fn, self.ctx, self.free = fn, ctx, free
        self.valued = valued
        self.helper = arg_kinds is not None
        self.arg_kinds = arg_kinds or ()
        self.depth = depth
        self.problems: list[TaskError] = []
        self.env: dict[str, Kind] = {}
        self.returns: Kind | None = None
        self.subscripts: dict = {}
        self.started: dict = {}       # id(call) -> an async op's microthread (microthreads)

    # -- reporting ---------------------------------------------------------------------------
    def problem(self, node, message: str) -> Kind:
        who = f"helper '{self.fn.__name__}' (called by task '{self.ctx.task.name}')" \
            if self.helper else f"task '{self.ctx.task.name}'"
        line = getattr(node, "lineno", None)
        where = f" (line {line})" if line else ""
        self.problems.append(TaskError(f"{who}{where}: {message}").at(
            node_site(node, self.filename, self.fn.__name__)))
        return UNKNOWN

    # -- the function ------------------------------------------------------------------------
    def run(self) -> list[TaskError]:
        try:
            fdef, self.filename = parse_function(self.fn, self.ctx.task.name)
        except TaskError as e:
            return [e]
        self.free_kinds = {name: _captured(v, self.valued) for name, v in self.free.items()}
        self.reported: set[str] = set()
        self.locals = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)
                       and isinstance(n.ctx, ast.Store)}
        self.nonlocal_names: set[str] = set()
        self.bind_arguments(fdef)
        self.body(fdef.body)
        self.problems.sort(key=lambda e: (e.line or 0))
        if not self.valued:      # the subscripts of every branch (other PEs may take them)
            code = (self.fn.__code__, self.filename)
            merged = ARRAY_SUBSCRIPTS.get(code)
            ARRAY_SUBSCRIPTS[code] = self.subscripts if merged is None \
                else {p: n for p, n in merged.items() if p in self.subscripts}
        return self.problems

    def bind_arguments(self, fdef: ast.FunctionDef) -> None:
        names = [a.arg for a in fdef.args.posonlyargs + fdef.args.args]
        self.locals |= set(names)
        if fdef.args.vararg or fdef.args.kwarg or fdef.args.kwonlyargs:
            self.problem(fdef, "*args, **kwargs and keyword-only parameters are not supported "
                               "in task bodies and their helpers")
        if self.helper:
            kinds = list(self.arg_kinds) + [UNKNOWN] * (len(names) - len(self.arg_kinds))
        else:
            kinds = [Kind("scalar", np.dtype(t)) for t in self.ctx.task.arg_types]
            kinds += [UNKNOWN] * (len(names) - len(kinds))
        self.env.update(zip(names, kinds))

    # -- statements --------------------------------------------------------------------------
    def stmt(self, s) -> None:
        refused = _REFUSED.get(type(s))
        if refused is not None:
            self.problem(s, refused)
            return
        method = getattr(self, "s_" + type(s).__name__, None)
        if method is None:
            self.problem(s, f"`{type(s).__name__}` statements are not supported in task bodies")
            return
        method(s)

    def body(self, stmts) -> None:
        running: dict = {}          # microthread -> the async op this statement list started
        for s in stmts:
            self.stmt(s)
            started = self.started.get(id(s.value)) if isinstance(s, ast.Expr) else None
            if started is not None:
                self.microthread_clash(s, started, running)

    def s_Expr(self, s) -> None:
        v = s.value
        if isinstance(v, ast.Constant) and (isinstance(v.value, str) or v.value is Ellipsis):
            return                                   # a docstring
        if not isinstance(v, ast.Call):
            self.expr(v)
            self.problem(s, "this expression's value is dropped (CSL refuses an unused value): "
                            "assign it, or remove the line" + (" (did you mean `=`?)" if
                            isinstance(v, ast.Compare) and isinstance(v.ops[0], ast.Eq) else ""))
            return
        kind = self.expr(v)
        target = self.callee(v)
        if target is not None and target.what == "builtin" and target.obj.returns == "dsd":
            self.problem(s, f"the result of pw.{target.obj.name} is dropped: it returns a new "
                            "DSD and leaves its argument as it was; assign it (`d = "
                            f"pw.{target.obj.name}(d, ...)`)")
        elif target is not None and target.what == "builtin" and target.obj.returns:
            self.problem(s, f"the result of pw.{target.obj.name} is dropped (CSL refuses an "
                            f"unused value): assign it (`_ = pw.{target.obj.name}(...)`)")
        del kind

    def s_Assign(self, s) -> None:
        k = self.expr(s.value)
        for t in s.targets:
            self.store(t, k, s)

    def s_AugAssign(self, s) -> None:
        load = ast.copy_location(ast.BinOp(_as_load(s.target), s.op, s.value), s)
        ast.fix_missing_locations(load)
        self.store(s.target, self.expr(load), s)

    def s_AnnAssign(self, s) -> None:
        ann = self.expr(s.annotation)
        if ann.what != "type":
            self.problem(s.annotation, "a local's annotation must be a pywse type (pw.f32, "
                                       "pw.i16, ...): the value is converted to it")
        if s.value is None:
            self.problem(s, "give the local a value (`x: pw.f32 = 0.0`)")
            return
        value = self.expr(s.value)
        if ann.what == "type":
            self.check_conversion(s.value, value, ann.dtype)
        self.store(s.target, Kind("scalar", ann.dtype) if ann.what == "type" else value, s)

    def s_If(self, s) -> None:
        test = self.expr(s.test)
        if test.value is None or test.value:
            self.body(s.body)
        if test.value is None or not test.value:     # a comptime condition: one branch
            self.body(s.orelse)

    def s_While(self, s) -> None:
        self.expr(s.test)
        self.body(s.body)
        self.body(s.orelse)

    def s_For(self, s) -> None:
        it = s.iter
        element = UNKNOWN
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" \
                and self.name_kind(it.func).what == "pyfunc":
            for a in it.args:
                k = self.expr(a)
                if k.what == "scalar" and k.dtype is not None and k.dtype.kind == "f":
                    self.problem(a, "range() needs integers, got a float")
            element = WEAK_INT
        else:
            k = self.expr(it)
            if k.what == "array":
                element = Kind("scalar", k.dtype) if len(k.shape) <= 1 else \
                    Kind("array", k.dtype, shape=k.shape[1:], name=k.name)
            elif k.what in _DSDS or k.what == "scalar":
                self.problem(it, f"{k.describe()} cannot be iterated in a for loop")
        self.store(s.target, element, s)
        self.body(s.body)
        self.body(s.orelse)

    def s_Return(self, s) -> None:
        k = self.expr(s.value) if s.value is not None else NONE
        if not self.helper and s.value is not None:
            self.problem(s, "a task returns nothing (CSL tasks are void): store results in a "
                            "p.var array")
        if self.returns is None:
            self.returns = k

    def s_Pass(self, s) -> None:
        pass

    s_Break = s_Continue = s_Pass

    def s_Raise(self, s) -> None:
        if s.exc is not None:
            self.expr(s.exc)

    def s_Assert(self, s) -> None:
        self.expr(s.test)

    def s_Nonlocal(self, s) -> None:
        for name in s.names:
            if not isinstance(self.free.get(name), _dsd.DsdVar):
                self.problem(s, f"'nonlocal {name}': only DSDs made with p.dsd_var(...) can be "
                                "reassigned by a task; keep other state in p.var arrays")
            self.nonlocal_names.add(name)

    def store(self, target, k: Kind, stmt) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            if name in self.free and name not in self.nonlocal_names:
                from_program = isinstance(self.free[name], _dsd.DsdVar)
                hint = (f"declare `nonlocal {name}` to reassign this p.dsd_var" if from_program
                        else "assign a local copy instead")
                self.problem(stmt, f"'{name}' belongs to the program; {hint}")
            elif name in self.nonlocal_names and k.what not in (
                    self.free_kinds.get(name, UNKNOWN).what, "unknown"):
                was = self.free_kinds.get(name, UNKNOWN).what
                want = {"mem": "a memory DSD"}.get(was, f"a {was} DSD")
                self.problem(stmt, f"'{name}' is a DSD: assign it {want}, not "
                                   f"{k.describe()}")
            else:
                before = self.env.get(name)
                if before is not None and _changes_kind(before, k):
                    self.problem(stmt, f"'{name}' held {before.describe()} and now "
                                       f"{k.describe()}: a local keeps one type (as in CSL); "
                                       "use another name")
                if k.what == "array" and k.obj is LOCAL and not k.name:
                    k = attrs.evolve(k, name=name)
                self.env[name] = k
        elif isinstance(target, ast.Subscript):
            base = self.subscript(target, store=True)
            if base.what == "scalar" and k.what not in ("scalar", "unknown"):
                self.problem(stmt, f"cannot store {k.describe()} in an array element")
            elif base.what == "scalar" and base.dtype is not None and base.dtype.kind in "iu" \
                    and k.what == "scalar" and k.dtype is not None and k.dtype.kind == "f":
                self.problem(stmt, f"storing a float into an {_type(base.dtype)} array: "
                                   f"convert it explicitly with pw.{_type(base.dtype)}(...) "
                                   "(CSL's @as)")
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = k.items if k.what == "seq" and len(k.items) == len(target.elts) else \
                (UNKNOWN,) * len(target.elts)
            for t, item in zip(target.elts, items):
                self.store(t, item, stmt)
        elif isinstance(target, ast.Attribute):
            self.expr(target.value)
            self.problem(stmt, "attributes cannot be assigned in a task body")
        else:
            self.problem(stmt, "this assignment target is not supported in task bodies")

    # -- expressions -------------------------------------------------------------------------
    def expr(self, e) -> Kind:
        refused = _REFUSED.get(type(e))
        if refused is not None:
            return self.problem(e, refused)
        method = getattr(self, "e_" + type(e).__name__, None)
        if method is None:
            return self.problem(e, f"`{type(e).__name__}` expressions are not supported in "
                                   "task bodies")
        return method(e)

    def e_Constant(self, e) -> Kind:
        return literal(e.value)

    def e_Name(self, e) -> Kind:
        return self.name_kind(e)

    def name_kind(self, e) -> Kind:
        n = e.id
        if n in self.env:
            return self.env[n]
        if n in self.free:
            k = self.free_kinds[n]
            if k is None:
                if n not in self.reported:
                    self.reported.add(n)
                    self.problem(e, _capture_message(n, self.free[n]))
                return UNKNOWN
            return k
        if n in self.locals:
            return UNKNOWN                       # assigned further down (a loop's next turn)
        g = self.fn.__globals__
        if n in g:
            k = kind_of(g[n])
            if k is None:
                return self.problem(e, _capture_message(n, g[n], "global"))
            return k
        if n in PY_FUNCTIONS:
            return Kind("pyfunc", obj=n)
        value = getattr(pybuiltins, n, None)
        if isinstance(value, type) and issubclass(value, BaseException):
            return Kind("callable", obj=value)
        if value is not None:
            return self.problem(e, f"Python's `{n}` is not available in task bodies")
        hint = ""
        if self.ctx.params:
            hint = f" (program '{self.ctx.program}' has params: {', '.join(self.ctx.params)})"
        return self.problem(e, f"name '{n}' is not defined{hint}")

    def e_Attribute(self, e) -> Kind:
        base = self.expr(e.value)
        attr = e.attr
        if base.what == "module":
            return self.module_attr(base.obj, e)
        if base.what == "instance":
            members = base.obj.members
            if attr not in members:
                return self.problem(e, f"module instance '{base.name}' has no '{attr}' (it "
                                       f"has: {', '.join(sorted(members)) or 'nothing'})")
            k = kind_of(members[attr])
            if k is None:
                return self.problem(e, _capture_message(f"{base.name}.{attr}", members[attr]))
            return k
        if base.what == "memcpy":
            if attr == "unblock_cmd_stream":
                return Kind("builtin", obj=TABLE["unblock_cmd_stream"])
            if not hasattr(base.obj, attr):
                return self.problem(e, f"the memcpy module has no attribute '{attr}'")
            return kind_of(getattr(base.obj, attr)) or UNKNOWN
        if base.what == "array":
            if attr in ("size", "ndim"):
                return WEAK_INT
            if attr == "shape":
                return Kind("seq", items=(WEAK_INT,) * len(base.shape))
            return Kind("callable")
        if base.what in ("unknown", "callable", "scalar"):
            return UNKNOWN
        return self.problem(e, f"{base.describe()} has no attribute '{attr}'")

    def module_attr(self, module, e) -> Kind:
        attr = e.attr
        mod_name = getattr(module, "__name__", "")
        if not hasattr(module, attr):
            if mod_name == "pywse":
                public = {n for n in dir(module) if not n.startswith("_")}
                return self.problem(e, explain_unknown(attr, public))
            return self.problem(e, f"module '{mod_name}' has no attribute '{attr}'")
        value = getattr(module, attr)
        if value in (_dsd.fabin, _dsd.fabout):
            return self.problem(e, f"pw.{attr} cannot be built in a task body: a fabric DSD's "
                                   "color and queue are comptime (CSL); declare it in the "
                                   "program body and change its extent in the task with "
                                   "pw.set_dsd_length")
        if value is _dsd.mem4d:
            return self.problem(e, "pw.mem4d cannot be built in a task body: its extents and "
                                   "strides are comptime (CSL); declare it in the program "
                                   "body, or build a 1-D DSD here with pw.mem1d(...)")
        k = kind_of(value)
        if k is None or (mod_name == "pywse" and k.what in ("callable", "helper")):
            return self.problem(e, f"{mod_name}.{attr} cannot be used in a task body")
        return k

    def e_Subscript(self, e) -> Kind:
        return self.subscript(e, store=False)

    def subscript(self, e, store: bool) -> Kind:
        base = self.expr(e.value)
        index = e.slice
        if base.what == "array":
            return self.array_index(e, base, index, store)
        if base.what == "seq":
            k = self.expr(index)
            if store:
                return self.problem(e, "a tuple cannot be changed in a task body")
            if isinstance(k.value, int) and -len(base.items) <= k.value < len(base.items):
                return base.items[k.value]
            return UNKNOWN
        self.expr(index) if not isinstance(index, ast.Slice) else None
        if base.what in _DSDS:
            return self.problem(e, f"{base.describe()} cannot be indexed in a task body: index "
                                   "its array, or move data with a DSD op (pw.mov32, ...)")
        if base.what in ("unknown", "callable"):
            return UNKNOWN
        return self.problem(e, f"{base.describe()} cannot be indexed")

    def array_index(self, e, base: Kind, index, store: bool) -> Kind:
        if store and base.const:
            self.problem(e, f"array '{base.name}' is read-only (p.const): copy it into a "
                            "p.var to change it")
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        if any(isinstance(p, ast.Slice) for p in parts):
            for p in parts:
                for sub in ([p.lower, p.upper, p.step] if isinstance(p, ast.Slice) else [p]):
                    if sub is not None:
                        self.expr(sub)
            return Kind("array", base.dtype, name=base.name, const=base.const)
        if base.shape and len(parts) > len(base.shape):
            return self.problem(e, f"array '{base.name}' has {len(base.shape)} dimension(s); "
                                   f"{len(parts)} indices given")
        for axis, p in enumerate(parts):
            k = self.expr(p)
            if k.what == "scalar" and k.dtype is not None and k.dtype.kind in "fc":
                self.problem(p, f"an index must be an integer, got {k.describe()}")
            elif k.what not in ("scalar", "unknown"):
                self.problem(p, f"an index must be an integer, got {k.describe()}")
            elif isinstance(k.value, int) and not isinstance(k.value, bool) and base.shape:
                n = base.shape[axis]
                if k.value < 0:
                    self.problem(p, f"index {k.value} is negative: CSL has no negative indices "
                                    f"(Python's would wrap around); '{base.name}' has {n} "
                                    f"element(s), index 0..{n - 1}")
                elif k.value >= n:
                    self.problem(p, f"index {k.value} is past the end of '{base.name}' ({n} "
                                    f"element(s), index 0..{n - 1})")
        self.subscripts[_pos(e)] = base.name
        if base.shape and len(parts) < len(base.shape):
            return Kind("array", base.dtype, shape=base.shape[len(parts):], name=base.name,
                        const=base.const)
        return Kind("scalar", base.dtype)

    def e_BinOp(self, e) -> Kind:
        a, b = self.expr(e.left), self.expr(e.right)
        op = _BINOPS.get(type(e.op))
        if op is None:
            return self.problem(e, f"operator {type(e.op).__name__} is not supported in task "
                                   "bodies")
        for k in (a, b):
            if k.what in _DSDS:
                return self.problem(e, f"{k.describe()} has no arithmetic: use a DSD op "
                                       "(pw.fadds, ...) or pw.increment_dsd_offset")
            if k.what == "array":
                return self.problem(e, f"{k.describe()} has no arithmetic in a task body: "
                                       "index it (a[i]) or use a DSD op")
            if k.what not in ("scalar", "unknown"):
                return self.problem(e, f"{k.describe()} has no arithmetic")
        if a.what == "unknown" or b.what == "unknown":
            return UNKNOWN
        out = promote(a, b, op)
        if isinstance(a.value, int) and isinstance(b.value, int) and op in ("add", "sub",
                                                                           "mul"):
            out = attrs.evolve(out, value={"add": a.value + b.value, "sub": a.value - b.value,
                                           "mul": a.value * b.value}[op])
        return out

    def e_UnaryOp(self, e) -> Kind:
        k = self.expr(e.operand)
        if isinstance(e.op, ast.Not):
            return BOOL if k.value is None else attrs.evolve(BOOL, value=not k.value)
        if k.what not in ("scalar", "unknown"):
            return self.problem(e, f"{k.describe()} has no arithmetic")
        if isinstance(e.op, ast.USub) and isinstance(k.value, (int, float)):
            return attrs.evolve(k, value=-k.value)
        return attrs.evolve(k, value=None)

    def e_BoolOp(self, e) -> Kind:
        values = [self.expr(v).value for v in e.values]
        if any(v is None for v in values):
            return BOOL
        result = all(values) if isinstance(e.op, ast.And) else any(values)
        return attrs.evolve(BOOL, value=bool(result))

    def e_Compare(self, e) -> Kind:
        if len(e.ops) == 1 and isinstance(e.ops[0], (ast.Is, ast.IsNot)):
            return self.comptime_is(e)
        left = self.expr(e.left)
        value = left.value
        result = True
        for op, c in zip(e.ops, e.comparators):
            if isinstance(op, (ast.In, ast.NotIn, ast.Is, ast.IsNot)):
                self.problem(e, f"`{type(op).__name__}` is not supported in task bodies: "
                                "compare values with ==, !=, <, <=, > or >=" +
                                ("; `x is None` / `x is not None` alone test a captured value"
                                 if isinstance(op, (ast.Is, ast.IsNot)) else ""))
                return BOOL
            right = self.expr(c).value
            compare = _COMPARE.get(type(op))
            if value is None or right is None or compare is None:
                result = None
            elif result is not None:
                result = result and compare(value, right)
            value = right
        return BOOL if result is None else attrs.evolve(BOOL, value=bool(result))

    def comptime_is(self, e) -> Kind:
        """`x is None` / `x is not None` on a captured value: known at comptime (CSL's
        comptime `if`), so only the branch it takes is checked and compiled (jit.py folds
        the same test, `comptime_is_value`)."""
        value = comptime_is_value(e, self.free, self.fn.__globals__, self.locals)
        if value is None:
            return self.problem(e, "`is` / `is not` test whether a captured value is None "
                                   "(a comptime `if`): write `name is None` or `name is not "
                                   "None` with a name the program body gave the task")
        return attrs.evolve(BOOL, value=value)

    def e_IfExp(self, e) -> Kind:
        test = self.expr(e.test)
        if test.value is not None:
            return self.expr(e.body if test.value else e.orelse)
        a = self.expr(e.body)
        self.expr(e.orelse)
        return attrs.evolve(a, value=None) if a.what == "scalar" else a

    def e_Tuple(self, e) -> Kind:
        return Kind("seq", items=tuple(self.expr(x) for x in e.elts))

    def e_Call(self, e) -> Kind:
        return self.call(e)

    # -- calls ---------------------------------------------------------------------------------
    def callee(self, call) -> Kind | None:
        """The kind of what a call calls, without reporting again (expr() did)."""
        if isinstance(call.func, ast.Name):
            return self.env.get(call.func.id) or self.free_kinds.get(call.func.id) or \
                kind_of(self.fn.__globals__.get(call.func.id, None))
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            base = self.env.get(call.func.value.id) or self.free_kinds.get(call.func.value.id) \
                or kind_of(self.fn.__globals__.get(call.func.value.id, None))
            if base is not None and base.what == "module":
                v = getattr(base.obj, call.func.attr, None)
                return kind_of(v) if v is not None else None
            if base is not None and base.what == "memcpy" and \
                    call.func.attr == "unblock_cmd_stream":
                return Kind("builtin", obj=TABLE["unblock_cmd_stream"])
        return None

    def call(self, e) -> Kind:
        f = self.expr(e.func)
        args = [self.expr(a) for a in e.args]
        kwargs = {}
        for kw in e.keywords:
            if kw.arg is None:
                self.problem(kw.value, "`**kwargs` is not supported in task bodies")
                continue
            kwargs[kw.arg] = (kw, self.expr(kw.value))
        if f.what == "builtin":
            return self.builtin_call(e, f.obj, args, kwargs)
        if f.what == "typed":
            return self.typed_call(e, f.obj, args, kwargs)
        if f.what == "task":
            return self.problem(e, f"tasks cannot be called; use pw.activate({f.name})")
        if f.what == "helper":
            return self.helper_call(e, f.obj, args)
        if f.what == "type":
            for a, k in zip(e.args, args):
                self.check_conversion(a, k, f.dtype)
            return Kind("scalar", f.dtype)
        if f.what == "pyfunc":
            return self.python_call(e, f.obj, args)
        if f.what == "callable" and f.obj is np.zeros:
            return self.local_array(e, args, kwargs)
        if f.what == "callable" and f.obj is np.array:
            return self.local_array_of(e, args, kwargs)
        if f.what in ("callable", "unknown"):
            return UNKNOWN
        return self.problem(e, f"{f.describe()} is not callable")

    def local_array(self, e, args: list[Kind], kwargs: dict) -> Kind:
        """`tmp = np.zeros(4, pw.f32)`: a function-local array (CSL `var tmp = @zeros([4]f32)`
        in a function), its size and element type known at comptime. It lives in the task,
        not in PE memory: indexed (and checked) like a var, never a DSD operand."""
        shape_k = args[0] if args else UNKNOWN
        type_k = args[1] if len(args) > 1 else kwargs.get("dtype", (None, NONE))[1]
        items = shape_k.items if shape_k.what == "seq" else (shape_k,)
        if not items or not all(isinstance(k.value, int) and not isinstance(k.value, bool)
                                and k.value > 0 for k in items):
            return self.problem(e, "a local array needs a size known at comptime (as in CSL): "
                                   "np.zeros(4, pw.f32) or np.zeros((2, 3), pw.i16)")
        if type_k.what != "type" or type_k.dtype == np.float16:
            return self.problem(e, "a local array needs an element type of pywse other than "
                                   "f16: np.zeros(n, pw.f32) (pw.i16, pw.u16, pw.i32, pw.u32)")
        return Kind("array", type_k.dtype, shape=tuple(k.value for k in items), obj=LOCAL)

    def local_array_of(self, e, args: list[Kind], kwargs: dict) -> Kind:
        """`data = np.array((1, 2, 3), pw.i16)`: a function-local array with initial values
        (CSL `var data = [3]i16 { 1, 2, 3 };`), a tuple of numbers known at comptime."""
        values = args[0] if args else UNKNOWN
        type_k = args[1] if len(args) > 1 else kwargs.get("dtype", (None, NONE))[1]
        if values.what != "seq" or not values.items or not all(
                k.what == "scalar" and isinstance(k.value, (int, float)) for k in values.items):
            return self.problem(e, "a local array's values must be a tuple of numbers: "
                                   "np.array((1, 2, 3), pw.i16) (CSL's [3]i16 { 1, 2, 3 })")
        if type_k.what != "type" or type_k.dtype == np.float16:
            return self.problem(e, "a local array needs an element type of pywse other than "
                                   "f16: np.array((1, 2), pw.i16) (pw.f32, pw.u16, pw.i32, "
                                   "pw.u32)")
        for k in values.items:
            self.check_conversion(e.args[0], k, type_k.dtype)
        return Kind("array", type_k.dtype, shape=(len(values.items),), obj=LOCAL)

    def check_conversion(self, node, k: Kind, dtype) -> None:
        """`pw.i16(v)` / `x: pw.i16 = v`: v must be a number, and a literal must fit."""
        if k.what not in ("scalar", "unknown"):
            self.problem(node, f"cannot convert {k.describe()} to {_type(dtype)}")
        elif isinstance(k.value, int) and not isinstance(k.value, bool) and \
                dtype.kind in "iu":
            info = np.iinfo(dtype)
            if not info.min <= k.value <= info.max:
                self.problem(node, f"{k.value} does not fit {_type(dtype)} ({info.min}.."
                                   f"{info.max})")

    def python_call(self, e, name: str, args: list[Kind]) -> Kind:
        if name in ("len", "int"):
            return WEAK_INT
        if name == "float":
            return WEAK_FLOAT
        if name == "bool":
            return BOOL
        if name == "print":
            return NONE
        if name in ("min", "max", "abs", "round") and args:
            out = args[0]
            for k in args[1:]:
                out = promote(out, k, "add") if out.what == k.what == "scalar" else UNKNOWN
            return attrs.evolve(out, value=None) if out.what == "scalar" else UNKNOWN
        return UNKNOWN

    def helper_call(self, e, fn, args: list[Kind]) -> Kind:
        if e.keywords:
            self.problem(e, "pass a helper's arguments by position")
        if self.depth >= 8:
            return self.problem(e, "helpers call each other more than 8 levels deep")
        rule = getattr(fn, "check_call", None)   # a library function's rule for its arguments
        verdict = rule(args) if rule is not None else None
        if isinstance(verdict, str):
            return self.problem(e, verdict)
        free = closure(fn)
        key = ("helper", fn.__code__, fn.__code__.co_filename, tuple(args),
               _free_key(free, self.valued), self.ctx.task.name)
        cached = _CACHE.get(key)
        if cached is None:
            checker = _Checker(fn, self.ctx, free, tuple(args), self.depth + 1, self.valued)
            problems = checker.run()
            cached = _CACHE[key] = (problems, checker.returns or NONE)
        self.problems.extend(cached[0])
        return verdict if isinstance(verdict, Kind) else cached[1]

    def builtin_call(self, e, b, args: list[Kind], kwargs: dict) -> Kind:
        if not b.supported:
            return self.problem(e, f"`{b.csl}` is not supported yet")
        if b.kind == "map":
            return self.map_call(e, args, kwargs)
        if b.name == "constants":
            return self.problem(e, "`@constants` in a task body is a local array: write "
                                   "np.full(shape, value, T) (pw.constants is for the program "
                                   "body: p.var(..., init=pw.constants(...)))")
        if b.kind == "comptime":
            return self.problem(e, f"`{b.csl}` is comptime: call pw.{b.name} in the program "
                                   "body and let the task capture what it gives")
        result = _returned(b, args)
        if b.name in POSITIONAL_OPTIONS and b.nargs < len(args) <= b.nargs + len(b.options):
            for (name, _), node, k in zip(b.options, e.args[b.nargs:], args[b.nargs:]):
                kwargs[name] = (ast.keyword(name, node), k)
            args = args[:b.nargs]
        if len(args) != b.nargs:
            roles = ", ".join(b.params) or "no arguments"
            return self.problem(e, f"pw.{b.name} takes {b.nargs} positional argument(s) "
                                   f"({roles}), got {len(args)}")
        options = dict(b.options)
        for name, (kw, k) in kwargs.items():
            if name in LATER_OPTIONS and name not in options:
                self.problem(kw.value, f"`{LATER_OPTIONS[name]}` is not supported yet "
                                       f"(pw.{b.name}(..., {name}=...))")
            elif name not in options:
                self.problem(kw.value, f"pw.{b.name} has no option '{name}' (options: "
                                       f"{', '.join(options) or 'none'})")
            elif name in ("activate", "unblock"):
                self.task_operand(kw.value, k, name, b)
            elif name == "ut_id":
                self.ut_operand(kw.value, k, b, kwargs)
            elif name == "async_":
                self.comptime_option(kw.value, name, b)
        if b.kind == "op":
            self.check_forms(e, b, args)
            self.note_microthread(e, b, args, kwargs)
        elif b.kind == "task":
            self.task_operand(e.args[0], args[0], b.name, b, required=True)
        elif b.kind == "dsd":
            self.check_mutator(e, b, args, kwargs)
        elif b.kind == "dsr":
            self.check_load(e, args, kwargs)
        elif b.kind == "cast":
            return self.check_cast(e, b, args)
        elif b.kind == "ptr":
            return self.check_ptrcast(e, args, kwargs) if b.name == "ptrcast" else \
                self.check_ptr(e, args)
        elif b.kind == "prng":
            self.check_u16(e, b, args)
        elif getattr(b, "check", None) is not None:   # internal primitives (dsl/primitives.py)
            given = {name: k for name, (_, k) in kwargs.items()}
            for message in (b.check(args, given) if getattr(b, "check_kwargs", False)
                            else b.check(args)):
                self.problem(e, message)
        return result

    def typed_call(self, e, t, args: list[Kind], kwargs: dict) -> Kind:
        """`ops.mov(pw.f32, dst, src, async_=True)` (`<dsd_ops>`, dsl/typedops.py): the
        leading element types pick one builtin; every config option must be known at
        comptime (CSL: "the config argument must be completely comptime-known"); the rest is
        checked as a call of that builtin."""
        n = t.n_types
        where = f"{t.library}.{t.name}"
        if len(args) < n or any(k.what != "type" for k in args[:n]):
            return self.problem(e, f"{where} takes {n} element type(s) known at comptime "
                                   "first (pw.f16, pw.f32, pw.i16, pw.u16, pw.i32, pw.u32), "
                                   "then the builtin's operands: "
                                   f"{where}({'pw.f32, ' * n}dst, src...)")
        b = t.resolve([k.dtype for k in args[:n]])
        if isinstance(b, str):
            return self.problem(e, b)
        for name, (kw, k) in kwargs.items():
            if not self.comptime_known(kw.value, k):
                self.problem(kw.value, f"{where}: `{name}=` is a comptime-only field given a "
                                       f"run-time value ({ast.unparse(kw.value)}): CSL's "
                                       "<dsd_ops> takes a config known at comptime; pass a "
                                       "task, a literal or a captured value, or call "
                                       f"pw.{b.name} directly")
        sub = ast.copy_location(ast.Call(e.func, e.args[n:], e.keywords), e)
        return self.builtin_call(sub, b, args[n:], kwargs)

    def comptime_known(self, node, k: Kind) -> bool:
        """Is this option value known at comptime: a literal, a task or microthread id, or
        a name the body captured or reads from its module (not one it computes or takes as
        an argument)?"""
        if isinstance(node, ast.Constant) or k.what in ("task", "utid", "none", "type"):
            return True
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id not in self.env and \
            root.id not in self.locals

    def map_call(self, e, args: list[Kind], kwargs: dict) -> Kind:
        """`pw.map(callback, inputs..., output)` (CSL `@map`): the callback, each operand's
        kind, the callback's arity, and its body with the elements' kinds."""
        for name, (kw, _) in kwargs.items():
            self.problem(kw.value, f"pw.map has no option '{name}'")
        if not args:
            return self.problem(e, "pw.map needs a callback and its operands")
        cb, node = args[0], e.args[0]
        if cb.what == "helper":
            fn, gives = cb.obj, returns_value(cb.obj)
        elif cb.what == "callable":
            fn, gives = None, True
        else:
            return self.problem(node, "pw.map's callback must be a function defined with "
                                      "`def` (yours or a library's) or a numpy/math function, "
                                      f"got {ast.unparse(node)} ({cb.describe()})")
        ops, nodes = args[1:], e.args[1:]
        if gives and not ops:
            return self.problem(e, "pw.map: the callback returns a value, so the last operand "
                                   "must be where it goes")
        inputs = ops[:-1] if gives else ops
        bad = False
        for pos, (n, k) in enumerate(zip(nodes, ops)):
            why = _map_operand(k, gives and pos == len(ops) - 1)
            if why is not None:
                self.problem(n, f"operand {pos + 1} of pw.map: {why}")
                bad = True
        if not any(k.what in ("mem", "unknown") for k in ops):
            return self.problem(e, "pw.map needs at least one memory DSD operand (its elements "
                                   "set how many times the callback runs)")
        if bad or fn is None:
            return NONE
        n_params = fn.__code__.co_argcount
        if n_params != len(inputs):
            return self.problem(e, f"pw.map: callback '{fn.__name__}' takes {n_params} "
                                   f"argument(s) but gets {len(inputs)} (one per input" +
                                   ("; the last operand is the output, since it returns a "
                                    "value)" if gives else ")"))
        elements = [(Kind("scalar", _element_type(k)) if _element_type(k) is not None
                     else UNKNOWN) if k.what == "mem" else k for k in inputs]
        call = ast.copy_location(ast.Call(node, [], []), node)
        ret = self.helper_call(call, fn, elements)
        if gives and ret.what not in ("scalar", "unknown"):
            return self.problem(e, f"pw.map: callback '{fn.__name__}' must return a number (the "
                                   f"element it writes), not {ret.describe()}")
        out = ops[-1] if gives else None
        out_type = _element_type(out) if out is not None else None
        if out_type is not None and out_type.kind in "iu" and ret.what == "scalar" and \
                ret.dtype is not None and ret.dtype.kind == "f":
            self.problem(e, f"pw.map stores callback '{fn.__name__}''s float result in an "
                            f"{_type(out_type)} output: convert it in the callback with "
                            f"pw.{_type(out_type)}(...) (CSL's @as)")
        return NONE

    def check_cast(self, e, b, args: list[Kind]) -> Kind:
        """`pw.bitcast(T, v)`: a typed value of T's width; `pw.get_int(x)`: a color, task or
        integer."""
        if b.name == "get_int":
            k = args[0]
            if k.what not in ("color", "task", "unknown") and not (
                    k.what == "scalar" and k.dtype is not None and k.dtype.kind in "iu"):
                self.problem(e.args[0], f"pw.get_int needs a color, task or integer, got "
                                        f"{k.describe()}")
            return Kind("scalar", np.dtype(np.uint16))
        t, v = args
        if t.what != "type":
            return self.problem(e.args[0], f"pw.bitcast: the first argument must be a type "
                                           f"known at comptime (e.g. pw.f32), got "
                                           f"{ast.unparse(e.args[0])}")
        if t.dtype == np.float16 or (v.what == "scalar" and v.dtype == np.float16):
            return self.problem(e, "pw.bitcast to or from f16 is not supported yet in task "
                                   "bodies (compiled code has no float16)")
        if v.what == "scalar" and v.weak:
            self.problem(e.args[1], f"pw.bitcast({_type(t.dtype)}, {ast.unparse(e.args[1])}): "
                                    f"give the value a type first (e.g. pw.u32(...)): a bitcast "
                                    "needs its width")
        elif v.what == "scalar" and v.dtype is not None and v.dtype.itemsize != t.dtype.itemsize:
            self.problem(e, f"pw.bitcast: {v.describe()[3:]} ({8 * v.dtype.itemsize}-bit) and "
                            f"{_type(t.dtype)} ({8 * t.dtype.itemsize}-bit) differ in width")
        elif v.what not in ("scalar", "unknown"):
            self.problem(e.args[1], f"pw.bitcast works on numbers, not {v.describe()}")
        return Kind("scalar", t.dtype)

    def check_load(self, e, args: list[Kind], kwargs: dict) -> None:
        """`pw.load_to_dsr(dsr, dsd, ...)`: CSL's pairs of DSR and DSD kinds and options."""
        (dn, dsr), (node, k) = zip(e.args[:2], args[:2])
        if dsr.what not in ("dsr", "unknown"):
            self.problem(dn, f"pw.load_to_dsr needs a DSR from pw.get_dsr, got {dsr.describe()}")
        if k.what not in ("mem", "fabin", "fabout", "unknown"):
            self.problem(node, f"pw.load_to_dsr loads a memory or fabric DSD, not "
                               f"{k.describe()}" + (" (FIFOs in DSRs are not supported yet)"
                                                    if k.what == "fifo" else ""))
        elif dsr.what == "dsr" and (k.what == "fabin" and dsr.name == "dsr_dest" or
                                    k.what == "fabout" and dsr.name != "dsr_dest"):
            self.problem(node, f"{k.describe()} cannot be loaded into {dsr.describe()}: a fabin "
                               "goes in dsr_src0/dsr_src1, a fabout in dsr_dest (CSL)")
        for name, (kw, _) in kwargs.items():
            if name == "save_address" and k.what in ("fabin", "fabout"):
                self.problem(kw.value, "save_address= is for memory DSDs (CSL)")
            elif name in ("async_", "activate", "unblock", "ut_id") and k.what == "mem":
                self.problem(kw.value, f"{name}= is for fabric DSDs loaded into a DSR (CSL)")

    # -- microthreads (wse3 ut_id=) ------------------------------------------------------------
    def ut_operand(self, node, k: Kind, b, kwargs: dict) -> None:
        """`ut_id=` takes a microthread id from pw.get_ut_id (which only wse3 gives), on an
        async op."""
        if k.what not in ("utid", "unknown", "none"):
            self.problem(node, f"pw.{b.name}: ut_id= needs a microthread id from "
                               f"pw.get_ut_id(n) (wse3; call it in the program body), got "
                               f"{ast.unparse(node)} ({k.describe()})")
        elif k.what == "utid" and ("async_" not in kwargs or
                                   kwargs["async_"][1].value is False):
            self.problem(node, f"pw.{b.name}: ut_id= picks the microthread an async op runs "
                               "on; give async_=True too (a sync op runs in the task)")

    def note_microthread(self, e, b, args: list[Kind], kwargs: dict) -> None:
        """Remember the microthread an async fabric op runs on, when it is known at comptime:
        its ut_id=, else its first fabric operand's explicit queue (body() compares them)."""
        if kwargs.get("async_", (None, NONE))[1].value is not True:
            return
        fabric = [(n, k) for n, k in zip(e.args, args) if k.what in ("fabin", "fabout", "fifo")]
        if not fabric:
            return                                # memory only: it finishes at once
        ut = kwargs.get("ut_id", (None, NONE))[1]
        if ut.what == "utid":
            how = f"ut_id={ast.unparse(kwargs['ut_id'][0].value)}"
            self.started[id(e)] = (ut.value, b.name, how)
            return
        if ut.what != "none" or fabric[0][1].what == "fifo":
            return
        node, k = fabric[0]
        q = getattr(k.obj, "queue", None)
        if q is not None:
            side = "input" if k.what == "fabin" else "output"
            self.started[id(e)] = (int(q), b.name, f"{ast.unparse(node)} on {side} queue {q}")

    def microthread_clash(self, s, started, running: dict) -> None:
        ut, name, how = started
        first = running.get(ut)
        if first is None:
            running[ut] = (name, how, s.lineno)
            return
        self.problem(s, f"pw.{first[0]} (line {first[2]}, {first[1]}) and pw.{name} (this "
                        f"line, {how}) would run on microthread {ut} at once: both are async "
                        "and nothing in a task body waits for the first; give one another "
                        "microthread (ut_id=pw.get_ut_id(n)) or another queue, or start the "
                        "second from the first one's completion (activate= a task that "
                        "starts it)")

    def check_ptr(self, e, args: list[Kind]) -> Kind:
        """`pw.ptr(arr, i)` (CSL `&arr[i]`): a pointer to one element of an array (a p.var or
        a function-local array), itself a one-element array: read and write it as `q[0]`."""
        (an, a), (ix, i) = zip(e.args, args)
        if a.what != "array":
            if a.what != "unknown":
                self.problem(an, f"pw.ptr points into an array (a p.var or a local array), "
                                 f"not {a.describe()}")
            return UNKNOWN
        if i.what not in ("scalar", "unknown") or (i.what == "scalar" and i.dtype is not None
                                                     and i.dtype.kind in "fc"):
            self.problem(ix, f"pw.ptr: the index must be an integer, got {i.describe()}")
        elif isinstance(i.value, int) and a.shape and not 0 <= i.value < a.size:
            self.problem(ix, f"pw.ptr: element {i.value} is outside '{a.name}' ({a.size} "
                             f"element(s), index 0..{a.size - 1})")
        return Kind("array", a.dtype, shape=(1,), name=a.name, const=a.const, obj=a.obj)

    def comptime_option(self, node, name: str, b) -> None:
        """An op option CSL takes only at comptime (`.async`: whether the op runs on a
        microthread is decided when the code is made): a literal or a captured value, not
        memory read, a call or a local of the task."""
        runtime = next((n for n in ast.walk(node) if isinstance(n, (ast.Subscript, ast.Call))
                        or (isinstance(n, ast.Name) and n.id in self.locals)), None)
        if runtime is not None:
            self.problem(node, f"pw.{b.name}: {name}= must be known at comptime (CSL's op "
                               f"config is comptime): True, False or a param of the program, "
                               f"not {ast.unparse(node)}, a run-time value; to choose at run "
                               f"time, branch: `if ...: pw.{b.name}(..., {name}=True)` "
                               f"`else: pw.{b.name}(...)`")

    def check_ptrcast(self, e, args: list[Kind], kwargs: dict) -> Kind:
        """`pw.ptrcast(T, arr, at=i)` (CSL `@ptrcast([*]T, &arr[i])`): the array's bytes from
        element i on, as T elements. The bytes must make whole T elements, and compiled code
        has no float16, so T is a 32- or 16-bit integer or f32."""
        (tn, t), (an, a) = zip(e.args, args)
        if t.what != "type":
            return self.problem(tn, "pw.ptrcast: the first argument must be an element type "
                                    f"known at comptime (e.g. pw.u32), got {ast.unparse(tn)}")
        if t.dtype == np.float16:
            return self.problem(tn, "pw.ptrcast to f16 is not supported yet in task bodies "
                                    "(compiled code has no float16): cast to pw.u16 and use "
                                    "f16 DSD ops on it")
        if a.what != "array":
            if a.what != "unknown":
                self.problem(an, f"pw.ptrcast casts an array (a p.var, a local array, a "
                                 f"pw.ptr or an array a helper got), not {a.describe()}")
            return UNKNOWN
        at = kwargs.get("at", (None, Kind("scalar", np.dtype(np.int64), value=0)))[1]
        if at.what not in ("scalar", "unknown") or (at.what == "scalar" and at.dtype is not None
                                                      and at.dtype.kind in "fc"):
            self.problem(kwargs["at"][0].value, f"pw.ptrcast: at= must be an integer element "
                                                f"index, got {at.describe()}")
            return UNKNOWN
        if not a.shape:
            return Kind("array", t.dtype, shape=(), name=a.name, const=a.const, obj=a.obj)
        start = at.value if isinstance(at.value, int) else None
        if start is not None and not 0 <= start < a.size:
            return self.problem(kwargs["at"][0].value,
                                f"pw.ptrcast: element {start} is outside '{a.name}' ({a.size} "
                                f"element(s), index 0..{a.size - 1})")
        if start is None:
            return Kind("array", t.dtype, shape=(), name=a.name, const=a.const, obj=a.obj)
        nbytes = (a.size - start) * a.dtype.itemsize
        if nbytes % t.dtype.itemsize:
            return self.problem(e, f"pw.ptrcast: {a.describe()} from element {start} is "
                                   f"{nbytes} bytes, not a whole number of "
                                   f"{_type(t.dtype)} elements ({t.dtype.itemsize} bytes)")
        return Kind("array", t.dtype, shape=(nbytes // t.dtype.itemsize,), name=a.name,
                    const=a.const, obj=a.obj)

    def check_u16(self, e, b, args: list[Kind]) -> None:
        """Unsigned arguments (a PRNG id: u16, a seed: u32): integers; a literal in range."""
        for node, role, k in zip(e.args, b.params, args):
            what, tname, top = ("the seed", "a u32", 0xFFFFFFFF) if role == "seed" else \
                ("the id", "a u16", 0xFFFF)
            if not (k.what == "unknown" or (k.what == "scalar" and k.dtype is not None
                                            and k.dtype.kind in "iub")):
                self.problem(node, f"pw.{b.name} needs an integer ({tname}), got "
                                   f"{k.describe()}")
            elif isinstance(k.value, int) and not 0 <= k.value <= top:
                self.problem(node, f"pw.{b.name}({k.value}): {what} is {tname}, 0..{top}")

    def task_operand(self, node, k: Kind, what: str, b, required: bool = False) -> None:
        if k.what == "none":
            if required:
                self.problem(node, f"pw.{b.name} needs a task")
            return
        if k.what == "task":
            if k.task_kind == "export":
                self.problem(node, f"'{k.name}' is a host-callable function, not a task")
            elif what == "activate" and k.task_kind != "local":
                self.problem(node, f"only local tasks can be activated; '{k.name}' is a "
                                   f"{k.task_kind} task")
            return
        if k.what in ("color", "unknown") or (k.what == "scalar" and k.dtype is not None
                                               and k.dtype.kind in "iu"):
            return
        self.problem(node, f"pw.{b.name}: {what}= needs a task, got {ast.unparse(node)} "
                           f"({k.describe()})")

    def check_forms(self, e, b, args: list[Kind]) -> None:
        letters = []
        for pos, (node, role, k) in enumerate(zip(e.args, b.params, args)):
            letter = self.operand_letter(node, b, pos, role, k)
            if letter is None:
                return
            letters.append(letter)
        if not any(all(x in ("?", f) for x, f in zip(letters, form)) for form in b.forms):
            forms = " or ".join("(" + ", ".join(f) + ")" for f in b.forms)
            self.problem(e, f"pw.{b.name} takes {forms}, got ({', '.join(letters)}) "
                            f"[{_LEGEND}]")

    def operand_letter(self, node, b, pos: int, role: str, k: Kind) -> str | None:
        dst = role == "dst"
        what = f"operand {pos + 1} of pw.{b.name}"
        if k.what == "array" and k.obj is LOCAL:
            self.problem(node, f"{what}: {_LOCAL_NOT_MEMORY.format(k.name)}")
            return None
        if k.what in ("mem", "fifo", "array"):
            dtype = _element_type(k)
            width = b.width[min(pos, len(b.width) - 1)]
            # cslc accepts a 16-bit op on 32-bit integer memory (topic-14's @mov16 of a u32):
            # it works on the low halves; an f32 array as an f16 operand is a mistake
            low_half = width == 2 and k.what != "fifo" and dtype is not None and \
                dtype.kind in "iu" and dtype.itemsize == 4
            if dtype is not None and width and dtype.itemsize != width and not low_half:
                self.problem(node, f"pw.{b.name} works on {8 * width}-bit elements; {what} "
                                   f"holds {_type(dtype)} ({8 * dtype.itemsize}-bit)")
                return None
        if k.what in ("mem", "fifo"):
            return "D"
        if k.what == "dsr":
            if dst and k.name == "dsr_src1" or not dst and k.name == "dsr_dest":
                self.problem(node, f"{k.describe()} cannot be {'a destination' if dst else 'a source'} "
                                   f"({what}): dsr_dest holds destinations, dsr_src1 sources, "
                                   "dsr_src0 either")
                return None
            return "D"
        if k.what == "fabin":
            if dst:
                self.problem(node, f"a fabin DSD cannot be a destination ({what}){_forms_of(b)}")
                return None
            return "D"
        if k.what == "fabout":
            if not dst:
                self.problem(node, f"a fabout DSD cannot be a source ({what}){_forms_of(b)}")
                return None
            return "D"
        if k.what == "array":
            if k.size != 1 and k.shape:
                self.problem(node, f"{what} is {k.describe()}: an array operand must be a "
                                   "one-element var (a pointer to a scalar); wrap arrays in "
                                   f"pw.mem1d(...) in the program body{_forms_of(b)}")
                return None
            return "p" if dst else "s"
        if k.what == "scalar":
            if dst:
                self.problem(node, f"the destination of pw.{b.name} must be a DSD or a "
                                   f"one-element var, got {k.describe()}{_forms_of(b)}")
                return None
            return "s"
        if k.what == "unknown":
            return "?"
        self.problem(node, f"{what} is {k.describe()}: give a DSD, a one-element var or a "
                           f"number{_forms_of(b)}")
        return None

    def check_mutator(self, e, b, args: list[Kind], kwargs: dict) -> None:
        for name, (kw, k) in kwargs.items():      # pw.mem1d's extent, offset, stride
            if k.what != "none" and not (k.what == "unknown" or (
                    k.what == "scalar" and k.dtype is not None and k.dtype.kind in "iub")):
                self.problem(kw.value, f"pw.{b.name}: {name}= needs an integer, got "
                                       f"{k.describe()}")
        for node, role, k in zip(e.args, b.params, args):
            if role == "dsd" and k.what in ("fabin", "fabout") and b.name == "set_dsd_length":
                continue
            if role == "dsd" and k.what in ("fabin", "fabout", "fifo"):
                self.problem(node, f"`{b.csl}` takes a memory DSD (CSL: mem1d/mem4d), not "
                                   f"{k.describe()}" + ("; a FIFO's lengths are set with "
                                   "@set_fifo_read_length / @set_fifo_write_length"
                                   if k.what == "fifo" else ": a fabric DSD has no address "
                                   "or stride (pw.set_dsd_length changes its extent)"))
            elif role == "dsd" and k.what not in ("mem", "unknown"):
                self.problem(node, f"pw.{b.name} needs a memory DSD, got {k.describe()}")
            elif role == "int" and not (k.what == "unknown" or (
                    k.what == "scalar" and k.dtype is not None and k.dtype.kind in "iub")):
                self.problem(node, f"pw.{b.name} needs an integer here, got {k.describe()}")
            elif role == "type" and k.what != "type":
                self.problem(node, f"pw.{b.name}: this argument must be a type known at "
                                   f"comptime (e.g. pw.f32), got {ast.unparse(node)}")
            elif role == "array" and k.what == "array" and k.obj is LOCAL:
                self.problem(node, f"pw.{b.name}: {_LOCAL_NOT_MEMORY.format(k.name)}")
            elif role == "array" and k.what not in ("array", "unknown"):
                self.problem(node, f"pw.{b.name} needs an array declared with p.var, got "
                                   f"{k.describe()}")


def comptime_is_value(e, free: dict, globals_: dict, local_names=()) -> bool | None:
    """The value of `name is None` / `name is not None` (either side None) when `name` is a
    captured or global value (not a local): it is known at comptime. None if the test is not
    of that form."""
    if len(e.ops) != 1 or not isinstance(e.ops[0], (ast.Is, ast.IsNot)):
        return None
    sides = [e.left, e.comparators[0]]
    if not any(isinstance(x, ast.Constant) and x.value is None for x in sides):
        return None
    other = sides[1] if isinstance(sides[0], ast.Constant) and sides[0].value is None \
        else sides[0]
    if isinstance(other, ast.Constant) and other.value is None:
        is_none = True
    elif isinstance(other, ast.Name) and other.id not in local_names and \
            (other.id in free or other.id in globals_):
        is_none = (free[other.id] if other.id in free else globals_[other.id]) is None
    else:
        return None
    return is_none if isinstance(e.ops[0], ast.Is) else not is_none


def _changes_kind(before: Kind, after: Kind) -> bool:
    """A local that was a number and becomes a DSD (or the like): compiled code cannot hold
    both. (Numbers of different types can: an untyped number takes the other's type.)"""
    kinds = {before.what, after.what}
    return len(kinds) == 2 and "unknown" not in kinds and not kinds <= {"scalar", "none"}


def _map_operand(k: Kind, output: bool) -> str | None:
    """Why `k` cannot be an input (or the output) of pw.map, or None if it can."""
    if k.what == "mem" and _element_type(k) == np.float16:
        return "f16 DSDs in pw.map are not supported yet (compiled code has no float16)"
    if k.what in ("mem", "unknown"):
        return None
    if k.what == "array":
        if k.size != 1 and k.shape:
            return (f"{k.describe()} is no operand: an array must be a one-element var (a "
                    "pointer to a scalar); wrap arrays in pw.mem1d(...)")
        if output and k.const:
            return f"the output {k.describe()} is read-only (p.const)"
        return None
    if k.what in ("fabin", "fabout"):
        return f"{k.describe()} in pw.map is not supported yet: move the wavelets into " \
               "memory with pw.mov32 / pw.fmovs and map over that"
    if k.what == "fifo":
        return "CSL does not allow a FIFO in @map"
    if k.what == "dsr":
        return "a DSR in pw.map is not supported yet (use it in the callback's DSD ops)"
    if k.what == "scalar":
        return "the output of pw.map must be a memory DSD or a one-element var, not a " \
               "number" if output else None
    return f"{k.describe()} cannot be an operand of pw.map (give DSDs, one-element vars " \
           "or numbers)"


def _returned(b, args: list[Kind]) -> Kind:
    """What a builtin call gives: a DSD like its argument (set_dsd_length keeps a fabric DSD
    one), one over its array (mem1d, set_dsd_base_addr), or nothing."""
    if b.returns != "dsd":
        return Kind("scalar", np.dtype(b.returns)) if b.returns not in (None, "value") \
            else NONE
    arrays = [k for k in args if k.what == "array"]
    if arrays:
        return Kind("mem", arrays[0].dtype)
    if args and args[0].what in ("mem", "fabin", "fabout"):
        return args[0]
    return Kind("mem")


def _element_type(k: Kind):
    if k.what in ("array", "mem") and k.dtype is not None:
        return k.dtype
    obj = k.obj
    if isinstance(obj, _dsd.DsdVar):
        obj = obj.initial
    if isinstance(obj, _dsd.MemDesc):
        return obj.var.dtype
    if isinstance(obj, _dsd.Fifo):
        return obj.var.dtype
    return None


def _type(dt) -> str:
    return {"float16": "f16", "float32": "f32", "int16": "i16", "uint16": "u16",
            "int32": "i32", "uint32": "u32"}.get(np.dtype(dt).name, str(dt))


def _pos(node) -> tuple:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


def _as_load(target):
    load = ast.parse(ast.unparse(target), mode="eval").body
    ast.copy_location(load, target)
    ast.fix_missing_locations(load)
    return load


def _capture_message(name: str, value, what: str = "captured") -> str:
    """Why a task body cannot use `value`, and what to do instead."""
    if value is UNASSIGNED:
        return (f"variable '{name}' is used before it is assigned in the program; declare it "
                "above the task")
    if value is None:
        return (f"'{name}' is None here, which a task body cannot use: build the DSD (or "
                "value) in the program body, or keep the name out of this task (or test it "
                f"at comptime: `if {name} is not None:`)")
    if value.__class__.__name__ == "Queue":
        return (f"'{name}' is {value.name} queue {value.id}: queues are comptime; give it to "
                f"a fabric DSD in the program body (pw.fabin(color, extent, queue={name})) "
                "and use the DSD")
    if isinstance(value, np.ndarray):
        return (f"'{name}' is a numpy array: task bodies read PE memory; declare it with "
                "p.const(dtype, values) (read-only) or p.var(..., init=values)")
    if isinstance(value, (list, tuple)):
        bad = next((v for v in value if kind_of(v) is None), None)
        if not value or bad is None:
            return (f"'{name}' is a {type(value).__name__} a task body cannot use: a task may "
                    "capture tuples and lists of DSDs, arrays, tasks, colors and numbers only")
        return (f"'{name}' is a {type(value).__name__} holding {type(bad).__name__} "
                f"{bad!r}: a task may capture tuples and lists of DSDs, arrays, tasks, colors "
                "and numbers only")
    return (f"'{name}' ({type(value).__name__}) is a Python object a task body cannot "
            f"{'capture' if what == 'captured' else 'use'}: use p.var/p.const for arrays, and "
            "numbers, colors, DSDs or tasks for the rest")
