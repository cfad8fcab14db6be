"""`<memcpy/get_params>` on the layout side: `layout.import_module("<memcpy/get_params>",
width=w, height=h, MEMCPYH2D_1=c, ...)` is `layout.memcpy(MEMCPYH2D_1=c, ...)`, whose
`get_params(x)` each PE's program takes (`p.import_module("<memcpy/memcpy>", params)`).

CSL passes the rectangle's `.width` and `.height`; pywse knows them from the layout, so they
are only checked against it.
"""
from __future__ import annotations

from ...dsl.modules import layout_library
from ...errors import LayoutError
from ...layout.classic import Layout, MemcpyInfo


@layout_library("<memcpy/get_params>")
def get_params(layout, *, width: int | None = None, height: int | None = None,
               **colors) -> MemcpyInfo:
    """The memcpy params of `layout` (streaming colors by name, the rest allocated)."""
    if not isinstance(layout, Layout):
        raise LayoutError("<memcpy/get_params> is imported by a classic pw.Layout; an SdkLayout "
                          "has no memcpy params: its host data goes through streams "
                          "(create_input_stream / create_output_stream)")
    for name, given, actual in (("width", width, layout.width), ("height", height, layout.height)):
        if given is not None and int(given) != actual:
            raise LayoutError(f"<memcpy/get_params>: .{name} = {given}, but the layout's "
                              f"rectangle is {layout.width}x{layout.height}; pass the "
                              f"rectangle's {name} (or leave it out)")
    return layout.memcpy(**colors)
