"""The task-body checker's calls: which function a call reaches (a CSL builtin of the table, a
`<dsd_ops>` wrapper, `pw.map`, a helper checked with the kinds it is given, a Python builtin,
a cast) and what it returns; comptime-only arguments. A mixin of taskcheck's checker; the
operand rules of a builtin call are in operandcheck.py."""
from __future__ import annotations

import ast

import attrs
import numpy as np

from .checkbase import CHECKED, LOCAL, element_type, free_key, map_operand, returned_kind, type_text
from .kinds import BOOL, NONE, UNKNOWN, WEAK_FLOAT, WEAK_INT, Kind, kind_of, promote
from .opclasses import merge_tables
from .signatures import LATER_OPTIONS, POSITIONAL_OPTIONS, TABLE
from .tasksource import closure, returns_value


class CallChecks:
    """What a call in a task body reaches and returns (a mixin of taskcheck's checker)."""

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
        dsd_op = f.what == "typed" or (f.what == "builtin" and f.obj.kind == "op")
        args = [self.operand(a) if dsd_op else self.expr(a) for a in e.args]
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
            self.count("call")
            return self.helper_call(e, f.obj, args)
        if f.what == "type":
            for a, k in zip(e.args, args):
                self.check_conversion(a, k, f.dtype)
                self.count_conversion(a, k, f.dtype)
            if self.known(*e.args):
                self.comptime.add(id(e))
            return Kind("scalar", f.dtype)
        if f.what == "pyfunc":
            self.count_python_call(f.obj, e.args, args)
            if e.args and self.known(*e.args):
                self.comptime.add(id(e))
            return self.python_call(e, f.obj, args)
        if f.what == "callable" and f.obj is np.zeros:
            return self.local_array(e, args, kwargs)
        if f.what == "callable" and f.obj is np.array:
            return self.local_array_of(e, args, kwargs)
        if f.what in ("callable", "unknown"):
            return UNKNOWN
        return self.problem(e, f"{f.describe()} is not callable")

    def operand(self, node) -> Kind:
        """A DSD op's operand: the op reads (or writes) it, and charges that itself."""
        if isinstance(node, ast.Subscript):
            self.operand_of_op = id(node)
        try:
            return self.expr(node)
        finally:
            self.operand_of_op = None

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
            self.problem(node, f"cannot convert {k.describe()} to {type_text(dtype)}")
        elif isinstance(k.value, int) and not isinstance(k.value, bool) and \
                dtype.kind in "iu":
            info = np.iinfo(dtype)
            if not info.min <= k.value <= info.max:
                self.problem(node, f"{k.value} does not fit {type_text(dtype)} ({info.min}.."
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
               free_key(free, self.valued), self.ctx.task.name, self.ctx.key)
        cached = CHECKED.get(key)
        if cached is None:
            checker = type(self)(fn, self.ctx, free, tuple(args), self.depth + 1, self.valued)
            problems = checker.run()
            cached = CHECKED[key] = (problems, checker.returns or NONE, checker.counted)
        self.problems.extend(cached[0])
        merge_tables(self.counted, cached[2])
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
        result = returned_kind(b, args)
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
        elif b.kind == "queue":
            self.check_flush(e, args[0])
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

    def check_flush(self, e, k: Kind) -> None:
        """`pw.queue_flush(q)` (CSL `@queue_flush`): wse3's, on a queue the program bound
        (`p.input_queue` / `p.output_queue`) and set an empty-queue handler for: without one
        the teardown task it activates would run nothing for that queue."""
        node = e.args[0]
        if self.ctx.arch != "wse3":
            self.problem(e, f"`@queue_flush` is wse3's; {self.ctx.arch} has no queue flush "
                            "(its output queues take any color, so one is reused without "
                            "one): drop the call, or compile for wse3")
        elif k.what == "queue":
            if k.obj.code not in self.ctx.flush_queues:
                self.problem(e, f"pw.queue_flush({ast.unparse(node)}): {k.describe()} has no "
                                f"empty-queue handler in program '{self.ctx.program}', so "
                                "nothing would run when it empties; set one in the program "
                                "body: p.set_empty_queue_handler(fn, "
                                f"{ast.unparse(node)})")
        elif k.what != "unknown":
            self.problem(node, f"pw.queue_flush needs a queue (what p.input_queue or "
                               f"p.output_queue returned, captured), got {ast.unparse(node)} "
                               f"({k.describe()})")

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
            why = map_operand(k, gives and pos == len(ops) - 1)
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
        elements = [(Kind("scalar", element_type(k)) if element_type(k) is not None
                     else UNKNOWN) if k.what == "mem" else k for k in inputs]
        call = ast.copy_location(ast.Call(node, [], []), node)
        ret = self.helper_call(call, fn, elements)
        if gives and ret.what not in ("scalar", "unknown"):
            return self.problem(e, f"pw.map: callback '{fn.__name__}' must return a number (the "
                                   f"element it writes), not {ret.describe()}")
        out = ops[-1] if gives else None
        out_type = element_type(out) if out is not None else None
        if out_type is not None and out_type.kind in "iu" and ret.what == "scalar" and \
                ret.dtype is not None and ret.dtype.kind == "f":
            self.problem(e, f"pw.map stores callback '{fn.__name__}''s float result in an "
                            f"{type_text(out_type)} output: convert it in the callback with "
                            f"pw.{type_text(out_type)}(...) (CSL's @as)")
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
            self.problem(e.args[1], f"pw.bitcast({type_text(t.dtype)}, {ast.unparse(e.args[1])}): "
                                    f"give the value a type first (e.g. pw.u32(...)): a bitcast "
                                    "needs its width")
        elif v.what == "scalar" and v.dtype is not None and v.dtype.itemsize != t.dtype.itemsize:
            self.problem(e, f"pw.bitcast: {v.describe()[3:]} ({8 * v.dtype.itemsize}-bit) and "
                            f"{type_text(t.dtype)} ({8 * t.dtype.itemsize}-bit) differ in width")
        elif v.what not in ("scalar", "unknown"):
            self.problem(e.args[1], f"pw.bitcast works on numbers, not {v.describe()}")
        return Kind("scalar", t.dtype)
