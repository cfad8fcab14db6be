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
time (`array_subscripts`), and counts each statement's scalar operations by class, for the
engine's clock (opclasses.py).
"""
from __future__ import annotations

import ast
import builtins as pybuiltins

import attrs
import numpy as np

from ..errors import TaskError
from . import dsd as _dsd
from .callcheck import CallChecks
from .checkbase import (
    CHECKED,
    DSD_KINDS,
    REFUSED,
    capture_message,
    captured_kind,
    comptime_is_value,
    free_key,
    position,
)
from .kinds import BOOL, UNKNOWN, WEAK_INT, Kind, kind_of, literal, promote
from .opclasses import OpCounts, arith_class, record, wider
from .operandcheck import OperandChecks
from .reach import warn_unreachable
from .signatures import TABLE, explain_unknown
from .stmtcheck import StatementChecks
from .tasksource import closure, node_site, parse_function

PY_FUNCTIONS = {"range", "len", "min", "max", "abs", "int", "float", "bool", "round", "print",
                "enumerate", "zip", "divmod"}
"""Python builtins a task body may call (numba compiles them all)."""


_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv",
           ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.LShift: "lshift",
           ast.RShift: "rshift", ast.BitAnd: "and_", ast.BitOr: "or_", ast.BitXor: "xor"}
_COMPARE = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
            ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
            ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b}


ARRAY_SUBSCRIPTS: dict = {}
"""(code object, file) -> {(line, col, end line, end col): array name} of the subscripts
that index an array in every check of that code (the engine checks them at run time)."""

CHECK_COUNTS: dict = {}
"""A CHECKED key of a task body -> the operation counts (opclasses.py) of that check, its own
and its helpers': filed in opclasses.OP_COUNTS by every check_task, also one served from
CHECKED, so the table the engine reads exists whatever the cache held."""


@attrs.frozen
class Context:
    """What a body is checked for: its task, the program's params, the arch, and the queues
    the program set empty-queue handlers for (their codes: what `pw.queue_flush` may name)."""

    task: object
    program: str
    params: tuple[str, ...]
    arch: str = "wse3"
    flush_queues: frozenset = frozenset()

    @property
    def key(self) -> tuple:
        """What of the context a check depends on besides the task (for the caches)."""
        return (self.params, self.arch, self.flush_queues)


def check_images(images) -> None:
    """Check every task body of these program images; one TaskError lists every mistake.
    Then warn about local tasks nothing can ever run (reach.py)."""
    found: list[TaskError] = []
    seen: set = set()
    for image in images:
        ctx_params = tuple(sorted(image.program.param_names))
        for task in image.tasks:
            ctx = Context(task, image.program.name, ctx_params, image.arch,
                          frozenset(image.flush_handlers))
            for err in check_task(task.fn, ctx):
                key = (err.file, err.line, str(err))
                if key not in seen:
                    seen.add(key)
                    found.append(err)
    if found:
        raise combine(found)
    warn_unreachable(images)


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
           tuple(ctx.task.arg_types), free_key(free, False), ctx.key)
    found = CHECKED.get(key)
    if found is None:
        checker = _Checker(fn, ctx, free, None, 0, False)
        found = CHECKED[key] = checker.run()
        CHECK_COUNTS[key] = checker.counted
    record(CHECK_COUNTS.get(key, {}))
    if found and any(isinstance(v, (bool, int, float, np.number)) for v in free.values()):
        key = key[:-2] + (free_key(free, True), ctx.key)
        valued = CHECKED.get(key)
        if valued is None:
            valued = CHECKED[key] = _Checker(fn, ctx, free, None, 0, True).run()
        return valued
    return found



class _Checker(StatementChecks, CallChecks, OperandChecks, OpCounts):
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
        self.init_counts()

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
        self.free_kinds = {name: captured_kind(v, self.valued) for name, v in self.free.items()}
        self.reported: set[str] = set()
        self.locals = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)
                       and isinstance(n.ctx, ast.Store)}
        self.nonlocal_names: set[str] = set()
        self.bind_arguments(fdef)
        self.body(fdef.body)
        self.problems.sort(key=lambda e: (e.line or 0))
        self.file_counts((self.fn.__code__, self.fn.__code__.co_filename))
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



    # -- expressions -------------------------------------------------------------------------
    def expr(self, e) -> Kind:
        refused = REFUSED.get(type(e))
        if refused is not None:
            return self.problem(e, refused)
        method = getattr(self, "e_" + type(e).__name__, None)
        if method is None:
            return self.problem(e, f"`{type(e).__name__}` expressions are not supported in "
                                   "task bodies")
        return method(e)

    def e_Constant(self, e) -> Kind:
        self.comptime.add(id(e))
        return literal(e.value)

    def e_Name(self, e) -> Kind:
        k = self.name_kind(e)
        if k.what in ("scalar", "seq") and e.id not in self.env and e.id not in self.locals:
            self.comptime.add(id(e))          # a param, module number or tuple: comptime
        return k

    def name_kind(self, e) -> Kind:
        n = e.id
        if n in self.env:
            return self.env[n]
        if n in self.free:
            k = self.free_kinds[n]
            if k is None:
                if n not in self.reported:
                    self.reported.add(n)
                    self.problem(e, capture_message(n, self.free[n]))
                return UNKNOWN
            return k
        if n in self.locals:
            return UNKNOWN                       # assigned further down (a loop's next turn)
        g = self.fn.__globals__
        if n in g:
            k = kind_of(g[n])
            if k is None:
                return self.problem(e, capture_message(n, g[n], "global"))
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
        k = self.attribute(e)
        if k.what == "scalar":                # a module's, an instance's or a shape's number
            self.comptime.add(id(e))
        return k

    def attribute(self, e) -> Kind:
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
                return self.problem(e, capture_message(f"{base.name}.{attr}", members[attr]))
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
                if self.known(e.value, index):
                    self.comptime.add(id(e))
                return base.items[k.value]
            return UNKNOWN
        self.expr(index) if not isinstance(index, ast.Slice) else None
        if base.what in DSD_KINDS:
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
        self.subscripts[position(e)] = base.name
        self.count_address(base.shape, parts)
        if not (base.shape and len(parts) < len(base.shape)):    # an element: read or written
            if store:
                self.count("store")
            elif self.operand_of_op != id(e):
                self.count("load")
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
            if k.what in DSD_KINDS:
                return self.problem(e, f"{k.describe()} has no arithmetic: use a DSD op "
                                       "(pw.fadds, ...) or pw.increment_dsd_offset")
            if k.what == "array":
                return self.problem(e, f"{k.describe()} has no arithmetic in a task body: "
                                       "index it (a[i]) or use a DSD op")
            if k.what not in ("scalar", "unknown"):
                return self.problem(e, f"{k.describe()} has no arithmetic")
        out = promote(a, b, op) if "unknown" not in (a.what, b.what) else UNKNOWN
        self.count_arith(e, op, out.dtype if out.dtype is not None else wider(a.dtype, b.dtype),
                         (e.left, e.right))
        if a.what == "unknown" or b.what == "unknown":
            return UNKNOWN
        if isinstance(a.value, int) and isinstance(b.value, int) and op in ("add", "sub",
                                                                           "mul"):
            out = attrs.evolve(out, value={"add": a.value + b.value, "sub": a.value - b.value,
                                           "mul": a.value * b.value}[op])
        return out

    def e_UnaryOp(self, e) -> Kind:
        k = self.expr(e.operand)
        if not isinstance(e.op, ast.UAdd):
            self.count_arith(e, "not" if isinstance(e.op, (ast.Not, ast.Invert)) else "neg",
                             k.dtype, (e.operand,))
        elif self.known(e.operand):
            self.comptime.add(id(e))
        if isinstance(e.op, ast.Not):
            return BOOL if k.value is None else attrs.evolve(BOOL, value=not k.value)
        if k.what not in ("scalar", "unknown"):
            return self.problem(e, f"{k.describe()} has no arithmetic")
        if isinstance(e.op, ast.USub) and isinstance(k.value, (int, float)):
            return attrs.evolve(k, value=-k.value)
        return attrs.evolve(k, value=None)

    def e_BoolOp(self, e) -> Kind:
        values = [self.expr(v).value for v in e.values]
        if self.known(*e.values):
            self.comptime.add(id(e))
        else:
            self.count("int_alu", len(e.values) - 1)
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
        side, side_kind = e.left, left
        for op, c in zip(e.ops, e.comparators):
            if isinstance(op, (ast.In, ast.NotIn, ast.Is, ast.IsNot)):
                self.problem(e, f"`{type(op).__name__}` is not supported in task bodies: "
                                "compare values with ==, !=, <, <=, > or >=" +
                                ("; `x is None` / `x is not None` alone test a captured value"
                                 if isinstance(op, (ast.Is, ast.IsNot)) else ""))
                return BOOL
            right_kind = self.expr(c)
            right = right_kind.value
            if not self.known(side, c):
                self.count(arith_class("compare", wider(side_kind.dtype, right_kind.dtype)))
            side, side_kind = c, right_kind
            compare = _COMPARE.get(type(op))
            if value is None or right is None or compare is None:
                result = None
            elif result is not None:
                result = result and compare(value, right)
            value = right
        if self.known(e.left, *e.comparators):
            self.comptime.add(id(e))
        return BOOL if result is None else attrs.evolve(BOOL, value=bool(result))

    def comptime_is(self, e) -> Kind:
        """`x is None` / `x is not None` on a captured value: known at comptime (CSL's
        comptime `if`), so only the branch it takes is checked and compiled (jit.py folds
        the same test, `comptime_is_value`)."""
        value = comptime_is_value(e, self.free, self.fn.__globals__, self.locals)
        self.comptime.add(id(e))
        if value is None:
            return self.problem(e, "`is` / `is not` test whether a captured value is None "
                                   "(a comptime `if`): write `name is None` or `name is not "
                                   "None` with a name the program body gave the task")
        return attrs.evolve(BOOL, value=value)

    def e_IfExp(self, e) -> Kind:
        test = self.expr(e.test)
        if test.value is not None:
            return self.expr(e.body if test.value else e.orelse)
        self.count("branch")
        outer = self.ops            # one arm runs: count the larger of the two, per class
        self.ops = arm = type(outer)() if outer is not None else None
        a = self.expr(e.body)
        self.ops = other = type(outer)() if outer is not None else None
        self.expr(e.orelse)
        self.ops = outer
        if outer is not None:
            for cls in set(arm) | set(other):
                outer[cls] += max(arm[cls], other[cls])
        return attrs.evolve(a, value=None) if a.what == "scalar" else a

    def e_Tuple(self, e) -> Kind:
        return Kind("seq", items=tuple(self.expr(x) for x in e.elts))


