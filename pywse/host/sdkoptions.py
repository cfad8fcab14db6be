"""The keywords `SdkRuntime(...)` takes beyond its own: the SDK's that pywse ignores.

The csl-examples' run.py files pass `suppress_simfab_trace=True` (fft-3d, row-col-broadcast,
which also has `msg_level=` commented out) and, in the appliance scripts, `simulator=`:
pywse accepts them so those scripts run unchanged, and does nothing with them. Any other
keyword that is not one of `SdkRuntime.__init__`'s own is refused, naming the valid ones and
the nearest: a misspelled option (`trce=`) would otherwise do nothing, silently. The valid
own keywords are read from the signature, so a keyword added there is valid at once.
"""
from __future__ import annotations

import difflib
import inspect

from ..errors import MemcpyError

SDK_IGNORED_OPTIONS = {
    "suppress_simfab_trace": "the simulator's trace files (pywse writes none)",
    "msg_level": "the SDK runtime's log level",
    "simulator": "the appliance client's choice of a simulator (pywse always simulates)",
}


def check_options(options: dict, init) -> None:
    """Refuse a keyword in `options` that is neither a parameter of `init` (SdkRuntime's
    `__init__`) nor one of the SDK's that pywse ignores."""
    unknown = sorted(set(options) - set(SDK_IGNORED_OPTIONS))
    if not unknown:
        return
    own = [name for name, p in inspect.signature(init).parameters.items()
           if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    close = difflib.get_close_matches(unknown[0], own + list(SDK_IGNORED_OPTIONS), n=1)
    hint = f" (did you mean {close[0]}=?)" if close else ""
    raise MemcpyError(f"SdkRuntime: unknown keyword {unknown[0]}={options[unknown[0]]!r}{hint}; "
                      f"its keywords are {', '.join(own)}, and the SDK's "
                      f"{', '.join(SDK_IGNORED_OPTIONS)}, which pywse accepts and ignores")
