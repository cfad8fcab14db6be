"""A six-stage streaming pipeline whose every connection the compiler routes (pywse's own
example; no tutorial has it).

The host streams f32 values into `ingest`; they flow through `scale` (x3), `shift` (+1),
`square`, `shift` (-2) and `running_sum`, which streams its running total back. The six stage
regions sit far apart on a 32x32 fabric, with two idle blocks in the way; `layout.connect`
finds every path around them and the compiler picks every color. `--describe` prints the
paths. The host checks the result bit for bit against the same f32 steps in numpy.

    python examples/sdklayout/pipeline_regions.py [--arch wse2|wse3] [--no-jit] [--describe] [-n N]
"""
import argparse

import numpy as np

import pywse as pw
from pywse.sdkruntime import (
    Edge,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkRuntime,
    SdkTarget,
    SimfabConfig,
    get_platform,
)

OPS = ("pass", "scale", "shift", "square", "running_sum")


@pw.program
def stage(p, *, op: str, a: float, rx: pw.Color, tx: pw.Color):
    """One wavelet in, one out: the op runs in a data task per wavelet."""
    if op not in OPS:
        raise pw.ProgramError(f"stage: op {op!r} is not one of {OPS}")
    kind = OPS.index(op)          # an int: task bodies take numbers, not strings
    out = pw.fabout(tx, 1)
    coef = np.float32(a)
    total = p.var("total", pw.f32, 1, export=True)
    count = p.var("count", pw.u32, 1, export=True)

    @p.data_task(rx)
    def on_value(w: pw.f32):
        count[0] += 1
        if kind == 1:
            pw.fmovs(out, w * coef)
        elif kind == 2:
            pw.fmovs(out, w + coef)
        elif kind == 3:
            pw.fmovs(out, w * w)
        elif kind == 4:
            total[0] = total[0] + w
            pw.fmovs(out, total[0])
        else:
            pw.fmovs(out, w)


@pw.program
def idle(p):
    """A block of PEs with no code: an obstacle the paths must go around."""


STAGES = [("ingest", "pass", 0.0, (1, 2)), ("scale", "scale", 3.0, (12, 4)),
          ("shift_up", "shift", 1.0, (27, 3)), ("square", "square", 0.0, (25, 26)),
          ("shift_down", "shift", -2.0, (14, 28)), ("running_sum", "running_sum", 0.0, (3, 20))]


def build(platform, n: int) -> tuple[SdkLayout, object, object]:
    layout = SdkLayout(platform)
    for name, (x, y, w, h) in (("block_a", (6, 8, 14, 5)), ("block_b", (18, 15, 4, 9))):
        layout.create_code_region(idle, name, w, h).place(x, y)
    take = RoutingPosition().set_output([Route.RAMP])
    give = RoutingPosition().set_input([Route.RAMP])
    ports = []
    for name, op, a, (x, y) in STAGES:
        region = layout.create_code_region(stage, name, 1, 1)
        rx, tx = region.color("rx"), region.color("tx")
        region.set_param_all("op", op)
        region.set_param_all("a", a)
        region.set_param_all(rx)
        region.set_param_all(tx)
        region.place(x, y)
        in_edge, out_edge = (Edge.LEFT, Edge.RIGHT) if x < 16 else (Edge.TOP, Edge.BOTTOM)
        ports.append((region.create_input_port(rx, in_edge, [take], n),
                      region.create_output_port(tx, out_edge, [give], n)))
    for (_, out_port), (in_port, _) in zip(ports, ports[1:]):
        layout.connect(out_port, in_port)
    return layout, layout.create_input_stream(ports[0][0]), \
        layout.create_output_stream(ports[-1][1])


def reference(x: np.ndarray) -> np.ndarray:
    """The same f32 steps, one rounding each, in order."""
    f = np.float32
    y = ((x * f(3.0)) + f(1.0)) ** 2 + f(-2.0)
    total, out = f(0.0), np.empty_like(y)
    for i, v in enumerate(y):
        total = f(total + v)
        out[i] = total
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=["wse2", "wse3"], default="wse3")
    parser.add_argument("--out", default="out", help="artifacts directory")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("--describe", action="store_true", help="print the chosen routes")
    parser.add_argument("-n", type=int, default=64, help="values to stream")
    args = parser.parse_args(argv)

    target = SdkTarget.WSE3 if args.arch == "wse3" else SdkTarget.WSE2
    platform = get_platform(None, SimfabConfig(fabric_dims=(32, 32)), target)
    layout, source, sink = build(platform, args.n)
    artifacts = layout.compile(out_prefix=args.out)
    if args.describe:
        print(layout.describe())

    runtime = SdkRuntime(artifacts, platform, memcpy_required=False, jit=not args.no_jit)
    runtime.load()
    runtime.run()
    x = np.random.default_rng(7).uniform(-1.0, 1.0, args.n).astype(np.float32)
    y = np.empty(args.n, np.float32)
    runtime.send(source, x, nonblock=True)
    runtime.receive(sink, y, args.n, nonblock=True)
    runtime.stop()

    np.testing.assert_array_equal(y, reference(x))
    print(f"streamed {args.n} values through {len(STAGES)} regions in {runtime.cycles} cycles")
    print("SUCCESS!")


if __name__ == "__main__":
    main()
