"""What a Harness built from an SdkLayout adds: the layout's own terms.

Colors may be the layout's `Color`s (the compiler's choice of physical color is looked up in
the compile's plan). A PE may be `(region, x, y)`, with coordinates local to the region (the
region or its name); a plain `(x, y)` is a fabric PE, as `read_symbol` takes. Host streams
are fed and read as colors are: `h.send(stream, values)` enters the port's PE across its
edge, as `runtime.send` does, and `h.expect(stream, values)` / `h.sent(stream)` read what
the port sends out, which the test collects in place of the host.
"""
from __future__ import annotations

import numpy as np

from ..errors import LayoutError
from ..layout.sdklayout import CodeRegion, Color, SdkLayout, Stream
from ..sim import fabric
from .wavelets import HarnessError


class SdkParts:
    """The SdkLayout side of a Harness: its plan, and its streams' ports turned toward the
    test (an output port's words go to the capture log instead of the host, an input port
    takes words across its edge from the test's sources)."""

    def __init__(self, layout: SdkLayout, engine, arch: str):
        self.layout, self.engine = layout, engine
        self.plan = layout.plan(arch)
        st = engine.st
        for s in layout.streams:
            pe, c = self._port(s)
            n = int(st.sw_npos[pe, c])
            if s.kind == "output":
                tx = st.sw_tx[pe, c, :n]
                tx[:] = np.where(tx & fabric.HOST_BIT,
                                 (tx & ~np.uint8(fabric.HOST_BIT)) | fabric.CAPTURE_BIT, tx)
            else:
                st.sw_rx[pe, c, :n] |= fabric.DIR_BITS[str(s.port.edge.direction)]

    def _port(self, stream: Stream) -> tuple[int, int]:
        """(PE index, physical color) of a stream's port."""
        o = stream.port.region.rect.ul
        x, y = stream.port.pes()[0]
        return self.engine.pe_index(o.x + x, o.y + y), self.plan.color_of(stream.port.color)

    def fabric_pe(self, pe, what: str):
        """`(region, x, y)` (region-local) as fabric coordinates; anything else as given."""
        if not (isinstance(pe, tuple) and len(pe) == 3 and isinstance(pe[0], (str, CodeRegion))):
            return pe
        name = pe[0].name if isinstance(pe[0], CodeRegion) else pe[0]
        region = self.layout.regions.get(name)
        if region is None or (isinstance(pe[0], CodeRegion) and region is not pe[0]):
            raise HarnessError(f"{what}: pe={pe!r}: the layout has no region '{name}' (its "
                               f"regions: {', '.join(self.layout.regions)})")
        try:
            x, y = int(pe[1]), int(pe[2])
        except (TypeError, ValueError):
            raise HarnessError(f"{what}: pe={pe!r}: give (region, x, y) with whole numbers") from None
        if not (0 <= x < region.width and 0 <= y < region.height):
            raise HarnessError(f"{what}: PE ({x}, {y}) is outside region '{name}' "
                               f"({region.width}x{region.height}; coordinates are local to it)")
        o = region.rect.ul
        return o.x + x, o.y + y

    def physical(self, color, what: str):
        """The physical color of one of the layout's Colors; anything else as given."""
        if not isinstance(color, Color):
            return color
        try:
            return self.plan.color_of(color)
        except LayoutError as e:
            raise HarnessError(f"{what}: {e}") from None

    def stream_end(self, stream, kind: str, pe, direction, what: str):
        """(PE index, color, direction) of a host stream's port: an input stream's words
        come in across the port's edge, an output stream's are read as they leave (no
        direction). None if `stream` is not a stream."""
        if not isinstance(stream, Stream):
            return None
        if stream not in self.layout.streams:
            raise HarnessError(f"{what}: {stream!r} is not a stream of this harness's layout")
        if stream.kind != kind:
            use = "Harness.send" if stream.kind == "input" else "Harness.expect or Harness.sent"
            raise HarnessError(f"{what}: {stream!r} is an {stream.kind} stream; use {use}")
        if pe is not None or direction is not None:
            raise HarnessError(f"{what}: {stream!r}: a stream's PE and side are its port's; "
                               "give neither pe= nor direction=")
        p, c = self._port(stream)
        return p, c, str(stream.port.edge.direction) if kind == "input" else None
