"""Every CSL builtin a task body may call, as a signature: one table for the checker and the
engine.

A `Builtin` says how a call is *written*: its pywse name (`pw.fadds`), its CSL name
(`@fadds`), the role of each positional argument, the operand forms CSL accepts, its keyword
options, which arguments must be known at comptime, whether it returns a value the caller
must keep, and whether pywse supports it yet. What a call *does* and costs lives in
`sim/builtins.py`, keyed by the same name. The task-body checker (`taskcheck.py`, run by
`pw.compile`) reads only this table, so layout/ can check task bodies without importing the
engine (docs/architecture.md).

Operand forms of DSD operations are CSL's (CSL-LIBRARIES §3), one letter per operand,
destination first: `D` a DSD (memory, fabric or FIFO), `s` a scalar source (a number, or a
one-element var read as a scalar), `p` a one-element var as destination (CSL `&x`, a pointer
to a scalar).
"""
from __future__ import annotations

import difflib
from typing import Any, Callable

import attrs

from ..errors import ProgramError
from . import dsd as _dsd
from . import dsr as _dsr
from . import twins as _twins
from .modules import LIBRARIES

SUPPORTED, NOT_YET = "supported", "not supported yet"

COMPLETION = (("async_", False), ("activate", None), ("unblock", None), ("ut_id", None))
"""The options every DSD operation takes (CSL's `.async`, `.activate`, `.unblock`, `.ut_id`)."""
LATER_OPTIONS = {"on_control": ".on_control", "index": ".index",
                 "priority": ".priority", "single_step": ".single_step"}
"""CSL op-config fields pywse does not support yet (keyword -> CSL field)."""


@attrs.frozen(repr=False, eq=False, slots=False)
class Builtin:
    """One CSL builtin as task bodies call it (`pw.<name>(...)`).

    `params` names each positional argument's role: "dst" / "src" (DSD-op operands),
    "task", "dsd" (a memory DSD), "array" (a p.var), "int", "type" (an element type, known
    at comptime). `forms` lists CSL's operand forms of a DSD op (module docstring), `types`
    its operands' element types (one letter each, destination first: i/w a 16/32-bit
    integer, h f16, f f32) and `width` their element bytes.
    Outside a task body, calling it runs its comptime twin (the DSD mutators do at comptime
    what they do in a task), or says it belongs in a task body."""

    name: str
    csl: str
    kind: str
    params: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    options: tuple[tuple[str, Any], ...] = ()
    comptime_args: tuple[int, ...] = ()
    width: tuple[int, ...] = (0, 0)
    types: str = ""
    returns: str | None = None
    status: str = SUPPORTED
    doc: str = ""
    comptime_twin: Callable | None = None

    def __attrs_post_init__(self):
        # help(pw.fadds) and the docs show the pywse name and what it does
        object.__setattr__(self, "__name__", self.name)
        object.__setattr__(self, "__doc__", f"{self.doc} (CSL `{self.csl}`)")

    @property
    def nargs(self) -> int:
        return len(self.params)

    @property
    def supported(self) -> bool:
        return self.status == SUPPORTED

    def __repr__(self) -> str:
        return f"<pywse builtin {self.name}>"

    def __call__(self, *args, **kwargs):
        if self.comptime_twin is not None:
            return self.comptime_twin(*args, **kwargs)
        raise ProgramError(f"pw.{self.name} can only be called inside a task body")


TABLE: dict[str, Builtin] = {}
"""Every builtin pywse knows, supported or not yet, by pywse name."""


def _add(b: Builtin) -> Builtin:
    TABLE[b.name] = b
    return b


# -- DSD operations (CSL-LIBRARIES §3) -----------------------------------------------------------

_ARITH = ("DDD", "DsD", "DDs", "psD")        # fadds and its twins
_BITWISE = ("DDD", "DsD", "DDs")             # add16 and its twins
_MOVE = ("DD", "pD", "Ds")
_UNARY = ("DD", "Ds")

# name: (forms, operand types, doc, supported). Operand types, destination first, one letter
# each: i a 16-bit integer, w a 32-bit integer, h f16, f f32 (what a number operand is
# encoded as, and each operand's element width). Semantics and rounding: docs/semantics.md.
_OPS = {
    "mov32": (_MOVE, "ww", "dst[i] = src[i], 32 raw bits", True),
    "mov16": (_MOVE, "ii", "dst[i] = src[i], 16 raw bits", True),
    "fmovs": (_MOVE, "ff", "dst[i] = src[i] as f32 (bits kept)", True),
    "fmovh": (_MOVE, "hh", "dst[i] = src[i] as f16 (bits kept)", True),
    "fadds": (_ARITH, "fff", "dst = src0 + src1 in f32", True),
    "fsubs": (_ARITH, "fff", "dst = src0 - src1 in f32", True),
    "fmuls": (_ARITH, "fff", "dst = src0 * src1 in f32", True),
    "fmaxs": (_ARITH, "fff", "dst = max(src0, src1) in f32", True),
    "fmacs": (("DDDs",), "ffff",
              "dst = src0 + src1 * scalar in f32 (product rounded, then the sum)", True),
    "fnegs": (_UNARY, "ff", "dst = -src in f32", True),
    "faddh": (_ARITH, "hhh", "dst = src0 + src1 in f16", True),
    "fsubh": (_ARITH, "hhh", "dst = src0 - src1 in f16", True),
    "fmulh": (_ARITH, "hhh", "dst = src0 * src1 in f16", True),
    "fmaxh": (_ARITH, "hhh", "dst = max(src0, src1) in f16", True),
    "fmach": (("DDDs",), "hhhh", "dst = src0 + src1 * scalar in f16 (each step rounded)", True),
    "fnegh": (_UNARY, "hh", "dst = -src in f16", True),
    "add16": (_BITWISE, "iii", "dst = src0 + src1, 16-bit wrap-around", True),
    "sub16": (("DDD", "DDs"), "iii", "dst = src0 - src1, 16-bit wrap-around", True),
    "and16": (_BITWISE, "iii", "dst = src0 & src1 (16 bits)", True),
    "or16": (_BITWISE, "iii", "dst = src0 | src1 (16 bits)", True),
    "xor16": (_BITWISE, "iii", "dst = src0 ^ src1 (16 bits)", True),
    "fh2s": (_UNARY, "fh", "dst (f32) = src (f16), exact", True),
    "fs2h": (_UNARY, "hf", "dst (f16) = src (f32), rounded to nearest even", True),
    "addc16": (_BITWISE, "iii", "dst = src0 + src1 + carry, 16-bit; the carry out of element "
               "i goes into element i+1 (0 into the first)", True),
    "sar16": (_BITWISE, "iii", "dst = src0 >> src1, arithmetic (sign-filling; counts are "
              "unsigned, >= 16 gives 0 or -1)", True),
    "sll16": (_BITWISE, "iii", "dst = src0 << src1, 16 bits (counts >= 16 give 0)", True),
    "slr16": (_BITWISE, "iii", "dst = src0 >> src1, logical (counts >= 16 give 0)", True),
    "clz": (_UNARY, "ii", "leading zero bits of a 16-bit value (16 for 0)", True),
    "ctz": (_UNARY, "ii", "trailing zero bits of a 16-bit value (16 for 0)", True),
    "popcnt": (_UNARY, "ii", "one bits of a 16-bit value", True),
    "fabss": (_UNARY, "ff", "dst = |src| in f32 (sign bit cleared)", True),
    "fabsh": (_UNARY, "hh", "dst = |src| in f16 (sign bit cleared)", True),
    "faddhs": (_ARITH, "ffh", "dst (f32) = src0 (f32) + src1 (f16), rounded to f32", True),
    "fmachs": (("DDDs",), "ffhh", "dst (f32) = src0 (f32) + src1 (f16) * scalar (f16): the "
               "product is exact, the sum rounded to f32", True),
    "fnorms": (("ps",), "ff", "normalize (f32; the SDK does not say what it computes)", False),
    "fnormh": (("ps",), "hh", "normalize (f16; the SDK does not say what it computes)", False),
    "fscales": (("pss",), "ffi", "*p = s * 2**k in f32, k an i16, rounded once", True),
    "fscaleh": (("pss",), "hhi", "*p = s * 2**k in f16, k an i16, rounded once", True),
    "fh2xp16": (_UNARY + ("ps",), "ih", "dst (i16) = src (f16) rounded toward zero, saturated; "
                "NaN gives 0", True),
    "fs2xp16": (_UNARY + ("ps",), "if", "dst (i16) = src (f32) rounded toward zero, saturated; "
                "NaN gives 0", True),
    "xp162fh": (_UNARY, "hi", "dst (f16) = src (i16, signed), rounded to nearest even", True),
    "xp162fs": (_UNARY, "fi", "dst (f32) = src (i16, signed), exact", True),
}


def _width(types: str) -> tuple[int, ...]:
    """Element bytes of each operand, destination first."""
    return tuple(2 if t in "ih" else 4 for t in types)


for _name, (_forms, _types, _doc, _ok) in _OPS.items():
    _n = len(_forms[0])
    assert len(_types) == _n, _name
    _add(Builtin(_name, f"@{_name}", "op", ("dst",) + ("src",) * (_n - 1), _forms, COMPLETION,
                 width=_width(_types), types=_types, doc=_doc,
                 status=SUPPORTED if _ok else NOT_YET))

OP_NAMES = tuple(n for n, b in TABLE.items() if b.kind == "op")


# -- tasks, DSD mutators, memcpy -----------------------------------------------------------------

_add(Builtin("activate", "@activate", "task", ("task",),
             doc="mark a local task active; it runs once it is also unblocked"))
_add(Builtin("block", "@block", "task", ("task",),
             doc="block a task: it stays pending until unblocked"))
_add(Builtin("unblock", "@unblock", "task", ("task",), doc="unblock a task"))
_add(Builtin("unblock_cmd_stream", "sys_mod.unblock_cmd_stream", "memcpy",
             doc="let the host's next command run on this PE (memcpy's `unblock_cmd_stream()`)"))
_add(Builtin("increment_dsd_offset", "@increment_dsd_offset", "dsd", ("dsd", "int", "type"),
             comptime_args=(2,), returns="dsd", comptime_twin=_dsd.increment_dsd_offset,
             doc="a new DSD whose start moved by n elements of the given type"))
_add(Builtin("set_dsd_base_addr", "@set_dsd_base_addr", "dsd", ("dsd", "array"),
             returns="dsd", comptime_twin=_dsd.set_dsd_base_addr,
             doc="a new DSD over another array of the same element type"))
_add(Builtin("set_dsd_length", "@set_dsd_length", "dsd", ("dsd", "int"), returns="dsd",
             comptime_twin=_dsd.set_dsd_length,
             doc="a new 1-D memory DSD, fabin or fabout with another extent"))
_add(Builtin("set_dsd_stride", "@set_dsd_stride", "dsd", ("dsd", "int"), returns="dsd",
             comptime_twin=_dsd.set_dsd_stride, doc="a new 1-D DSD with another stride"))

# CSL builtins of task bodies that pywse does not have yet (no pw.<name> attribute: the
# checker finds them here and says so)
for _name, _params, _doc in (
        ("get_xdsr", ("int",), "an extended data structure register"),
        ("set_fifo_read_length", ("fifo", "int"), "set how many elements a FIFO pops"),
        ("set_fifo_write_length", ("fifo", "int"), "set how many elements a FIFO pushes"),
        ("set_local_color_config", ("color", "config"), "configure a color's route on this PE"),
        ("get_color", ("int",), "a color from its number"),
):
    _add(Builtin(_name, f"@{_name}", "later", _params, status=NOT_YET, doc=_doc))


# -- names that are not builtins: where CSL has them ---------------------------------------------

_LIBRARIES = {
    "<time>": "enable_tsc disable_tsc get_timestamp reset_tsc_counter get_perf_cntr "
              "tsc_size_words",
    "<math>": "sqrt sqrt_f32 sqrt_f16 abs inv inv_f32 inv_f16 invsqrt invsqrt_f32 invsqrt_f16 "
              "exp exp_f32 log log_f32 sin cos pow tanh ceil floor sign fscale isNaN isInf "
              "isFinite NEGATIVE_INF_f32 POSITIVE_INF_f32 NaN_f32 PI E",
    "<simprint>": "print_string print_u16_decimal print_u32_decimal print_u16_hex "
                  "print_u32_hex print_u16_binary print_u32_binary print_f16 print_f32 fmt "
                  "fmt_no_nl fmt_with_coords",
    "<debug>": "trace_bool trace_u8 trace_i8 trace_u16 trace_i16 trace_f16 trace_u32 "
               "trace_i32 trace_f32 trace_string trace_timestamp trace",
    "<random>": "set_global_prng_seed random_f16 random_f32 random_pow_u32 random_normal_f32",
    "<collectives_2d/pe>": "broadcast scatter gather reduce_fadds pe_id",
    "<layout>": "get_x_coord get_y_coord",
    "<directions>": "flip rotate_clockwise rotate_counterclockwise flip_vertical "
                    "flip_horizontal",
    "<kernels/tally/pe>": "signal_completion bump_tally local_tally",
    "<tile_config>": "color_config switch_config teardown task_priority filters "
                     "input_queue_status output_queue_status main_thread_priority",
    "<message_passing>": "send_message recv_message",
    "<malloc>": "malloc malloc_i16 malloc_u16 malloc_f16 malloc_i32 malloc_u32 malloc_f32 "
                "has_enough_space has_enough_words has_enough_double_words free",
    "<dsd_ops>": "mov convert add sub mul fmac neg norm scale",
    "<complex>": "complex complex_32 complex_64 get_complex get_complex_32 get_complex_64 "
                 "add_complex subtract_complex multiply_complex",
    "<timer>": "start stop elapsed timerType",
}
LIBRARY_OF = {name: lib for lib, names in _LIBRARIES.items() for name in names.split()}
"""Names task bodies reach for that CSL has in a library, not as a builtin."""

def explain_unknown(name: str, public: set[str]) -> str:
    """Why `pw.<name>` does not exist, and what to use: a CSL builtin pywse does not support
    yet, a library function, or a near miss of a name that does exist."""
    b = TABLE.get(name)
    if b is not None and not b.supported:
        return f"`{b.csl}` is not supported yet"
    lib = LIBRARY_OF.get(name)
    if lib is not None:
        text = f"pw.{name} is no CSL builtin: CSL has `{name}` in the `{lib}` library"
        if lib in LIBRARIES:        # pywse/lib has it
            return text + f"; import it in the program body, `m = p.import_module({lib!r})`, " \
                          f"and call `m.{name}(...)`"
        return text + ", which pywse does not have yet"
    close = difflib.get_close_matches(
        name, sorted(public | {n for n, b in TABLE.items() if b.kind != INTERNAL}), n=1)
    return f"pywse has no pw.{name}" + (f" (did you mean pw.{close[0]}?)" if close else "")


# -- the PE's pseudo-random generators (CSL-LIBRARIES §4.5; what they do: sim/builtins.py) --------

N_PRNG = 4
"""PRNGs per PE (the SDK does not give its number; `@set_active_prng(id)` picks `id % N`)."""

_add(Builtin("random16", "@random16", "prng", returns="uint16",
             doc="the active PRNG's next u16: an LFSR (x^23 + x^18 + 1) advanced 128 steps, "
                 "seeded 0xdeadbeef, one state per PE"))
_add(Builtin("set_active_prng", "@set_active_prng", "prng", ("int",),
             doc=f"make PRNG `id % {N_PRNG}` of this PE the active one (id: a u16)"))
_add(Builtin("set_global_prng_seed", "<random>.set_global_prng_seed", "prng", ("seed",),
             doc="set the active PRNG's state to `seed` (a u32; the LFSR keeps its low 23 "
                 "bits): what `<random>`'s function of that name does"))
# -- internal engine primitives (called by pywse/lib only) ---------------------------------------
# The SDK's libraries reach hardware and simulator facilities that CSL code cannot name: the
# PE's timestamp counter (`<time>`), the simulator's print log (`<simprint>`). pywse/lib code
# calls them as `prim.<name>(...)` (pywse/dsl/primitives.py declares and registers them here,
# sim/primitives.py lowers them). They are no `pw.<name>` and docs/builtins.md leaves them out.

INTERNAL = "internal"


@attrs.frozen(repr=False, eq=False, slots=False)
class Primitive(Builtin):
    """An internal builtin. `returns` names the numpy dtype of its value (or None); `check`,
    if given, takes the argument kinds at compile time and returns the problems to report at
    the caller's line (e.g. a simprint format string that does not fit its arguments)."""

    check: Callable | None = None


# -- filters (CSL-LIBRARIES §3.6, §4.3): @dfilt and @get_filter_id --------------------------------
# Checked by their `check` (taskcheck's calls run it), lowered in sim/filters.py.

DFILT_FORM = "pw.dfilt(fabin, async_=True, activate=task)"


def _check_dfilt(args, given) -> list[str]:
    """`pw.dfilt(d, async_=True, ...)`: a fabin (or a DSR holding one) and async: CSL's
    `@dfilt(fabin, .{ .async = true })` takes no other form."""
    problems = []
    d = args[0] if args else None
    if d is not None and d.what not in ("fabin", "unknown") and not (
            d.what == "dsr" and d.name == "dsr_src1"):
        problems.append(f"pw.dfilt filters a fabin DSD's input queue (or a dsr_src1 DSR "
                        f"loaded with one), got {d.describe()}: {DFILT_FORM}")
    sync = given.get("async_")
    if sync is None or sync.value is False:
        problems.append(f"pw.dfilt runs async only (CSL `@dfilt(fabin, .{{ .async = true }})`): "
                        f"write {DFILT_FORM}")
    return problems


def _check_filter_color(args, given=None) -> list[str]:
    k = args[0] if args else None
    if k is not None and k.what not in ("color", "unknown"):
        return [f"pw.get_filter_id takes a color (a pw.Color the task captured), got "
                f"{k.describe()}"]
    return []


_add(Primitive("dfilt", "@dfilt", "filter", ("src",), options=COMPLETION,
               check=_check_dfilt,
               doc="drop the data wavelets reaching a fabin's input queue until `extent` "
                   "control wavelets have reached it (those go on to the CE); async only, "
                   "completion activates/unblocks as other async ops"))
object.__setattr__(TABLE["dfilt"], "check_kwargs", True)
_add(Primitive("get_filter_id", "@get_filter_id", "filter", ("color",), returns="uint16",
               check=_check_filter_color,
               doc="the id of this PE's filter on a color (a u16 for <tile_config>'s "
                   "filters functions); a color without a filter is a compile error"))


# -- the language of issue 20 (part 4): run-time DSDs ----------------------------------------------
# A `mem1d` built in a task body from run-time values (CSL allows run-time mem1d fields since
# SDK 1.3); at comptime `pw.mem1d(...)` runs its twin in dsd.py. Options may also be given by
# position after the array (`pw.mem1d(A, M, j, N)`), as at comptime.

_add(Builtin("mem1d", "@get_dsd(mem1d_dsd, ...)", "dsd", ("array",),
             options=(("extent", None), ("offset", 0), ("stride", 1)), returns="dsd",
             comptime_twin=_dsd.mem1d,
             doc="a 1-D memory DSD `array.flat[offset + i*stride]`, i < extent (default: "
                 "what fits); in a task body from run-time values"))
POSITIONAL_OPTIONS = {"mem1d"}
"""Builtins whose options may also be given by position after their arguments."""


# -- @map ---------------------------------------------------------------------------------------
# `pw.map(callback, inputs..., output)`: any number of operands, so the checker and the task
# compiler treat it by its kind ("map") rather than by `params`.

_add(Builtin("map", "@map", "map", ("callback", "operands..."),
             doc="call `callback` once per element: the next element of every memory DSD "
                 "input, one-element vars as pointers, numbers as they are; a callback that "
                 "returns a value needs an output, the last operand (a memory DSD, or a "
                 "one-element var that keeps the last result: a reduction)"))


# -- DSRs (CSL-LIBRARIES §2.2) ---------------------------------------------------------------------
# `pw.get_dsr` declares a register in the program body (kind "comptime": no task-body form);
# `pw.load_to_dsr` loads one, in the program body (memory DSDs) or in a task body (any DSD).
# Every DSD operation takes a DSR where it takes a DSD.

_add(Builtin("get_dsr", "@get_dsr", "comptime", ("kind", "int"), comptime_twin=_dsr.get_dsr,
             doc='a DSR, kind "dsr_dest", "dsr_src0" or "dsr_src1" (program body only)'))
_add(Builtin("load_to_dsr", "@load_to_dsr", "dsr", ("dsr", "dsd"),
             options=(("save_address", False), ("async_", False), ("activate", None),
                      ("unblock", None), ("ut_id", None)), comptime_twin=_dsr.load_to_dsr,
             doc="load a DSD into a DSR; save_address=True: each op leaves the DSR just past "
                 "the elements it covered; async_/activate/unblock (fabric DSDs): ops on the "
                 "DSR run async with that completion; ut_id= (wse3, with async_): on that "
                 "microthread unless the op names its own"))


# -- scalar builtins: casts and the program's place ----------------------------------------------

_add(Builtin("bitcast", "@bitcast", "cast", ("type", "value"), returns="value",
             comptime_twin=_twins.bitcast,
             doc="the value's bits as another type of the same width (pw.bitcast(pw.f32, u))"))
_add(Builtin("get_int", "@get_int", "cast", ("value",), returns="value",
             comptime_twin=_twins.get_int,
             doc="the integer (u16) behind a color, task or queue"))
_add(Builtin("constants", "@constants", "comptime", ("shape", "type", "value"),
             comptime_twin=_twins.constants,
             doc="an array of that shape all `value` (a numpy array): "
                 "`var x = @constants([n]f32, 1.0)` is `p.var(\"x\", pw.f32, n, "
                 "init=pw.constants(n, pw.f32, 1.0))` (or init=1.0); in a task body a local "
                 "array `np.full(n, 1.0, pw.f32)`"))
_add(Builtin("fp16", "@fp16", "comptime", (), comptime_twin=_twins.fp16,
             doc="the 16-bit float type of --fp16-format: pw.f16 (IEEE binary16, the only "
                 "format pywse simulates; a task body writes pw.f16)"))
_add(Builtin("set_control_task_table", "@set_control_task_table", "comptime", ("config",),
             comptime_twin=_twins.set_control_task_table,
             doc="give control tasks their own task table (wse3, program body, at most once): "
                 "a control task may then share its id with a local or data task; "
                 "`instructions=` 2/4/8 and `stride=` 1..7 are checked and kept"))
_add(Builtin("get_rectangle", "@get_rectangle", "comptime", (),
             comptime_twin=_twins.get_rectangle,
             doc="the program rectangle's .width and .height (program body only)"))


# -- microthreads (wse3): @get_ut_id and the ut_id= option of every DSD op ------------------------

_add(Builtin("set_teardown_handler", "@set_teardown_handler", "comptime", ("fn", "color"),
             comptime_twin=_twins.set_teardown_handler,
             doc="run a function when a color enters teardown on this PE: "
                 "`p.set_teardown_handler(fn, color)` in the program body (it runs as the "
                 "teardown task, id 29)"))
_add(Builtin("get_ut_id", "@get_ut_id", "comptime", ("int",), comptime_twin=_twins.get_ut_id,
             doc="microthread n, 0..7 (wse3, program body only): `ut_id=` of an async DSD op "
                 "runs it there instead of on its fabric operand's queue's microthread"))


# -- queue flushes (wse3, CSL-LIBRARIES §4.2): what runs the teardown task besides teardown ------
# `pw.queue_flush(q)` arms a queue; once it is empty (at once if it is) the teardown task (29)
# runs the handler `p.set_empty_queue_handler(fn, q)` set for it (sim/queueflush.py,
# docs/semantics.md "Queue flushes"). The queue is a captured `p.input_queue` /
# `p.output_queue`; the checker also wants wse3 and a handler for that queue.

_add(Builtin("queue_flush", "@queue_flush", "queue", ("queue",),
             doc="once the queue (p.input_queue / p.output_queue) is empty, or at once if it "
                 "is, activate the teardown task (29), which runs the queue's empty-queue "
                 "handler (wse3)"))
_add(Builtin("set_empty_queue_handler", "@set_empty_queue_handler", "comptime",
             ("fn", "queue"), comptime_twin=_twins.set_empty_queue_handler,
             doc="run a function of no arguments as the teardown task when the queue empties "
                 "after pw.queue_flush(q): `p.set_empty_queue_handler(fn, q)` in the program "
                 "body (wse3, once per queue); fn resets the flush status with "
                 "<tile_config>'s queue_flush.exit(q)"))


# -- pointers (CSL-LIBRARIES §4.5): `&arr[i]` ---------------------------------------------------
# An array passed to a helper is already CSL's `*[n]T` (the helper reads and writes it); a
# pointer to one element is a one-element array over it, as a one-element var is a `*T`
# everywhere in pywse (DSD operands, pw.map): read and write it as `q[0]`.

_add(Builtin("ptr", "&arr[i]", "ptr", ("array", "int"), returns="value",
             doc="a pointer to element i of an array (a one-element array over it: `q[0]` "
                 "reads and writes the element, CSL's `q.*`)"))
_add(Builtin("ptrcast", "@ptrcast", "ptr", ("type", "array"), options=(("at", 0),),
             returns="value",
             doc="the array's memory (from flat element `at` on) as an array of another "
                 "element type: `@ptrcast([*]u32, &a)` is `pw.ptrcast(pw.u32, a)`, "
                 "`@ptrcast([*]f32, &a[i])` is `pw.ptrcast(pw.f32, a, at=i)`; writes through it "
                 "reach the array"))


# @get_config / @set_config and <tile_config>'s exception mask register (dsl/configspace.py)
from . import configspace as _configspace  # noqa: E402,F401
