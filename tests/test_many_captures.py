"""A task body or helper that captures many values (CPython calls a function of more than 30
arguments through *args, which numba cannot inline): they reach it in tuples, alike in both
modes."""
import pywse as pw
from pywse.testing import Harness

N = 32


@pw.program
def many(p):
    total = p.var("total", pw.u32, 1, export=True)
    (v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18,
     v19, v20, v21, v22, v23, v24, v25, v26, v27, v28, v29, v30, v31) = \
        [p.var(f"v{k}", pw.u32, 1, init=[k]) for k in range(N)]

    def helper_sum():
        return (v0[0] + v1[0] + v2[0] + v3[0] + v4[0] + v5[0] + v6[0] + v7[0] + v8[0] +
                v9[0] + v10[0] + v11[0] + v12[0] + v13[0] + v14[0] + v15[0] + v16[0] +
                v17[0] + v18[0] + v19[0] + v20[0] + v21[0] + v22[0] + v23[0] + v24[0] +
                v25[0] + v26[0] + v27[0] + v28[0] + v29[0] + v30[0] + v31[0])

    @p.on_start
    @p.local_task(10)
    def go():
        total[0] = (v0[0] + v1[0] + v2[0] + v3[0] + v4[0] + v5[0] + v6[0] + v7[0] + v8[0] +
                   v9[0] + v10[0] + v11[0] + v12[0] + v13[0] + v14[0] + v15[0] + v16[0] +
                   v17[0] + v18[0] + v19[0] + v20[0] + v21[0] + v22[0] + v23[0] + v24[0] +
                   v25[0] + v26[0] + v27[0] + v28[0] + v29[0] + v30[0] + v31[0] + helper_sum())


def test_a_task_and_helper_capturing_32_values_run_alike_compiled_and_plain(jit):
    h = Harness(many, jit=jit)
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("total")[0] == 2 * sum(range(N))
