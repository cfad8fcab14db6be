"""`layout.import_module(...)`: CSL's `@import_module` on the layout side, for the classic
`Layout` and for `SdkLayout` alike.

A layout-side library (`<memcpy/get_params>`, `<collectives_2d/params>`, ...) lives in
pywse/lib/ and registers a factory by its CSL name (`@layout_library`, dsl/modules.py); this
module only resolves the name and calls the factory with the layout and the import's params,
so layout/ knows no library by name.
"""
from __future__ import annotations

from typing import Any

from ..dsl import modules
from ..errors import LayoutError, ProgramError


def import_module(layout, target: str, params: dict | None, kwparams: dict) -> Any:
    """What the layout library `target` gives for these params (CSL: the module's struct).
    `target` is a CSL name, or the library's factory (`collectives_2d.params_library`)."""
    where = f"{type(layout).__name__}.import_module({target!r})"
    if callable(target) and target in modules.LAYOUT_LIBRARIES.values():
        return target(layout, **{**(params or {}), **kwparams})   # the Pythonic spelling
    if not isinstance(target, str):
        raise LayoutError(f"{where}: a layout imports an SDK library by its CSL name, such as "
                          "'<collectives_2d/params>'")
    if params is not None and not isinstance(params, dict):
        raise LayoutError(f"{where}: params must be a dict (or keyword params), got "
                          f"{type(params).__name__}")
    try:
        factory = modules.find_library(target, where, layout=True)
    except ProgramError as e:       # a layout's mistake: a LayoutError, as the layout's others
        raise LayoutError(str(e)) from None
    return factory(layout, **{**(params or {}), **kwparams})
