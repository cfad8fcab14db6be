"""Automatic queue choice: a color the program leaves unbound gets a queue whose microthread
no other color uses, so two async ops pywse placed never meet on one microthread."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

N = 4


@pw.program
def relay(p, *, rx: pw.Color, tx: pw.Color):
    """Receives N words on `rx` and, at the same time, sends N words of its own on `tx`:
    two async ops on two colors, both queues left for pywse to choose."""
    got = p.var("got", pw.u32, N)
    mine = p.const(pw.u32, [7, 8, 9, 10])
    done = p.var("done", pw.u32, 1, export=True)
    got_dsd, mine_dsd = pw.mem1d(got, extent=N), pw.mem1d(mine, extent=N)
    rx_dsd, tx_dsd = pw.fabin(rx, extent=N), pw.fabout(tx, extent=N)

    @p.local_task(12)
    def finished():
        done[0] = done[0] + 1

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(got_dsd, rx_dsd, async_=True, activate=finished)
        pw.mov32(tx_dsd, mine_dsd, async_=True)


@pytest.mark.parametrize("arch", ["wse2", "wse3"])
def test_an_input_and_an_output_color_get_different_microthreads(arch, jit):
    h = Harness(relay, arch=arch, jit=jit, rx=pw.Color(3), tx=pw.Color(4))
    h.send(pw.Color(3), np.array([1, 2, 3, 4], np.uint32), direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(pw.Color(4), [7, 8, 9, 10], direction=pw.EAST)
    assert h.peek("got").tolist() == [1, 2, 3, 4]
    assert h.peek("done")[0] == 1


def test_the_choice_prefers_a_queue_id_free_in_both_directions():
    from pywse.dsl.dsd import FABIN, FABOUT
    from pywse.dsl.image import PEContext
    image = relay.instantiate(PEContext("wse2", 0, 0, 1, 1), dict(rx=pw.Color(3),
                                                                    tx=pw.Color(4)))
    iq, oq = image.auto_queue[(FABIN, 3)], image.auto_queue[(FABOUT, 4)]
    assert iq != oq, (iq, oq)
