"""The pytest plugin (entry point `pytest11`, loaded wherever pywse is installed).

Fixture `pywse_harness`: a factory `pywse_harness(program_or_layout, **keywords)` making
`Harness`es of a @pw.program, a pw.Layout or an SdkLayout (keywords: `width`, `height`,
`arch`, `jit`, `routes`, `pe_params`, `max_cycles`, `costs` and the program's params), let go
after the test. Options:

  --pywse-jit=both|on|off       run each harness test compiled (from the first task), as
                                plain Python, or both (default: PYWSE_JIT, else tiered)
  --pywse-arch=wse2|wse3|both   the arch harnesses get unless a test names one (default wse3)
  --pywse-max-cycles=N          the budget of every harness run that names none
"""
from __future__ import annotations

import pytest

from .harness import Harness

JIT_MODES = {"both": (True, False), "on": (True,), "off": (False,)}
ARCHES = {"both": ("wse2", "wse3"), "wse2": ("wse2",), "wse3": ("wse3",)}


def pytest_addoption(parser) -> None:
    group = parser.getgroup("pywse", "pywse harness")
    group.addoption("--pywse-jit", choices=sorted(JIT_MODES), default=None,
                    help="run harness tests with compiled task bodies (on), as plain Python "
                         "(off) or both (each test twice); default: PYWSE_JIT, else tiered "
                         "(plain Python until compiled code is ready)")
    group.addoption("--pywse-arch", choices=sorted(ARCHES), default="wse3",
                    help="the arch of harnesses that name none (both: each test per arch)")
    group.addoption("--pywse-max-cycles", type=int, default=None, metavar="N",
                    help="cycle budget of every harness run that names none")


def _modes(config) -> list[tuple]:
    jit = config.getoption("--pywse-jit")
    jits = JIT_MODES[jit] if jit else (None,)
    return [(j, a) for j in jits for a in ARCHES[config.getoption("--pywse-arch")]]


def _mode_id(mode: tuple, modes: list[tuple]) -> str:
    jit, arch = mode
    parts = []
    if len({m[0] for m in modes}) > 1:
        parts.append("jit" if jit else "nojit")
    if len({m[1] for m in modes}) > 1:
        parts.append(arch)
    return "-".join(parts) or "pywse"


def pytest_generate_tests(metafunc) -> None:
    if "pywse_harness" in metafunc.fixturenames:
        modes = _modes(metafunc.config)
        if len(modes) > 1:
            metafunc.parametrize("pywse_mode", modes, indirect=True,
                                 ids=[_mode_id(m, modes) for m in modes])


@pytest.fixture
def pywse_mode(request) -> tuple:
    """(jit, arch) of this test's harnesses, from the command-line options."""
    return getattr(request, "param", None) or _modes(request.config)[0]


@pytest.fixture
def pywse_harness(request, pywse_mode):
    """A factory of `pywse.testing.Harness` with this run's jit / arch / budget defaults."""
    jit, arch = pywse_mode
    budget = request.config.getoption("--pywse-max-cycles")
    made: list[Harness] = []

    def make(program, /, **keywords) -> Harness:
        keywords.setdefault("arch", arch)
        keywords.setdefault("jit", jit)
        keywords.setdefault("max_cycles", budget)
        harness = Harness(program, **keywords)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()
