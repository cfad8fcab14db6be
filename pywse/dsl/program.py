"""The kernel DSL surface: `@program`, and the comptime builder `p` it receives.

A program is the Python twin of one `.csl` file. Its keyword arguments are compile-time
params; it runs at compile time (comptime) for a PE and *declares* memory, DSDs and tasks.
Everything it returns is symbolic (a `Var` is a name + offset, not an array) so that one
comptime run serves every PE with the same params, and the result (`ProgramImage`) is plain
data that the runtime binds to its own memory arena.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import sys
from typing import Any, Callable

import numpy as np

from ..errors import ProgramError, caller_site, site_of_tb, user_boundary
from ..types import PE_MEMORY_BYTES, Color, dtype_of
from . import modules, queues
from .dsd import DSD_REG_WORDS, FABIN, FABOUT, DsdVar, FabDesc, Fifo, MemDesc
from .image import (
    ALIGN,
    LOCAL_TASK_IDS,
    MemcpyModule,
    MemcpyParams,
    PEContext,
    ProgramImage,
    Task,
    task_arg_types,
)
from .peconfig import PEConfig
from .queues import Queue
from .symbols import Var

MAX_FIFOS = 8


class Builder(PEConfig):
    """The `p` a program receives. Declares memory, tasks and modules for one PE kind."""

    def __init__(self, program: "Program", ctx: PEContext):
        self._program = program
        self._ctx = ctx
        self._vars: list[Var] = []
        self._var_sites: dict = {}     # name -> errors.Site of the p.var / p.const call
        self._local_routes: dict = {}  # color -> (route keywords, site): set_local_color_config
        self._init = bytearray()
        self._tasks: list[Task] = []
        self._on_start: list[int] = []
        self._blocked: list[Task] = []
        self._memcpy: MemcpyModule | None = None
        self._data_tasks: list[Task] = []
        self._unblocked: list[int] = []
        self._fifos: list = []
        self._queues: dict[tuple[int, int], int] = {}
        self._ut_ids: set[int] = set()   # microthreads pw.get_ut_id named (wse3)
        self._scope: list[str] = []      # the module instances being instantiated, outermost first
        self._libraries: list = []       # each one's SDK library name (None: a user module)
        self._queue_owner: dict = {}     # (kind, queue) -> (instance, library) that bound it
        self._task_library: dict = {}    # task name -> the SDK library that declared it
        self._instances: set[str] = set()
        self._at_end: list = []          # (module scope, fn): run when the program body returns
        self._reserved: dict[int, str] = {}   # color -> the library that reserves it
        self._control_table: tuple[int, int] | None = None   # @set_control_task_table (wse3)
        self._teardown: Task | None = None   # p.set_teardown_handler: the handler task (id 29)
        self._teardown_colors: list[int] = []
        self._teardown_site = None
        self._flush_handlers: dict[int, Task] = {}   # queue code -> its empty-queue handler
        self._flush_site = None
        self._priorities: list = []      # (task, queue or color; level): task_priority calls
        self._main_priority = 0          # main_thread_priority level (MEDIUM_LOW)
        self.coord_read = False

    # -- where am I ---------------------------------------------------------------------
    @property
    def arch(self) -> str:
        """"wse2" or "wse3": the arch compiled for (CSL `@is_arch`)."""
        return self._ctx.arch

    @property
    def x(self) -> int:
        """This PE's column in the program's rectangle (`<layout>`'s `get_x_coord()`)."""
        self.coord_read = True
        return self._ctx.x

    @property
    def y(self) -> int:
        """This PE's row in the program's rectangle (`<layout>`'s `get_y_coord()`)."""
        self.coord_read = True
        return self._ctx.y

    @property
    def width(self) -> int:
        """The rectangle's width: the layout's, or this PE's SdkLayout region's."""
        self.coord_read = True          # an SdkLayout region's size differs from region to region
        return self._ctx.width

    @property
    def height(self) -> int:
        """The rectangle's height: the layout's, or this PE's SdkLayout region's."""
        self.coord_read = True
        return self._ctx.height

    # -- memory ---------------------------------------------------------------------------
    def var(self, name: str, dtype, shape=1, init=None, export: bool = False,
            align: int | None = None) -> Var:
        """Declare an array in PE memory (CSL `var name: [shape]dtype = init;`); `align`
        (bytes, a power of two) places it as CSL's `align(16)` does."""
        return self._declare(name, dtype, shape, init, export, const=False, align=align)

    def const(self, dtype, values) -> Var:
        """A read-only array initialised from `values` (CSL `const c = [n]T{...};`)."""
        values = np.asarray(values)
        return self._declare(f"__const{len(self._vars)}", dtype, values.shape or 1, values,
                             False, const=True)

    def _declare(self, name, dtype, shape, init, export, const, align=None) -> Var:
        where = f"program '{self._program.name}' at ({self._ctx.x}, {self._ctx.y})"
        if not isinstance(name, str) or not name.isidentifier():
            raise ProgramError(f"{where}: var name {name!r} must be an identifier")
        name = self.scoped(name)
        if any(v.name == name for v in self._vars):
            raise ProgramError(f"{where}: var '{name}' is declared twice; give each var its "
                               "own name")
        try:
            dt = dtype_of(dtype)
        except TypeError as e:
            raise ProgramError(f"{where}: var '{name}': {e}") from None
        shape = (int(shape),) if np.isscalar(shape) else tuple(int(s) for s in shape)
        if not shape or any(s <= 0 for s in shape):
            raise ProgramError(f"{where}: var '{name}' has shape {shape}; every extent must be >= 1")
        if align is not None and (not isinstance(align, int) or align < 1 or align & (align - 1)):
            raise ProgramError(f"{where}: var '{name}': align={align!r} must be a power of two "
                               "(bytes)")
        step = max(ALIGN, align or ALIGN)
        offset = -(-len(self._init) // step) * step
        var = Var(name, dt, shape, offset, bool(export), const)
        data = np.zeros(shape, dt)
        if init is not None:
            try:
                init = np.asarray(init)
                data[...] = init.reshape(shape) if init.size == data.size else init
            except (ValueError, TypeError) as e:
                raise ProgramError(f"{where}: init of var '{name}' does not fit shape {shape}: {e}") from None
        self._init.extend(bytes(offset - len(self._init)))
        self._init.extend(data.tobytes())
        self._vars.append(var)
        self._var_sites[name] = caller_site(sys._getframe(1))
        return var

    def dsr(self, kind: str, id: int):
        """The DSR (kind, id) of this PE kind, its register a hidden var (dsl/dsr.py)."""
        from .dsr import WORDS, Dsr
        name = f"__{kind}_{id}"
        if any(v.name == self.scoped(name) for v in self._vars):
            raise ProgramError(f"program '{self._program.name}': DSR {kind} {id} is taken "
                               "twice; each (kind, id) may be taken once (CSL)")
        return Dsr(kind, id, self._declare(name, np.int32, WORDS, None, False, const=False))

    def set_init(self, var: Var, values: np.ndarray) -> None:
        """Replace the initial value of `var` (a comptime `load_to_dsr`)."""
        data = np.asarray(values, var.dtype).tobytes()
        self._init[var.offset:var.offset + len(data)] = data

    def fifo(self, var: Var):
        """A FIFO over `var` (CSL `@allocate_fifo`): an async op can push into it while
        another pops from it; pushing into a full FIFO or popping an empty one waits."""
        if not isinstance(var, Var) or var.dtype.itemsize not in (2, 4):
            raise ProgramError(f"program '{self._program.name}': p.fifo needs a 16- or 32-bit "
                               f"array declared with p.var, got {var!r}")
        if len(self._fifos) >= MAX_FIFOS:
            raise ProgramError(f"program '{self._program.name}': at most {MAX_FIFOS} FIFOs per PE")
        fifo = Fifo(var, len(self._fifos))
        self._fifos.append(fifo)
        return fifo

    def dsd_var(self, desc):
        """A mutable DSD initialised to `desc` (CSL `var d = @get_dsd(...)`); tasks
        reassign it with `nonlocal d` and every task sees the new value. A fabin or fabout
        keeps its color and queue; tasks change its length (`pw.set_dsd_length`)."""
        if not isinstance(desc, (MemDesc, FabDesc)):
            raise ProgramError(f"program '{self._program.name}': p.dsd_var needs a memory DSD "
                               f"(pw.mem1d/pw.mem4d) or a fabric one (pw.fabin/pw.fabout), "
                               f"got {desc!r}")
        words = DsdVar.encode(desc)
        reg = self._declare(f"__dsd{len(self._vars)}", np.uint32, DSD_REG_WORDS,
                            np.array(words, np.int64).astype(np.uint32), False, const=False)
        return DsdVar(desc, reg)

    # -- tasks ----------------------------------------------------------------------------
    def local_task(self, id: int):
        """Bind the decorated function as local task `id` (CSL `@bind_local_task`)."""
        return self._task_decorator("local", id)

    def data_task(self, color_or_queue, id: int | None = None):
        """Bind a wavelet-triggered task: it runs once per wavelet arriving on the color
        (wse2: task id = color) or input queue (wse3: task id = queue; a free queue is
        bound to the color when a color is given). Its arguments receive the wavelet."""
        where = f"program '{self._program.name}': data task"
        if isinstance(color_or_queue, Queue):
            if color_or_queue.kind != FABIN:
                raise ProgramError(f"{where} needs an input queue, got {color_or_queue!r}")
            color, queue = color_or_queue.color, color_or_queue.id
        else:
            try:
                color, queue = Color(int(color_or_queue)).id, None
            except (TypeError, ValueError):
                raise ProgramError(f"{where}: {color_or_queue!r} is neither a color nor an "
                                   "input queue") from None
        if id is not None and self.arch == "wse2" and int(id) != color:
            raise ProgramError(f"{where}: on wse2 a data task's id is its color ({color}), not {id}")
        if id is not None and self.arch == "wse3":
            queue = int(id)
        key = ("data", color, queue)

        def deco(fn):
            task = self._add_task(fn, "data", None, self.scoped(fn.__name__))
            task.color, task.queue = color, queue
            self._data_tasks.append(task)
            return task
        self._check_queue(queue, FABIN, key)
        return deco

    def control_task(self, id: int):
        """Bind a control task, run when a control wavelet carrying `id` reaches the CE."""
        if not (isinstance(id, (int, np.integer)) and 0 <= id <= 62):
            raise ProgramError(f"program '{self._program.name}': control task id {id!r} is out "
                               "of range 0..62 (63, 0x3F, is a control wavelet's 'no control "
                               "task')")

        def deco(fn):
            return self._add_task(fn, "control", int(id), self.scoped(fn.__name__))
        return deco

    def input_queue(self, q: int, color) -> "Queue":
        """Bind input queue `q` to `color` (CSL `@initialize_queue` of an input_queue)."""
        return self._bind_queue(FABIN, q, color)

    def output_queue(self, q: int, color) -> "Queue":
        """Bind output queue `q` to `color` (CSL `@initialize_queue` of an output_queue)."""
        return self._bind_queue(FABOUT, q, color)

    def _bind_queue(self, kind, q, color) -> "Queue":
        try:
            queue = Queue(kind, int(q), Color(int(color)).id)
        except (TypeError, ValueError) as e:
            raise ProgramError(f"program '{self._program.name}': bad queue binding: {e}") from None
        self._check_queue(queue.id, kind, queue)
        bound = self._queues.setdefault((kind, queue.id), queue.color)
        if bound != queue.color:
            raise ProgramError(f"program '{self._program.name}': {queue.name} queue {queue.id} is "
                               f"bound to color {bound} and {queue.color}; give each color "
                               "its own queue")
        if self._libraries and self._libraries[-1]:
            self._queue_owner.setdefault((kind, queue.id),
                                         (".".join(self._scope), self._libraries[-1]))
        return queue

    def _check_queue(self, q, kind, what):
        queues.check_queue(q, kind, self.arch, self._ctx.memcpy, f"program '{self._program.name}'")


    def export(self, fn: Callable | None = None, *, name: str | None = None):
        """Make `fn` host-callable (`runner.launch(name, *args)`); args must be typed scalars."""
        def deco(f):
            return self._add_task(f, "export", None, self.scoped(name or f.__name__))
        return deco(fn) if fn is not None else deco

    def on_start(self, task: Task) -> Task:
        """Activate `task` at startup (CSL `comptime { @activate(id); }`)."""
        self._check_local(task, "p.on_start")
        self._on_start.append(task.id)
        return task

    def activate(self, task: Task) -> None:
        """Comptime activation: the same as `p.on_start(task)`."""
        self.on_start(task)

    def block(self, task: Task) -> None:
        """Start a local or data task blocked (CSL `comptime { @block(id); }`); a blocked
        data task leaves its wavelets in the input queue."""
        if not isinstance(task, Task) or task.kind not in ("local", "data"):
            raise ProgramError(f"program '{self._program.name}': p.block needs a local or data "
                               f"task, got {task!r}")
        self._blocked.append(task)

    def unblock(self, channel) -> None:
        """Start an input queue (wse3) or color (wse2) unblocked, so control wavelets reach
        the CE though no data task is bound to it (CSL `comptime { @unblock(iq); }`)."""
        if isinstance(channel, Queue):
            chan = channel.color if self.arch == "wse2" else channel.id
        elif isinstance(channel, Task) and channel.kind == "local":
            self._blocked = [t for t in self._blocked if t is not channel]
            return
        else:
            try:
                chan = Color(int(channel)).id
            except (TypeError, ValueError):
                raise ProgramError(f"program '{self._program.name}': p.unblock needs an input "
                                   f"queue, a color or a local task, got {channel!r}") from None
        self._unblocked.append(chan)

    # -- modules (modules.py) -----------------------------------------------------------------
    def import_module(self, target, params=None, /, *, name: str | None = None, **kwparams):
        """Import a module (CSL `@import_module`): a `@pw.module` function, or an SDK library
        by its CSL name (`"<time>"`); `params` (a dict, or memcpy's params for
        `"<memcpy/memcpy>"`) and keyword params are its params. Returns the instance, whose
        attributes are what the module returned; `name=` names it (two imports of one module
        on a PE need two names)."""
        where = f"program '{self._program.name}'"
        if target == "<memcpy/memcpy>":
            return self.memcpy(params if params is not None else kwparams.get("memcpy_params"))
        if isinstance(target, str):
            target = modules.find_library(target, where)
        if not isinstance(target, modules.Module):
            raise ProgramError(f"{where}: import_module takes a @pw.module function or a "
                               f"library name such as '<time>', got {target!r}")
        if params is not None and not isinstance(params, dict):
            raise ProgramError(f"{where}: import_module's params must be a dict (or keyword "
                               f"params), got {type(params).__name__}")
        instance = name or modules.default_instance_name(target)
        if not instance.isidentifier():
            raise ProgramError(f"{where}: module instance name {instance!r} must be an "
                               "identifier")
        full = self.scoped(instance)
        if full in self._instances:
            raise ProgramError(f"{where}: module instance '{full}' is imported twice on this "
                               "PE; give each import its own name= (p.import_module(..., "
                               "name='x_axis'))")
        self._instances.add(full)
        return modules.instantiate(self, target, instance, {**(params or {}), **kwparams},
                                   where)

    @contextlib.contextmanager
    def scope(self, instance: str, library: str | None = None):
        """Declarations inside are the module instance's: named `<instance>.<name>`;
        `library` is its SDK library name (queues it binds are the library's own)."""
        self._scope.append(instance)
        self._libraries.append(library)
        try:
            yield
        finally:
            self._scope.pop()
            self._libraries.pop()

    def scoped(self, name: str) -> str:
        return ".".join(self._scope + [name])

    def memcpy(self, params: MemcpyParams) -> MemcpyModule:
        """Import the memcpy module (CSL `@import_module("<memcpy/memcpy>", params)`)."""
        if not isinstance(params, MemcpyParams):
            raise ProgramError(f"program '{self._program.name}': p.memcpy() needs the params "
                               "from layout.memcpy(...).get_params(x), got "
                               f"{type(params).__name__}")
        self._memcpy = self._memcpy or MemcpyModule(params)
        return self._memcpy

    def _check_local(self, task, what):
        if not isinstance(task, Task) or task.kind != "local":
            raise ProgramError(f"program '{self._program.name}': {what} needs a local task "
                               f"(decorate with @p.local_task(id) first), got {task!r}")

    def _task_decorator(self, kind, id):
        lo, hi = LOCAL_TASK_IDS[self._ctx.arch]
        if kind == "local" and not (isinstance(id, (int, np.integer)) and lo <= id <= hi):
            raise ProgramError(f"program '{self._program.name}': local task id {id!r} is out of "
                               f"range for {self._ctx.arch} ({lo}..{hi})")

        def deco(fn):
            return self._add_task(fn, kind, int(id), self.scoped(fn.__name__))
        return deco

    def _add_task(self, fn, kind, id, name, handler: bool = False) -> Task:
        """`handler`: a function the teardown task runs (a color's or a queue's handler):
        several share id 29, and no other task may have it."""
        if isinstance(fn, Task):
            raise ProgramError(f"'{fn.name}' is already a task; put @p.on_start above the "
                               "task decorator, not below it")
        if not callable(fn):
            raise ProgramError(f"program '{self._program.name}': cannot make a task of {fn!r}")
        for t in self._tasks:
            if t.name == name and (t.kind == "export") == (kind == "export"):
                raise ProgramError(f"program '{self._program.name}': two tasks named '{name}'; "
                                   "rename one")
            if id is not None and t.id == id and t.kind == kind and \
                    (handler or self._is_handler(t)):
                if handler and self._is_handler(t):
                    continue
                user = t.name if handler else name
                raise ProgramError(f"program '{self._program.name}': task '{user}' is bound "
                                   f"to id {id}, the teardown task, which runs this "
                                   "program's teardown and empty-queue handlers; no task may "
                                   f"be bound to it then (CSL): give '{user}' another id")
            if id is not None and t.id == id and t.kind == kind:
                libs = [f"'{n}' is {self._task_library[n]}'s" for n in (t.name, name)
                        if n in self._task_library]
                mine = self._libraries[-1] if self._libraries else None
                if mine and name not in self._task_library:
                    libs.append(f"'{name}' is {mine}'s")
                fix = ("give the library other task ids (its entrypoints) or your task "
                       "another id" if libs else "give each task its own id")
                raise ProgramError(f"program '{self._program.name}': task id {id} is bound "
                                   f"twice ('{t.name}' and '{name}'"
                                   + (f"; {', '.join(libs)}" if libs else "") + f"); {fix}")
        arg_types = task_arg_types(fn, name, kind, self._program.name)
        task = Task(name, kind, id, fn, arg_types)
        if self._libraries and self._libraries[-1]:
            self._task_library[name] = self._libraries[-1]
        self._tasks.append(task)
        return task


    def declared_queues(self) -> dict[tuple[int, int], int]:
        """(kind, queue) -> color of the queues the program bound so far (explicitly)."""
        return dict(self._queues)

    def declared_tasks(self) -> list[Task]:
        """Every task bound so far (a library's end-of-body check reads their captures)."""
        return list(self._tasks)

    def data_tasks(self) -> list[Task]:
        """The data tasks bound so far (their color, and queue if given)."""
        return list(self._data_tasks)


    def image(self, params) -> ProgramImage:
        self._run_at_end()
        used = -(-len(self._init) // ALIGN) * ALIGN
        init = bytes(self._init) + bytes(used - len(self._init))
        exports = {t.name: t for t in self._tasks if t.kind == "export"}
        image = ProgramImage(self._program, dict(params), list(self._vars), init,
                             list(self._tasks), exports, list(self._on_start),
                             [], self._memcpy is not None, self.coord_read)
        self._bind_queues(image)
        self._check_task_table()
        image.control_table = self._control_table
        image.start_blocked = [t.id for t in self._blocked]   # data task ids are bound now
        image.fifos = list(self._fifos)
        image.start_unblocked = list(self._unblocked)
        image.var_sites = self._var_sites
        image.local_routes = dict(self._local_routes)
        image.reserved_colors = dict(self._reserved)
        image.teardown_colors = tuple(self._teardown_colors)
        image.teardown_site = self._teardown_site
        image.flush_handlers = dict(self._flush_handlers)
        image.high_tasks = self._high_tasks()
        image.main_thread_priority = self._main_priority
        image.arch = self.arch
        return image

    def _bind_queues(self, image: ProgramImage) -> None:
        queues.bind_queues(image, where=f"program '{self._program.name}'", arch=self.arch,
                           memcpy=self._ctx.memcpy, tasks=self._tasks,
                           data_tasks=self._data_tasks, explicit=self._queues,
                           microthreads=frozenset(self._ut_ids), owners=self._queue_owner)


_BUILDERS: list[Builder] = []
"""The builders whose program bodies are running (comptime builtins that declare state,
`pw.get_dsr`, find theirs here)."""


def current_builder(what: str) -> Builder:
    """The builder of the program body running now."""
    if not _BUILDERS:
        raise ProgramError(f"{what} belongs in a program body (it declares state on the PE)")
    return _BUILDERS[-1]


class Program:
    """A decorated PE program. Call `instantiate` (the compiler does) to run its comptime."""

    def __init__(self, fn: Callable):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.name = fn.__name__
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        if not params or params[0].kind not in (params[0].POSITIONAL_ONLY,
                                                params[0].POSITIONAL_OR_KEYWORD):
            raise ProgramError(f"program '{self.name}' must take the builder as its first "
                               "argument: def prog(p, *, param1, ...)")
        self.param_names = {p.name for p in params[1:]}
        self.required = {p.name for p in params[1:] if p.default is p.empty}
        self._images: dict = {}

    def __repr__(self) -> str:
        return f"<pywse program {self.__module__}.{self.__qualname__}>"

    def __reduce__(self):
        """Pickle by reference (module + name), so compiled layouts can be saved."""
        if "<locals>" in self.__qualname__:
            raise ProgramError(f"program '{self.name}' is defined inside a function and cannot "
                               "be saved; define it at module level")
        return (_load_program, (self.__module__, self.__qualname__))

    def __call__(self, *args, **kwargs):
        raise ProgramError(f"program '{self.name}' is not called directly: place it with "
                           "layout.set_tile_code(x, y, program, **params)")

    def check_params(self, params: dict, where: str) -> None:
        modules.check_params(f"program '{self.name}'", self.param_names, self.required,
                             params, where)

    def instantiate(self, ctx: PEContext, params: dict) -> ProgramImage:
        """Run comptime for one PE, reusing a previous run when nothing it read differs."""
        key = (ctx.arch, ctx.width, ctx.height, ctx.memcpy, _freeze(params))
        cached = self._images.get(key)
        if cached is not None and not cached.coord_dependent:
            return cached
        builder = Builder(self, ctx)
        _BUILDERS.append(builder)
        try:
            self.fn(builder, **params)
        except ProgramError:
            raise
        except Exception as e:
            raise ProgramError(f"program '{self.name}' failed at comptime for PE "
                               f"({ctx.x}, {ctx.y}): {type(e).__name__}: {e}"
                               ).at(site_of_tb(e.__traceback__)) from e
        finally:
            _BUILDERS.pop()
        image = builder.image(params)
        if image.mem_bytes > PE_MEMORY_BYTES:
            top = sorted(image.vars, key=lambda v: -v.nbytes)[:3]
            raise ProgramError(
                f"PE ({ctx.x}, {ctx.y}): program '{self.name}' needs {image.mem_bytes} bytes of "
                f"memory, more than the {PE_MEMORY_BYTES} a PE has; largest symbols: "
                + ", ".join(f"'{v.name}' {v.nbytes} B" for v in top)
            ).at(image.var_sites.get(top[0].name), f"the largest, '{top[0].name}', is declared here:")
        self._images[key] = image
        return image


@user_boundary
def program(fn: Callable) -> Program:
    """Decorator: turn `def prog(p, *, params...)` into a PE program."""
    return Program(fn)


def _load_program(module: str, qualname: str) -> Program:
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, Program):
        raise ProgramError(f"{module}.{qualname} is not a pywse program")
    return obj


def _freeze(value):
    """A hashable key for comptime params (arrays by content)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return (type(value).__name__, value)
