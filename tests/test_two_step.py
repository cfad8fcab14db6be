"""The SDK's two steps: `pywse compile` a layout, then run the host script in another process.

Every example's docstring shows both commands (the flags of the original commands_wse3.sh);
they are run here as written, with `out` in a temporary directory. `pywse run` runs an
unchanged Cerebras run.py with the SDK's module names aliased to pywse in that process only.
"""
import ast
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import pywse as pw
from conftest import arch_legs
from pywse.tools.cli import main as cli_main
from pywse.tools.run import run_script

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
ENV = {**os.environ, "PYWSE_JIT": "0", "PYTHONPATH": str(ROOT)}


def shell(command: str, out: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run one documented command line (`pywse ...` or `python ...`) with `out` moved into
    a temporary directory, in a process of its own."""
    argv = [str(out) if a == "out" else f"-o={out}" if a == "-o=out" else a
            for a in shlex.split(command, comments=True)]
    head = {"pywse": [sys.executable, "-m", "pywse"], "python": [sys.executable]}[argv[0]]
    return subprocess.run(head + argv[1:], cwd=cwd, env=ENV, capture_output=True, text=True)


def documented_steps(path: Path) -> tuple[str, str]:
    """The `pywse compile ...` and `python examples/... --name out ...` lines of a docstring."""
    doc = ast.get_docstring(ast.parse(path.read_text())).replace("\\\n", " ")
    lines = [line.strip() for line in doc.splitlines()]
    compile_ = [line for line in lines if line.startswith("pywse compile ")]
    run = [line for line in lines if line.startswith("python examples/") and "--name out" in line]
    assert len(compile_) == 1 and len(run) == 1, f"{path.name}: document both steps once each"
    return compile_[0], run[0]


# -- every example, in two processes ----------------------------------------------------------

@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_in_two_steps(path, tmp_path):
    compile_, run = documented_steps(path)
    assert f"examples/{path.name} " in compile_
    assert f"--arch={arch_legs(path)[0].values[0]}" in compile_   # the arch the original runs on
    out = tmp_path / "out"
    res = shell(compile_, out, ROOT)
    assert res.returncode == 0, res.stderr
    assert (out / "out.json").is_file()
    res = shell(run, out, ROOT)
    assert res.returncode == 0 and "SUCCESS" in res.stdout, res.stdout + res.stderr


def test_step_two_loads_and_does_not_compile(tmp_path):
    """`--name` names what `pywse compile` wrote; a directory without it is an error."""
    res = shell(f"python examples/gemv_04_params.py --name {tmp_path / 'nothing'}", tmp_path,
                ROOT)
    assert res.returncode != 0 and "SUCCESS" not in res.stdout
    assert "nothing/out.json" in res.stderr


def test_step_two_takes_no_arch(tmp_path):
    """The arch is chosen at compile time; giving one with --name is refused."""
    res = shell(f"python examples/gemv_01_complete_program.py --name {tmp_path} --arch wse2",
                tmp_path, ROOT)
    assert res.returncode == 2 and "not allowed with argument --name" in res.stderr


# -- pywse run: an unchanged host script ------------------------------------------------------

SDK_RUN_PY = '''
import argparse
import json

import numpy as np

from cerebras.sdk.runtime.sdkruntimepybind import SdkRuntime, MemcpyDataType, MemcpyOrder # pylint: disable=no-name-in-module
from cerebras.sdk.sdk_utils import memcpy_view

parser = argparse.ArgumentParser()
parser.add_argument('--name', help="the test compile output dir")
parser.add_argument('--cmaddr', help="IP:port for CS system")
args = parser.parse_args()

with open(f"{args.name}/out.json", encoding='utf-8') as json_file:
  compile_data = json.load(json_file)
N = int(compile_data['params']['N'])
M = int(compile_data['params']['M'])

A = np.arange(M*N, dtype=np.float32)
x = np.full(shape=N, fill_value=1.0, dtype=np.float32)
b = np.full(shape=M, fill_value=2.0, dtype=np.float32)

runner = SdkRuntime(args.name, cmaddr=args.cmaddr)
A_symbol = runner.get_id('A')
x_symbol = runner.get_id('x')
b_symbol = runner.get_id('b')
y_symbol = runner.get_id('y')
runner.load()
runner.run()
for symbol, data, n in ((A_symbol, A, M*N), (x_symbol, x, N), (b_symbol, b, M)):
  runner.memcpy_h2d(symbol, data, 0, 0, 1, 1, n, streaming=False,
    order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT, nonblock=False)
runner.launch('init_and_compute', nonblock=False)
y_words = np.zeros([M], dtype=np.uint32)
runner.memcpy_d2h(y_words, y_symbol, 0, 0, 1, 1, M, streaming=False,
  order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT, nonblock=False)
runner.stop()

np.testing.assert_allclose(memcpy_view(y_words, np.dtype(np.float32)),
                           A.reshape(M, N)@x + b, atol=0.01, rtol=0)
print("SUCCESS!")
'''  # noqa: E501  (the SDK's run.py as it is)


@pytest.fixture(scope="module")
def gemv_04_out(tmp_path_factory):
    """gemv-04 compiled as `cslc` would: what an unchanged run.py expects in `--name`."""
    out = tmp_path_factory.mktemp("gemv04") / "out"
    assert cli_main(["compile", str(ROOT / "examples" / "gemv_04_params.py"), "--arch=wse3",
                     "--fabric-dims=8,3", "--fabric-offsets=4,1", "--params=M:4,N:6",
                     "-o", str(out), "--memcpy", "--channels", "1"]) == 0
    return out


def script(tmp_path: Path, text: str, name: str = "run.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def pywse_run(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pywse", "run", *map(str, args)], cwd=cwd,
                          env=ENV, capture_output=True, text=True)


def test_pywse_run_runs_an_sdk_script_unchanged(gemv_04_out, tmp_path):
    script(tmp_path, SDK_RUN_PY)
    res = pywse_run("run.py", "--name", gemv_04_out, cwd=tmp_path)
    assert res.returncode == 0 and "SUCCESS!" in res.stdout, res.stderr


def test_pywse_run_in_process_leaves_no_cerebras_behind(gemv_04_out, tmp_path, capsys,
                                                        monkeypatch):
    monkeypatch.setenv("PYWSE_JIT", "0")
    path = script(tmp_path, SDK_RUN_PY)
    argv, sys_path = list(sys.argv), list(sys.path)
    assert cli_main(["run", str(path), "--name", str(gemv_04_out)]) == 0
    assert "SUCCESS!" in capsys.readouterr().out
    assert not [m for m in sys.modules if m == "cerebras" or m.startswith("cerebras.")]
    assert importlib.util.find_spec("cerebras") is None      # nothing installed on disk
    assert sys.argv == argv and sys.path == sys_path


def test_the_sdk_names_are_pywse_modules(tmp_path, capsys):
    path = script(tmp_path, '''
        import sys
        import cerebras.sdk.runtime.sdkruntimepybind
        import cerebras.geometry.geometry as geometry
        from cerebras.sdk import sdk_utils
        import pywse.sdkruntime, pywse.sdk_utils, pywse.geometry

        assert cerebras.sdk.runtime.sdkruntimepybind is pywse.sdkruntime
        assert sdk_utils is pywse.sdk_utils and geometry is pywse.geometry
        assert geometry.IntVector(1, 2) is not None
        print(__name__)
        print(sys.argv)
        print(sys.path[0])
    ''', name="names.py")
    assert run_script(path, ["--name", "out", "-x"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "__main__", repr([str(path), "--name", "out", "-x"]), str(tmp_path)]


def test_an_sdk_module_without_twin_is_named(tmp_path):
    script(tmp_path, "from cerebras.sdk.client.sdk_appliance_client import SdkLauncher\n")
    res = pywse_run("run.py", cwd=tmp_path)
    assert res.returncode == 1
    assert "cerebras.sdk.client has no pywse twin" in res.stderr
    assert "cerebras.sdk.runtime.sdkruntimepybind" in res.stderr


@pytest.mark.parametrize("body, code, err", [
    ("import sys\nsys.exit(3)\n", 3, ""),
    ("import sys\nsys.exit('giving up')\n", 1, "giving up"),
    ("import sys\nsys.exit()\n", 0, ""),
    ("print('done')\n", 0, ""),
])
def test_the_exit_code_propagates(tmp_path, body, code, err):
    path = script(tmp_path, body)
    res = pywse_run("run.py", cwd=tmp_path)
    assert res.returncode == code and err in res.stderr
    assert run_script(path) == code


def test_an_exception_propagates_with_the_scripts_traceback(tmp_path):
    path = script(tmp_path, '''
        def check():
            raise ValueError("result mismatch")

        check()
    ''')
    with pytest.raises(ValueError, match="result mismatch"):
        run_script(path)
    res = pywse_run("run.py", cwd=tmp_path)
    assert res.returncode == 1
    assert res.stderr.startswith("Traceback (most recent call last):\n  File \"" + str(path))
    assert "ValueError: result mismatch" in res.stderr and "runpy" not in res.stderr


def test_a_missing_script_is_a_clear_error(tmp_path):
    res = pywse_run("nothere.py", "--name", "out", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "pywse run: error: host script 'nothere.py' does not exist" in res.stderr
    with pytest.raises(pw.ScriptError, match="is a directory"):
        run_script(tmp_path)


# -- docs/porting.md: its worked example, command by command ---------------------------------

def test_the_porting_page_runs_as_written(tmp_path):
    """The page's files (```python blocks headed `# <file>.py: ...`) and every command of its
    ```bash blocks, in order; between the blocks, run.py gets the page's changed import."""
    page = (ROOT / "docs" / "porting.md").read_text()
    blocks = re.findall(r"```(\w+)\n(.*?)```", page, re.S)
    files = {m.group(1): code for lang, code in blocks if lang == "python"
             for m in [re.match(r"# (\w+\.py): ", code)] if m}
    assert set(files) == {"layout.py", "run.py"}
    for name, code in files.items():
        (tmp_path / name).write_text(code)
    (new_import,) = [code for lang, code in blocks
                     if lang == "python" and code.startswith("from pywse.sdkruntime import")]
    first, second = [code.strip().splitlines() for lang, code in blocks if lang == "bash"]
    assert [c.split()[:2] for c in first] == [["pywse", "compile"], ["pywse", "run"]]
    assert second == ["python run.py --name out"]

    for command in first:
        res = shell(command, tmp_path / "out", tmp_path)
        assert res.returncode == 0, f"{command}\n{res.stderr}"
    assert "SUCCESS!" in res.stdout

    run_py = tmp_path / "run.py"
    sdk_import = "from cerebras.sdk.runtime.sdkruntimepybind import"
    lines = [new_import if line.startswith(sdk_import) else line + "\n"
             for line in run_py.read_text().splitlines()]
    assert lines.count(new_import) == 1
    run_py.write_text("".join(lines))
    res = shell(second[0], tmp_path / "out", tmp_path)
    assert res.returncode == 0 and "SUCCESS!" in res.stdout, res.stderr


def test_the_readme_shows_an_examples_documented_steps():
    """README's two-step commands are those of the example's docstring (run above)."""
    readme = (ROOT / "README.md").read_text()
    commands = [line for code in re.findall(r"```bash\n(.*?)```", readme, re.S)
                for line in code.splitlines()
                if line.startswith("pywse compile examples/") or "--name out" in line]
    compile_, run = commands
    example = ROOT / compile_.split()[2]
    assert [shlex.split(c) for c in documented_steps(example)] == [shlex.split(compile_),
                                                                   shlex.split(run)]
