"""`<complex>`: (real, imag) values in task bodies, each operation rounded to the field type
(f32 for complex_64, f16 for complex_32), the same bits compiled and plain, against numpy."""
import numpy as np

import pywse as pw
from pywse.lib import complex as cx_lib
from pywse.testing import Harness

N = 5
RNG = np.random.default_rng(7)
XR, XI, YR, YI = (RNG.uniform(-4, 4, N).astype(np.float32) for _ in range(4))


@pw.program
def cplx(p):
    cx = p.import_module("<complex>")
    xr, xi, yr, yi = (p.const(pw.f32, v) for v in (XR, XI, YR, YI))
    out = p.var("out", pw.f32, (6, 2, N), export=True)

    def store(row, i, c):
        out[row, 0, i] = c.real
        out[row, 1, i] = c.imag

    @p.on_start
    @p.local_task(10)
    def go():
        for i in range(N):
            a = cx.get_complex_64(xr[i], xi[i])
            b = cx_lib.get_complex(yr[i], yi[i])          # the Pythonic spelling
            store(0, i, cx.add_complex(a, b))
            store(1, i, cx.subtract_complex(a, b))
            store(2, i, cx.multiply_complex_64(a, b))
            h = cx.get_complex_32(xr[i], xi[i])
            g = cx.get_complex_32(yr[i], yi[i])
            store(3, i, cx.add_complex_32(h, g))
            store(4, i, cx.multiply_complex(h, g))        # generic: stays complex_32
            store(5, i, cx.subtract_complex(h, g))


def _h(v):
    return np.asarray(v, np.float32).astype(np.float16).astype(np.float32)


def test_complex_arithmetic_rounds_to_the_field_type(jit):
    h = Harness(cplx, jit=jit)
    h.run_until_idle()
    out = h.peek("out")
    f = np.float32
    assert out[0].tolist() == [(XR + YR).tolist(), (XI + YI).tolist()]
    assert out[1].tolist() == [(XR - YR).tolist(), (XI - YI).tolist()]
    assert out[2].tolist() == [(XR * YR - XI * YI).tolist(), (XR * YI + XI * YR).tolist()]
    hr, hi, gr, gi = _h(XR), _h(XI), _h(YR), _h(YI)
    assert out[3].tolist() == [_h(hr + gr).tolist(), _h(hi + gi).tolist()]
    assert out[4].tolist() == [_h(_h(hr * gr) - _h(hi * gi)).tolist(),
                               _h(_h(hr * gi) + _h(hi * gr)).tolist()]
    assert out[5].tolist() == [_h(hr - gr).tolist(), _h(hi - gi).tolist()]
    assert out[2].dtype == f


def test_complex_types_by_element_type():
    assert cx_lib.complex(pw.f32) is cx_lib.complex_64
    assert cx_lib.complex(pw.f16) is cx_lib.complex_32
    c = cx_lib.multiply_complex(cx_lib.get_complex_64(1.0, 2.0), cx_lib.get_complex_64(3.0, -1.0))
    assert (c.real, c.imag) == (5.0, 5.0) and isinstance(c, cx_lib.complex_64)
