"""`pywse.sdkruntime`: the drop-in for `cerebras.sdk.runtime.sdkruntimepybind`.

One import line serves a classic host script and an SdkLayout one:

    from pywse.sdkruntime import (SdkRuntime, SdkTarget, SdkLayout, SimfabConfig, get_platform,
                                  Color, Route, RoutingPosition, Edge, get_edge_routing,
                                  MemcpyDataType, MemcpyOrder)

`Color` here is SdkLayout's color: `Color('name')` is symbolic (the compiler picks a physical
color), `Color(3)` physical. Classic programs keep using `pw.Color(n)`.
"""
from . import MemcpyDataType, MemcpyOrder, MemcpyTask, SdkRuntime
from .layout.platform import Platform, SdkTarget, SimfabConfig, get_platform
from .layout.sdklayout import (
    CodeRegion,
    Color,
    Edge,
    EdgeRouting,
    Port,
    Route,
    RoutingPosition,
    SdkLayout,
    Stream,
    get_edge_routing,
)

__all__ = ["CodeRegion", "Color", "Edge", "EdgeRouting", "MemcpyDataType", "MemcpyOrder",
           "MemcpyTask", "Platform", "Port", "Route", "RoutingPosition", "SdkLayout",
           "SdkRuntime", "SdkTarget", "SimfabConfig", "Stream", "get_edge_routing",
           "get_platform"]

for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("pywse.layout."):
        _obj.__module__ = __name__
