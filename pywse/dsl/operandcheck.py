"""The task-body checker's operand rules for DSD builtins: each operand's form (DSD, scalar,
pointer) against the forms the builtin takes, element widths, DSR loads, microthreads that two
async ops would share, pointers and `pw.ptrcast`, task operands (`activate=`), DSD mutators.
A mixin of taskcheck's checker."""
from __future__ import annotations

import ast

import numpy as np

from .checkbase import FORM_LEGEND, LOCAL, LOCAL_NOT_MEMORY, element_type, forms_of, type_text
from .kinds import NONE, UNKNOWN, Kind


class OperandChecks:
    """Operand rules of DSD builtin calls (a mixin of taskcheck's checker)."""

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
                                   f"{type_text(t.dtype)} elements ({t.dtype.itemsize} bytes)")
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
                            f"[{FORM_LEGEND}]")

    def operand_letter(self, node, b, pos: int, role: str, k: Kind) -> str | None:
        dst = role == "dst"
        what = f"operand {pos + 1} of pw.{b.name}"
        if k.what == "array" and k.obj is LOCAL:
            self.problem(node, f"{what}: {LOCAL_NOT_MEMORY.format(k.name)}")
            return None
        if k.what in ("mem", "fifo", "array"):
            dtype = element_type(k)
            width = b.width[min(pos, len(b.width) - 1)]
            # cslc accepts a 16-bit op on 32-bit integer memory (topic-14's @mov16 of a u32):
            # it works on the low halves; an f32 array as an f16 operand is a mistake
            low_half = width == 2 and k.what != "fifo" and dtype is not None and \
                dtype.kind in "iu" and dtype.itemsize == 4
            if dtype is not None and width and dtype.itemsize != width and not low_half:
                self.problem(node, f"pw.{b.name} works on {8 * width}-bit elements; {what} "
                                   f"holds {type_text(dtype)} ({8 * dtype.itemsize}-bit)")
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
                self.problem(node, f"a fabin DSD cannot be a destination ({what}){forms_of(b)}")
                return None
            return "D"
        if k.what == "fabout":
            if not dst:
                self.problem(node, f"a fabout DSD cannot be a source ({what}){forms_of(b)}")
                return None
            return "D"
        if k.what == "array":
            if k.size != 1 and k.shape:
                self.problem(node, f"{what} is {k.describe()}: an array operand must be a "
                                   "one-element var (a pointer to a scalar); wrap arrays in "
                                   f"pw.mem1d(...) in the program body{forms_of(b)}")
                return None
            return "p" if dst else "s"
        if k.what == "scalar":
            if dst:
                self.problem(node, f"the destination of pw.{b.name} must be a DSD or a "
                                   f"one-element var, got {k.describe()}{forms_of(b)}")
                return None
            return "s"
        if k.what == "unknown":
            return "?"
        if k.what == "queue":
            dsd = "pw.fabin(color, extent" if k.obj.name == "input" else "pw.fabout(color, extent"
            self.problem(node, f"{what} is {k.describe()}: queues are comptime; give it to a "
                               f"fabric DSD in the program body ({dsd}, queue="
                               f"{ast.unparse(node)})) and use the DSD")
            return None
        self.problem(node, f"{what} is {k.describe()}: give a DSD, a one-element var or a "
                           f"number{forms_of(b)}")
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
                self.problem(node, f"pw.{b.name}: {LOCAL_NOT_MEMORY.format(k.name)}")
            elif role == "array" and k.what not in ("array", "unknown"):
                self.problem(node, f"pw.{b.name} needs an array declared with p.var, got "
                                   f"{k.describe()}")
