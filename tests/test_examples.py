"""Every example prints SUCCESS on both arches, compiled and as plain Python."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("arch", ["wse2", "wse3"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example(path, arch, jit, capsys):
    module = load(path)
    module.main(["--arch", arch] + ([] if jit else ["--no-jit"]))
    assert "SUCCESS" in capsys.readouterr().out


def test_example_runs_as_a_script():
    res = subprocess.run([sys.executable, str(EXAMPLES[0])], capture_output=True, text=True)
    assert res.returncode == 0 and "SUCCESS" in res.stdout, res.stderr
