"""Modules: CSL's `@import_module`, for the user's own modules and the SDK's libraries.

A module is a function `def m(p, *, params...)` decorated `@pw.module`: like a program, it
declares memory, DSDs and tasks through the builder `p`, and it returns what the importer
may use (`return locals()`, or a dict of names). Importing it into a program,

    c = p.import_module(counter, step=2)              # CSL: @import_module("counter.csl", ...)
    t = p.import_module("<time>")                     # an SDK library, by its CSL name

runs it at comptime for that PE with its own scope: the symbols and tasks it declares are
named `<instance>.<name>` (the instance is the module's name, or `name=`), so one module
imported twice on a PE gives two independent instances. Task bodies call what it returns,
`c.bump()`, `t.get_timestamp(stamp)`, as they call their own helpers.

The SDK's libraries are pywse modules under `pywse/lib/`; each registers itself here by its
CSL name (`@library("<time>")`), so this layer resolves a name without knowing any library.
"""
from __future__ import annotations

import difflib
import functools
import inspect
from typing import Any, Callable

from ..errors import ProgramError, site_of_tb, user_boundary

LIBRARIES: dict[str, "Module"] = {}
"""PE-side libraries by CSL name ("<time>", "<collectives_2d/pe>", ...)."""
LAYOUT_LIBRARIES: dict[str, Callable] = {}
"""Layout-side libraries by CSL name ("<collectives_2d/params>", ...): factories called with
the layout and the import's params, `factory(layout, **params)` (layout/imports.py)."""


class Module:
    """A `@pw.module` function: instantiated into a program by `p.import_module`."""

    def __init__(self, fn: Callable, csl_name: str | None = None):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.name = fn.__name__
        self.csl_name = csl_name
        params = list(inspect.signature(fn).parameters.values())
        if not params or params[0].kind not in (params[0].POSITIONAL_ONLY,
                                                params[0].POSITIONAL_OR_KEYWORD):
            raise ProgramError(f"module '{self.name}' must take the builder as its first "
                               "argument: def my_module(p, *, param1, ...)")
        self.param_names = {q.name for q in params[1:]}
        self.required = {q.name for q in params[1:] if q.default is q.empty}

    def __repr__(self) -> str:
        return f"<pywse module {self.csl_name or self.name}>"

    def __call__(self, *args, **kwargs):
        raise ProgramError(f"module '{self.name}' is not called directly: import it into a "
                           f"program with p.import_module({self.name}, ...)")


class ModuleInstance:
    """One import of a module on a PE: its name and what the module returned (attributes)."""

    def __init__(self, name: str, module: Module, members: dict[str, Any]):
        self._name, self._module = name, module
        self._members = members
        for key, value in members.items():
            setattr(self, key, value)

    @property
    def members(self) -> dict[str, Any]:
        return dict(self._members)

    def __repr__(self) -> str:
        return f"<module instance {self._name} of {self._module!r}>"

    def __getattr__(self, attr: str):
        if attr.startswith("_"):
            raise AttributeError(attr)
        close = difflib.get_close_matches(attr, list(self._members), n=1)
        raise AttributeError(f"module instance '{self._name}' has no '{attr}'"
                             + (f" (did you mean '{close[0]}'?)" if close else "")
                             + f"; it has: {', '.join(sorted(self._members)) or 'nothing'}")


@user_boundary
def module(fn: Callable) -> Module:
    """Decorator: turn `def my_module(p, *, params...)` into a module (CSL: a `.csl` file a
    program imports with `@import_module`)."""
    return Module(fn)


def library(csl_name: str):
    """Register a module as the SDK library `csl_name` (used by pywse/lib/)."""
    def register(fn: Callable) -> Module:
        mod = Module(fn, csl_name)
        LIBRARIES[csl_name] = mod
        return mod
    return register


def layout_library(csl_name: str):
    """Register a factory as the layout-side SDK library `csl_name` (used by pywse/lib/)."""
    def register(factory: Callable) -> Callable:
        LAYOUT_LIBRARIES[csl_name] = factory
        return factory
    return register


def find_library(target: str, where: str, layout: bool = False):
    """The library registered as `target`, or a ProgramError listing the ones pywse has."""
    table = LAYOUT_LIBRARIES if layout else LIBRARIES
    found = table.get(target)
    if found is not None:
        return found
    side = "layout" if layout else "PE"
    other = LIBRARIES if layout else LAYOUT_LIBRARIES
    if target in other:
        raise ProgramError(f"{where}: {target} is imported on the "
                           f"{'PE' if layout else 'layout'} side in CSL; "
                           f"{'p.import_module' if layout else 'layout.import_module'}"
                           f"({target!r}, ...) imports it")
    if target.endswith(".csl"):
        raise ProgramError(f"{where}: {target!r} is a CSL file; in pywse a module is a "
                           "@pw.module function: import it with p.import_module(my_module, "
                           "...)")
    close = difflib.get_close_matches(target, list(table), n=1)
    raise ProgramError(f"{where}: pywse has no {side} library {target!r}"
                       + (f" (did you mean {close[0]!r}?)" if close else "")
                       + f"; it has: {', '.join(sorted(table)) or 'none'}")


def default_instance_name(mod: Module) -> str:
    """`<collectives_2d/pe>` -> collectives_2d; a user module -> its function's name."""
    if mod.csl_name:
        return mod.csl_name.strip("<>").split("/")[0].replace("-", "_")
    return mod.name


def check_params(what: str, names: set, required: set, params: dict, where: str) -> None:
    """The params given to a program or module (`what`: "program 'gemv'") name only params
    it declares and every one it needs."""
    unknown = set(params) - names
    if unknown:
        raise ProgramError(f"{where}: {what} has no param {', '.join(sorted(unknown))} "
                           f"(its params: {', '.join(sorted(names)) or 'none'})")
    missing = required - set(params)
    if missing:
        word = "param" if len(missing) == 1 else "params"
        raise ProgramError(f"{where}: {what} needs {word} {', '.join(sorted(missing))}")


def instantiate(builder, mod: Module, name: str, params: dict, where: str) -> ModuleInstance:
    """Run module `mod` at comptime on `builder`'s PE, scoped as instance `name`."""
    check_params(f"module '{mod.csl_name or mod.name}'", mod.param_names, mod.required,
                 params, where)
    with builder.scope(name, library=mod.csl_name):
        try:
            members = mod.fn(builder, **params)
        except ProgramError:
            raise
        except Exception as e:
            raise ProgramError(f"{where}: module '{mod.csl_name or mod.name}' (instance "
                               f"'{name}') failed at comptime: {type(e).__name__}: {e}"
                               ).at(site_of_tb(e.__traceback__)) from e
    if members is None:
        members = {}
    if not isinstance(members, dict):
        members = {k: v for k, v in vars(members).items() if not k.startswith("_")}
    members = {k: v for k, v in members.items() if not k.startswith("_") and v is not builder}
    return ModuleInstance(name, mod, members)
