"""The error catalogue (docs/errors.md): one user mistake per entry, the error or warning it
raises, and its message.

Each entry is a function that makes the mistake, registered with `@mistake(area, title,
class, match, fix)`. `test_mistake` checks that it raises exactly that class (or warns it)
with a message matching `match`, and that docs/errors.md shows the message's first line.
`python tests/test_errors.py > docs/errors.md` writes the page from these entries, with the
messages as pywse prints them now.
"""

import contextlib
import functools
import re
import warnings
from pathlib import Path
from typing import Callable

import attrs
import numpy as np
import pytest

import pywse as pw
from progs import edge_sender, relay
from pywse import MemcpyDataType as DT
from pywse.sdkruntime import (
    Color,
    Edge,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkTarget,
    SimfabConfig,
    get_platform,
)
from pywse.testing import ExpectError, Harness, HarnessError

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "errors.md"


@attrs.frozen
class Mistake:
    area: str
    title: str          # the mistake, in words
    cls: type           # the PywseError subclass raised, or the warning category
    match: str          # a regex the message must match (re.search)
    fix: str            # what to do
    make: Callable[[], object]

    @property
    def name(self) -> str:
        return self.make.__name__


CATALOGUE: list[Mistake] = []
AREAS = ["The program", "Task bodies", "Layout and compile", "Routes", "Route lints", "SdkLayout",
         "Host commands", "Running", "Pictures", "The test harness"]


def mistake(area: str, title: str, cls: type, match: str, fix: str):
    assert area in AREAS, area

    def register(make):
        CATALOGUE.append(Mistake(area, title, cls, match, fix, make))
        return make
    return register


# -- programs and layouts the entries share ----------------------------------------------------

@pw.program
def idle(p):
    """A PE with nothing to do."""


def compile_one(program, arch="wse3", memcpy=False, **params):
    """`program` alone on a 1x1 layout, compiled."""
    layout = pw.Layout(1, 1)
    if memcpy:
        params["memcpy_params"] = layout.memcpy().get_params(0)
    layout.set_tile_code(0, 0, program, **params)
    return pw.compile(layout, arch=arch, memcpy=memcpy)


def idle_layout(width=2, height=1, program=idle):
    layout = pw.Layout(width, height)
    for x in range(width):
        for y in range(height):
            layout.set_tile_code(x, y, program)
    return layout


@pw.program
def host_prog(p, *, memcpy_params):
    """The host entries' program: exported symbols, functions to launch, a local task."""
    sys = p.memcpy(memcpy_params)
    p.var("w32", pw.u32, 4, export=True)
    p.var("w16", pw.u16, 4, export=True)
    p.var("hidden", pw.u32, 4)
    nums = p.var("nums", pw.i32, 4, export=True)

    @p.local_task(10)
    def helper():
        sys.unblock_cmd_stream()

    @p.local_task(11)
    def spin():
        pw.activate(spin)

    @p.export
    def go():
        sys.unblock_cmd_stream()

    @p.export
    def scale(n: pw.u16):
        sys.unblock_cmd_stream()

    @p.export
    def divide():
        nums[0] = nums[1] // nums[2]
        sys.unblock_cmd_stream()

    @p.export
    def forget():
        nums[0] = 1

    @p.export
    def start_spin():
        pw.activate(spin)
        sys.unblock_cmd_stream()


@functools.cache
def host_artifacts():
    layout = pw.Layout(2, 1)
    memcpy = layout.memcpy()
    for x in range(2):
        layout.set_tile_code(x, 0, host_prog, memcpy_params=memcpy.get_params(x))
    with warnings.catch_warnings():     # 'helper' is there to be launched by mistake
        warnings.simplefilter("ignore", pw.UnreachableTaskWarning)
        return pw.compile(layout, arch="wse3")


@contextlib.contextmanager
def machine_memory(nbytes: int):
    """As if this machine had `nbytes` of memory available (pywse checks before it allocates)."""
    from pywse.sim import state
    available = state.available_bytes
    state.available_bytes = lambda: nbytes
    try:
        yield
    finally:
        state.available_bytes = available


def runtime(**options) -> pw.SdkRuntime:
    """A loaded, running SdkRuntime of host_prog on 2x1 PEs (task bodies as plain Python)."""
    r = pw.SdkRuntime(host_artifacts(), jit=False, **options)
    r.load()
    r.run()
    return r


# -- the program -------------------------------------------------------------------------------

@pw.program
def var_twice(p):
    p.var("a", pw.f32, 4)
    p.var("a", pw.f32, 8)


@mistake("The program", "A var declared twice", pw.ProgramError,
         r"program 'var_twice' at \(0, 0\): var 'a' is declared twice; give each var its own name",
         "Give each `p.var` its own name.")
def var_declared_twice():
    compile_one(var_twice)


@pw.program
def var_empty(p, *, n: int):
    p.var("a", pw.f32, n)


@mistake("The program", "A var with an extent of 0", pw.ProgramError,
         r"var 'a' has shape \(0,\); every extent must be >= 1",
         "Every extent must be at least 1 (a param that computes the size may be 0 on some PEs).")
def var_with_zero_extent():
    compile_one(var_empty, n=0)


@pw.program
def var_bad_init(p):
    p.var("a", pw.u32, 4, init=[1, 2, 3])


@mistake("The program", "A var's init that does not fit its shape", pw.ProgramError,
         r"init of var 'a' does not fit shape \(4,\)",
         "Give `init=` one value, or exactly as many as the shape holds.")
def var_init_wrong_shape():
    compile_one(var_bad_init)


@pw.program
def var_f64(p):
    p.var("a", np.float64, 4)


@mistake("The program", "A var of a type the PE does not have", pw.ProgramError,
         r"var 'a': unsupported element type .*float64.*; use one of pw.f16, pw.f32",
         "Use `pw.f16`, `pw.f32`, `pw.i16`, `pw.u16`, `pw.i32` or `pw.u32`.")
def var_unsupported_type():
    compile_one(var_f64)


@pw.program
def var_read_early(p):
    a = p.var("a", pw.u32, 1)
    if a[0] == 0:
        p.var("b", pw.u32, 1)


@mistake("The program", "Reading a var's value at comptime", pw.ProgramError,
         r"var 'a' has no value at comptime: index it inside a task body",
         "Index vars inside task bodies; comptime only declares them (give a start value with "
         "`init=`).")
def var_read_at_comptime():
    compile_one(var_read_early)


@pw.program
def too_big(p):
    p.var("matrix", pw.f32, (64, 128))
    p.var("vector", pw.f32, 4100)


@mistake("The program", "PE memory over 48 KiB", pw.ProgramError,
         r"PE \(0, 0\): program 'too_big' needs 49168 bytes of memory, more than the 49152 a PE "
         r"has; largest symbols: 'matrix' 32768 B, 'vector' 16400 B",
         "Shrink the largest symbols (the message lists them) or spread the data over more PEs.")
def memory_over_48k():
    compile_one(too_big)


@pw.program
def dsd_too_long(p):
    a = p.var("a", pw.f32, 4)
    pw.mem1d(a, extent=4, offset=2)


@mistake("The program", "A DSD past the end of its array", pw.ProgramError,
         r"pw.mem1d over 'a' \(size 4\) reaches element 5: check extent, offset and stride",
         "Make offset + (extent - 1) * stride smaller than the array's size.")
def dsd_past_end():
    compile_one(dsd_too_long)


@pw.program
def bad_color(p):
    pw.fabout(30, extent=1)


@mistake("The program", "A color outside 0..23", pw.ProgramError,
         r"pw.fabout: 30 is not a color 0..23",
         "Colors are 0..23 (and 21..23 belong to memcpy).")
def color_out_of_range():
    compile_one(bad_color)


@pw.program
def task_id_99(p):
    @p.local_task(99)
    def work():
        pass


@mistake("The program", "A local task id out of range", pw.ProgramError,
         r"local task id 99 is out of range for wse3 \(8\.\.30\)",
         "Use an id in the range the message gives (wse3: 8..30, wse2: 0..30).")
def local_task_id_out_of_range():
    compile_one(task_id_99)


@pw.program
def task_id_twice(p):
    @p.local_task(10)
    def first():
        pass

    @p.local_task(10)
    def second():
        pass


@mistake("The program", "A task id used twice", pw.ProgramError,
         r"task id 10 is bound twice \('first' and 'second'\); give each task its own id",
         "Give each task its own id.")
def task_id_used_twice():
    compile_one(task_id_twice)


@pw.program
def data_task_on_local_id(p):
    @p.local_task(3)
    def work():
        pass

    @p.data_task(pw.Color(3))
    def got(v: pw.u32):
        pass


@mistake("The program", "A wse2 data task on a local task's id", pw.ProgramError,
         r"task id 3 is bound twice \('work' and data task 'got', whose id on wse2 is its "
         r"color\); give each task its own id",
         "On wse2 a data task's id is its color: give the local task another id, or receive "
         "on another color.")
def data_task_on_a_local_task_id():
    compile_one(data_task_on_local_id, arch="wse2")


@pw.program
def same_name(p):
    @p.local_task(8)
    def work():
        pass

    def more():
        @p.local_task(9)
        def work():
            pass
    more()


@mistake("The program", "Two tasks with one name", pw.ProgramError,
         r"program 'same_name': two tasks named 'work'; rename one",
         "Task names identify tasks (`h.activate('work')`, reports): rename one.")
def task_named_twice():
    compile_one(same_name)


@pw.program
def calls_task(p):
    @p.local_task(8)
    def work():
        pass
    work()


@mistake("The program", "Calling a task like a function", pw.ProgramError,
         r"task 'work' cannot be called: tasks are activated \(pw.activate\)",
         "Activate it (`pw.activate(work)` in a task body, `@p.on_start` at load), or call a "
         "plain helper function instead.")
def task_called_directly():
    compile_one(calls_task)


@pw.program
def data_task_no_arg(p):
    @p.data_task(pw.Color(2))
    def got():
        pass


@mistake("The program", "A data task without its wavelet argument", pw.ProgramError,
         r"data task 'got' takes the wavelet as one argument",
         "Give it one typed argument (`def got(v: pw.u32)`), or two 16-bit ones.")
def data_task_signature():
    compile_one(data_task_no_arg)


@pw.program
def untyped_export(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)

    @p.export
    def go(n):
        sys.unblock_cmd_stream()


@mistake("The program", "An exported function's parameter without a type", pw.ProgramError,
         r"parameter 'n' of 'go' needs a type annotation such as pw.u16 or pw.f32",
         "Annotate every parameter with its type (`def go(n: pw.u16)`).")
def export_untyped_arg():
    compile_one(untyped_export, memcpy=True)


@pw.program
def wse2_id(p):
    @p.data_task(pw.Color(3), id=5)
    def got(v: pw.u32):
        pass


@mistake("The program", "A wse2 data task id that is not its color", pw.ProgramError,
         r"on wse2 a data task's id is its color \(3\), not 5",
         "Drop `id=` on wse2 (or give the color's number).")
def wse2_data_task_id():
    compile_one(wse2_id, arch="wse2")


@pw.program
def memcpy_queue(p, *, memcpy_params):
    p.memcpy(memcpy_params)
    p.input_queue(0, pw.Color(3))


@mistake("The program", "Binding a queue memcpy reserves", pw.ProgramError,
         r"input queue 0 is reserved by memcpy on wse3 \(reserved: \[0, 1\]\); pick another "
         "queue",
         "Use another queue (wse3: input queues 2..7, output queues 1..7 with memcpy).")
def memcpy_queue_reserved():
    compile_one(memcpy_queue, memcpy=True)


@pw.program
def queue_twice(p):
    p.input_queue(2, pw.Color(3))
    p.input_queue(2, pw.Color(4))


@mistake("The program", "One queue bound to two colors", pw.ProgramError,
         r"input queue 2 is bound to color 3 and 4; give each color its own queue",
         "Bind each color its own queue.")
def queue_two_colors():
    compile_one(queue_twice)


@pw.program
def reads_table(p, *, table):
    p.var("a", pw.u32, table["size"])


@mistake("The program", "A program body that raises", pw.ProgramError,
         r"program 'reads_table' failed at comptime for PE \(0, 0\): KeyError: 'size'",
         "Fix the line the message quotes; the second quote shows which `set_tile_code` gave "
         "the PE its params.")
def program_body_raises():
    compile_one(reads_table, table={})


@mistake("The program", "A param the program does not take", pw.ProgramError,
         r"set_tile_code\(0, 0\): program 'idle' has no param size \(its params: none\)",
         "Pass only the keyword parameters the program declares.")
def unknown_param():
    compile_one(idle, size=4)


@pw.program
def sized(p, *, size: int):
    p.var("a", pw.u32, size)


@mistake("The program", "A missing param", pw.ProgramError,
         r"set_tile_code\(0, 0\): program 'sized' needs param size",
         "Pass every parameter without a default to `set_tile_code`.")
def missing_param():
    compile_one(sized)


@pw.program
def memcpy_no_params(p):
    p.memcpy(None)


@mistake("The program", "p.memcpy() without memcpy's params", pw.ProgramError,
         r"p.memcpy\(\) needs the params from layout.memcpy\(...\).get_params\(x\), got NoneType",
         "Pass `memcpy_params=layout.memcpy().get_params(x)` to `set_tile_code` and hand it "
         "to `p.memcpy`.")
def memcpy_without_params():
    compile_one(memcpy_no_params)


# -- layout and compile ------------------------------------------------------------------------

@mistake("Layout and compile", "A jit= value pywse does not know", pw.LayoutError,
         r"pw.compile: jit='fast'; use True \(compiled\), False \(plain Python\), \"auto\" or "
         r"None", "Pass True, False, \"auto\" or None (then `PYWSE_JIT`, else auto).")
def compile_jit_unknown():
    pw.compile(idle_layout(), arch="wse3", memcpy=False, fabric_offsets=(0, 0), jit="fast")


@mistake("Layout and compile", "set_tile_code outside the rectangle", pw.LayoutError,
         r"set_tile_code\(2, 0\): outside the 2x1 rectangle",
         "x runs over 0..width-1 and y over 0..height-1 of `pw.Layout(width, height)`.")
def tile_outside_rectangle():
    pw.Layout(2, 1).set_tile_code(2, 0, idle)


@mistake("Layout and compile", "Code for one PE given twice", pw.LayoutError,
         r"set_tile_code\(0, 0\): this PE already has code; call set_tile_code once per PE",
         "Call `set_tile_code` once per PE.")
def tile_twice():
    layout = idle_layout(1, 1)
    layout.set_tile_code(0, 0, idle)


@mistake("Layout and compile", "A PE without code", pw.LayoutError,
         r"PE \(1, 0\) has no code: every PE of the 2x1 rectangle needs set_tile_code",
         "Give every PE of the rectangle a program (an empty one for idle PEs).")
def pe_without_code():
    layout = pw.Layout(2, 1)
    layout.set_tile_code(0, 0, idle)
    pw.compile(layout)


@mistake("Layout and compile", "A fabric too small for the kernel and memcpy", pw.LayoutError,
         r"fabric_dims 5,3 are too small for a 2x1 kernel with memcpy: need at least 9,3",
         "Give at least width + 7 columns and height + 2 rows (`--fabric-dims`), or leave "
         "`fabric_dims` out.")
def fabric_too_small():
    pw.compile(idle_layout(), fabric_dims=(5, 3))


@mistake("Layout and compile", "An unknown arch", pw.LayoutError,
         r"pw.compile: unknown arch 'wse4'; use 'wse2' or 'wse3'",
         "Use `arch='wse2'` or `arch='wse3'`.")
def unknown_arch():
    pw.compile(idle_layout(), arch="wse4")


@pw.program
def task_id_27(p, *, memcpy_params):
    p.memcpy(memcpy_params)

    @p.local_task(27)
    def work():
        pass


@mistake("Layout and compile", "A local task on an id memcpy reserves", pw.LayoutError,
         r"PE \(0, 0\): local task 'work' uses id 27, which is reserved by memcpy \(reserved "
         r"local ids: \[27, 28, 29, 30\]\); pick another id",
         "Pick an id memcpy does not use (27, 28 and 30 are memcpy's, 29 the system's).")
def reserved_task_id():
    compile_one(task_id_27, memcpy=True)


@mistake("Layout and compile", "layout.memcpy() called twice", pw.LayoutError,
         r"layout.memcpy\(\) is called twice; call it once and reuse its result",
         "Call it once and pass `memcpy.get_params(x)` to every PE.")
def memcpy_called_twice():
    layout = pw.Layout(1, 1)
    layout.memcpy()
    layout.memcpy()


@mistake("Layout and compile", "A memcpy stream on a reserved color", pw.LayoutError,
         r"layout.memcpy\(\): MEMCPYH2D_1=22 is reserved by memcpy \(colors \(21, 22, 23\)\); "
         "pick another color",
         "Give streams colors 0..20.")
def memcpy_stream_on_reserved_color():
    pw.Layout(1, 1).memcpy(MEMCPYH2D_1=22)


@mistake("Layout and compile", "A runtime on a directory that is not a compile output",
         pw.LayoutError,
         r"no_such_out is not a pywse compile output \(no out.json / layout.pkl\)",
         "Compile first (`pw.compile(..., out_dir=...)` or `pywse compile ... -o out`) and "
         "pass that directory.")
def not_a_compile_output():
    pw.SdkRuntime("no_such_out")


# -- routes ------------------------------------------------------------------------------------

@mistake("Routes", "A route off the fabric", pw.RoutingError,
         r"PE \(0, 0\) color 1: tx EAST leaves the 5x2 fabric; nothing is there to receive it",
         "Drop the direction from tx, or make the fabric larger.")
def route_off_fabric():
    layout = idle_layout(1, 1)
    layout.set_color_config(0, 0, 1, rx=[pw.RAMP], tx=[pw.EAST])
    pw.compile(layout, memcpy=False)


@mistake("Routes", "A tx into a PE that does not take it", pw.RoutingError,
         r"PE \(0, 0\) color 1: tx EAST points at PE \(1, 0\), which does not receive color 1 "
         "from WEST; add WEST to its rx",
         "Add the side to the neighbour's rx (or route it elsewhere).")
def tx_into_pe_not_receiving():
    layout = idle_layout()
    layout.set_color_config(0, 0, 1, rx=[pw.RAMP], tx=[pw.EAST])
    pw.compile(layout, memcpy=False)


@mistake("Routes", "An rx that nothing feeds", pw.RoutingError,
         r"PE \(1, 0\) color 1: rx WEST but PE \(0, 0\) sends nothing on color 1 toward it; "
         "add EAST to that PE's tx, or drop WEST from this rx",
         "Route the color from that neighbour toward this PE, or drop the side from rx.")
def rx_nothing_feeds():
    layout = idle_layout()
    layout.set_color_config(1, 0, 1, rx=[pw.WEST], tx=[pw.RAMP])
    pw.compile(layout, memcpy=False)


@mistake("Routes", "Two flows merging on one color", pw.RoutingError,
         r"PE \(1, 0\) color 1: flows from PE \(0, 0\), PE \(2, 0\) merge here without a "
         "switch; use separate colors or switches",
         "Give each flow its own color, or alternate them with switches.")
def flows_merge():
    layout = idle_layout(3)
    layout.set_color_config(0, 0, 1, rx=[pw.RAMP], tx=[pw.EAST])
    layout.set_color_config(2, 0, 1, rx=[pw.RAMP], tx=[pw.WEST])
    layout.set_color_config(1, 0, 1, rx=[pw.WEST, pw.EAST], tx=[pw.RAMP])
    pw.compile(layout, memcpy=False)


@mistake("Routes", "A route on a reserved color (21..23)", pw.RoutingError,
         r"PE \(0, 0\): color 21 is reserved by memcpy; user routes on it are not allowed",
         "Use colors 0..20 for your routes.")
def reserved_color_route():
    layout = idle_layout(1, 1)
    layout.set_color_config(0, 0, 21, rx=[pw.RAMP], tx=[pw.RAMP])
    pw.compile(layout)


@mistake("Routes", "A route on a memcpy stream color you named", pw.RoutingError,
         r"PE \(0, 0\): color 3 is memcpy's MEMCPYH2D_1 streaming color; user routes on it "
         "are not allowed",
         "Route your own flows on other colors; memcpy routes its stream colors itself.")
def named_stream_color_route():
    layout = idle_layout(1, 1)
    layout.memcpy(MEMCPYH2D_1=3)
    layout.set_color_config(0, 0, 3, rx=[pw.RAMP], tx=[pw.RAMP])
    pw.compile(layout)


@mistake("Routes", "A route on a memcpy stream color read from layout.memcpy()",
         pw.RoutingError,
         r"PE \(0, 0\): color 20 is memcpy's MEMCPYH2D_1 streaming color; user routes on it "
         "are not allowed",
         "`memcpy.MEMCPYH2D_1` is memcpy's color even if you did not pick it: route your own "
         "flows on other colors.")
def read_stream_color_route():
    layout = idle_layout(1, 1)
    memcpy = layout.memcpy()
    layout.set_color_config(0, 0, memcpy.MEMCPYH2D_1, rx=[pw.RAMP], tx=[pw.RAMP])
    pw.compile(layout)


@mistake("Routes", "A routing cycle", pw.RoutingError,
         r"color 4 routes in a cycle \(PE \(0, 0\) -> PE \(1, 0\) -> PE \(1, 1\) -> PE \(0, 1\)\);"
         " wavelets would circle forever",
         "Break the ring, or put switches on it.")
def routing_cycle():
    layout = idle_layout(2, 2)
    layout.set_color_config(0, 0, 4, rx=[pw.SOUTH], tx=[pw.EAST])
    layout.set_color_config(1, 0, 4, rx=[pw.WEST], tx=[pw.SOUTH])
    layout.set_color_config(1, 1, 4, rx=[pw.NORTH], tx=[pw.WEST])
    layout.set_color_config(0, 1, 4, rx=[pw.EAST], tx=[pw.NORTH])
    pw.compile(layout, memcpy=False)


@mistake("Routes", "Color swap on wse3", pw.RoutingError,
         r"PE \(0, 0\) color 2: color swap does not exist on wse3; route without it, or compile "
         "for wse2",
         "Route without color swap, or compile for wse2.")
def color_swap_wse3():
    layout = idle_layout(1, 1)
    layout.set_color_config(0, 0, 2, rx=[pw.RAMP], tx=[pw.RAMP], color_swap_x=True)
    pw.compile(layout, arch="wse3", memcpy=False)


@mistake("Routes", "One color configured twice on a PE", pw.RoutingError,
         r"set_color_config\(0, 0\): color 2 is configured twice; give all its rx and tx in one "
         "call",
         "Give all of a color's rx and tx in one `set_color_config` call.")
def color_configured_twice():
    layout = idle_layout(1, 1)
    layout.set_color_config(0, 0, 2, rx=[pw.RAMP], tx=[pw.EAST])
    layout.set_color_config(0, 0, 2, rx=[pw.RAMP], tx=[pw.RAMP])


@mistake("Routes", "A color routed by the layout and by the PE's program", pw.RoutingError,
         r"PE \(0, 0\) color 2 is routed twice: by the layout \(set_color_config\) and by its "
         r"program 'routes_itself' \(p.set_local_color_config\); route it in one place",
         "Route the color either in the layout or in the program "
         "(`p.set_local_color_config`, CSL's `@set_local_color_config`), not both.")
def routed_by_layout_and_program():
    @pw.program
    def routes_itself(p):
        p.set_local_color_config(2, rx=[pw.WEST], tx=[pw.RAMP])

    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, routes_itself)
    layout.set_color_config(0, 0, 2, rx=[pw.WEST], tx=[pw.RAMP])
    pw.compile(layout, arch="wse3", memcpy=False)


@mistake("Routes", "A direction that is not one", pw.RoutingError,
         r"set_color_config\(0, 0, color 2\) rx: 'UP' is not a direction \(use pw.RAMP, "
         "pw.NORTH",
         "Use `pw.RAMP`, `pw.NORTH`, `pw.SOUTH`, `pw.EAST` or `pw.WEST`.")
def not_a_direction():
    idle_layout(1, 1).set_color_config(0, 0, 2, rx=["UP"], tx=[pw.RAMP])


@mistake("Routes", "A color that is not one", pw.RoutingError,
         r"set_color_config\(0, 0\): 24 is not a color 0..23",
         "Colors are 0..23.")
def not_a_color():
    idle_layout(1, 1).set_color_config(0, 0, 24, rx=[pw.RAMP], tx=[pw.RAMP])


# -- route lints -------------------------------------------------------------------------------

@pw.program
def reads_6(p):
    @p.data_task(pw.Color(6))
    def got(v: pw.u32):
        pass


@mistake("Route lints", "A data task on a color no route delivers", pw.RoutingWarning,
         r"PE \(0, 0\) color 6: data task 'got' reads color 6, but this PE has no route for "
         r"it: it never gets a wavelet. Add set_color_config\(0, 0, 6, rx=\[...\], tx=\[RAMP\]\)",
         "Route the color to the PE's CE (`tx=[pw.RAMP]`) from where it comes.")
def data_task_unrouted_color():
    compile_one(reads_6)


@pw.program
def sends_1(p):
    out = pw.fabout(pw.Color(1), extent=1)

    @p.on_start
    @p.local_task(8)
    def send():
        pw.mov32(out, 1)


@mistake("Route lints", "A tx leaving the kernel with wavelets on it", pw.RoutingWarning,
         r"PE \(0, 0\) color 1: tx EAST leaves the kernel, where nothing receives color 1: "
         "wavelets sent there are lost",
         "Route them to a PE that reads them, or drop the direction from tx.")
def tx_leaves_kernel():
    layout = idle_layout(1, 1, sends_1)
    layout.set_color_config(0, 0, 1, rx=[pw.RAMP], tx=[pw.EAST])
    pw.compile(layout)


@mistake("Route lints", "A route to a CE that never reads the color", pw.RoutingWarning,
         r"PE \(1, 0\) color 4: the route delivers to the CE \(tx RAMP\), but no input queue, "
         "data task or fabin DSD of this PE reads color 4",
         "Bind the color in the PE's program (a data task, `p.input_queue`, `pw.fabin`), or "
         "drop RAMP from tx.")
def ramp_to_a_ce_that_does_not_read():
    layout = idle_layout()
    layout.set_color_config(0, 0, 4, rx=[pw.RAMP], tx=[pw.EAST])
    layout.set_color_config(1, 0, 4, rx=[pw.WEST], tx=[pw.RAMP])
    pw.compile(layout, memcpy=False)


@mistake("Route lints", "Any lint under strict=True", pw.RoutingError,
         r"the routes lose or starve wavelets \(strict=True\):\n  PE \(0, 0\) color 6: data "
         "task 'got' reads color 6",
         "Fix the routes the lint names (or compile without `strict=True` to get warnings).")
def lint_under_strict():
    layout = idle_layout(1, 1, reads_6)
    pw.compile(layout, strict=True)


# -- SdkLayout ---------------------------------------------------------------------------------

@pw.program
def cell(p, *, value: int):
    p.var("out", pw.i32, 1, export=True)


def sdk_layout(dims=None) -> SdkLayout:
    return SdkLayout(get_platform(None, SimfabConfig(dump_core=True, fabric_dims=dims),
                                  SdkTarget.WSE3))


def relay_region(layout, name, x, y, size=4):
    """A relay region at (x, y): (input port on its left, output port on its right)."""
    r = layout.create_code_region(relay, name, 1, 1)
    rx, tx = r.color("rx"), r.color("tx")
    r.set_param_all("size", size)
    r.set_param_all(rx)
    r.set_param_all(tx)
    ports = (r.create_input_port(rx, Edge.LEFT, [RoutingPosition().set_output([Route.RAMP])],
                                 size),
             r.create_output_port(tx, Edge.RIGHT, [RoutingPosition().set_input([Route.RAMP])],
                                  size))
    r.place(x, y)
    return ports


@mistake("SdkLayout", "A region placed twice", pw.LayoutError,
         r"region 'a' is placed twice \(at \(1, 1\)",
         "Place each region once.")
def region_placed_twice():
    a = sdk_layout().create_code_region(cell, "a", 3, 3)
    a.place(1, 1)
    a.place(5, 5)


@mistake("SdkLayout", "Overlapping regions", pw.LayoutError,
         r"region 'b' placed at \(3, 3\) overlaps region 'a'",
         "Place regions apart.")
def regions_overlap():
    layout = sdk_layout()
    layout.create_code_region(cell, "a", 3, 3).place(1, 1)
    layout.create_code_region(cell, "b", 2, 2).place(3, 3)


@mistake("SdkLayout", "A region off the fabric", pw.LayoutError,
         r"region 'b' \(2x2\) placed at \(19, 0\) does not fit on the 20x10 fabric",
         "Place it inside the fabric, or make the fabric larger (`fabric_dims`).")
def region_off_fabric():
    sdk_layout((20, 10)).create_code_region(cell, "b", 2, 2).place(19, 0)


@mistake("SdkLayout", "A region PE without a value for a param", pw.LayoutError,
         r"region 'gv': PE \(0, 0\) \(local\) has no value for param value",
         "Give the param to every PE (`set_param_all`, `set_param_range`, `set_param`).")
def region_param_missing():
    layout = sdk_layout()
    layout.create_code_region(cell, "gv", 1, 1)
    layout.compile(out_prefix=None)


@mistake("SdkLayout", "set_symbol_all with the wrong number of values", pw.LayoutError,
         r"region 'm': set_symbol\('out'\) gives PE \(0, 0\) 3 values; its 'out' holds 1: "
         "give each PE exactly that many",
         "Give as many values per PE as the symbol holds.")
def set_symbol_wrong_size():
    layout = sdk_layout()
    r = layout.create_code_region(cell, "m", 1, 1)
    r.set_param_all("value", 0)
    r.set_symbol_all("out", np.zeros(3, np.int32))
    layout.compile(out_prefix=None)


@mistake("SdkLayout", "Connecting ports of different sizes", pw.LayoutError,
         r"connect\(a.tx, b.rx\): sizes differ \(4 vs 5 wavelets\)",
         "Connect ports that carry the same number of wavelets.")
def connect_sizes_differ():
    layout = sdk_layout()
    _, a_out = relay_region(layout, "a", 1, 1, size=4)
    b_in, _ = relay_region(layout, "b", 5, 1, size=5)
    layout.connect(a_out, b_in)


@mistake("SdkLayout", "Connecting two output ports", pw.LayoutError,
         r"connect\(a.tx, b.tx\): connect an output port to an input port",
         "`connect(output_port, input_port)`, in that order.")
def connect_output_to_output():
    layout = sdk_layout()
    _, a_out = relay_region(layout, "a", 1, 1)
    _, b_out = relay_region(layout, "b", 5, 1)
    layout.connect(a_out, b_out)


@mistake("SdkLayout", "A connection no path can take", pw.RoutingError,
         r"no path from .* regions 'wall' block the way",
         "Move the regions so a path of free PEs joins the ports.")
def connect_without_a_path():
    layout = sdk_layout((12, 5))
    _, a_out = relay_region(layout, "a", 1, 2)
    b_in, _ = relay_region(layout, "b", 8, 2)
    wall = layout.create_code_region(cell, "wall", 1, 5)
    wall.set_param_all("value", 0)
    wall.place(5, 0)
    layout.connect(a_out, b_in)
    layout.compile(out_prefix=None)


@mistake("SdkLayout", "A port on the edge that faces away from its peer", pw.RoutingError,
         r"connect\(a.tx, b.rx\): no path from port a.tx's PE \(0, 0\) to port b.rx's PE "
         r"\(0, 0\): port a.tx is on the LEFT edge of region 'a', which faces away from b.rx "
         r"\(that lies to the EAST\).* Put the port on the RIGHT edge",
         "Put the port on the edge that faces its peer (or leave room around its region).")
def port_facing_away():
    layout = sdk_layout((12, 5))
    a = layout.create_code_region(relay, "a", 1, 5)      # the fabric's full height
    a.set_param_all("size", 4)
    a.set_param_all(a.color("rx"))
    a.set_param_all(a.color("tx"))
    out = a.create_output_port(a.color("tx"), Edge.LEFT,
                               [RoutingPosition().set_input([Route.RAMP])], 4)
    a.place(2, 0)
    b = layout.create_code_region(relay, "b", 1, 5)
    b.set_param_all("size", 4)
    b.set_param_all(b.color("rx"))
    b.set_param_all(b.color("tx"))
    into = b.create_input_port(b.color("rx"), Edge.LEFT,
                               [RoutingPosition().set_output([Route.RAMP])], 4)
    b.place(8, 0)
    layout.connect(out, into)
    layout.compile(out_prefix=None)


@pw.program
def sends_c(p, *, c: pw.Color):
    out = pw.fabout(c, extent=1, queue=p.output_queue(2, c))

    @p.on_start
    @p.local_task(8)
    def send():
        pw.mov32(out, 1)


@mistake("SdkLayout", "A painted route into a PE that does not take it", pw.RoutingError,
         r"region 'a' PE \(0, 0\), Color\('c'\) \(color 0\): output Route.EAST points at "
         r"region 'a' PE \(1, 0\), which does not receive Color\('c'\) \(color 0\) from "
         r"Route.WEST; add Route.WEST to its input \(paint it there\)\n  its route was made "
         r"here, by paint_all of Color\('c'\) on region 'a':",
         "Paint the neighbour to take the color from that side (`get_edge_routing` gives the "
         "PEs along an edge their own positions), or drop the side from the output.")
def paint_into_a_pe_that_does_not_take_it():
    layout = sdk_layout()
    r = layout.create_code_region(sends_c, "a", 2, 1)
    c = Color("c")
    r.set_param_all(c)
    r.paint_all(c, [RoutingPosition().set_input([Route.RAMP]).set_output([Route.EAST])])
    r.place(2, 2)
    layout.compile(out_prefix=None)


@pw.program
def reads_rx(p, *, rx: pw.Color):
    @p.data_task(p.input_queue(3, rx))
    def got(v: pw.u32):
        pass


@mistake("SdkLayout", "A data task on a color nothing routes to its region", pw.RoutingWarning,
         r"region 'b' PE \(0, 0\), b.color\('rx'\) \(color 0\): data task 'got' reads "
         r"b.color\('rx'\) \(color 0\), but this PE has no route for it: it never gets a "
         r"wavelet. Paint it on region 'b': paint\(IntVector\(0, 0\), b.color\('rx'\), "
         r"\[RoutingPosition\(\).set_input\(\[...\]\).set_output\(\[Route.RAMP\]\)\]\), or give "
         "the region an input port on it",
         "Paint the color to the PE's CE, or give the region an input port on it and connect "
         "it (the warning points at the `set_param` that gave the PE the color).")
def sdk_data_task_unrouted():
    layout = sdk_layout()
    r = layout.create_code_region(reads_rx, "b", 1, 1)
    r.set_param_all(r.color("rx"))
    r.place(2, 2)
    layout.compile(out_prefix=None)


@mistake("SdkLayout", "Sending a 16-bit array on a host stream", pw.MemcpyError,
         r"send: the host array must be a numpy array of 4-byte elements",
         "Send 32-bit words (`pywse.sdk_utils.input_array_to_u32` packs 16-bit data).")
def send_a_16bit_array():
    rt, stream, _ = relay_streams()
    rt.send(stream, np.zeros(4, np.uint16))


def relay_streams():
    """A running relay region with an input and an output stream: (runtime, in, out)."""
    layout = sdk_layout()
    a_in, a_out = relay_region(layout, "a", 2, 2)
    source, sink = layout.create_input_stream(a_in), layout.create_output_stream(a_out)
    rt = pw.SdkRuntime(layout.compile(out_prefix=None), layout.platform,
                       memcpy_required=False, jit=False)
    rt.load()
    rt.run()
    return rt, source, sink


@mistake("SdkLayout", "Receiving more words than the array holds", pw.MemcpyError,
         r"receive: cannot receive 5 words into an array of 4; give 1 <= n <= the array's size",
         "Receive into an array of at least `n` elements.")
def receive_into_a_small_array():
    rt, _, sink = relay_streams()
    rt.receive(sink, np.zeros(4, np.uint32), 5)


@mistake("SdkLayout", "A nonblocking send of more words than this machine can hold",
         pw.ResourceError,
         r"send: a nonblocking send keeps its own copy of the words until the fabric has taken "
         r"them: 1,099,511,627,776 words \(4096\.0 GiB\), and this machine has 16\.0 GiB "
         "available",
         "Send it blocking (`nonblock=False` reads your array in place, a ring of words at a "
         "time), in smaller pieces one after another, or preload the values "
         "(`set_symbol_all`). pywse checks before it copies anything.")
def nonblocking_send_beyond_memory():
    rt, source, _ = relay_streams()
    with machine_memory(16 << 30):                 # as if this machine had 16 GiB free
        rt.send(source, np.broadcast_to(np.float32(1.0), (1 << 40,)), nonblock=True)


# -- host commands -----------------------------------------------------------------------------

@mistake("Host commands", "A symbol that is not exported", pw.MemcpyError,
         r"get_id: symbol 'hidden' is not exported; declare it with p.var\(..., export=True\)",
         "Declare it with `export=True`.")
def symbol_not_exported():
    runtime().get_id("hidden")


@mistake("Host commands", "A symbol no PE has", pw.MemcpyError,
         r"get_id: no PE exports a symbol 'w64' \(exported: nums, w16, w32\)",
         "Use one of the exported names the message lists.")
def symbol_unknown():
    runtime().get_id("w64")


@mistake("Host commands", "A host array of the wrong size", pw.MemcpyError,
         r"memcpy_h2d: host array has 5 elements; the region needs w\*h\*elem_per_pe = 8",
         "Make the array w * h * elem_per_pe long.")
def host_array_wrong_size():
    r = runtime()
    r.memcpy_h2d(r.get_id("w32"), np.zeros(5, np.uint32), 0, 0, 2, 1, 4)


@mistake("Host commands", "A host array of the wrong dtype", pw.MemcpyError,
         r"memcpy_h2d: host array has dtype float64; memcpy needs 4-byte elements",
         "Use float32, int32 or uint32 arrays (16-bit data: one uint32 per value).")
def host_array_wrong_dtype():
    r = runtime()
    r.memcpy_h2d(r.get_id("w32"), np.zeros(8), 0, 0, 2, 1, 4)


@mistake("Host commands", "A rectangle outside the kernel", pw.MemcpyError,
         r"memcpy_h2d: region x=1..2, y=0..0 is outside the 2x1 kernel \(coordinates are "
         r"relative to the kernel's north-west PE\)",
         "Keep px + w <= width and py + h <= height, in kernel coordinates.")
def region_outside_kernel():
    r = runtime()
    r.memcpy_h2d(r.get_id("w32"), np.zeros(8, np.uint32), 1, 0, 2, 1, 4)


@mistake("Host commands", "elem_per_pe larger than the symbol", pw.MemcpyError,
         r"memcpy_h2d: symbol 'w32' on PE \(0, 0\) \[program host_prog\] holds 4 elements; 5 "
         "per PE requested",
         "Copy at most as many elements per PE as the symbol holds.")
def elems_per_pe_too_large():
    r = runtime()
    r.memcpy_h2d(r.get_id("w32"), np.zeros(10, np.uint32), 0, 0, 2, 1, 5)


@mistake("Host commands", "A data_type that does not match the symbol", pw.MemcpyError,
         r"memcpy_d2h: symbol 'w16' on PE \(0, 0\) \[program host_prog\] has 16-bit elements; "
         r"use data_type=MemcpyDataType.MEMCPY_16BIT",
         "Pass the `data_type` the message names.")
def data_type_mismatch():
    r = runtime()
    r.memcpy_d2h(np.zeros(4, np.uint32), r.get_id("w16"), 0, 0, 1, 1, 4)


@mistake("Host commands", "16-bit copy-mode data that does not fit 16 bits", pw.MemcpyWarning,
         r"memcpy_h2d: 1 of 4 value\(s\) for 16-bit symbol 'w16' do not fit 16 bits \(the "
         r"first: 70000, element 1 of PE \(0, 0\)\); MEMCPY_16BIT stores the low half",
         "Send values below 2**16 (signed: -2**15 and up in an int32 array); "
         "`pywse.sdk_utils.input_array_to_u32` packs 16-bit data. Streaming mode sends whole "
         "words and never warns.")
def copy16_value_too_big():
    r = runtime()
    r.memcpy_h2d(r.get_id("w16"), np.array([1, 70000, 3, 4], np.uint32), 0, 0, 1, 1, 4,
                 data_type=DT.MEMCPY_16BIT)


@mistake("Host commands", "Streaming on a color that is not a memcpy stream", pw.MemcpyError,
         r"memcpy_h2d\(streaming=True\): color 5 is not a memcpy H2D stream color; those are "
         "MEMCPYH2D_1=20",
         "Stream on a `MEMCPYH2D_n` / `MEMCPYD2H_n` color (choose them with "
         "`layout.memcpy(MEMCPYH2D_1=...)`).")
def streaming_on_a_non_stream_color():
    runtime().memcpy_h2d(5, np.zeros(4, np.uint32), 0, 0, 1, 1, 4, streaming=True)


@mistake("Host commands", "Stream buffers that do not fit in this machine's memory",
         pw.ResourceError,
         r"memcpy_h2d: streaming 1,000,000 words to or from each of 2 PE\(s\) keeps up to "
         r"131,072 words per PE in flight: 1\.0 MiB of stream buffers, and this machine has "
         r"0\.5 MiB available",
         "Stream to fewer PEs per call, move the data in copy mode or preload it, or free "
         "memory (pywse checks before it allocates the buffers).")
def stream_buffers_beyond_memory():
    r = runtime()
    color = host_artifacts().layout.memcpy_info.colors["MEMCPYH2D_1"]
    with machine_memory(512 << 10):                 # as if this machine had 512 KiB free
        r.memcpy_h2d(color, np.zeros(2_000_000, np.uint32), 0, 0, 2, 1, 1_000_000,
                     streaming=True)


@mistake("Host commands", "Launching a task that is not exported", pw.MemcpyError,
         r"launch\('helper'\): PE \(0, 0\) \[program host_prog\]: 'helper' is a local task, not "
         r"an exported function; decorate it with @p.export instead",
         "Decorate the function with `@p.export` on every PE.")
def launch_a_local_task():
    runtime().launch("helper")


@mistake("Host commands", "Launching a function no PE exports", pw.MemcpyError,
         r"launch\('run'\): PE \(0, 0\) \[program host_prog\] exports no function 'run' "
         r"\(exports: go, scale, divide, forget, start_spin\); every PE must export it",
         "Launch an exported name; give idle PEs a stub that calls `sys.unblock_cmd_stream()`.")
def launch_unknown_function():
    runtime().launch("run")


@mistake("Host commands", "Launching with the wrong number of arguments", pw.MemcpyError,
         r"launch\('scale'\): 'scale\(u16\)' takes 1 argument\(s\), got 0",
         "Pass one argument per parameter.")
def launch_argument_count():
    runtime().launch("scale")


@mistake("Host commands", "A launch argument that does not fit its type", pw.MemcpyError,
         r"launch\('scale'\): argument 1 of 'scale' must be a scalar that fits u16, got 70000",
         "Pass a value of the parameter's type and range.")
def launch_argument_does_not_fit():
    runtime().launch("scale", 70000)


@mistake("Host commands", "read_symbol with kernel coordinates", pw.MemcpyError,
         r"read_symbol\(0, 0\): not a kernel PE; read_symbol takes fabric coordinates, and the "
         r"kernel spans x=4..5, y=1..1",
         "Add the fabric offsets to kernel coordinates.")
def read_symbol_kernel_coordinates():
    runtime().read_symbol(0, 0, "w32")


@mistake("Host commands", "A command before load() and run()", pw.MemcpyError,
         r"memcpy_h2d: call load\(\) and run\(\) first",
         "Call `runner.load()` and `runner.run()` first.")
def command_before_load():
    r = pw.SdkRuntime(host_artifacts(), jit=False)
    r.memcpy_h2d(0, np.zeros(4, np.uint32), 0, 0, 1, 1, 4)


@mistake("Host commands", "run() before load()", pw.MemcpyError,
         r"SdkRuntime.run\(\): call load\(\) first",
         "Call `runner.load()` first.")
def run_before_load():
    pw.SdkRuntime(host_artifacts(), jit=False).run()


@mistake("Host commands", "A command after stop()", pw.MemcpyError,
         r"launch: the runtime is stopped; issue host commands before stop\(\)",
         "Issue every command before `stop()`; `read_symbol` still reads memory after it.")
def command_after_stop():
    r = runtime()
    r.stop()
    r.launch("go")


@mistake("Host commands", "A runtime for a program compiled without memcpy", pw.MemcpyError,
         r"SdkRuntime: the program was compiled with memcpy=False; pass memcpy_required=False",
         "Pass `memcpy_required=False` (SdkLayout programs talk through streams).")
def runtime_without_memcpy():
    pw.SdkRuntime(pw.compile(idle_layout(1, 1), memcpy=False))


@mistake("Host commands", "A misspelled SdkRuntime keyword", pw.MemcpyError,
         r"SdkRuntime: unknown keyword max_cycle=1000 \(did you mean max_cycles=\?\); its "
         r"keywords are bindir, platform, cmaddr, memcpy_required, jit, max_cycles, .*and the "
         r"SDK's suppress_simfab_trace, msg_level, simulator, which pywse accepts and ignores",
         "Spell it as listed; the SDK's `suppress_simfab_trace`, `msg_level` and `simulator` "
         "are accepted and do nothing here.")
def misspelled_runtime_keyword():
    pw.SdkRuntime(host_artifacts(), jit=False, max_cycle=1000)


# -- task bodies (checked by pw.compile, before anything runs) ----------------------------------

@pw.program
def stamps(p):
    stamp = p.var("stamp", pw.u16, 3)

    @p.on_start
    @p.local_task(10)
    def tick():
        pw.get_timestamp(stamp)


@mistake("Task bodies", "A library function called as a builtin", pw.TaskError,
         r"task 'tick' \(line \d+\): pw.get_timestamp is no CSL builtin: CSL has "
         r"`get_timestamp` in the `<time>` library; import it in the program body, "
         r"`m = p.import_module\('<time>'\)`, and call `m.get_timestamp\(...\)`",
         "CSL's libraries are imported modules, not builtins: import the library in the "
         "program body and call its functions from the task (docs/libraries.md).")
def library_function_as_builtin():
    compile_one(stamps)


@pw.program
def maps(p):
    a = p.var("a", pw.u32, 4)

    @p.on_start
    @p.local_task(10)
    def step():
        a[0] = pw.get_xdsr(1)


@mistake("Task bodies", "A CSL builtin pywse does not support yet", pw.TaskError,
         r"task 'step' \(line \d+\): `@get_xdsr` is not supported yet",
         "Do without it (docs/semantics.md says why it is not modelled) until `@get_xdsr` is "
         "supported.")
def builtin_not_yet():
    compile_one(maps)


@pw.program
def misspelt(p):
    a = p.var("a", pw.f32, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def step():
        pw.fads(d, d, d)


@mistake("Task bodies", "A misspelt builtin", pw.TaskError,
         r"pywse has no pw.fads \(did you mean pw.fadds\?\)",
         "Use the name suggested; docs/builtins.md lists every builtin.")
def builtin_misspelt():
    compile_one(misspelt)


@pw.program
def reads_no_param(p, *, size: int):
    a = p.var("a", pw.f32, size)

    @p.on_start
    @p.local_task(10)
    def step():
        a[0] = n_iter


@mistake("Task bodies", "A task body reading a param the program does not have", pw.TaskError,
         r"name 'n_iter' is not defined \(program 'reads_no_param' has params: size\)",
         "Add the param to the program's signature (and pass it), or use one it has.")
def task_reads_missing_param():
    compile_one(reads_no_param, size=4)


@pw.program
def drops_result(p):
    a = p.var("a", pw.f32, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def step():
        pw.set_dsd_length(d, 2)


@mistake("Task bodies", "A DSD builtin's result dropped", pw.TaskError,
         r"the result of pw.set_dsd_length is dropped: it returns a new DSD and leaves its "
         r"argument as it was",
         "Assign it: `d = pw.set_dsd_length(d, n)` (a mutable DSD that other tasks see: "
         "`p.dsd_var` and `nonlocal d`).")
def dsd_result_dropped():
    compile_one(drops_result)


@pw.program
def picks_ut(p):
    a = p.var("a", pw.f32, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def step():
        pw.fmovs(d, 1.0, priority=1)


@mistake("Task bodies", "An op option pywse does not support yet", pw.TaskError,
         r"`.priority` is not supported yet \(pw.fmovs\(..., priority=...\)\)",
         "Leave it out: pywse runs microthreads without priorities.")
def option_not_yet():
    compile_one(picks_ut)


@pw.program
def same_ut(p):
    a = p.var("a", pw.u32, 4)
    d = pw.mem1d(a)
    out, inp = pw.fabout(pw.Color(1), extent=4), pw.fabin(pw.Color(2), extent=4)
    ut = pw.get_ut_id(5)

    @p.on_start
    @p.local_task(10)
    def step():
        pw.mov32(out, d, async_=True, ut_id=ut)
        pw.mov32(d, inp, async_=True, ut_id=ut)


@mistake("Task bodies", "Two async ops of one task body on one microthread", pw.TaskError,
         r"pw.mov32 \(line \d+, ut_id=ut\) and pw.mov32 \(this line, ut_id=ut\) would run on "
         r"microthread 5 at once",
         "Give one of them another `ut_id=pw.get_ut_id(n)` (or another queue), or start the "
         "second from a task the first one's `activate=` runs.")
def same_ut_in_one_task():
    compile_one(same_ut)


@pw.program
def ut_on_wse2(p):
    pw.get_ut_id(4)


@mistake("The program", "A microthread id on wse2", pw.ProgramError,
         r"pw.get_ut_id\(4\): wse2 has no microthread ids",
         "Leave `ut_id=` out on wse2: an async op runs on its fabric operand's queue's "
         "microthread, so pick that queue instead.")
def get_ut_id_on_wse2():
    compile_one(ut_on_wse2, arch="wse2")


@pw.program
def captures_none_plain(p):
    out = None

    @p.on_start
    @p.local_task(10)
    def step():
        pw.mov32(out, 1)


@mistake("Task bodies", "A task capturing None", pw.TaskError,
         r"'out' is None here, which a task body cannot use: build the DSD \(or value\) in the "
         r"program body, or keep the name out of this task",
         "Build the DSD in the program body for every PE that runs the task, or give PEs of "
         "another role their own task.")
def task_captures_none():
    compile_one(captures_none_plain)


@pw.program
def is_on_a_local(p):
    a = p.var("a", pw.u32, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def step():
        x = d
        if x is d:
            a[0] = 1


@mistake("Task bodies", "`is` on anything but a captured value and None", pw.TaskError,
         r"`is` / `is not` test whether a captured value is None \(a comptime `if`\)",
         "Test a name the program body gave the task against None (`if relay is not None:`); "
         "compare numbers with `==`.")
def is_not_a_comptime_test():
    compile_one(is_on_a_local)


@pw.program
def ptr_outside(p):
    result = p.var("result", pw.i16, 2)

    @p.on_start
    @p.local_task(10)
    def step():
        q = pw.ptr(result, 2)
        q[0] = 1


@mistake("Task bodies", "A pointer to an element outside its array", pw.TaskError,
         r"pw.ptr: element 2 is outside 'result' \(2 element\(s\), index 0..1\)",
         "Point at an element inside the array (`pw.ptr(arr, i)` with 0 <= i < its size; a "
         "multi-dimensional var takes the flat index).")
def pointer_outside_its_array():
    compile_one(ptr_outside)


@pw.program
def captures_queue(p):
    iq = p.input_queue(2, pw.Color(1))
    a = p.var("a", pw.u32, 4)

    @p.on_start
    @p.local_task(10)
    def step():
        pw.mov32(pw.mem1d(a), iq)


@mistake("Task bodies", "A queue as a DSD operand", pw.TaskError,
         r"operand 2 of pw.mov32 is input queue 2: queues are comptime; give it to a fabric "
         r"DSD in the program body \(pw.fabin\(color, extent, queue=iq\)\) and use the DSD",
         "Make the fabric DSD in the program body with `queue=iq` and use the DSD in the task.")
def task_captures_queue():
    compile_one(captures_queue)


@pw.program
def list_operand(p):
    a = p.var("a", pw.f32, 2)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def step():
        pw.fadds(d, [1.0, 2.0], d)


@mistake("Task bodies", "A builtin given a Python list", pw.TaskError,
         r"a list is not a CSL value: keep data in a p.var array",
         "Put the values in a `p.var`/`p.const` array and pass `pw.mem1d(...)` of it.")
def builtin_given_a_list():
    compile_one(list_operand)


@pw.program
def wrong_form(p):
    a = p.var("a", pw.f32, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def step():
        pw.fmacs(d, d, d, d)


@mistake("Task bodies", "An operand form CSL does not have", pw.TaskError,
         r"pw.fmacs takes \(D, D, D, s\), got \(D, D, D, D\) \[D: a DSD, s: a scalar",
         "Give each operand the kind the form asks for (`fmacs`'s last operand is a scalar).")
def operand_form():
    compile_one(wrong_form)


@pw.program
def wrong_width(p):
    h = p.var("h", pw.i16, 4)
    dh = pw.mem1d(h)

    @p.on_start
    @p.local_task(10)
    def step():
        pw.fadds(dh, dh, dh)


@mistake("Task bodies", "A 32-bit op over 16-bit data", pw.TaskError,
         r"pw.fadds works on 32-bit elements; operand 1 of pw.fadds holds i16 \(16-bit\)",
         "Use the op of the data's width (`faddh`, `add16`, `mov16` for 16-bit elements).")
def op_width():
    compile_one(wrong_width)


@pw.program
def activates_dsd(p):
    a = p.var("a", pw.f32, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def step():
        pw.fmovs(d, 1.0, async_=True, activate=d)


@mistake("Task bodies", "An op's activate= naming something that is not a task", pw.TaskError,
         r"pw.fmovs: activate= needs a task, got d \(a memory DSD\)",
         "Name a local task: `activate=next_step`.")
def activate_not_a_task():
    compile_one(activates_dsd)


@pw.program
def constant_index(p):
    a = p.var("a", pw.f32, 4)

    @p.on_start
    @p.local_task(10)
    def step():
        a[-1] = 1.0


@mistake("Task bodies", "A negative index", pw.TaskError,
         r"index -1 is negative: CSL has no negative indices \(Python's would wrap around\); "
         r"'a' has 4 element\(s\), index 0..3",
         "Index from 0: the last element is `a[3]` (or `a[n - 1]`).")
def negative_index():
    compile_one(constant_index)


def _counter(x):
    return {"k": x}


@pw.program
def helper_with_dict(p):
    a = p.var("a", pw.f32, 1)

    @p.on_start
    @p.local_task(10)
    def step():
        _counter(1)


@mistake("Task bodies", "A helper that neither CSL nor numba can run", pw.TaskError,
         r"helper '_counter' \(called by task 'step'\) \(line \d+\): a dict is not a CSL "
         r"value: keep data in p.var arrays",
         "Keep helpers to what task bodies do: numbers, arrays, DSDs and the builtins.")
def helper_not_compilable():
    compile_one(helper_with_dict)


@pw.program
def many_mistakes(p):
    a = p.var("a", pw.f32, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def step():
        a[0] == 1.0
        x = 1
        x = d
        print(f"{a[0]}")


@mistake("Task bodies", "Several mistakes in one program", pw.TaskError,
         r"3 mistakes in task bodies:\n1. task 'step' \(line \d+\): this expression's value "
         r"is dropped(.|\n)*2. task 'step' \(line \d+\): 'x' held an untyped number and now "
         r"a memory DSD(.|\n)*3. task 'step' \(line \d+\): f-strings are not supported",
         "Fix each quoted line; pw.compile reports every mistake of a compile at once.")
def several_mistakes():
    compile_one(many_mistakes)


@pw.program
def typed_ops_runtime_config(p):
    ops = p.import_module("<dsd_ops>")
    a = p.var("a", pw.f32, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def step():
        late = a[0] > 0.0
        ops.mov(pw.f32, d, d, async_=late)


@mistake("Task bodies", "A <dsd_ops> config option given a run-time value", pw.TaskError,
         r"task 'step' \(line \d+\): <dsd_ops>.mov: `async_=` is a comptime-only field given "
         r"a run-time value \(late\)",
         "CSL's <dsd_ops> wrappers take their config at comptime: pass a literal, a task or a "
         "captured value, or call the builtin (pw.fmovs, ...) directly.")
def dsd_ops_runtime_config():
    compile_one(typed_ops_runtime_config)


@pw.program
def typed_ops_no_form(p):
    ops = p.import_module("<dsd_ops>")
    a = p.var("a", pw.i16, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def step():
        ops.mul(pw.i16, d, d, d)


@mistake("Task bodies", "A <dsd_ops> wrapper given element types it has no builtin for",
         pw.TaskError,
         r"task 'step' \(line \d+\): <dsd_ops>.mul has no form for element type\(s\) \(i16\); "
         r"it takes \(f16\), \(f32\)",
         "Use the element types the SDK lists for that wrapper (docs/libraries.md, <dsd_ops>).")
def dsd_ops_no_form():
    compile_one(typed_ops_no_form)


@pw.program
def arena_f16(p):
    mem = p.import_module("<malloc>", buffer_num_words=16)

    @p.on_start
    @p.local_task(10)
    def step():
        mem.malloc(pw.f16, 4)


@mistake("Task bodies", "<malloc>'s generic malloc given pw.f16", pw.TaskError,
         r"<malloc>.malloc\(pw.f16, n\): task bodies cannot pass pw.f16 as a value \(compiled "
         r"code has no float16\); call malloc_f16\(n\)",
         "Call malloc_f16(n) (and has_enough_words(n) for has_enough_space(pw.f16, n)).")
def malloc_generic_f16():
    compile_one(arena_f16)


# -- running -----------------------------------------------------------------------------------

@mistake("Running", "An exception inside a task body", pw.TaskError,
         r"PE \(0, 0\) task 'divide': ZeroDivisionError: integer division by zero\n.*line \d+, "
         r"in divide\n    nums\[0\] = nums\[1\] // nums\[2\]",
         "Fix the quoted line (compiled or not, the error names the statement that failed).")
def task_raises():
    runtime().launch("divide")


@pw.program
def walker(p):
    a = p.var("a", pw.u32, 4)
    d = p.dsd_var(pw.mem1d(a, extent=2))

    @p.on_start
    @p.local_task(8)
    def step():
        nonlocal d
        pw.mov32(d, 7)
        d = pw.increment_dsd_offset(d, 2, pw.u32)
        pw.activate(step)


@pw.program
def queue_clash(p):
    a = p.var("a", pw.u32, 4)
    d = pw.mem1d(a)
    inp = pw.fabin(pw.Color(2), extent=4, queue=p.input_queue(3, pw.Color(2)))
    out = pw.fabout(pw.Color(1), extent=4, queue=p.output_queue(3, pw.Color(1)))

    @p.local_task(11)
    def send():
        pw.mov32(out, d, async_=True)

    @p.on_start
    @p.local_task(10)
    def receive():
        pw.mov32(d, inp, async_=True)
        pw.activate(send)


@pw.program
def small_arena(p):
    mem = p.import_module("<malloc>", buffer_num_words=16)
    out = p.var("out", pw.f32, 1)

    @p.on_start
    @p.local_task(10)
    def fill():
        a = mem.malloc_f32(6)
        b = mem.malloc_f32(4)
        out[0] = a[0] + b[0]


@mistake("Running", "A <malloc> arena that runs out", pw.TaskError,
         r"PE \(0, 0\) task 'fill': ValueError: <malloc>: the arena is out of space \(the "
         r"allocation does not fit in buffer_num_words\)",
         "Import <malloc> with a larger buffer_num_words, check has_enough_space(T, n) before "
         "allocating, or free() what is no longer needed.")
def malloc_out_of_space():
    Harness(small_arena, jit=False).run_until_idle(max_cycles=1000)


@mistake("Running", "Two async ops on one microthread at run time", pw.TaskError,
         r"PE \(0, 0\) task 'send': two async ops on microthread 3 at once: mov32 \(input "
         r"queue 3\) still runs there when this mov32 \(output queue 3\) starts",
         "Input and output queue q share microthread q: bind another queue id, give one op "
         "`ut_id=pw.get_ut_id(n)` (wse3), or start the second op from the first one's "
         "completion task.")
def microthread_clash_at_run_time():
    Harness(queue_clash, jit=False).run_until_idle(max_cycles=1000)


@mistake("Running", "A DSD that runs off its array at run time", pw.TaskError,
         r"PE \(0, 0\) task 'step': the destination of this op is a DSD over 'a' \(4 "
         r"element\(s\), index 0..3\) that reaches element 5: .*\n.*in step\n    "
         r"pw.mov32\(d, 7\)",
         "Keep a moved DSD inside its array (check offsets before `increment_dsd_offset` / "
         "`set_dsd_base_addr`).")
def dsd_runs_off_its_array():
    Harness(walker, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def uses_dict(p):
    a = p.var("a", pw.u32, 1)
    table = {"k": 1}

    @p.on_start
    @p.local_task(8)
    def work():
        a[0] = table["k"]


@mistake("Task bodies", "A task body using a Python object", pw.TaskError,
         r"'table' \(dict\) is a Python object a task body cannot capture: use p.var/p.const "
         "for arrays",
         "Put arrays in `p.var` / `p.const`; capture numbers, colors, DSDs and tasks only.")
def task_captures_a_dict():
    Harness(uses_dict, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def runtime_index(p):
    a = p.var("a", pw.f32, 4)
    at = p.var("at", pw.i16, 1, init=[-1])

    @p.on_start
    @p.local_task(10)
    def step():
        a[at[0]] = 1.0


@mistake("Running", "An index out of range at run time", pw.TaskError,
         r"PE \(0, 0\) task 'step': index -1 is out of range for 'a' \(4 element\(s\), index "
         r"0..3\); CSL has no negative indices\n.*in step\n    a\[at\[0\]\] = 1.0",
         "Keep indices in 0..n-1; pywse checks every index (compiled too) and never wraps a "
         "negative one around as Python does.")
def index_out_of_range():
    Harness(runtime_index, jit=True).run_until_idle(max_cycles=1000)


@mistake("Running", "A launched function that never unblocks the command stream",
         pw.DeadlockError,
         r"no PE can make progress \(after \d+ simulated cycles\), but host command "
         r"launch\('forget'\) is still waiting: 0 of 2 PE\(s\) called sys.unblock_cmd_stream\(\)"
         r"\nroot cause: (.|\n)*'forget' ran, and neither calls it nor activates a task that does",
         "Call `sys.unblock_cmd_stream()` at the end of the launched function, or of the last "
         "task it starts, on every PE.")
def launch_never_unblocks():
    runtime().launch("forget")


@mistake("Running", "A task that re-activates itself forever", pw.LivelockError,
         r"the run reached its budget of 5000 cycles \(max_cycles / PYWSE_MAX_CYCLES\)"
         r"(.|\n)*activated, to run: spin",
         "Stop re-activating the task once its work is done (or raise the budget if the "
         "program is just long).")
def task_forever():
    r = runtime(max_cycles=5000)
    r.launch("start_spin")
    r.stop()


@mistake("Running", "run_for with a count that is not a whole number of cycles",
         pw.MemcpyError, r"run_for\(-5\): give a whole number of cycles, 0 or more",
         "Pass the number of cycles to advance, an int of 0 or more.")
def run_for_negative():
    runtime().run_for(-5)


@mistake("Running", "run_for past a blocking command whose wait failed", pw.MemcpyError,
         r"run_for: the blocking command launch\('forget'\) did not finish(.|\n)*"
         r"nonblock=True and step with run_for",
         "Fix what stopped the command (the first error says), or issue it with "
         "`nonblock=True` and step with `run_for`.")
def run_for_after_a_failed_blocking_command():
    r = runtime()
    try:
        r.launch("forget")             # never unblocks: a DeadlockError ends the wait
    except pw.DeadlockError:
        pass
    r.run_for(100)


@mistake("Running", "Wavelets sent off the kernel, where nothing receives them",
         pw.RoutingWarning,
         r"3 wavelet\(s\) left the kernel where nothing receives them and are lost \(PE \(0, 0\) "
         r"toward EAST on color 3: 3\)",
         "Route them to a PE that reads them; `pw.compile(..., strict=True)` or "
         "`pywse check --strict` shows such routes before running.")
def wavelets_lost_off_the_kernel():
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, edge_sender, memcpy_params=layout.memcpy().get_params(0))
    layout.set_color_config(0, 0, 3, rx=[pw.RAMP], tx=[pw.EAST])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pw.RoutingWarning)     # the compile-time lint
        r = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=False)
    r.load()
    r.run()
    r.launch("go")
    r.stop()


@mistake("Running", "A kernel too big for this machine's memory", pw.ResourceError,
         r"the 200x100 kernel needs about \d+\.\d GiB to simulate \(.*\); this machine has 0\.0 "
         r"GiB available. Simulate a smaller kernel",
         "Simulate the same program on fewer PEs (pywse estimates the memory before it "
         "allocates anything).")
def kernel_too_big():
    with machine_memory(16 << 20):
        pw.SdkRuntime(pw.compile(idle_layout(200, 100), arch="wse3", memcpy=False,
                                 fabric_offsets=(0, 0)), memcpy_required=False).load()


@mistake("Running", "A PYWSE_JIT value pywse does not know", pw.PywseError,
         r"PYWSE_JIT='fast': use 1 \(compiled\), 0 \(plain Python\) or auto",
         "Set `PYWSE_JIT` to 1, 0 or auto (or leave it unset: auto), or pass `jit=` to "
         "`SdkRuntime` / `pw.compile`.")
def pywse_jit_unknown():
    import os
    before = os.environ.get("PYWSE_JIT")
    os.environ["PYWSE_JIT"] = "fast"
    try:
        pw.SdkRuntime(host_artifacts())
    finally:
        if before is None:
            del os.environ["PYWSE_JIT"]
        else:
            os.environ["PYWSE_JIT"] = before


@mistake("Running", "A cache folder pywse cannot write, in the default (tiered) mode",
         pw.JitWarning, r"task bodies cannot be cached \(.*\): they run as plain Python; set "
         r"PYWSE_CACHE_DIR or NUMBA_CACHE_DIR to a writable folder",
         "Point `PYWSE_CACHE_DIR` (pywse's generated code) and `NUMBA_CACHE_DIR` at folders "
         "you can write; the run itself goes on, as plain Python.")
def cache_folder_not_writable():
    from pywse.sim import dispatch
    folder = dispatch.CACHE_DIR
    dispatch.CACHE_DIR = Path(__file__)             # a file, not a folder
    try:
        r = pw.SdkRuntime(host_artifacts(), jit="auto")
        r.load()
        r.run()
        r.launch("go")
    finally:
        dispatch.CACHE_DIR = folder


@pw.program
def endless_comptime(p):
    while True:
        pass


@mistake("The program", "A comptime that never ends", pw.ProgramError,
         r"program 'endless_comptime' on PE \(0, 0\): comptime ran longer than 0\.2 s "
         r"\(PYWSE_COMPTIME_SECONDS\)",
         "End the comptime loop (work on data belongs in a task), or raise "
         "`PYWSE_COMPTIME_SECONDS` (default 60) if it is just slow.")
def comptime_never_ends():
    import os
    os.environ["PYWSE_COMPTIME_SECONDS"] = "0.2"
    try:
        compile_one(endless_comptime)
    finally:
        del os.environ["PYWSE_COMPTIME_SECONDS"]


# -- the test harness --------------------------------------------------------------------------

@pw.program
def adder(p, *, rx, tx):
    iq = p.input_queue(1, rx)
    oq = p.output_queue(2, tx)
    total = p.var("total", pw.u32, 1)
    out = pw.fabout(tx, extent=1, queue=oq)

    @p.data_task(iq)
    def add(v: pw.u32):
        total[0] += v
        pw.mov32(out, total[0])


def adder_harness() -> Harness:
    return Harness(adder, jit=False, rx=pw.Color(1), tx=pw.Color(2))


@mistake("The test harness", "Harness.activate of a data task", HarnessError,
         r"Harness.activate: 'add' is a data task, not a local one; it runs when a wavelet "
         r"arrives on color 1: h.send\(pw.Color\(1\), ...\)",
         "Send it a wavelet (`h.send(color, [...])`).")
def harness_activate_data_task():
    adder_harness().activate("add")


@mistake("The test harness", "A PE outside the harness grid", HarnessError,
         r"Harness.peek: PE \(1, 0\) is outside the 1x1 harness grid",
         "Use coordinates in the grid (`width=`, `height=` make it larger).")
def harness_pe_outside_grid():
    adder_harness().peek("total", pe=(1, 0))


@mistake("The test harness", "Peeking at a symbol the PE does not have", HarnessError,
         r"Harness.peek: PE \(0, 0\) has no symbol 'count' \(its symbols: total\)",
         "Use a name the message lists.")
def harness_unknown_symbol():
    adder_harness().peek("count")


@mistake("The test harness", "Sending a value that does not fit a wavelet", HarnessError,
         r"Harness.send on PE \(0, 0\) color 1: value 1099511627776 \(index 0\) does not fit a "
         r"32-bit wavelet",
         "Send 32-bit values (or 16-bit ones with `dtype=`).")
def harness_value_does_not_fit():
    adder_harness().send(pw.Color(1), [1 << 40], direction=pw.WEST)


@mistake("The test harness", "Expecting wavelets on a color nothing sends", HarnessError,
         r"PE \(0, 0\) color 5: nothing on this color leaves the grid \(its tx: nothing\); the "
         "program sends nothing on it",
         "Expect the color the program sends on.")
def harness_expect_a_silent_color():
    adder_harness().expect(pw.Color(5), [1])


@mistake("The test harness", "Wavelets that differ from what the test expects", ExpectError,
         r"expect PE \(0, 0\) color 2: wavelet 1: a different value arrived",
         "Fix the program (or the expectation): the report shows each wavelet and its cycle.")
def harness_expect_other_values():
    h = adder_harness()
    h.send(pw.Color(1), [1, 2], direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(pw.Color(2), [1, 4])


@mistake("The test harness", "Params and routes for a Harness of a layout", HarnessError,
         r"Harness\(layout\): the layout already holds params and routes; pass them to "
         "set_tile_code / set_color_config instead",
         "Give params and routes to the layout itself.")
def harness_layout_with_params():
    Harness(idle_layout(1, 1), jit=False, params={"size": 4})


@pw.program
def spinner(p):
    @p.on_start
    @p.local_task(8)
    def spin():
        pw.activate(spin)


@mistake("The test harness", "A harness run past its cycle budget", pw.CycleLimitError,
         r"the run reached its budget of 2000 cycles \(run_until_idle\(max_cycles=...\)\) at "
         r"cycle \d+ with work left(.|\n)*PE \(0, 0\) \[spinner\].*activated, to run: spin",
         "Raise the budget if the program is just long; otherwise stop the task that keeps "
         "running.")
def harness_past_its_budget():
    Harness(spinner, jit=False).run_until_idle(max_cycles=2000)


# -- the SDK libraries <math>, <random>, <memcpy/memcpy_switches> (pywse/lib/) ---------------

@pw.program
def math_on_an_int(p):
    math = p.import_module("<math>")
    n = p.var("n", pw.i16, 1)
    r = p.var("r", pw.f32, 1)

    @p.on_start
    @p.local_task(10)
    def norm():
        r[0] = math.sqrt_f32(n[0])


@mistake("Task bodies", "A <math> function given an argument of the wrong type", pw.TaskError,
         r"task 'norm' \(line \d+\): <math>.sqrt_f32 takes a float \(f16 or f32, or an "
         r"untyped number\) as argument 1, got an i16 value",
         "Convert the argument (`math.sqrt_f32(pw.f32(n[0]))`); a generic run-time function "
         "(`math.sqrt`) needs a typed float, not an untyped number.")
def math_wrong_type():
    compile_one(math_on_an_int)


@pw.program
def prng_id_too_big(p):
    @p.on_start
    @p.local_task(10)
    def pick():
        pw.set_active_prng(70000)


@mistake("Task bodies", "A PRNG id that is not a u16", pw.TaskError,
         r"task 'pick' \(line \d+\): pw.set_active_prng\(70000\): the id is a u16, 0..65535",
         "Pass an id in 0..65535 (pywse has 4 PRNGs per PE; the id picks `id % 4`).")
def prng_id_not_u16():
    compile_one(prng_id_too_big)


@mistake("The program", "A memcpy_switches word whose commands reach a CE", pw.ProgramError,
         r"memcpy_switches.ctrl: every command must be CE-ignored",
         "Build payloads that a CE should see with `<control>`'s `encode_payload` or "
         "`encode_single_payload`.")
def switches_word_for_a_ce():
    from pywse.lib.memcpy import memcpy_switches as sw
    sw.ctrl(((pw.control.SWITCH_ADV, False),))


# -- <collectives_2d> and layout-side imports (issue 20) ----------------------------------------

@mistake("Layout and compile", "A layout-side library pywse does not have", pw.LayoutError,
         r"Layout.import_module\('<collectives_2d/parms>'\): pywse has no layout library "
         r"'<collectives_2d/parms>' \(did you mean '<collectives_2d/params>'\?\); it has: ",
         "Use a name from the list (docs/libraries.md).")
def unknown_layout_library():
    pw.Layout(2, 1).import_module("<collectives_2d/parms>")


@pw.program
def c2d_user(p, *, c2d_params):
    p.input_queue(2, 9)
    p.import_module("<collectives_2d/pe>", dim_params=c2d_params.x)


@pw.program
def c2d_plain(p, *, c2d_params):
    p.import_module("<collectives_2d/pe>", dim_params=c2d_params.x)


def c2d_layout(program, before=None):
    layout = pw.Layout(2, 1)
    if before:
        before(layout)
    c2d = layout.import_module("<collectives_2d/params>")
    for x in range(2):
        layout.set_tile_code(x, 0, program, c2d_params=c2d.get_params(
            x, 0, x_colors=(0, 1), x_entrypoints=(10, 11)))
    return pw.compile(layout, arch="wse3", memcpy=False)


@mistake("Routes", "A collectives color the layout routes too", pw.RoutingError,
         r"PE \(0, 0\) color 0 is routed twice: by the layout \(set_color_config\) and by its "
         r"program 'c2d_plain' \(p.set_local_color_config\)(.|\n)*<collectives_2d/pe>",
         "Give get_params colors the layout does not route: the library routes its own.")
def collectives_color_routed_by_the_layout():
    c2d_layout(c2d_plain, lambda layout: layout.set_color_config(0, 0, 0, rx=[pw.RAMP],
                                                                 tx=[pw.EAST]))


@mistake("The program", "A collectives queue the program binds to another color",
         pw.ProgramError,
         r"<collectives_2d/pe> \(x axis\) at \(0, 0\) binds queue 2 to its color 0, but: "
         r"program 'c2d_user': input queue 2 is bound to color 9 and 0",
         "Give the library other queues= (two ids, each its input and output queue), or the "
         "program other queues.")
def collectives_queue_clash():
    c2d_layout(c2d_user)

# -- the SDK's libraries (pywse/lib) -------------------------------------------------------------

@pw.program
def bad_simprint_format(p):
    prt = p.import_module("<simprint>")
    n = p.var("n", pw.u32, 1)

    @p.on_start
    @p.local_task(10)
    def report():
        prt.fmt("n = {u}", (n[0],))


@mistake("Task bodies", "A simprint format with a placeholder simprint does not have",
         pw.TaskError, r"'\{u\}' in format 'n = \{u\}' is not a simprint placeholder",
         "Use {d} (decimal), {X} (hex), {b} (binary) or {f} (float), one per value; {{ "
         "prints a brace.")
def simprint_bad_placeholder():
    compile_one(bad_simprint_format)


@pw.program
def debug_bad_key(p):
    p.import_module("<debug>", key="my trace", buffer_size=10)


@mistake("The program", "A <debug> key that is not a name", pw.ProgramError,
         r"<debug> on PE \(0, 0\): key 'my trace' must be a name",
         "Name the trace with letters, digits and underscores: the host reads it by that key.")
def debug_key_not_a_name():
    compile_one(debug_bad_key)


@pw.program
def debug_overflow(p):
    trace = p.import_module("<debug>", key="steps", buffer_size=3)

    @p.on_start
    @p.local_task(10)
    def step():
        trace.trace_u32(1)
        trace.trace_u32(2)


@mistake("Running", "A <debug> trace that outgrows its buffer", pw.TaskError,
         r"PE \(0, 0\) task 'step': TraceFull: the <debug> trace 'steps' is full \(3 words\)",
         "Import <debug> with a larger buffer_size (a u32, f32, string or timestamp takes two "
         "words, a smaller value one); nothing is written past the buffer.")
def debug_trace_overflow():
    Harness(debug_overflow, jit=False).run_until_idle()


@mistake("Host commands", "read_trace with a key the PE has no trace for", pw.MemcpyError,
         r"read_trace\(1, 1, 'step'\): PE \(1, 1\) has no <debug> trace 'step'; its keys: "
         r"steps", "Pass the key the PE program imported <debug> with, and fabric coordinates.")
def read_trace_unknown_key():
    from pywse.lib.debug_util import debug_util
    h = Harness(debug_overflow, jit=False)
    with contextlib.suppress(pw.TaskError):
        h.run_until_idle()
    debug_util(h).read_trace(1, 1, "step")


# -- the language of issue 20 (run-time DSDs, @map, DSRs) ------------------------------------

@pw.program
def runtime_fabin(p, *, c: pw.Color):
    a = p.var("a", pw.u32, 4)
    n = p.var("n", pw.i16, 1)

    @p.on_start
    @p.local_task(8)
    def step():
        pw.mov32(pw.mem1d(a, n[0]), pw.fabin(c, n[0]))


@mistake("Task bodies", "A fabric DSD built in a task body (its color and queue are comptime)",
         pw.TaskError,
         r"task 'step' \(line \d+\): pw.fabin cannot be built in a task body: a fabric DSD's "
         r"color and queue are comptime",
         "Declare the fabric DSD in the program body with room for the most wavelets and cut "
         "it in the task: `pw.set_dsd_length(d_in, n)`.")
def fabric_dsd_in_a_task():
    compile_one(runtime_fabin, c=pw.Color(3))


@pw.program
def offset_of_fabin(p, *, c: pw.Color):
    d_in = pw.fabin(c, 4)
    a = p.var("a", pw.u32, 4)

    @p.on_start
    @p.local_task(8)
    def step():
        later = pw.increment_dsd_offset(d_in, 1, pw.u32)
        pw.mov32(pw.mem1d(a), later)


@mistake("Task bodies", "A memory-DSD mutator given a fabric DSD", pw.TaskError,
         r"`@increment_dsd_offset` takes a memory DSD \(CSL: mem1d/mem4d\), not a fabin DSD",
         "Only `pw.set_dsd_length` applies to fabric DSDs; move memory DSDs with the others.")
def fabric_dsd_offset():
    compile_one(offset_of_fabin, c=pw.Color(3))


def add_from_table(v):
    table = {"k": 1}
    return v + table["k"]


@pw.program
def map_dict_callback(p):
    d = pw.mem1d(p.var("a", pw.i32, 4))

    @p.on_start
    @p.local_task(8)
    def step():
        pw.map(add_from_table, d, d)


@mistake("Task bodies", "An @map callback with Python a task body cannot run", pw.TaskError,
         r"helper 'add_from_table' \(called by task 'step'\) \(line \d+\): a dict is not a "
         r"CSL value",
         "A callback is checked like a helper at its own lines: keep to what task bodies may do.")
def map_callback_with_a_dict():
    compile_one(map_dict_callback)


def add_two(a, b):
    return a + b


@pw.program
def map_arity(p):
    d = pw.mem1d(p.var("a", pw.i32, 4))

    @p.on_start
    @p.local_task(8)
    def step():
        pw.map(add_two, d, d)


@mistake("Task bodies", "An @map callback that takes more inputs than it gets", pw.TaskError,
         r"pw.map: callback 'add_two' takes 2 argument\(s\) but gets 1 \(one per input; the "
         r"last operand is the output",
         "A callback that returns a value writes to the last operand: give one input per "
         "parameter before it.")
def map_callback_arity():
    compile_one(map_arity)


@pw.program
def dsr_roles(p):
    d = pw.mem1d(p.var("a", pw.u32, 4))
    src = pw.get_dsr("dsr_src1", 1)

    @p.on_start
    @p.local_task(8)
    def step():
        pw.load_to_dsr(src, d)
        pw.mov32(src, d)


@mistake("Task bodies", "A source DSR used as a destination", pw.TaskError,
         r"DSR dsr_src1 cannot be a destination \(operand 1 of pw.mov32\): dsr_dest holds "
         r"destinations, dsr_src1 sources, dsr_src0 either",
         "Take a `dsr_dest` (or `dsr_src0`) for a destination: `pw.get_dsr(\"dsr_dest\", n)`.")
def dsr_wrong_role():
    compile_one(dsr_roles)


@pw.program
def dsr_ut_on_memory(p):
    d = pw.mem1d(p.var("a", pw.u32, 4))
    dest = pw.get_dsr("dsr_dest", 1)
    ut = pw.get_ut_id(5)

    @p.on_start
    @p.local_task(8)
    def step():
        pw.load_to_dsr(dest, d, async_=True, ut_id=ut)
        pw.mov32(dest, 7)


@mistake("Task bodies", "ut_id= on a memory DSD loaded into a DSR", pw.TaskError,
         r"ut_id= is for fabric DSDs loaded into a DSR \(CSL\)",
         "Give `ut_id=` (with `async_=True`) to the load of a fabin or fabout, or to the op "
         "itself.")
def dsr_ut_id_memory():
    compile_one(dsr_ut_on_memory)


@pw.program
def fabric_var_gets_memory(p):
    a = p.var("a", pw.u32, 4)
    fab = p.dsd_var(pw.fabout(pw.Color(4), extent=4))

    @p.on_start
    @p.local_task(8)
    def step():
        nonlocal fab
        fab = pw.mem1d(a, extent=2)


@mistake("Task bodies", "A fabric p.dsd_var reassigned a memory DSD", pw.TaskError,
         r"'fab' is a DSD: assign it a fabout DSD, not",
         "A fabric DSD keeps its color and queue; change its length with "
         "`fab = pw.set_dsd_length(fab, n)`.")
def fabric_dsd_var_memory():
    compile_one(fabric_var_gets_memory)


@pw.program
def dsr_twice(p):
    pw.get_dsr("dsr_dest", 1)
    pw.get_dsr("dsr_dest", 1)


@mistake("The program", "One DSR taken twice", pw.ProgramError,
         r"DSR dsr_dest 1 is taken twice; each \(kind, id\) may be taken once",
         "Take each DSR once and share the value, or use another id.")
def dsr_taken_twice():
    compile_one(dsr_twice)


@pw.program
def bitcast_widths(p):
    a = p.var("a", pw.u32, 1)
    b = p.var("b", pw.u16, 1)

    @p.on_start
    @p.local_task(8)
    def step():
        a[0] = pw.bitcast(pw.u32, b[0])


@mistake("Task bodies", "A bitcast between types of different widths", pw.TaskError,
         r"pw.bitcast: u16 value \(16-bit\) and u32 \(32-bit\) differ in width",
         "Convert first (`pw.u32(x)`, CSL's @as), or bitcast to a type of the same width.")
def bitcast_different_widths():
    compile_one(bitcast_widths)


@pw.program
def local_in_dsd(p):
    a = p.var("a", pw.i16, 4)

    @p.on_start
    @p.local_task(8)
    def step():
        tmp = np.zeros(4, pw.i16)
        pw.mov16(pw.mem1d(a), pw.mem1d(tmp))


@mistake("Task bodies", "A DSD over a function-local array", pw.TaskError,
         r"pw.mem1d: local array 'tmp' lives in the task, not in PE memory, so no DSD can "
         r"reach it",
         "Declare the array with `p.var` in the program body.")
def dsd_over_a_local_array():
    compile_one(local_in_dsd)


# -- language corners and libraries (branch corners) --------------------------------------------

@pw.program
def two_colors_one_oq(p):
    word = p.const(pw.u32, [7])
    to_east, to_west = pw.fabout(pw.Color(1), 1, queue=2), pw.fabout(pw.Color(2), 1, queue=2)

    @p.on_start
    @p.local_task(8)
    def step():
        pw.mov32(to_east, pw.mem1d(word))
        pw.mov32(to_west, pw.mem1d(word))


@mistake("The program", "Two colors through one output queue on wse3", pw.ProgramError,
         r"output queue 2 is used for colors (1 and 2|2 and 1): on wse3 an output queue is "
         r"bound to one color \(@initialize_queue\)",
         "Give each color its own output queue (wse2 lets fabout DSDs share one).")
def two_colors_one_output_queue_wse3():
    compile_one(two_colors_one_oq, arch="wse3")


@pw.program
def c2d_and_a_data_task(p, *, c2d_params):
    p.import_module("<collectives_2d/pe>", dim_params=c2d_params.x)

    @p.data_task(pw.Color(1))
    def mine(w: pw.u32):
        pass


@mistake("The program", "A task reading a color a library uses", pw.ProgramError,
         r"data task 'mine' reads color 1, which <collectives_2d/pe> \(instance "
         r"'collectives_2d'\) bound to its input queue \d for its own wavelets",
         "Give the library other colors (get_params' x_colors / y_colors) or the task another "
         "color: the library's wavelets would reach your task.")
def task_on_a_library_color():
    layout = pw.Layout(3, 1)
    c2d = layout.import_module("<collectives_2d/params>")
    for x in range(3):
        layout.set_tile_code(x, 0, c2d_and_a_data_task, c2d_params=c2d.get_params(
            x, 0, x_colors=(0, 1), x_entrypoints=(10, 11)))
    pw.compile(layout, arch="wse3", memcpy=False)


@pw.program
def c2d_and_a_task(p, *, c2d_params):
    p.import_module("<collectives_2d/pe>", dim_params=c2d_params.x)

    @p.local_task(10)
    def mine():
        pass


@mistake("The program", "A task id a library's task takes", pw.ProgramError,
         r"task id 10 is bound twice \('collectives_2d\.\w+' and 'mine'; "
         r"'collectives_2d\.\w+' is <collectives_2d/pe>'s\)",
         "Give the library other task ids (get_params' x_entrypoints / y_entrypoints) or your "
         "task another id.")
def task_id_of_a_library():
    c2d_layout(c2d_and_a_task)


@pw.program
def misspelt_library(p):
    p.import_module("<collectives2d/pe>")


@mistake("The program", "A PE library pywse does not have", pw.ProgramError,
         r"pywse has no PE library '<collectives2d/pe>' \(did you mean "
         r"'<collectives_2d/pe>'\?\); it has: ",
         "Use a name from the list (docs/libraries.md).")
def unknown_pe_library():
    compile_one(misspelt_library)


@pw.program
def time_twice(p):
    p.import_module("<time>")
    p.import_module("<time>")


@mistake("The program", "A module instance name used twice", pw.ProgramError,
         r"module instance 'time' is imported twice on this PE; give each import its own name=",
         "Name each import: `p.import_module(..., name='x_axis')`.")
def module_instance_twice():
    compile_one(time_twice)


@pw.program
def big_constants(p):
    p.const(pw.u16, pw.constants(8, pw.u16, 70000))


@mistake("The program", "A @constants value that does not fit its type", pw.ProgramError,
         r"pw.constants: 70000 does not fit uint16 \(0..65535\)",
         "Give a value of the array's type (CSL coerces comptime values only when they fit).")
def constants_that_do_not_fit():
    compile_one(big_constants)


@pw.program
def runtime_async(p):
    a = p.var("a", pw.u32, 4)
    flag = p.var("flag", pw.u16, 1)
    out = pw.fabout(pw.Color(3), 4)

    @p.on_start
    @p.local_task(8)
    def step():
        pw.mov32(out, pw.mem1d(a), async_=flag[0] == 1)


@mistake("Task bodies", "A comptime-only option given a run-time value", pw.TaskError,
         r"pw.mov32: async_= must be known at comptime \(CSL's op config is comptime\)",
         "Branch on the run-time value and call the op with `async_=True` in one branch, "
         "without it in the other.")
def async_from_memory():
    compile_one(runtime_async)


@pw.program
def number_destination(p):
    a = pw.mem1d(p.var("a", pw.f32, 4))

    @p.on_start
    @p.local_task(8)
    def step():
        pw.fadds(1.0, a, a)


@mistake("Task bodies", "A DSD op operand of a kind the op does not take", pw.TaskError,
         r"the destination of pw.fadds must be a DSD or a one-element var, got an untyped "
         r"number; pw.fadds takes \(D, D, D\) or \(D, s, D\) or \(D, D, s\) or \(p, s, D\)",
         "Pass one of the forms the message lists.")
def op_operand_kind():
    compile_one(number_destination)


@pw.program
def odd_ptrcast(p):
    halves = p.var("halves", pw.u16, 3)

    @p.on_start
    @p.local_task(8)
    def step():
        words = pw.ptrcast(pw.u32, halves)
        words[0] = 1


@mistake("Task bodies", "A ptrcast whose bytes are not whole elements", pw.TaskError,
         r"pw.ptrcast: u16 array 'halves' of 3 element\(s\) from element 0 is 6 bytes, not a "
         r"whole number of u32 elements \(4 bytes\)",
         "Cast an array whose bytes (from at=) make whole elements of the new type.")
def ptrcast_partial_elements():
    compile_one(odd_ptrcast)


def step_fn(x):
    return np.heaviside(x, 0.5)


@pw.program
def map_numba_cannot(p):
    d = pw.mem1d(p.var("a", pw.f32, 4))

    @p.on_start
    @p.local_task(8)
    def step():
        pw.map(step_fn, d, d)


@mistake("Running", "An @map callback numba cannot compile", pw.TaskError,
         r"task 'step' could not be compiled \(in 'step_fn', line \d+, which it calls\): "
         r"`numpy.heaviside` cannot be used in compiled code",
         "The quote shows the callback's line: rewrite it with what compiled code has, or run "
         "with jit=False meanwhile (and report it: the checker should have said so).")
def map_callback_numba_cannot_compile():
    Harness(map_numba_cannot, jit=True).run_until_idle(max_cycles=1000)


@mistake("Layout and compile", "An --fp16-format pywse does not simulate", pw.LayoutError,
         r"--fp16-format=cb16: pywse simulates IEEE f16 only",
         "Compile with --fp16-format=f16 (the default), or keep the data in f32.")
def fp16_format_cb16():
    pw.compile(idle_layout(1, 1), fp16_format="cb16")


@mistake("Layout and compile", "A library kernel larger than the rectangle", pw.LayoutError,
         r"<kernels/tally/layout>: a 4x2 kernel does not fit the 2x2 rectangle",
         "Give the library a kernel inside the layout's rectangle.")
def tally_kernel_too_big():
    pw.Layout(2, 2).import_module("<kernels/tally/layout>", kernel_width=4, kernel_height=2,
                                  phase2_tally=0, colors=[1, 2, 3], output_color=4)
# -- teardown and <tile_config> ------------------------------------------------------------------

@pw.program
def td_unrouted(p):
    def on_teardown():
        pass

    p.set_teardown_handler(on_teardown, pw.Color(5))


@mistake("Layout and compile", "A teardown handler for a color the PE does not route",
         pw.LayoutError,
         r"PE \(0, 0\): program 'td_unrouted' sets a teardown handler for color 5, which this "
         r"PE does not route: no TEARDOWN command can reach it",
         "Route the color on the PE (`set_color_config` or `p.set_local_color_config`, with "
         "`teardown=True` if it starts torn down), or drop the handler.")
def teardown_handler_for_an_unrouted_color():
    compile_one(td_unrouted)


@pw.program
def td_two_handlers(p):
    p.set_local_color_config(pw.Color(5), rx=pw.RAMP, tx=pw.RAMP, teardown=True)
    p.set_local_color_config(pw.Color(6), rx=pw.RAMP, tx=pw.RAMP, teardown=True)

    def first():
        pass

    def second():
        pass

    p.set_teardown_handler(first, pw.Color(5))
    p.set_teardown_handler(second, pw.Color(6))


@mistake("The program", "Two teardown handler functions in one program", pw.ProgramError,
         r"color 6 gets handler 'second' but this program already has teardown handler "
         r"'first'; a PE has one teardown task",
         "Hand the same function every color and tell them apart with "
         "`teardown.get_pending()` / `teardown.is_pending(value, c)`.")
def two_teardown_handlers():
    compile_one(td_two_handlers)


@pw.program
def td_exit_twice(p, *, C=pw.Color(5)):
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.RAMP, teardown=True)
    tc = p.import_module("<tile_config>")

    @p.on_start
    @p.local_task(10)
    def go():
        tc.teardown.exit(C)
        tc.teardown.exit(C)


@mistake("Running", "teardown.exit of a color not in teardown", pw.TaskError,
         r"PE \(0, 0\) task 'go': <tile_config> teardown.exit\(color 5\): color 5 is not in "
         r"teardown on this PE, so there is no teardown to leave",
         "Leave teardown once per teardown: in the teardown handler, after a TEARDOWN command "
         "reached the color, or once for a color routed with `teardown=True`.")
def teardown_exit_without_teardown():
    Harness(td_exit_twice, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def td_rx_array(p, *, C=pw.Color(5)):
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.RAMP, teardown=True)
    tc = p.import_module("<tile_config>")

    @p.on_start
    @p.local_task(10)
    def go():
        tc.color_config.reset_routes(C, tx=pw.RAMP, rx=(pw.WEST, pw.NORTH))
        tc.teardown.exit(C)


@mistake("Task bodies", "reset_routes with more than one rx direction on wse3", pw.TaskError,
         r"on wse3 reset_routes' rx takes one direction \(an rx array must have one element\), "
         r"got 2",
         "Route the color from one side at a time on wse3 (wse2 takes an rx tuple).")
def reset_routes_rx_array_on_wse3():
    compile_one(td_rx_array, arch="wse3")


# -- @get_config / @set_config -------------------------------------------------------------------

@pw.program
def cfg_literal(p):
    @p.on_start
    @p.local_task(10)
    def go():
        pw.set_config(0x7E00, 42)


@mistake("Task bodies", "A config register address pywse does not model, as a literal",
         pw.TaskError,
         r"address 0x7e00 is no configuration register pywse models; the modelled ones are the "
         r"color config registers 0x7f20..0x7f37 and the switch config registers 0x7f40..0x7f57",
         "Take the address from `<tile_config>` (`color_config.get_color_config_addr(c)`, "
         "`switch_config.get_switch_config_addr(c)`); other registers are not modelled.")
def config_literal_address():
    compile_one(cfg_literal)


@pw.program
def cfg_runtime(p, *, C=pw.Color(3)):
    tc = p.import_module("<tile_config>")
    k = p.var("k", pw.u16, 1, init=0x60)

    @p.on_start
    @p.local_task(10)
    def go():
        addr = tc.color_config.get_color_config_addr(C) + k[0]
        word = pw.get_config(addr)


@mistake("Running", "A config register address computed at run time that pywse does not model",
         pw.TaskError,
         r"PE \(0, 0\) task 'go': pw.get_config\(0x7f83\): 0x7f83 is no configuration "
         r"register pywse models; the modelled ones are the color config registers "
         r"0x7f20..0x7f37 and the switch config registers 0x7f40..0x7f57(.|\n)*line \d+, in go\n +word = "
         r"pw.get_config\(addr\)",
         "Compute addresses inside the two ranges (`get_color_config_addr(c)`, "
         "`get_switch_config_addr(c)` for c in 0..23).")
def config_runtime_address():
    Harness(cfg_runtime, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def cfg_enter_teardown(p, *, C=pw.Color(3)):
    tc = p.import_module("<tile_config>")
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.EAST)

    @p.on_start
    @p.local_task(10)
    def go():
        addr = tc.color_config.get_color_config_addr(C)
        pw.set_config(addr, pw.get_config(addr) | 0x4000)


@mistake("Running", "Setting the teardown bit of a color config register", pw.TaskError,
         r"PE \(0, 0\) task 'go': pw.set_config\(0x7f23, 0x4202\) writes the color config "
         r"register of color 3 \(0x7f23\): bit 14 \(teardown\) is set while color 3 is not "
         r"in teardown on this PE",
         "Leave bit 14 as read (clearing it leaves teardown, as `teardown.exit`); a color "
         "enters teardown when a TEARDOWN command reaches it.")
def config_enter_teardown():
    Harness(cfg_enter_teardown, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def cfg_switch_order(p, *, C=pw.Color(3)):
    tc = p.import_module("<tile_config>")
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.EAST)

    @p.on_start
    @p.local_task(10)
    def go():
        # position 1 invalid (5), position 2 from the west (0 | select 8)
        pw.set_config(tc.switch_config.get_switch_config_addr(C), 0x0585)


@mistake("Running", "A switch config word with a valid position after an invalid one",
         pw.TaskError,
         r"writes the switch config register of color 3 \(0x7f43\): switch position 2 is "
         r"valid while an earlier one is invalid",
         "Fill positions from 1 on: a position is used only if every earlier one is valid.")
def config_switch_order():
    Harness(cfg_switch_order, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def cfg_switch_cur(p, *, C=pw.Color(3)):
    tc = p.import_module("<tile_config>")
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.EAST)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.set_config(tc.switch_config.get_switch_config_addr(C), 0x2555)


@mistake("Running", "A switch config word whose current position is invalid", pw.TaskError,
         r"writes the switch config register of color 3 \(0x7f43\): the current position "
         r"\(bits 13-14\) is 1, which is not a valid position of this word",
         "Set the position valid in the same word, or leave bits 13-14 at 0.")
def config_switch_current_invalid():
    Harness(cfg_switch_cur, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def cfg_no_switch(p, *, C=pw.Color(10)):
    tc = p.import_module("<tile_config>")
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.EAST)

    @p.on_start
    @p.local_task(10)
    def go():
        word = pw.get_config(tc.switch_config.get_switch_config_addr(C))


@mistake("Running", "The switch config register of a wse3 color without a switch",
         pw.TaskError,
         r"PE \(0, 0\) task 'go': pw.get_config\(0x7f4a\): color 10 has no switch on wse3 "
         r"\(only colors 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 20, 21 do\)",
         "Use a color with a switch for switched routes on wse3, or route the color with its "
         "color config register only.")
def config_switch_without_switch():
    Harness(cfg_no_switch, jit=False, arch="wse3").run_until_idle(max_cycles=1000)


@pw.program
def cfg_unencodable(p, *, C=pw.Color(3)):
    tc = p.import_module("<tile_config>")
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.EAST, switches=pw.Switches(
        pos1=pw.SwitchPos(tx=(pw.EAST, pw.RAMP))))

    @p.on_start
    @p.local_task(10)
    def go():
        word = pw.get_config(tc.switch_config.get_switch_config_addr(C))


@mistake("Running", "Reading a switch position the switch config register cannot hold",
         pw.TaskError,
         r"pw.get_config\(0x7f43\): switch position 1 of color 3 has no register encoding: a "
         r"switch config register holds one direction per position, on one side",
         "Give such a position one direction, or change it with `<tile_config>` "
         "(`set_tx_switch_pos1`, ...) instead of the register.")
def config_switch_unencodable():
    Harness(cfg_unencodable, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def cfg_comptime(p, *, C=pw.Color(3)):
    pw.set_config(0x7F23, 0x0210)


@mistake("The program", "pw.set_config in a program body", pw.ProgramError,
         r"pw.set_config in a program body: CSL's top-level comptime form refuses the "
         r"routing and switch ranges",
         "Route the color with `p.set_local_color_config` (or the layout's `set_color_config`), "
         "or write the register from a task body.")
def config_at_comptime():
    compile_one(cfg_comptime)


# -- <tile_config>'s exceptions -----------------------------------------------------------------

@pw.program
def fp_overflow(p):
    exc = p.import_module("<tile_config>").exceptions
    a = p.var("a", pw.f32, 2, init=np.array([1.0, 3e38], np.float32))

    @p.on_start
    @p.local_task(10)
    def go():
        exc.set_exception_mask(exc.FP_OVERFLOW)
        pw.fmuls(pw.mem1d(a), pw.mem1d(a), 10.0)


@mistake("Running", "An unmasked floating-point exception in a DSD op", pw.TaskError,
         r"PE \(0, 0\) task 'go': FP_OVERFLOW in pw.fmuls, element 1 \(3e\+38 \* 10.0\)"
         r"; an unmasked exception stops the PE(.|\n)*unmasked by this "
         r"set_exception_mask call:",
         "Keep the values in range, or mask the exception again "
         "(`exceptions.set_exception_mask(0xffff)` masks all).")
def fp_exception_in_dsd_op():
    Harness(fp_overflow, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def fp_async(p, *, C=pw.Color(4)):
    exc = p.import_module("<tile_config>").exceptions
    acc = p.var("acc", pw.f32, 2, init=np.zeros(2, np.float32))
    inp = pw.fabin(C, extent=2, queue=p.input_queue(3, C))

    @p.on_start
    @p.local_task(10)
    def go():
        exc.set_exception_mask(exc.FP_INVALID)
        pw.fmuls(pw.mem1d(acc), pw.mem1d(acc), inp, async_=True)


def fp_async_run():
    h = Harness(fp_async, jit=False)
    h.send(pw.Color(4), np.array([1.0, np.inf], np.float32), direction=pw.WEST)
    h.run_until_idle(max_cycles=1000)


@mistake("Running", "An unmasked floating-point exception in an async DSD op", pw.TaskError,
         r"PE \(0, 0\): FP_INVALID in pw.fmuls, element 1 \(0.0 \* inf\), an async op on "
         r"microthread 3; an unmasked exception stops the PE",
         "As for a sync op; the error quotes the mask call (the op's own line is not known "
         "once it runs on a microthread).")
def fp_exception_in_async_op():
    fp_async_run()


@pw.program
def fp_inexact(p):
    exc = p.import_module("<tile_config>").exceptions

    @p.on_start
    @p.local_task(10)
    def go():
        exc.set_exception_mask(0xFFDF)


@mistake("Task bodies", "Unmasking FP_INEXACT", pw.TaskError,
         r"set_exception_mask: this mask unmasks FP_INEXACT, which pywse does not model",
         "Leave FP_INEXACT masked: unmask the others with `&` of their constants "
         "(`exceptions.FP_OVERFLOW & exceptions.FP_INVALID`).")
def fp_unmask_inexact():
    compile_one(fp_inexact)


# -- filters, @dfilt, control_transform -------------------------------------------------------------

@mistake("Routes", "A filter option its kind does not take", pw.RoutingError,
         r"pw.Filter\('range'\): a range filter takes min_idx, max_idx, not limit1 \(limit1 is "
         r"an option of counter and sparse_counter filters\)",
         "Give each kind its own options: range takes min_idx/max_idx, counter and "
         "sparse_counter take limit1, max_counter, init_counter and the count_* flags.")
def filter_option_of_another_kind():
    pw.Filter("range", min_idx=0, max_idx=3, limit1=2)


@mistake("Routes", "More filters on a PE than its router has", pw.RoutingError,
         r"PE \(0, 0\) has 4 filters \(colors 5, 6, 7, 8\) but a wse3 router has 4, 1 of them "
         r"memcpy's, so a program may use 3",
         "Filter fewer colors on the PE (with memcpy, three); pick wavelets out in a data "
         "task instead.")
def too_many_filters():
    layout = idle_layout(1, 1)
    for c in (5, 6, 7, 8):
        layout.set_color_config(0, 0, c, rx=[pw.RAMP], tx=[pw.RAMP],
                                filter=pw.Filter("range", min_idx=0, max_idx=3))
    pw.compile(layout, arch="wse3", memcpy=True)


@pw.program
def filter_id_unfiltered(p, *, C=pw.Color(4)):
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.RAMP)
    fid = p.var("fid", pw.u16, 1)

    @p.on_start
    @p.local_task(10)
    def go():
        fid[0] = pw.get_filter_id(C)


@mistake("Layout and compile", "pw.get_filter_id of a color without a filter", pw.LayoutError,
         r"PE \(0, 0\): program 'filter_id_unfiltered' calls pw.get_filter_id\(color 4\), "
         r"but color 4 has no filter on this PE",
         "Give the color a filter on every PE running the program (`filter=pw.Filter(...)`), "
         "or drop the call.")
def get_filter_id_without_filter():
    compile_one(filter_id_unfiltered)


@pw.program
def filter_bad_id(p, *, C=pw.Color(4)):
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.RAMP,
                             filter=pw.Filter("counter", count_data=True, limit1=3,
                                              max_counter=1))
    tc = p.import_module("<tile_config>")

    @p.on_start
    @p.local_task(10)
    def go():
        tc.filters.set_counter(pw.get_filter_id(C) + 2, 0)


@mistake("Running", "A <tile_config> filters call with an id that is no filter of the PE",
         pw.TaskError,
         r"PE \(0, 0\) task 'go': <tile_config> filters.set_counter\(2\): 2 is no filter of "
         r"this PE \(its filters: ids 0..0\)",
         "Pass the id `pw.get_filter_id(color)` gives for a color with a counter filter.")
def filters_call_with_a_bad_id():
    Harness(filter_bad_id, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def filter_wse3_call(p, *, C=pw.Color(4)):
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.RAMP,
                             filter=pw.Filter("counter", count_data=True, limit1=3,
                                              max_counter=1))
    tc = p.import_module("<tile_config>")

    @p.on_start
    @p.local_task(10)
    def go():
        tc.filters.set_pass_count(pw.get_filter_id(C), 4)


@mistake("Task bodies", "A wse3-only <tile_config> filters function on wse2", pw.TaskError,
         r"<tile_config> filters.set_pass_count is wse3 only",
         "On wse2 set limit1, max_counter and the counter (`set_active_limit`, "
         "`set_max_counter`, `set_counter`).")
def wse3_filters_function_on_wse2():
    compile_one(filter_wse3_call, arch="wse2")


@pw.program
def dfilt_sync(p, *, C=pw.Color(4)):
    d = pw.fabin(C, extent=2)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.dfilt(d)


@mistake("Task bodies", "pw.dfilt without async_=True", pw.TaskError,
         r"pw.dfilt runs async only \(CSL `@dfilt\(fabin, .\{ .async = true \}\)`\): write "
         r"pw.dfilt\(fabin, async_=True, activate=task\)",
         "Write `pw.dfilt(fabin, async_=True, activate=task)`: the filter runs on the fabin's "
         "microthread, its completion activates or unblocks a task.")
def dfilt_without_async():
    compile_one(dfilt_sync)


@pw.program
def transformed(p, *, C=pw.Color(4)):
    pw.fabin(C, extent=2, control_transform=True)


@mistake("The program", "control_transform on a fabric DSD", pw.ProgramError,
         r"pw.fabin\(..., control_transform=True\): CSL's `.control_transform` is not "
         r"supported yet",
         "Receive control wavelets with a control task (docs/semantics.md says why "
         "control_transform is not modelled).")
def control_transform_dsd():
    compile_one(transformed)


# -- queue flushes and priorities ----------------------------------------------------------------

@pw.program
def qf_handler(p, *, twice=False, args=False, user_29=False):
    iq = p.input_queue(2, pw.Color(5))

    def emptied():
        pass

    def takes(x):
        pass

    if user_29:
        @p.local_task(29)
        def mine():
            pass
    p.set_empty_queue_handler(takes if args else emptied, iq)
    if twice:
        p.set_empty_queue_handler(emptied, iq)


@mistake("The program", "An empty-queue handler on wse2", pw.ProgramError,
         r"program 'qf_handler': set_empty_queue_handler: @set_empty_queue_handler \(and "
         r"@queue_flush\) are wse3's; wse2 has no queue flush",
         "Compile for wse3, or drop the handler: a wse2 output queue takes any color, so it is "
         "reused without a flush.")
def empty_queue_handler_on_wse2():
    compile_one(qf_handler, arch="wse2")


@mistake("The program", "Two empty-queue handlers for one queue", pw.ProgramError,
         r"set_empty_queue_handler: input queue 2 already has an empty-queue handler "
         r"\('emptied'\); CSL sets one per queue",
         "Set one handler per queue (one function may serve several queues).")
def empty_queue_handler_twice():
    compile_one(qf_handler, twice=True)


@mistake("The program", "An empty-queue handler that takes arguments", pw.ProgramError,
         r"set_empty_queue_handler: an empty-queue handler takes no arguments \(it runs as "
         r"the teardown task\), but 'takes' takes x",
         "Give the handler no parameters; read what it needs from p.var arrays.")
def empty_queue_handler_with_arguments():
    compile_one(qf_handler, args=True)


@mistake("The program", "A task bound to the teardown id beside an empty-queue handler",
         pw.ProgramError,
         r"task 'mine' is bound to id 29, the teardown task, which runs this program's "
         r"teardown and empty-queue handlers; no task may be bound to it then \(CSL\): give "
         r"'mine' another id",
         "Give the task another local id: 29 is the teardown task.")
def task_on_the_teardown_id():
    compile_one(qf_handler, user_29=True)


@pw.program
def qf_flush(p, *, what: int = 0):
    """what: 0 flush a queue with no handler, 1 flush a color, 2 exit an unflushed queue."""
    iq = p.input_queue(2, pw.Color(5))
    tc = p.import_module("<tile_config>")
    c = pw.Color(5)

    @p.on_start
    @p.local_task(10)
    def go():
        if what == 0:
            pw.queue_flush(iq)
        elif what == 1:
            pw.queue_flush(c)
        else:
            tc.queue_flush.exit(iq)


@mistake("Task bodies", "pw.queue_flush on a queue with no empty-queue handler", pw.TaskError,
         r"task 'go' \(line \d+\): pw.queue_flush\(iq\): input queue 2 has no empty-queue "
         r"handler in program 'qf_flush', so nothing would run when it empties; set one in the "
         r"program body: p.set_empty_queue_handler\(fn, iq\)",
         "Set the queue's handler with `p.set_empty_queue_handler(fn, iq)`.")
def queue_flush_without_handler():
    compile_one(qf_flush)


@mistake("Task bodies", "pw.queue_flush on wse2", pw.TaskError,
         r"task 'go' \(line \d+\): `@queue_flush` is wse3's; wse2 has no queue flush",
         "Compile for wse3, or drop the call.")
def queue_flush_on_wse2():
    compile_one(qf_flush, arch="wse2")


@mistake("Task bodies", "pw.queue_flush of something not a queue", pw.TaskError,
         r"pw.queue_flush needs a queue \(what p.input_queue or p.output_queue returned, "
         r"captured\), got c \(a color\)",
         "Flush the queue `p.input_queue` / `p.output_queue` returned.")
def queue_flush_of_a_color():
    compile_one(qf_flush, what=1)


@mistake("Running", "queue_flush.exit of a queue whose flush status is not set", pw.TaskError,
         r"PE \(0, 0\) task 'go': <tile_config> queue_flush.exit\(input queue 2\): the flush "
         r"status of input queue 2 is not set on this PE, so there is nothing to reset",
         "Reset it in the queue's empty-queue handler, naming the queue that handler serves.")
def queue_flush_exit_not_flushed():
    Harness(qf_flush, what=2, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def prio_of(p, *, control: bool):
    tc = p.import_module("<tile_config>")
    level = p.var("level", pw.u16, 1, init=2)

    @p.control_task(40)
    def ctl():
        pass

    @p.on_start
    @p.local_task(10)
    def go():
        if control:
            tc.task_priority.set_task_priority(ctl)
        else:
            tc.task_priority.update_task_priority(go, level[0])


@mistake("Task bodies", "Task priority of a control task", pw.TaskError,
         r"task_priority takes a local or data task; 'ctl' is a control task \(a control task "
         r"takes the priority of an input queue its wavelets arrive on\)",
         "Set the priority of the input queue (wse3) or color (wse2) its wavelets come on.")
def task_priority_of_a_control_task():
    compile_one(prio_of, control=True)


@mistake("Running", "A task priority level that is neither LOW nor HIGH", pw.TaskError,
         r"PE \(0, 0\) task 'go': <tile_config> task_priority: level 2 is not "
         r"task_priority.level.LOW \(0\) or HIGH \(1\)",
         "Pass `task_priority.level.LOW` or `task_priority.level.HIGH`.")
def task_priority_level_out_of_range():
    Harness(prio_of, control=False, jit=False).run_until_idle(max_cycles=1000)


@pw.program
def status_of_output(p):
    tc = p.import_module("<tile_config>")
    oq = p.output_queue(2, pw.Color(5))

    @p.on_start
    @p.local_task(10)
    def go():
        tc.input_queue_status.is_full(tc.input_queue_status.get(), oq)


@mistake("Task bodies", "An output queue in input_queue_status", pw.TaskError,
         r"input_queue_status.is_full's queue must be an input queue, got output queue 2",
         "Ask `output_queue_status` about output queues, `input_queue_status` about input "
         "queues.")
def input_status_of_an_output_queue():
    compile_one(status_of_output)


# -- the tests ---------------------------------------------------------------------------------

def outcome(m: Mistake):
    """Make the mistake: the exception raised, or the warning issued (the first of `m.cls`
    matching `m.match`, else the first of `m.cls`); None if neither came."""
    if issubclass(m.cls, Warning):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.make()
        mine = [w for w in caught if issubclass(w.category, m.cls)]
        return next((w for w in mine if re.search(m.match, str(w.message))),
                    mine[0] if mine else None)
    try:
        m.make()
    except Exception as e:       # noqa: BLE001 - the test says what it is
        return e
    return None


def message(m: Mistake, got) -> str:
    return str(got.message if isinstance(got, warnings.WarningMessage) else got)


def headline(text: str) -> str:
    return text.split("\n", 1)[0]


@functools.cache
def doc_text() -> str:
    return DOC.read_text() if DOC.exists() else ""


# -- <message_passing> (wse3) ---------------------------------------------------------------------

@pw.program
def mp_plain(p):
    p.import_module("<message_passing>", input_queue_id=2, output_queue_id=3)


@pw.program
def mp_color_user(p):
    p.import_module("<message_passing>", input_queue_id=2, output_queue_id=3)
    p.output_queue(4, 17)


def mp_pair(program, arch="wse3", before=None, width=2):
    layout = pw.Layout(width, 1)
    if before:
        before(layout)
    for x in range(width):
        layout.set_tile_code(x, 0, program)
    return pw.compile(layout, arch=arch, memcpy=False)


@mistake("The program", "<message_passing> on wse2", pw.ProgramError,
         r"<message_passing> at PE \(0, 0\): <message_passing> is a WSE-3 library",
         "Compile for wse3 (--arch=wse3); on wse2 move data with fabric DSDs or <collectives_2d>.")
def message_passing_on_wse2():
    mp_pair(mp_plain, arch="wse2")


@mistake("The program", "<message_passing> on a rectangle of one PE", pw.ProgramError,
         r"<message_passing> at PE \(0, 0\): the program rectangle has one PE",
         "Messages go between two PEs: give the layout at least two.")
def message_passing_one_pe():
    mp_pair(mp_plain, width=1)


@mistake("The program", "A program using a color <message_passing> keeps", pw.ProgramError,
         r"<message_passing> at PE \(0, 0\): the program binds output queue 4 to color 17, "
         r"but <message_passing> keeps colors 14, 15, 16, 17, 18 for itself",
         "Use colors other than 14..18 on PEs that import <message_passing>.")
def message_passing_color_clash():
    mp_pair(mp_color_user)


@mistake("Routes", "A layout route on a color <message_passing> keeps", pw.RoutingError,
         r"PE \(1, 0\) color 18: the layout routes it, but <message_passing> on that PE keeps "
         r"colors 14, 15, 16, 17, 18 for itself",
         "Route your own flows on colors other than 14..18 where the library runs.")
def message_passing_layout_route():
    mp_pair(mp_plain, before=lambda layout: layout.set_color_config(1, 0, 18, rx=[pw.WEST],
                                                                    tx=[pw.RAMP]))


@pw.program
def mp_sender(p, *, n: int, col: int, twice: bool = False):
    mp = p.import_module("<message_passing>", input_queue_id=2, output_queue_id=3,
                         enable_asserts=True)
    data = p.var("data", pw.u32, 40)
    small = p.var("small", pw.u32, 2)
    first = p.x == 0

    @p.on_start
    @p.local_task(10)
    def go():
        mp.init()
        if first:
            mp.send_message(col, 0, data, n, mp.NOTHING)
            if twice:
                mp.send_message(col, 0, data, n, mp.NOTHING)
        else:
            mp.recv_message(small, mp.NOTHING)


def mp_run(**params):
    layout = pw.Layout(2, 1)
    for x in range(2):
        layout.set_tile_code(x, 0, mp_sender, **params)
    Harness(layout, arch="wse3", jit=False).run_until_idle()


@mistake("Running", "A message longer than 32 elements", pw.TaskError,
         r"PE \(0, 0\) task 'go': ValueError: <message_passing>: send_message's len must be "
         r"1..32",
         "Send at most 32 elements a message (split longer data into several messages).")
def message_passing_too_long():
    mp_run(n=33, col=1)


@mistake("Running", "A message to a PE outside the rectangle", pw.TaskError,
         r"PE \(0, 0\) task 'go': ValueError: <message_passing>: send_message's destination "
         r"\(dest_col, dest_row\) is outside the program rectangle",
         "Address PEs by their place in the program rectangle: 0 <= col < width, "
         "0 <= row < height.")
def message_passing_outside():
    mp_run(n=2, col=2)


@mistake("Running", "A second send_message before the first one's on_term", pw.TaskError,
         r"PE \(0, 0\) task 'go': ValueError: <message_passing>: send_message while this "
         r"PE's previous send has not finished",
         "Send the next message from the first one's on_term task (one send in flight per "
         "PE).")
def message_passing_two_sends():
    mp_run(n=2, col=1, twice=True)


@mistake("Running", "A message longer than the receive's buffer", pw.TaskError,
         r"PE \(1, 0\) task '.*pump': ValueError: <message_passing>: a message is longer "
         r"than the buffer recv_message was given",
         "Give recv_message a buffer as long as the longest message it may get (32 elements "
         "always do).")
def message_passing_short_receive():
    mp_run(n=4, col=1)


# -- control task tables (wse3 @set_control_task_table) ------------------------------------------

@pw.program
def control_and_local_ten(p, *, own_table: bool = False):
    p.unblock(p.input_queue(2, 3))

    @p.control_task(10)
    def on_ctl():
        pass

    @p.local_task(10)
    def ten():
        pass

    if own_table:
        pw.set_control_task_table()


@mistake("The program", "A control task and a local task with one id", pw.ProgramError,
         r"program 'control_and_local_ten': control task 'on_ctl' and local task 'ten' both "
         r"have id 10, and control tasks share one task table with data and local tasks; call "
         r"pw.set_control_task_table\(\) in the program body",
         "On wse3 call pw.set_control_task_table() in the program body (control tasks get "
         "their own table); on wse2, or if you prefer, give one of the tasks another id.")
def control_and_local_task_share_an_id():
    compile_one(control_and_local_ten)


@mistake("The program", "pw.set_control_task_table on wse2", pw.ProgramError,
         r"pw.set_control_task_table: wse2 has one task table for every kind of task",
         "Leave it out on wse2 and give the control task an id no data or local task has.")
def control_task_table_on_wse2():
    compile_one(control_and_local_ten, arch="wse2", own_table=True)


# -- the platform's cost table (pw.Costs) ----------------------------------------------------------

@mistake("Running", "Overriding a cost constant the platform's table does not have",
         pw.CostError,
         r"pw.Costs has no constant 'f32_divide' \(did you mean 'f32_div'\?\); the constants "
         r"are: task_switch, dsd_start, .*, convert",
         "Use a name the message lists (`print(pw.Costs().describe())` shows each with its "
         "value and source).")
def cost_unknown_constant():
    pw.SdkRuntime(host_artifacts(), costs={"f32_divide": 40})


@mistake("Running", "A cost that is not a whole number of cycles", pw.CostError,
         r"pw.Costs: 'hop' is a whole number of cycles, at least 1; got 0",
         "Give a whole number of cycles (`hop` and `task_switch` at least 1, the others at "
         "least 0).")
def cost_bad_value():
    pw.Costs().evolve(hop=0)



# -- <kernels/fft/fft3d_layout> ------------------------------------------------------------------

def fft_kernel(width=4, import_width=None, memcpy=None, layout=None):
    """fft-3d's layout.csl on a width x width rectangle: its memcpy import, then the FFT's."""
    lay = layout or pw.Layout(width, width)
    mc = lay.import_module("<memcpy/get_params>", width=lay.width, height=lay.height)
    return lay.import_module("<kernels/fft/fft3d_layout>", width=import_width or lay.width,
                             memcpy=memcpy or mc)


@mistake("Layout and compile", "An FFT size that is not a power of two", pw.LayoutError,
         r"<kernels/fft/fft3d_layout>.FFT_kernel: N = 12 is not a power of two >= 2",
         "Give N a power of two (the library is a radix-2 FFT), a multiple of the width.")
def fft_size_not_a_power_of_two():
    fft_kernel(4).FFT_kernel(4, 12, pw.f32)


@mistake("Layout and compile", "An FFT size the kernel width does not divide", pw.LayoutError,
         r"<kernels/fft/fft3d_layout>.FFT_kernel: N = 8 is not divisible by the width 3",
         "Each PE holds N / width pencils a side: make the width divide N (width = N / "
         "NUM_PENCILS_PER_DIM in fft-3d).")
def fft_size_not_divisible_by_the_width():
    fft_kernel(3).FFT_kernel(3, 8, pw.f32)


@mistake("Layout and compile", "An FFT .width that differs from the memcpy params",
         pw.LayoutError,
         r"<kernels/fft/fft3d_layout>: .width = 2, but the memcpy params \(and the rectangle\) "
         r"are 4x4",
         "The kernel is the whole width x width rectangle: give the layout, <memcpy/get_params> "
         "and the FFT the same width.")
def fft_width_differs_from_memcpy():
    fft_kernel(4, import_width=2)


@mistake("Layout and compile", "FFT_kernel given another width than the import", pw.LayoutError,
         r"<kernels/fft/fft3d_layout>.FFT_kernel: width 2 differs from the import's .width = 4",
         "Pass FFT_kernel the width the library was imported with.")
def fft_kernel_width_differs():
    fft_kernel(4).FFT_kernel(2, 8, pw.f32)


@mistake("Layout and compile", "An FFT kernel that is not the whole rectangle", pw.LayoutError,
         r"<kernels/fft/fft3d_layout>.FFT_kernel: the kernel at \(1, 0\), 4x4, must be the whole "
         r"4x4 rectangle",
         "Place the kernel at (0, 0) of a width x width layout (pywse's library moves data along "
         "whole rows and columns).")
def fft_kernel_off_the_corner():
    fft_kernel(4).FFT_kernel(1, 0, 4, 8, pw.f32)


@mistake("Layout and compile", "FFT_kernel called twice", pw.LayoutError,
         r"<kernels/fft/fft3d_layout>.FFT_kernel: called twice",
         "Call it once: the kernel takes every PE of the rectangle.")
def fft_kernel_twice():
    fft = fft_kernel(2)
    fft.FFT_kernel(2, 4, pw.f32)
    fft.FFT_kernel(2, 4, pw.f32)


@mistake("Layout and compile", "An FFT element type other than f16 or f32", pw.LayoutError,
         r"<kernels/fft/fft3d_layout>.FFT_kernel: the element type must be pw.f16 or pw.f32",
         "Pass pw.f16 or pw.f32 (fft-3d's tensor_type).")
def fft_kernel_integer_type():
    fft_kernel(2).FFT_kernel(2, 4, pw.i16)


@mistake("Layout and compile", "An FFT .memcpy that is not this layout's memcpy import",
         pw.LayoutError,
         r"<kernels/fft/fft3d_layout>: .memcpy must be this layout's <memcpy/get_params> import",
         "Pass the object layout.import_module('<memcpy/get_params>', ...) returned for this "
         "layout.")
def fft_memcpy_of_another_layout():
    other = pw.Layout(2, 2).import_module("<memcpy/get_params>", width=2, height=2)
    fft_kernel(2, memcpy=other)


@mistake("SdkLayout", "<kernels/fft/fft3d_layout> on an SdkLayout", pw.LayoutError,
         r"<kernels/fft/fft3d_layout> is imported by a classic pw.Layout",
         "Use a classic pw.Layout with memcpy, as fft-3d's layout.csl does.")
def fft_on_an_sdklayout():
    sdk_layout().import_module("<kernels/fft/fft3d_layout>", width=2, memcpy=None)


@mistake("The program", "<kernels/fft/fft3d_layout> on wse2", pw.ProgramError,
         r"<kernels/fft/fft3d_layout> at \(0, 0\): the library runs on wse3 only",
         "Compile for wse3 (--arch=wse3), as fft-3d's commands_wse3.sh does.")
def fft_on_wse2():
    lay = pw.Layout(1, 1)
    fft_kernel(layout=lay).FFT_kernel(1, 2, pw.f32)
    pw.compile(lay, arch="wse2")


@mistake("Running", "An FFT launched with a norm other than 0, 1, 2", pw.TaskError,
         r"task 'csfftExecC2C': ValueError: <kernels/fft/fft3d_layout>: norm must be 0 "
         r"\(backward\), 1 \(ortho\) or 2 \(forward\)",
         "Launch with norm 0 (backward), 1 (ortho) or 2 (forward), numpy's meanings.")
def fft_bad_norm():
    lay = pw.Layout(1, 1)
    fft_kernel(layout=lay).FFT_kernel(1, 2, pw.f32)
    runner = pw.SdkRuntime(pw.compile(lay, arch="wse3"), jit=False)
    runner.load()
    runner.run()
    runner.launch("csfftExecC2C", np.int16(3), np.int16(0))


@mistake("Running", "The cycle account before run()", pw.StatsError,
         r"stats\(\): nothing has run yet; call it after load\(\) and run\(\)",
         "Take `runner.stats()` after `run()` and the host commands whose cycles you want "
         "(or after `stop()`).")
def stats_before_run():
    r = pw.SdkRuntime(host_artifacts(), jit=False)
    r.load()
    r.stats()


@mistake("Running", "A cycle-account metric that does not exist", pw.StatsError,
         r"stats.metric\('hot'\): no such metric; the metrics are busy, stalled, idle, "
         r"wavelets, received, tasks",
         "Use one of the metric names the message lists.")
def stats_unknown_metric():
    runtime().stats().metric("hot")


# -- pictures ---------------------------------------------------------------------------------

@mistake("Pictures", "A heatmap before anything ran", pw.PictureError,
         r"heatmap\(\): nothing has run yet; call load\(\) and run\(\), then the host commands "
         r"\(memcpy, launch\) whose activity you want drawn, then heatmap\(\)",
         "Call `runner.heatmap(...)` after `run()` and the host commands whose activity it "
         "should show (or after `stop()`).")
def heatmap_before_run():
    r = pw.SdkRuntime(host_artifacts(), jit=False)
    r.load()
    r.heatmap("busy.png")


@mistake("Pictures", "A heatmap of a metric that does not exist", pw.PictureError,
         r"heatmap\(metric='hot'\): no such metric; the metrics are busy, stalled, idle, "
         r"wavelets, received, tasks",
         "Use one of the metric names the message lists (`Stats.metric`'s names).")
def heatmap_unknown_metric():
    runtime().heatmap("hot.png", metric="hot")


@mistake("Pictures", "A picture in a format other than PNG or SVG", pw.PictureError,
         r"draw\('routes.jpg'\): cannot write a .jpg image; give a path ending in .png or .svg",
         "Name the file `.png` or `.svg`: the format is taken from the suffix.")
def picture_bad_suffix():
    idle_layout().draw("routes.jpg")


@mistake("Pictures", "`pywse show` of a file that defines no layout", pw.PictureError,
         r"examples/sdklayout/sdklayout_05_gemv.py defines no `layout` \(pywse show draws a "
         r"file that defines `layout`: a pw.Layout, an SdkLayout, or a function returning one",
         "Define `layout` at module level (a `pw.Layout`, an `SdkLayout`, or a function of the "
         "`--params` returning one), or call `layout.draw(path)` in the script itself.")
def show_without_layout():
    from pywse.tools.cli import show
    show(str(ROOT / "examples" / "sdklayout" / "sdklayout_05_gemv.py"), "layout.png")


@mistake("Pictures", "A picture without matplotlib installed", pw.PictureError,
         r'pictures need matplotlib: pip install "pywse\[viz\]"',
         "Install the `viz` extra: `pip install \"pywse[viz]\"`.")
def picture_without_matplotlib():
    import sys
    saved = sys.modules.get("matplotlib")
    sys.modules["matplotlib"] = None           # as if it were not installed
    try:
        idle_layout().draw("routes.png")
    finally:
        if saved is None:
            del sys.modules["matplotlib"]
        else:
            sys.modules["matplotlib"] = saved

@mistake("Running", "A trace into a folder that does not exist", pw.TraceError,
         r"trace='.*no_such_folder/run.pftrace': folder .*no_such_folder does not exist",
         "Create the folder first, or give `trace=` a path in one that exists.")
def trace_missing_folder():
    pw.SdkRuntime(host_artifacts(), jit=False, trace="no_such_folder/run.pftrace")


@mistake("Running", "trace_pes outside the kernel", pw.TraceError,
         r"trace_pes=\(1, 0, 2, 1\): the rectangle at \(1, 0\) of 2x1 PEs is not inside the "
         r"2x1 kernel",
         "Give `trace_pes=(x, y, width, height)` within the kernel (its PE coordinates, as in "
         "error messages).")
def trace_pes_outside():
    pw.SdkRuntime(host_artifacts(), jit=False, trace="run.pftrace", trace_pes=(1, 0, 2, 1))


@mistake("Running", "A trace color that is not a color", pw.TraceError,
         r"trace_colors: color 24 is not a color id 0..23",
         "List color ids 0..23 (or `pw.Color` ids) in `trace_colors=`.")
def trace_color_out_of_range():
    pw.SdkRuntime(host_artifacts(), jit=False, trace="run.pftrace", trace_colors=[3, 24])


@mistake("Running", "Two running runtimes tracing into one file", pw.TraceError,
         r"trace='.*twice.pftrace': a running SdkRuntime is writing this trace already; stop\(\) "
         r"it first, or trace into another file",
         "`stop()` the first runtime before the next traces into the same file, or give each "
         "its own file.")
def trace_twice():
    import tempfile
    path = Path(tempfile.gettempdir()) / "twice.pftrace"
    first = pw.SdkRuntime(host_artifacts(), jit=False, trace=path)
    first.load()
    try:
        pw.SdkRuntime(host_artifacts(), jit=False, trace=path)
    finally:
        first.stop()
        path.unlink()


@mistake("Running", "A trace started after run()", pw.TraceError,
         r"runner.trace = 'late.pftrace': a trace is chosen when the runtime is made, so it "
         r"covers the whole run: pass SdkRuntime\(..., trace=PATH\)",
         "Give `trace=` to `SdkRuntime(...)` (or `Harness(...)`), or run the unchanged script "
         "with `pywse run --trace PATH`.")
def trace_after_run():
    r = runtime()
    r.trace = "late.pftrace"


@mistake("Running", "Trace filters without a trace", pw.TraceError,
         r"trace_pes=, trace_colors= and trace_budget= choose what a trace records: give "
         r"trace=PATH too",
         "Add `trace=PATH` (or run under `pywse run --trace PATH`).")
def trace_filter_without_trace():
    pw.SdkRuntime(host_artifacts(), jit=False, trace_colors=[3])


@mistake("Running", "A trace without the perfetto package", pw.TraceError,
         r'trace=: writing a Perfetto trace needs the perfetto package: pip install "pywse\[viz\]"',
         'Install the viz extra: `pip install "pywse[viz]"`.')
def trace_without_perfetto():
    import sys
    saved = sys.modules.get("perfetto.trace_builder.proto_builder")
    sys.modules["perfetto.trace_builder.proto_builder"] = None      # as if not installed
    try:
        pw.SdkRuntime(host_artifacts(), jit=False, trace="run.pftrace")
    finally:
        sys.modules["perfetto.trace_builder.proto_builder"] = saved


# -- root causes and tasks nothing starts --------------------------------------------------

@pw.program
def never_started(p):
    @p.local_task(10)
    def orphan():
        pass


@mistake("Task bodies", "A local task nothing can ever activate", pw.UnreachableTaskWarning,
         r"program 'never_started': local task 'orphan' \(id 10, line \d+\): nothing can ever "
         r"activate it: no task body or helper activates it \(pw.activate, an op's activate=\), "
         r"it is not started by @p.on_start, and no library is handed it",
         "Activate it where its work should start (`pw.activate`, an op's `activate=`, "
         "`@p.on_start`), or remove it.")
def task_nothing_activates():
    compile_one(never_started)


@pw.program
def blocked_for_good(p):
    @p.on_start
    @p.local_task(10)
    def waits():
        pass

    p.block(waits)


@mistake("Task bodies", "A local task that starts blocked and nothing unblocks",
         pw.UnreachableTaskWarning,
         r"program 'blocked_for_good': local task 'waits' \(id 10, line \d+\): it starts blocked "
         r"\(p.block\) and nothing unblocks it",
         "Unblock it where it may start (`pw.unblock`, an op's `unblock=`), or do not block it.")
def task_blocked_for_good():
    compile_one(blocked_for_good)


@pw.program
def forgets_to_activate(p, *, memcpy_params, n: int = 4):
    """`collect` takes n words and should activate `done`, which unblocks the command stream;
    it was never told to (no activate=)."""
    sys = p.memcpy(memcpy_params)
    got = pw.mem1d(p.var("got", pw.u32, n))
    fin = pw.fabin(sys.MEMCPYH2D_1, n, queue=p.input_queue(2, sys.MEMCPYH2D_1))

    @p.local_task(10)
    def done():
        sys.unblock_cmd_stream()

    @p.export
    def collect():
        pw.mov32(got, fin, async_=True)


def runtime_of(program, width=2, **options) -> pw.SdkRuntime:
    """`program` on width x 1 PEs with memcpy (MEMCPYH2D_1 = color 2), plain Python."""
    layout = pw.Layout(width, 1)
    memcpy = layout.memcpy(MEMCPYH2D_1=2)
    for x in range(width):
        layout.set_tile_code(x, 0, program, memcpy_params=memcpy.get_params(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pw.UnreachableTaskWarning)
        r = pw.SdkRuntime(pw.compile(layout), jit=False, **options)
    r.load()
    r.run()
    return r


@mistake("Running", "A task that nothing activates (the run stalls on it)", pw.DeadlockError,
         r"no PE can make progress(.|\n)*\nroot cause: PE \(0, 0\) and 1 more PE\(s\) alike "
         r"\(PE \(1, 0\)\) \[forgets_to_activate\] never calls sys.unblock_cmd_stream\(\): the "
         r"launched function 'collect' ran, and neither calls it nor activates a task that does "
         r"\('done' calls it: nothing activates it\)",
         "Activate the task where its work should start (`pw.activate(done)`, an op's "
         "`activate=done`); the report's first lines name the root cause (docs/testing.md, "
         "\"Reading a stuck run's report\"), and `pw.compile` warned already.")
def task_never_activated():
    r = runtime_of(forgets_to_activate)
    r.memcpy_h2d(2, np.arange(8, dtype=np.uint32), 0, 0, 2, 1, 4, streaming=True,
                 nonblock=True)
    r.launch("collect")


@mistake("Running", "A streaming memcpy_h2d a row short", pw.DeadlockError,
         r"no PE can make progress(.|\n)*\nroot cause: PE \(1, 0\) waits for 4 more wavelet\(s\) "
         r"of color 2 from the host \(memcpy_h2d \(streaming, MEMCPYH2D_1\)\), and no host "
         r"command streams them now: the last one, memcpy_h2d\(color 2, streaming\), did not "
         r"cover it",
         "Stream every word the PEs wait for (the rectangle and `elem_per_pe` of the "
         "memcpy_h2d), or make the kernel expect fewer.")
def stream_a_row_short():
    r = runtime_of(waits_for_stream)
    r.memcpy_h2d(2, np.arange(4, dtype=np.uint32), 0, 0, 1, 1, 4, streaming=True)  # PE (1, 0) left out
    r.launch("collect")


@pw.program
def waits_for_stream(p, *, memcpy_params, n: int = 4):
    """`collect` takes n streamed words; `done` then unblocks the command stream."""
    sys = p.memcpy(memcpy_params)
    got = p.var("got", pw.u32, n, export=True)
    fin = pw.fabin(sys.MEMCPYH2D_1, n, queue=p.input_queue(2, sys.MEMCPYH2D_1))

    @p.local_task(10)
    def done():
        sys.unblock_cmd_stream()

    @p.export
    def collect():
        pw.mov32(pw.mem1d(got), fin, async_=True, activate=done)


@pytest.mark.parametrize("m", CATALOGUE, ids=[m.name for m in CATALOGUE])
def test_mistake(m):
    got = outcome(m)
    if issubclass(m.cls, Warning):
        assert got is not None, f"no {m.cls.__name__} was issued"
    else:
        assert got is not None, f"no error was raised (expected {m.cls.__name__})"
        assert type(got) is m.cls, f"raised {type(got).__name__}, expected {m.cls.__name__}: {got}"
        assert isinstance(got, pw.PywseError)
    text = message(m, got)
    assert re.search(m.match, text), f"the message does not match {m.match!r}:\n{text}"
    assert headline(text).replace(str(ROOT) + "/", "") in doc_text(), (
        "docs/errors.md does not show this message; regenerate it with "
        "`python tests/test_errors.py > docs/errors.md`")


def test_the_catalogue_is_complete():
    assert len(CATALOGUE) >= 40
    assert len({m.name for m in CATALOGUE}) == len(CATALOGUE)
    assert {m.area for m in CATALOGUE} == set(AREAS)
    assert "docs/errors.md" in (ROOT / "README.md").read_text()


# -- docs/errors.md --------------------------------------------------------------------------

def shown_name(cls: type) -> str:
    """The class as users spell it: pw.X, or pywse.testing.X."""
    if getattr(pw, cls.__name__, None) is cls:
        return f"pw.{cls.__name__}"
    return f"pywse.testing.{cls.__name__}"


def as_seen(m: Mistake, got) -> str:
    """The message as the user sees it: a traceback's last line (and the lines it quotes),
    or a warning as Python prints it; paths relative to the repository."""
    if isinstance(got, warnings.WarningMessage):
        text = warnings.formatwarning(got.message, got.category, got.filename, got.lineno)
    else:
        cls = type(got)
        text = f"{cls.__module__}.{cls.__qualname__}: {got}"
    return text.replace(str(ROOT) + "/", "").rstrip()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", text.lower()).replace(" ", "-")


INTRO = """# Error catalogue

Every user mistake pywse knows raises a `pw.PywseError` subclass (or, where the program still
runs but loses data, issues a warning) whose message names where — the PE (x, y), color,
task, region or symbol — and what to do. Errors about a line of your code quote it (the
`p.var`, the task body line, the `set_color_config` call); see
[routes-and-streaming.md](routes-and-streaming.md#errors-point-at-your-line).

Each entry below is the mistake, the class raised, the message exactly as pywse prints it
(taken from `tests/test_errors.py`, which makes each mistake and checks its message; paths
are shown relative to the repository) and the fix. The page is written by
`python tests/test_errors.py > docs/errors.md`.

| class | raised for |
|---|---|
| `pw.ProgramError` | a program body: vars, DSDs, tasks, queues, params |
| `pw.LayoutError` | the layout, compile options, SdkLayout regions and ports |
| `pw.RoutingError` | routes (a `LayoutError` too); route lints under `strict=True` |
| `pw.RoutingWarning` | routes cslc accepts that lose or starve wavelets |
| `pw.MemcpyError` | host commands: memcpy, launch, read_symbol, streams, the runtime's state |
| `pw.MemcpyWarning` | a host command that runs but drops data |
| `pw.TaskError` | a task body that cannot compile or fails while running |
| `pw.DeadlockError`, `pw.CycleLimitError`, `pw.LivelockError` | a run that cannot finish |
| `pw.PictureError` | pictures: `layout.draw`, `runner.heatmap`, `pywse show` |
| `pw.ResourceError` | what this machine's memory cannot hold (the kernel, stream buffers, a host copy); a comptime that never ends |
| `pywse.testing.HarnessError`, `pywse.testing.ExpectError` | the test harness |
"""  # noqa: E501  (a markdown table's rows stay one line each)


def markdown() -> str:
    parts = [INTRO]
    for area in AREAS:
        entries = [m for m in CATALOGUE if m.area == area]
        parts.append(f"- [{area}](#{slug(area)}) ({len(entries)})")
    parts.append("")
    n = 0
    for area in AREAS:
        parts.append(f"## {area}\n")
        for m in (m for m in CATALOGUE if m.area == area):
            n += 1
            got = outcome(m)
            if got is None:
                raise SystemExit(f"{m.name}: no {m.cls.__name__}")
            kind = "warning" if issubclass(m.cls, Warning) else "error"
            parts.append(f"### {n}. {m.title}\n")
            parts.append(f"`{shown_name(m.cls)}` ({kind}). **Fix:** {m.fix}\n")
            parts.append(f"```text\n{as_seen(m, got)}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(markdown(), end="")
