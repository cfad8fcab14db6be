"""`pywse.sdkruntime`: the drop-in for `cerebras.sdk.runtime.sdkruntimepybind`.

One import line serves a classic host script and an SdkLayout one:

    from pywse.sdkruntime import SdkRuntime, MemcpyDataType, MemcpyOrder
"""
from . import MemcpyDataType, MemcpyOrder, MemcpyTask, SdkRuntime

__all__ = ["MemcpyDataType", "MemcpyOrder", "MemcpyTask", "SdkRuntime"]
