"""sdklayout-04: host streams into and out of ports (port of csl-examples
tutorials/sdklayout-04-h2d-d2h).

`add2vec` of sdklayout-03, alone: two input streams feed its RIGHT-edge ports, an output
stream takes the sums from its LEFT-edge port. The host sends both vectors and receives the
sum without blocking, then `stop()` waits for all three.

    python examples/sdklayout/sdklayout_04_h2d_d2h.py [--arch wse2|wse3] [--no-jit] [--seed N]
"""
import argparse

import numpy as np

from pywse.sdkruntime import (
    Color,
    Edge,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkRuntime,
    SdkTarget,
    SimfabConfig,
    get_platform,
)
from sdklayout_03_ports_and_connections import add2vec  # the same program as sdklayout-03


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmaddr", help="IP:port for CS system (pywse: leave empty)")
    parser.add_argument("--arch", choices=["wse2", "wse3"], default="wse3")
    parser.add_argument("--out", default="out", help="artifacts directory")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random vectors")
    args = parser.parse_args(argv)

    config = SimfabConfig(dump_core=True)
    target = SdkTarget.WSE3 if args.arch == "wse3" else SdkTarget.WSE2
    platform = get_platform(args.cmaddr, config, target)
    layout = SdkLayout(platform)

    size = 10
    sender_routes = RoutingPosition().set_input([Route.RAMP])
    receiver_routes = RoutingPosition().set_output([Route.RAMP])

    adder = layout.create_code_region(add2vec, "add2vec", 1, 1)
    rx1, rx2, tx = Color("rx1"), Color("rx2"), Color("tx")
    adder.set_param_all("size", size)
    adder.set_param_all(rx1)
    adder.set_param_all(rx2)
    adder.set_param_all(tx)
    rx1_port = adder.create_input_port(rx1, Edge.RIGHT, [receiver_routes], size)
    rx2_port = adder.create_input_port(rx2, Edge.RIGHT, [receiver_routes], size)
    tx_port = adder.create_output_port(tx, Edge.LEFT, [sender_routes], size)
    adder.place(7, 4)

    in_stream1 = layout.create_input_stream(rx1_port)
    in_stream2 = layout.create_input_stream(rx2_port)
    out_stream = layout.create_output_stream(tx_port)

    compile_artifacts = layout.compile(out_prefix=args.out)

    runtime = SdkRuntime(compile_artifacts, platform, memcpy_required=False, jit=not args.no_jit)
    runtime.load()
    runtime.run()

    rng = np.random.default_rng(args.seed)   # the original draws unseeded values
    data1 = rng.integers(0, 1000, size=size, dtype=np.uint32)
    data2 = rng.integers(1000, 2000, size=size, dtype=np.uint32)
    actual = np.empty(size, dtype=np.uint32)

    runtime.send(in_stream1, data1, nonblock=True)
    runtime.send(in_stream2, data2, nonblock=True)
    runtime.receive(out_stream, actual, size, nonblock=True)

    runtime.stop()

    expected = data1 + data2
    assert np.array_equal(expected, actual)
    print("SUCCESS!")


if __name__ == "__main__":
    main()
