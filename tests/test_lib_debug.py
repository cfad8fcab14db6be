"""<debug>: records round-trip through read_trace; overflow and bad keys are clear errors."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import pywse as pw
from pywse.lib.debug_util import debug_util
from pywse.testing import Harness, HarnessError

ROOT = Path(__file__).resolve().parent.parent


@pw.program
def tracer(p, *, size: int = 40, times: int = 1):
    log = p.import_module("<debug>", key="log", buffer_size=size, name="log")
    stamps = p.import_module("<debug>", key="stamps", buffer_size=8, name="stamps")
    anything = p.import_module("<debug>", key="anything", buffer_size=16, name="anything")
    u = p.var("u", pw.u32, 1, init=0xDEADBEEF)
    f = p.var("f", pw.f32, 1, init=-2.5)
    k = p.var("k", pw.i32, 1, init=-70000)

    @p.on_start
    @p.local_task(10)
    def go():
        for _ in range(times):
            log.trace_string("start")
            log.trace_bool(True)
            log.trace_u8(300)          # kept to 8 bits, as a u8 argument would be
            log.trace_i8(-5)
            log.trace_u16(65535)
            log.trace_i16(pw.i16(-3))
            log.trace_f16(f[0])
            log.trace_u32(u[0])
            log.trace_i32(k[0])
            log.trace_f32(f[0])
            log.trace_string("end")
        stamps.trace_timestamp()
        anything.trace(u[0])
        anything.trace(f[0])
        anything.trace(pw.i16(-7))
        anything.trace(k[0] < 0)
        anything.trace(5)


def test_records_come_back_in_order(jit):
    # no scalar costs: the stamp is the task's start (the calls' cycles: test_costs.py)
    h = Harness(tracer, width=2, jit=jit, costs=pw.Costs().without_scalar())
    h.run_until_idle()
    want = ["start", True, 44, -5, 65535, -3, -2.5, 0xDEADBEEF, -70000, -2.5, "end"]
    for pe in ((0, 0), (1, 0)):
        assert h.read_trace("log", pe=pe) == want
        # the counter runs from the start of the run: the task began at cycle 0
        assert h.read_trace("stamps", pe=pe) == [pw.Costs().task_switch]
        assert h.read_trace("anything", pe=pe) == [0xDEADBEEF, -2.5, -7, True, 5]
    # 1 word per record of 16 bits or less, 2 for 32-bit values, strings and stamps
    assert h.peek("log._debug_log")[0] & 0xFFFF == 6 * 1 + 5 * 2


def test_a_full_buffer_stops_the_task_and_writes_nothing_past_it(jit):
    h = Harness(tracer, size=20, times=2, jit=jit)
    with pytest.raises(pw.TaskError) as err:
        h.run_until_idle()
    assert "PE (0, 0) task 'go'" in str(err.value)
    assert "the <debug> trace 'log' is full (20 words); import it with a larger " \
           "buffer_size" in str(err.value)
    assert h.peek("log._debug_log")[0] & 0xFFFF == 20                 # full to the last word...
    assert h.read_trace("stamps") == []                          # ...and nothing after it


@pytest.mark.parametrize("params, message", [
    (dict(key="my key", buffer_size=4), "key 'my key' must be a name"),
    (dict(key="k", buffer_size=0), "buffer_size must be a number of words from 1 to 65535"),
])
def test_bad_import_params(params, message):
    @pw.program
    def bad(p):
        p.import_module("<debug>", **params)

    with pytest.raises(pw.ProgramError, match=message):
        Harness(bad)


def test_two_imports_with_one_key():
    @pw.program
    def twice(p):
        p.import_module("<debug>", key="k", buffer_size=4, name="a")
        p.import_module("<debug>", key="k", buffer_size=4, name="b")

    with pytest.raises(pw.ProgramError, match=r"PE \(0, 0\): two <debug> imports use key 'k'"):
        Harness(twice)


def test_read_trace_errors_name_the_pe_and_the_key():
    h = Harness(tracer, jit=False)
    h.run_until_idle()
    d = debug_util(h)
    ox, oy = h.artifacts.fabric_offsets
    with pytest.raises(pw.MemcpyError) as err:
        d.read_trace(ox, oy, "nope")
    assert f"PE ({ox}, {oy}) has no <debug> trace 'nope'; its keys: anything, log, stamps" in str(err.value)
    with pytest.raises(pw.MemcpyError, match=r"PE \(0, 0\) has no <debug> trace; read_trace "
                                             r"takes fabric coordinates .*PEs with traces: "
                                             rf"\({ox},{oy}\)$"):
        d.read_trace(0, 0, "log")
    with pytest.raises(HarnessError, match=r"PE \(0, 0\) has no <debug> trace 'nope' \(its "
                                           r"keys: anything, log, stamps\)"):
        h.read_trace("nope")


def test_read_trace_before_the_run_stopped(tmp_path):
    with pytest.raises(pw.MemcpyError, match="pywse_debug_traces.json does not exist; run the"):
        debug_util(tmp_path).read_trace(4, 1, "log")


SDK_STYLE_RUN_PY = '''
import argparse
import numpy as np
from cerebras.sdk.debug.debug_util import debug_util
from cerebras.sdk.runtime.sdkruntimepybind import SdkRuntime, MemcpyDataType, MemcpyOrder

parser = argparse.ArgumentParser()
parser.add_argument("--name")
parser.add_argument("--cmaddr")
args = parser.parse_args()
runner = SdkRuntime(args.name, cmaddr=args.cmaddr)
runner.load()
runner.run()
runner.launch("main_fn", nonblock=False)
runner.stop()
trace = debug_util(args.name, cmaddr=args.cmaddr)
assert trace.read_trace(4, 1, "trace") == ["sender", 0, 1, 2, 3, 4], trace.read_trace(4, 1, "trace")
print("SUCCESS!")
'''


def test_an_sdk_style_script_reads_traces_under_pywse_run(tmp_path):
    """`pywse compile`, then a run.py written against the SDK's names under `pywse run`: the
    traces are kept with the compile output and read from it."""
    layout = tmp_path / "layout_file.py"
    layout.write_text(textwrap.dedent('''
        import pywse as pw

        @pw.program
        def one(p, *, memcpy_params):
            sys_mod = p.memcpy(memcpy_params)
            trace = p.import_module("<debug>", key="trace", buffer_size=16, name="trace")

            @p.export
            def main_fn():
                trace.trace_string("sender")
                for i in range(5):
                    trace.trace_u16(i)
                sys_mod.unblock_cmd_stream()

        def layout():
            lay = pw.Layout(1, 1)
            memcpy = lay.memcpy()
            lay.set_tile_code(0, 0, one, memcpy_params=memcpy.get_params(0))
            return lay
    '''))
    (tmp_path / "run.py").write_text(SDK_STYLE_RUN_PY)
    env = {**os.environ, "PYWSE_JIT": "0", "PYTHONPATH": str(ROOT)}
    pywse = [sys.executable, "-m", "pywse"]
    res = subprocess.run(pywse + ["compile", str(layout), "--arch=wse3", "--fabric-dims=8,3",
                                  "--fabric-offsets=4,1", "--memcpy", "--channels=1", "-o", "out"],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    res = subprocess.run(pywse + ["run", "run.py", "--name", "out"], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0 and "SUCCESS!" in res.stdout, res.stdout + res.stderr
    assert (tmp_path / "out" / "pywse_debug_traces.json").is_file()


def test_decode_refuses_a_word_without_a_tag():
    from pywse.lib.debug import decode
    with pytest.raises(ValueError, match="has no record tag"):
        decode(np.array([0xFF0000, 0], np.uint32), str)
