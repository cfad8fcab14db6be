"""Deliberate mistakes made in the examples, generically (tests/test_root_causes.py): drop one
activation from an example's source, shorten one host stream, unbind one data task.

Each mutation knows what it removed (the task, the stream and its PEs, the color), so a test
can check that a stuck run's report leads with it.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import attrs
import numpy as np

import pywse as pw
from pywse.dsl.program import Builder


@attrs.frozen
class Activation:
    """One activation in an example's source: `pw.activate(task)`, an op's `activate=task`,
    or `@p.on_start` / `p.on_start(task)`; `span` is (line, column, end column) of the text
    that goes."""

    task: str
    how: str
    line: int
    span: tuple[int, int, int]


def _is_activate(call: ast.Call) -> bool:
    f = call.func
    name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    return name == "activate" and len(call.args) == 1 and isinstance(call.args[0], ast.Name)


def _is_on_start(node) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "on_start"


def activations(path: Path) -> list[Activation]:
    """Every activation of a task named by a plain name in `path`, in source order."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if _is_activate(call) or (_is_on_start(call.func) and len(call.args) == 1
                                      and isinstance(call.args[0], ast.Name)):
                found.append(Activation(call.args[0].id, "call", node.lineno,
                                        (node.lineno, node.col_offset, node.end_col_offset)))
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "activate" and isinstance(kw.value, ast.Name) \
                        and kw.lineno == kw.end_lineno:
                    found.append(Activation(kw.value.id, "option", kw.lineno,
                                            (kw.lineno, kw.col_offset, kw.end_col_offset)))
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if _is_on_start(deco):
                    found.append(Activation(node.name, "on_start", deco.lineno,
                                            (deco.lineno, deco.col_offset - 1,
                                             deco.end_col_offset)))
    return sorted(found, key=lambda a: a.span)


def without(path: Path, act: Activation, folder: Path) -> Path:
    """A copy of example `path` in `folder` without activation `act` (same lines, so a
    report's line numbers match the original's)."""
    lines = path.read_text().splitlines(keepends=True)
    line, start, end = act.span
    text = lines[line - 1]
    if act.how == "option":             # as if left out
        text = text[:start] + "activate=None" + text[end:]
    elif act.how == "call":
        text = text[:start] + "pass" + text[end:]
    else:                               # the decorator line
        text = text[:start] + text[end:]
        text = "\n" if not text.strip() else text
    lines[line - 1] = text
    out = folder / path.name
    out.write_text("".join(lines))
    return out


def load(path: Path, name: str, home: Path | None = None):
    """Import an example file as a module named `name` (its own folder, or `home`, on
    sys.path: the sdklayout examples import one another)."""
    folder = str(home or path.parent)
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module


@attrs.define
class ShortStream:
    """Shortens the `which`-th streaming host command that sends data (memcpy_h2d with
    streaming=True, or an SdkLayout stream's send) by one row of PEs (by one word per PE when
    the rectangle has one row, by one word for a send): what it left out is recorded."""

    which: int = 0
    seen: int = 0
    color: int | None = None
    left_out: list = attrs.Factory(list)    # the (x, y) of PEs that get fewer words

    def install(self, monkeypatch) -> None:
        h2d, send = pw.SdkRuntime.memcpy_h2d, pw.SdkRuntime.send
        mutant = self

        def memcpy_h2d(rt, color, src, x0, y0, w, h, n, *args, streaming=False, **kw):
            if streaming and mutant._mine():
                mutant.color = int(color)
                if h > 1:
                    h -= 1
                    mutant.left_out = [(x0 + i, y0 + h) for i in range(w)]
                else:
                    n -= 1
                    mutant.left_out = [(x0 + i, y0) for i in range(w)]
                src = np.asarray(src).reshape(-1)[:w * h * n]
            return h2d(rt, color, src, x0, y0, w, h, n, *args, streaming=streaming, **kw)

        def send_short(rt, stream, array, *args, **kw):
            if mutant._mine():
                array = np.asarray(array).reshape(-1)[:-1]
                mutant.left_out = [("input stream", stream.index)]
            return send(rt, stream, array, *args, **kw)

        monkeypatch.setattr(pw.SdkRuntime, "memcpy_h2d", memcpy_h2d)
        monkeypatch.setattr(pw.SdkRuntime, "send", send_short)

    def _mine(self) -> bool:
        self.seen += 1
        return self.seen - 1 == self.which


@attrs.define
class Unbound:
    """Leaves data task `task` unbound: `@p.data_task(...)` returns the function as it is,
    so the color's wavelets reach a queue (or a router) with no data task; the colors it
    would have been bound to are recorded."""

    task: str
    colors: set = attrs.Factory(set)

    def install(self, monkeypatch) -> None:
        data_task = Builder.data_task
        mutant = self

        def unbound(p, color_or_queue, id=None):
            deco = data_task(p, color_or_queue, id)

            def maybe(fn):
                if fn.__name__ != mutant.task:
                    return deco(fn)
                q = color_or_queue
                mutant.colors.add(int(getattr(q, "color", q)))
                return fn
            return maybe

        monkeypatch.setattr(Builder, "data_task", unbound)


def data_tasks(path: Path) -> list[str]:
    """The names of the functions `@p.data_task(...)` decorates in `path`."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                and d.func.attr == "data_task" for d in node.decorator_list):
            names.append(node.name)
    return names
