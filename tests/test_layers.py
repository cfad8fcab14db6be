"""The package's layers import only downward (docs/architecture.md):

    errors, types  <-  dsl  <-  layout  <-  sim  <-  host  <-  lib  <-  testing, tools

The top-level modules other than errors/types (`__init__`, `__main__` and the SDK drop-in
faces such as `sdk_utils`) are the public face: they may import any layer, and no layer may
import them. Imports are read with `ast`, function-level ones included.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pywse"
RANK = {"errors": 0, "types": 0, "dsl": 1, "layout": 2, "sim": 3, "host": 4, "lib": 5,
        "testing": 6, "tools": 6}
FACE = 99   # pywse/__init__.py and the other top-level faces


def layer_of(parts: tuple[str, ...]) -> tuple[str, int]:
    """(layer name, rank) of the module at `parts` below the package (no '.py')."""
    head = parts[0] if parts else "__init__"
    if head in RANK:
        return head, RANK[head]
    return f"{head} (public face)", FACE


def imported_modules(path: Path, root: Path) -> list[tuple[int, tuple[str, ...]]]:
    """(line, module parts below the package) of every import of the package in `path`."""
    rel = path.relative_to(root).with_suffix("").parts
    package = rel[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = base + tuple(filter(None, (node.module or "").split(".")))
            elif node.module and node.module.split(".")[0] == root.name:
                target = tuple(node.module.split(".")[1:])
            else:
                continue
            if node.module is None or not target:   # `from . import a, b`: each is a module
                found += [(node.lineno, target + (a.name,)) for a in node.names]
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, tuple(a.name.split(".")[1:])) for a in node.names
                      if a.name.split(".")[0] == root.name]
    return found


def upward_imports(root: Path) -> list[str]:
    """Every import in the package at `root` that points to a higher layer (or a face)."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        own, rank = layer_of(path.relative_to(root).with_suffix("").parts)
        if rank == FACE:
            continue
        for line, target in imported_modules(path, root):
            name, target_rank = layer_of(target)
            same = name == own
            if not same and target_rank >= rank:
                bad.append(f"{path.relative_to(root.parent)}:{line}: layer '{own}' imports "
                           f"'{'.'.join(target) or '__init__'}' of layer '{name}'")
    return bad


def test_the_package_imports_only_downward():
    assert upward_imports(PACKAGE) == []


def test_every_module_belongs_to_a_layer_or_the_public_face():
    faces = {p.stem for p in PACKAGE.glob("*.py")} - set(RANK)
    assert faces <= {"__init__", "__main__", "sdk_utils", "sdkruntime", "geometry"}
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= set(RANK)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pywse"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize("module, text", [
    ("dsl/program.py", "from ..sim.engine import Engine\n"),
    ("dsl/program.py", "def f():\n    from pywse.host import runtime\n"),
    ("layout/classic.py", "from ..sim import fabric\n"),
    ("sim/engine.py", "import pywse.host.runtime\n"),
    ("host/runtime.py", "from ..testing import Harness\n"),
    ("host/runtime.py", "from ..lib import collectives_2d\n"),
    ("dsl/modules.py", "import pywse.lib.time\n"),
    ("lib/time.py", "from ..testing import Harness\n"),
    ("testing/harness.py", "from ..tools.cli import main\n"),
    ("sim/engine.py", "from .. import Layout\n"),
    ("errors.py", "from .dsl import program\n"),
])
def test_an_upward_import_is_reported(tmp_path, module, text):
    root = _tree(tmp_path, {"__init__.py": "", module: text})
    (report,) = upward_imports(root)
    assert report.startswith(f"pywse/{module}:") and "imports" in report


def test_downward_and_sibling_imports_pass(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "from .host.runtime import SdkRuntime\n",
        "sdk_utils.py": "from .host.sdk_utils import memcpy_view\n",
        "dsl/program.py": "from ..errors import ProgramError\nfrom .dsd import mem1d\n",
        "sim/engine.py": "from . import fabric, ops\nfrom ..dsl.program import Task\n",
        "host/runtime.py": "from ..sim.engine import Engine\nfrom ..layout import compile\n",
        "tools/cli.py": "from ..host.runtime import SdkRuntime\n",
    })
    assert upward_imports(root) == []
