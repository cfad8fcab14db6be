"""The task-body checker's statements: assignments and what a store may change, control flow,
loops, returns; each refused Python statement with CSL's reason. A mixin of taskcheck's
checker (it calls `self.expr` and `self.problem`); each statement's scalar operations are
counted on a counter of its own (opclasses.py), a loop's per iteration apart."""
from __future__ import annotations

import ast
from collections import Counter

import attrs

from . import dsd as _dsd
from .checkbase import DSD_KINDS, LOCAL, REFUSED, as_load, changes_kind, type_text
from .kinds import NONE, UNKNOWN, WEAK_INT, Kind


class StatementChecks:
    """Statements of a task body (a mixin of taskcheck's checker)."""

    # -- statements --------------------------------------------------------------------------
    def stmt(self, s) -> None:
        refused = REFUSED.get(type(s))
        if refused is not None:
            self.problem(s, refused)
            return
        method = getattr(self, "s_" + type(s).__name__, None)
        if method is None:
            self.problem(s, f"`{type(s).__name__}` statements are not supported in task bodies")
            return
        self.counted_statement(s, method)

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
        load = ast.copy_location(ast.BinOp(as_load(s.target), s.op, s.value), s)
        ast.fix_missing_locations(load)
        self.store(s.target, self.expr(load), s)

    def s_AnnAssign(self, s) -> None:
        ann = self.expr(s.annotation)
        self.comptime.add(id(s.annotation))
        if ann.what != "type":
            self.problem(s.annotation, "a local's annotation must be a pywse type (pw.f32, "
                                       "pw.i16, ...): the value is converted to it")
        if s.value is None:
            self.problem(s, "give the local a value (`x: pw.f32 = 0.0`)")
            return
        value = self.expr(s.value)
        if ann.what == "type":
            self.check_conversion(s.value, value, ann.dtype)
            self.count_conversion(s.value, value, ann.dtype)
        self.store(s.target, Kind("scalar", ann.dtype) if ann.what == "type" else value, s)

    def s_If(self, s) -> None:
        test = self.expr(s.test)
        if test.value is None and not self.known(s.test):
            self.count("branch")
        if test.value is None or test.value:
            self.body(s.body)
        if test.value is None or not test.value:     # a comptime condition: one branch
            self.body(s.orelse)

    def s_While(self, s) -> None:
        test = self.expr(s.test)
        if test.value is None and not self.known(s.test):
            self.count("branch")
        self.loop_ops[id(s)] = Counter(self.ops) + Counter(loop_iter=1)   # the test again
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
                if len(k.shape) <= 1:
                    self.loop_ops[id(s)] = Counter(loop_iter=1, load=1)   # the element
            elif k.what in DSD_KINDS or k.what == "scalar":
                self.problem(it, f"{k.describe()} cannot be iterated in a for loop")
        self.loop_ops.setdefault(id(s), Counter(loop_iter=1))
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
        if not self.known(s.test):
            self.count("branch")

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
                if before is not None and changes_kind(before, k):
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
                self.problem(stmt, f"storing a float into an {type_text(base.dtype)} array: "
                                   f"convert it explicitly with pw.{type_text(base.dtype)}(...) "
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
