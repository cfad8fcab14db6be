"""The pytest plugin, as a user's project sees it: a test file using `pywse_harness`, run by
pytest with the plugin's options (the plugin is found by its pytest11 entry point), each run
in its own process (conftest.KeptProject)."""

USER_TESTS = '''
import numpy as np
import pywse as pw


@pw.program
def relay(p, *, rx, tx):
    iq = p.input_queue(1, rx)
    oq = p.output_queue(2, tx)
    out = pw.fabout(tx, extent=1, queue=oq)

    @p.data_task(iq)
    def forward(v: pw.u32):
        pw.mov32(out, v * 2)


@pw.program
def spin(p):
    n = p.var("n", pw.u32, 1)

    @p.on_start
    @p.local_task(12)
    def again():
        n[0] += 1
        pw.activate(again)


HARNESSES = []


def test_doubles(pywse_harness, pywse_mode):
    h = pywse_harness(relay, rx=pw.Color(1), tx=pw.Color(2))
    HARNESSES.append(h)
    assert (h.runtime.jit, h.artifacts.arch) == pywse_mode
    print("MODE", pywse_mode, h.runtime.jit, h.artifacts.arch)
    h.send(pw.Color(1), [1, 2, 3], direction=pw.WEST)
    h.run_until_idle()
    h.expect(pw.Color(2), [2, 4, 6], direction=pw.EAST)


def test_harnesses_are_let_go_after_each_test():
    assert HARNESSES and all(h.engine is None for h in HARNESSES)


def test_spins(pywse_harness):
    pywse_harness(spin).run_until_idle()
'''

WRONG = '''
import pywse as pw
from test_user import relay


def test_expects_too_much(pywse_harness):
    h = pywse_harness(relay, rx=pw.Color(1), tx=pw.Color(2))
    h.send(pw.Color(1), [1, 2, 3], direction=pw.WEST)
    h.run_until_idle()
    h.expect(pw.Color(2), [2, 4, 7], direction=pw.EAST)
'''


def test_both_modes_and_the_budget_option(kept_project):
    kept_project.files(test_user=USER_TESTS)
    result = kept_project.run("-s", "--pywse-jit=both", "--pywse-max-cycles=3000",
                              "-k", "doubles or spins or let_go")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(["*MODE (True, 'wse3') True wse3*",
                                 "*MODE (False, 'wse3') False wse3*"])
    result.stdout.fnmatch_lines(["*CycleLimitError: the run reached its budget of 3000 cycles*"])
    assert result.stdout.str().count("FAILED test_user.py::test_spins") == 2


def test_arch_option_one_mode_and_failures_crossing_xdist_intact(kept_project):
    kept_project.files(test_user=USER_TESTS, test_wrong=WRONG)
    result = kept_project.run("-p", "no:benchmark", "-n", "1", "-v", "--pywse-jit=off",
                              "--pywse-arch=both", "-k", "doubles or expects_too_much")
    result.assert_outcomes(passed=2, failed=2)     # one worker process is enough for xdist
    out = result.stdout.str()
    for arch in ("wse2", "wse3"):       # test_doubles asserts its harness has the mode's arch
        assert f"PASSED test_user.py::test_doubles[{arch}]" in out, out
        assert f"FAILED test_wrong.py::test_expects_too_much[{arch}]" in out, out
    result.stdout.fnmatch_lines(["*ExpectError: expect PE (0, 0) color 2 toward EAST: wavelet 2: "
                                 "a different value arrived*",
                                 "*>    2             7             6*"])
