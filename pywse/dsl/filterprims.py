"""Signatures of `<tile_config>`'s `filters` primitives: a PE's code reading and rewriting
its own counter filters at run time (what they do: sim/filters.py; the library face:
lib/tile_config.py).

Every function of the submodule is one of two primitives with a function code: a filter id
(`pw.get_filter_id(c)`), the code, and its values. The old interface (both arches) writes a
counter filter's words: `set_active_limit` limit1, `set_max_counter` max_counter,
`set_counter` the counter. wse3's adds a view of the same filter as a PASS / DROP state
machine (CSL-LIBRARIES §1.7: a filter passes `pass count` wavelets, then drops `drop count`,
counts in half-wavelets); docs/semantics.md, "Filters", says how the two map onto each other.
"""
from __future__ import annotations

from .primitives import _primitive

SETTERS = ("set_active_limit", "set_max_counter", "set_counter", "set_counter_value",
           "set_state", "set_pass_count", "set_drop_count", "set_counter_and_state")
GETTERS = ("get_counter_value", "get_state", "get_pass_count", "get_drop_count")
FUNCTIONS = SETTERS + GETTERS
"""Function codes: a function's index here (setters 0..7, getters 8..11)."""
WSE3_ONLY = FUNCTIONS[3:]
"""wse3's PASS / DROP view; on wse2 a call is a compile-time error (lib/tile_config.py)."""
PASS, DROP = 0, 1
"""`counter_filter_state`: the next data wavelet is delivered (PASS) or not (DROP)."""

_C = "<tile_config>'s filters."
tc_filter_set = _primitive("tc_filter_set", ("int", "int", "int", "int"),
                           csl=_C + "set_*",
                           doc="write a counter filter (id, function code, value, state)")
tc_filter_get = _primitive("tc_filter_get", ("int", "int"), returns="uint32",
                           csl=_C + "get_*",
                           doc="read a counter filter's state, count or counter (id, code)")
