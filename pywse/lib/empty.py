"""`<empty>`: the library with nothing in it (CSL-LIBRARIES §1.15).

CSL imports it where a module is optional, so that the import always names a module:

    cache = p.import_module("<empty>" if stage == 0 else cache_module)   # CSL:
    # const cache = @import_module(if (stage == 0) "<empty>" else cache_name);

The instance has no members (reaching for one says so, and lists none); it declares no
memory, task or color, so importing it costs nothing.
"""
from __future__ import annotations

from ..dsl.modules import library


@library("<empty>")
def empty(p) -> dict:
    """`p.import_module("<empty>")`: nothing."""
    return {}


library = empty
"""What `p.import_module` takes for the Pythonic spelling (`p.import_module(empty.library)`)."""
